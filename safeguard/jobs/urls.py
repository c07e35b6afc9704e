from . import views

app_name = "jobs"

urlpatterns = views.urlpatterns
