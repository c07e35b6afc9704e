"""The full school export: one zip of every CSV and the signed PDFs, built in the background for the headteacher.

Lifecycle: requested by the headteacher (``pending``) → claimed by the task (``building``) → ``ready`` with its file
and SHA-256, or ``failed`` with the error. At most one export of a school is in progress at a time. Nothing is
deleted: older exports stay listed (their files can be removed by an operator once downloaded).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aup.models import get_private_storage
from safeguard.base import PublicIdModel


class SchoolExport(PublicIdModel):
    """One full export of a school's records (CSV files and PDFs in a zip), asked for by its headteacher.

    ``include_concerns`` is fixed at request time: True only when the headteacher had passed the second factor then.
    ``concern_ids`` lists the public ids of the safeguarding concerns the zip holds, so each download can name the
    pupils in the audit log. ``contents`` lists the files in the zip: ``[{"name", "sha256", "rows"}]``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    include_concerns = models.BooleanField(_("safeguarding concerns included"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(_("file"), storage=get_private_storage, upload_to="exports/%Y/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    contents = models.JSONField(_("files in the export"), default=list, blank=True)
    concern_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school export")
        verbose_name_plural = _("school exports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(status__in=["pending", "building"]),
                name="exports_schoolexport_one_in_progress",
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def in_progress(self):
        return self.status in (self.Status.PENDING, self.Status.BUILDING)
