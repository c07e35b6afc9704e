"""Audit labels of pupils' own account invitations (issue 14 item 1; merged into
``safeguard.audit.labels.AUDIT_LABELS``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "accounts.invitation.pupil_created": _("Invited a pupil to their own account"),
    "accounts.invitation.pupil_accepted": _("Set up their own pupil account from an invitation"),
}
