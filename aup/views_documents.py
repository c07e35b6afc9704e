"""Placeholder: filled in by the acceptable use work."""

urlpatterns = []
