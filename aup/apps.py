from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AupConfig(AppConfig):
    """Policy library and acceptable use agreements (filled in by the acceptable use issue)."""

    name = "aup"
    verbose_name = _("Acceptable use")
