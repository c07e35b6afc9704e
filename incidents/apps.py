from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incident log and safeguarding concerns (filled in by the incident log issue)."""

    name = "incidents"
    verbose_name = _("Incidents")
