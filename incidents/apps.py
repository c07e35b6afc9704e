from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _load_defaults_for_new_school(sender, instance, created, raw=False, **kwargs):
    """Every new school starts with the default categories and behaviour levels (``incidents.defaults``)."""
    if created and not raw:
        from .defaults import load_defaults

        load_defaults(instance)


class IncidentsConfig(AppConfig):
    """Incident log: behaviour levels 1–5, bullying and prejudice, safeguarding concerns."""

    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from safeguard.directory.models import School

        post_save.connect(_load_defaults_for_new_school, sender=School, dispatch_uid="incidents.defaults")

        from safeguard import panels

        from . import panels as incident_panels

        panels.register("school_home", incident_panels.school_incidents)
