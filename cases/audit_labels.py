"""Labels of the cases app's audit actions (issue 16 item 3), merged into ``safeguard.audit.labels.AUDIT_LABELS``."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "cases.case_list.viewed": _("Viewed the list of cases"),
    "cases.case.viewed": _("Viewed the case"),
    "cases.case.opened": _("Opened a case"),
    "cases.case.pupil_added": _("Added a pupil to the case"),
    "cases.case.pupil_removed": _("Took a pupil off the case"),
    "cases.case.concern_added": _("Added a concern to the case"),
    "cases.case.concern_removed": _("Took a concern off the case"),
    "cases.case.note_added": _("Wrote a case note"),
    "cases.case.status_changed": _("Changed the case's status"),
    "cases.case.owner_changed": _("Gave the case to another owner"),
    "cases.incident_link.added": _("Linked to another incident"),
    "cases.incident_link.ended": _("Undid a link to another incident"),
}
