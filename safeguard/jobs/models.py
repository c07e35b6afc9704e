"""Background work that must not be lost: the outbox of tasks to queue, and tasks that failed for good.

The pattern every feature uses (``safeguard.jobs.services.enqueue``): a task is written to the ``OutboxTask`` table in
the same transaction as the change that needs it, and handed to the broker after commit. If the broker (Redis) is
down, the save still succeeds and the row waits; the ``drain_outbox`` task, run by beat every minute, hands it over
when the broker is back. A task whose retries are exhausted leaves a ``TaskFailure`` row for an administrator.

Large files (a child protection file, a class's blank forms, a zip of signed PDFs) are built by the worker too: a
``PreparedFile`` is one person's request for one, with its status and, once ready, the file kept under its SHA-256.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aup.models import get_private_storage
from safeguard.base import PublicIdModel


class OutboxTask(models.Model):
    """One task waiting to be (or already) handed to the broker. ``dispatched_at`` is empty while it waits."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    dispatched_at = models.DateTimeField(_("handed to the broker at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts to hand over"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks (outbox)")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(dispatched_at__isnull=True), name="jobs_outbox_waiting"
            ),
        ]

    def __str__(self):
        return f"{self.task_name} {self.args}"


class TaskFailure(models.Model):
    """A task that failed after its last retry — shown to administrators, never silent.

    ``resolved_at`` is set when an administrator has dealt with it (for example, re-queued it or fixed an address).
    """

    created_at = models.DateTimeField(_("failed at"), auto_now_add=True, db_index=True)
    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    retries = models.PositiveIntegerField(_("retries"), default=0)
    exception = models.TextField(_("error"))
    traceback = models.TextField(_("traceback"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.task_name}: {self.exception[:80]}"


class PreparedFile(PublicIdModel):
    """A large file (a PDF of many pages, a zip) one person asked for, built by the worker rather than in a request.

    Lifecycle: asked for (``pending``) → claimed by the task (``building``) → ``ready`` with its file, SHA-256 and
    size, or ``failed`` with the error; a request left "being prepared" past ``prepared.STALE_AFTER`` is marked failed
    when it is asked for again. Rows are never deleted: each is the record of one request.

    ``kind`` names what is built (``"incidents.cp_file"``; see ``safeguard.jobs.prepared``), ``params`` the records
    it is built from (public ids, as JSON), and ``input_key`` the SHA-256 of everything the content depends on (the
    kind, the school, the params and the latest change of each input): a second request with the same key reuses
    the file already built. Files are stored once per content, under their own SHA-256
    (``prepared/<sha256[:2]>/<sha256>.<ext>``), so two requests for identical content share one file.
    Only ``requested_by`` may open or download it, and only while they still hold the right to (checked again at
    each download).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=60)
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="prepared_files")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    params = models.JSONField(_("built from"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=300)
    input_key = models.CharField(_("input key (SHA-256)"), max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("file"), storage=get_private_storage, upload_to="prepared/", max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    reused = models.BooleanField(_("reused an earlier file"), default=False)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("prepared file")
        verbose_name_plural = _("prepared files")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "school", "input_key"], name="jobs_preparedfile_input"),
        ]

    def __str__(self):
        return f"{self.kind} {self.title}"

    @property
    def in_progress(self):
        return self.status in (self.Status.PENDING, self.Status.BUILDING)
