"""Background work of the reports: checking a newly recorded, corrected or voided incident against the school's
behaviour thresholds; keeping the pre-counted figures (``reports.precount``) current."""

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


@shared_task
def precount_rebuild_school(school_id):
    """Rebuild the pre-counted figures of the school (int pk) for its local today (``precount.rebuild_school``),
    queued by ``precount.queue_rebuild`` after a change. Idempotent: each snapshot is replaced in place, and one
    counted from a version since moved is never read. Returns the number of snapshots written (0 for a school no
    longer found)."""
    from safeguard.directory.models import School

    from . import precount

    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return 0
    return precount.rebuild_school(school)


@shared_task
def precount_rebuild_sections(school_id):
    """Rebuild the pre-counted governor report sections (acceptable use, consent, policies) of the school (int pk)
    for its local today (``precount.rebuild_sections``), queued by ``precount.queue_sections_rebuild`` after a change
    to one of those topics. Idempotent. Returns the rows written (0 for a school no longer found)."""
    from safeguard.directory.models import School

    from . import precount

    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return 0
    return precount.rebuild_sections(school)


@shared_task
def precount_sweep():
    """Every hour (beat, ``reports`` migration 0004): rebuild the pre-counted figures of each school whose local day
    has turned since its snapshots were counted, or whose snapshots are stale (a rebuild lost with the broker), and
    delete earlier days'; rebuild the governor sections of any other school whose sections row is stale
    (``precount.rebuild_all(only_due=True)``). Idempotent. Returns the snapshots written."""
    from . import precount

    return precount.rebuild_all(only_due=True)
