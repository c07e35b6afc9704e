"""Labels of the incident log's audit actions added for issue 16 (daily use: search, corrections, pupil flags,
external referrals), merged into ``safeguard.audit.labels.AUDIT_LABELS``."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "incidents.incident_log.searched": _("Searched the incident log"),
    "incidents.incident.amended": _("Corrected the record"),
}
