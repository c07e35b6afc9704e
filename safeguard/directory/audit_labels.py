"""Labels of the audit actions written by the directory's pages (merged into ``safeguard.audit.labels``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    # A parent's history (issue 17 item 7): the PDF copy of their own consent answers.
    "consent.response.copy_downloaded": _("Downloaded a copy of their consent answers"),
}
