"""Placeholder: filled in by the issue work in progress."""

urlpatterns = []
