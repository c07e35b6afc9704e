from . import views

app_name = "exports"

urlpatterns = views.urlpatterns
