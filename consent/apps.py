from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    """Photo and video consent: forms, answers, the effective answer, DSL measures and the lists staff use."""

    name = "consent"
    verbose_name = _("Photo and video consent")

    def ready(self):
        from safeguard import panels

        from . import panels as consent_panels

        panels.register("parent_home", consent_panels.parent_consent)
        panels.register("school_home", consent_panels.school_consent)
