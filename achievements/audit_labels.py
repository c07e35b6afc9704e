"""Labels of the positive behaviour audit actions (issue 16 item 6), merged into
``safeguard.audit.labels.AUDIT_LABELS``."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "achievements.achievement.recorded": _("Recorded praise"),
    "achievements.achievement.withdrawn": _("Withdrew praise"),
}
