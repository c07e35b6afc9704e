"""A URL configuration for the error-page tests: the site's URLs plus views that fail."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path


def fails(request):
    raise RuntimeError("a fault for the test")


def forbidden(request):
    raise PermissionDenied


def bad(request):
    raise SuspiciousOperation("a bad request for the test")


urlpatterns = [
    path("test-errors/500/", fails),
    path("test-errors/403/", forbidden),
    path("test-errors/400/", bad),
    path("", include("safeguard.urls")),
]
