"""Audit labels of the acceptable use app's newer actions (merged into ``safeguard.audit.labels``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "aup.self_signing.changed": _("Changed the age from which pupils sign for themselves"),
    "aup.class_code.opened": _("Opened a class code"),
    "aup.class_code.revoked": _("Closed a class code"),
    "aup.class_code.pupil_identified": _("A pupil confirmed their name and date of birth with a class code"),
    # Declining, expiry and reminding now (issue 17 items 2-4)
    "aup.request.declined": _("Declined an agreement, with a reason"),
    "aup.request.reopened": _("Reopened a declined agreement request and sent it again"),
    "aup.request.fresh_link": _("Asked for a new signing link for an expired request"),
    "aup.chase.sent": _("Sent reminders to sign an agreement"),
}
