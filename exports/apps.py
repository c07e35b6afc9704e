from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """Every list a school keeps as CSV, and the full school export for a school that leaves (issue 14 item 5)."""

    name = "exports"
    verbose_name = _("Exports")

    def ready(self):
        from safeguard import panels

        from . import panels as export_panels

        panels.register("school_home", export_panels.school_exports)
