from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AupConfig(AppConfig):
    """Policy library and acceptable use agreements."""

    name = "aup"
    verbose_name = _("Acceptable use")

    def ready(self):
        from safeguard import panels

        from . import panels as aup_panels
        from . import selectors_library

        panels.register("parent_home", aup_panels.parent_forms)
        panels.register("school_home", selectors_library.library_panel)
        panels.register("school_home", aup_panels.school_agreements)
