from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards for senior leaders, governor termly reports and the trust roll-up."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        """Cached figures follow their data (``safeguard.datacache``): a saved incident, or anything recorded on one,
        bumps its school's incident figures; a pupil's change (class, characteristics) bumps every topic."""
        from incidents import models as incidents
        from safeguard import datacache
        from safeguard.directory.models import Pupil

        datacache.watch(incidents.Incident, datacache.INCIDENTS, lambda incident: incident.school_id)
        for model in (
            incidents.IncidentPupil,
            incidents.Action,
            incidents.Sanction,
            incidents.PhysicalIntervention,
            incidents.ParentContact,
            incidents.DSLNote,
        ):
            datacache.watch(model, datacache.INCIDENTS, lambda record: record.incident.school_id)
        for topic in datacache.TOPICS:
            datacache.watch(Pupil, topic, lambda pupil: pupil.school_id)
