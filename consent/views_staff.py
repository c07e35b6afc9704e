"""Placeholder: filled in by the photo consent work."""

urlpatterns = []
