"""Labels of the reports' audit actions added for issue 16 item 10 (behaviour thresholds), merged into
``safeguard.audit.labels.AUDIT_LABELS``."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "reports.threshold.added": _("Added a behaviour threshold"),
    "reports.threshold.changed": _("Changed a behaviour threshold"),
    "reports.threshold.reached": _("A pupil reached a behaviour threshold: action raised"),
}
