"""Labels of the audit events of files prepared by the worker (merged into ``safeguard.audit.labels``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "jobs.prepared_file.built": _("A requested file was prepared"),
    "jobs.prepared_file.failed": _("A requested file could not be prepared"),
    "incidents.cp_file.requested": _("Asked for the child protection file"),
    "aup.blank_forms.requested": _("Asked for blank forms"),
    "aup.blank_forms.downloaded": _("Downloaded blank forms"),
    "aup.class_zip.requested": _("Asked for a class's signed agreements as a zip"),
    "aup.class_zip.downloaded": _("Downloaded a class's signed agreements as a zip"),
}
