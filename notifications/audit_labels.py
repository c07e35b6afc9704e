"""Labels of the notification preferences' audit actions, merged into ``safeguard.audit.labels.AUDIT_LABELS``."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "notifications.preference.changed": _("Changed how alerts and action reminders reach them"),
}
