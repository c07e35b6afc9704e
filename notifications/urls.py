from . import views

app_name = "notifications"

urlpatterns = [*views.urlpatterns]
