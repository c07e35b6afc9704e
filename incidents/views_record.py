"""Placeholder: filled in by the incident log pages."""

urlpatterns = []
