from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "safeguard.jobs"
    label = "jobs"
    verbose_name = _("Background work")

    def ready(self):
        from django.core import checks

        from safeguard.sealing import check_signing_configuration

        from . import signals  # noqa: F401 — connects the Celery failure handler

        checks.register(check_signing_configuration)
