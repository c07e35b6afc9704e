"""Record every task that fails for good (after its last retry) as a ``TaskFailure`` for administrators.

Celery sends ``task_failure`` only when a task raises and is not being retried, i.e. when retries are exhausted or
the error is not one it retries. A failure to write the record is logged, never raised into the worker.
"""

import json
import logging

from celery.signals import task_failure

logger = logging.getLogger(__name__)


def _json_safe(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


@task_failure.connect
def record_task_failure(sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **_extra):
    from .models import TaskFailure

    request = getattr(sender, "request", None)
    try:
        TaskFailure.objects.create(
            task_name=getattr(sender, "name", str(sender)),
            task_id=task_id or "",
            args=_json_safe(list(args or [])),
            kwargs=_json_safe(dict(kwargs or {})),
            retries=getattr(request, "retries", 0) or 0,
            exception=f"{exception.__class__.__name__}: {exception}"[:4000],
            traceback=str(einfo or "")[:20000],
        )
    except Exception:  # the worker must go on; the log still has it
        logger.exception("Could not record the failure of task %s", task_id)
    logger.error("Task %s (%s) failed for good: %s", getattr(sender, "name", sender), task_id, exception)
