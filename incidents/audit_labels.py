"""Labels of the incident log's audit actions added for issue 16 (daily use: search, corrections, pupil flags,
external referrals, lessons and subjects, saved filters, acting on selected records), merged into
``safeguard.audit.labels.AUDIT_LABELS``."""

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
    # Lessons and subjects, saved filters and acting on selected records (issue 16 items 7, 9)
    "incidents.lesson_period.added": _("Added a lesson or period"),
    "incidents.lesson_period.removed": _("Removed a lesson or period"),
    "incidents.subject.added": _("Added a subject"),
    "incidents.subject.removed": _("Removed a subject"),
    "incidents.saved_filter.saved": _("Saved a filter of the incident log"),
    "incidents.saved_filter.removed": _("Removed a saved filter"),
    "incidents.action.reassigned": _("Gave an action to someone else"),
    "incidents.incident.downloaded": _("Downloaded the record in a spreadsheet"),
}
