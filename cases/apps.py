from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Cases: related incidents linked, and concerns about one child or family
    grouped into a case with its own status, owner and chronology
    (issue 16 item 3)."""

    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from safeguard import panels

        from . import panels as case_panels

        panels.register("school_home", case_panels.school_cases)
        panels.register("pupil_detail", case_panels.pupil_cases)
