from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    """Set-up in the product's own pages: first run, a trust's schools, the school calendar, staff (issue 13)."""

    name = "onboarding"
    verbose_name = _("Set-up")

    def ready(self):
        from safeguard import panels

        from . import panels as onboarding_panels

        panels.register("school_home", onboarding_panels.school_setup)
