app_name = "achievements"

urlpatterns = []
