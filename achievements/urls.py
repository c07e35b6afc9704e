"""Positive behaviour: praise and achievement points recorded as quickly as incidents, shown beside them
(issue 16 item 6)."""

from . import views

app_name = "achievements"

urlpatterns = [
    # The quick praise form, the school's list, one piece of praise with its history, withdrawing it (views)
    *views.urlpatterns,
]
