"""The outbox drain, run by beat every minute (schedule registered in migration 0002, editable in the admin)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def drain_outbox():
    """Publish outbox rows whose after-commit hand-over failed (the broker was down). Returns the count."""
    return services.drain()
