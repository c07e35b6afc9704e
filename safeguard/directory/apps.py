from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "safeguard.directory"
    label = "directory"
    verbose_name = _("Directory")

    def ready(self):
        from safeguard import panels

        from .views_student import pupil_account_panel

        # The office's card on the pupil page: the pupil's own account, and the button that invites them.
        panels.register("pupil_detail", pupil_account_panel)
