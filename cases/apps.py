from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Cases: related incidents linked, and concerns about one child or family
    grouped into a case with its own status, owner and chronology
    (issue 16 item 3)."""

    name = "cases"
    verbose_name = _("Cases")
