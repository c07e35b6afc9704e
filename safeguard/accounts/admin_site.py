"""The Django admin behind the same second factor as safeguarding records.

The admin reaches every record, safeguarding ones included, so a superuser (or any staff user) needs a second factor
verified within the last hour (``safeguard.accounts.otp``), exactly as a DSL opening a concern does. Without one the
admin's sign-in page sends them to the product's own pages -- enrolment when they have no authenticator app yet,
else verification -- and back to the admin afterwards. Installed as the default admin site by
``AdminConfig`` (``INSTALLED_APPS``), so every ``@admin.register`` uses it.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from . import otp


class SecondFactorAdminSite(admin.AdminSite):
    """``AdminSite`` whose ``has_permission`` also needs a second factor verified within the hour."""

    def has_permission(self, request):
        return super().has_permission(request) and otp.is_recently_verified(request)

    def login(self, request, extra_context=None):
        """A staff user who is signed in but not verified goes to enrol or verify, then back to where they were
        going in the admin; anyone else gets the admin's sign-in form."""
        user = request.user
        if user.is_active and user.is_staff and not otp.is_recently_verified(request):
            next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = reverse("admin:index", current_app=self.name)
            return otp.second_factor_redirect_to(request, next_url)
        return super().login(request, extra_context)


class AdminConfig(DjangoAdminConfig):
    default_site = "safeguard.accounts.admin_site.SecondFactorAdminSite"
