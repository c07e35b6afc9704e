"""Audit labels of the acceptable use app's newer actions (merged into ``safeguard.audit.labels``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "aup.self_signing.changed": _("Changed the age from which pupils sign for themselves"),
    "aup.class_code.opened": _("Opened a class code"),
    "aup.class_code.revoked": _("Closed a class code"),
    "aup.class_code.pupil_identified": _("A pupil confirmed their name and date of birth with a class code"),
}
