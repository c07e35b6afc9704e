"""Background work of the reports: checking a newly recorded, corrected or voided incident against the school's
behaviour thresholds."""

from celery import shared_task

from incidents.models import Incident


@shared_task
def behaviour_thresholds_check(incident_id):
    """Check the incident (int pk) against its school's behaviour thresholds
    (``reports.services_thresholds.thresholds_check``). Idempotent: a rule already raised for a pupil within its
    window is not raised again. Returns the number of actions raised."""
    from .services_thresholds import thresholds_check

    incident = Incident.objects.select_related("school", "recorded_by").filter(pk=incident_id).first()
    if incident is None:
        return 0
    return len(thresholds_check(incident=incident))


@shared_task
def behaviour_thresholds_recheck_after_void(incident_id):
    """Check again, without the voided incident (int pk), the pupils it counted for
    (``reports.services_thresholds.thresholds_recheck_after_void``). Idempotent. Returns the number of actions
    raised."""
    from .services_thresholds import thresholds_recheck_after_void

    incident = Incident.objects.select_related("school").filter(pk=incident_id).first()
    if incident is None:
        return 0
    return len(thresholds_recheck_after_void(incident=incident))
