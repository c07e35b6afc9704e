"""Labels of the incident log's audit actions added for issue 16 (daily use: search, corrections, pupil flags,
external referrals), merged into ``safeguard.audit.labels.AUDIT_LABELS``."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "incidents.incident_log.searched": _("Searched the incident log"),
    "incidents.incident.amended": _("Corrected the record"),
    "incidents.pupil_flags.viewed": _("Viewed the pupil's safeguarding flags"),
    "incidents.pupil_flag.started": _("Added a safeguarding flag"),
    "incidents.pupil_flag.ended": _("Ended a safeguarding flag"),
    "incidents.referral.recorded": _("Recorded an external referral"),
    "incidents.referral.updated": _("Updated an external referral"),
    "incidents.referral.printed": _("Printed a referral summary"),
}
