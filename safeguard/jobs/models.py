"""Background work that must not be lost: the outbox of tasks to queue, and tasks that failed for good.

The pattern every feature uses (``safeguard.jobs.services.enqueue``): a task is written to the ``OutboxTask`` table in
the same transaction as the change that needs it, and handed to the broker after commit. If the broker (Redis) is
down, the save still succeeds and the row waits; the ``drain_outbox`` task, run by beat every minute, hands it over
when the broker is back. A task whose retries are exhausted leaves a ``TaskFailure`` row for an administrator.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
