from django.contrib import admin
from django.urls import include, path

from safeguard import health
from safeguard.directory import views as directory_views

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("accounts/", include("safeguard.accounts.urls")),
    path("", include("safeguard.directory.urls")),
    path("", include("aup.urls")),
    path("", include("consent.urls")),
    path("", include("incidents.urls")),
    path("", include("reports.urls")),
    path("", include("exports.urls")),
    path("", include("interop.urls")),
    path("", include("onboarding.urls")),
    path("", include("sso.urls")),
    path("", include("cases.urls")),
    path("", include("achievements.urls")),
    path("", include("notifications.urls")),
    path("", include("safeguard.jobs.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
