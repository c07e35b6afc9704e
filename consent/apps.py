from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    """Photo and video consent (filled in by the consent issue)."""

    name = "consent"
    verbose_name = _("Photo and video consent")
