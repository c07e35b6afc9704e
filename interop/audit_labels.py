"""Audit labels of the interop app's actions (merged into ``safeguard.audit.labels.AUDIT_LABELS``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "interop.staff.roles_given": _("Gave a member of staff a role from a OneRoster file"),
    "interop.staff.roles_ended": _("Ended a member of staff's role from a OneRoster file (tobedeleted)"),
    "interop.district_import.applied": _("Imported a district's OneRoster file into its schools"),
}
