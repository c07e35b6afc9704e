from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    """Staff single sign-on with OpenID Connect (Google Workspace, Microsoft Entra ID), per school or trust."""

    name = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from safeguard import panels

        from . import panels as sso_panels

        panels.register("school_home", sso_panels.school_sso)
