"""Reads of the interop app."""

from django.http import Http404

from safeguard.directory.models import Pupil

from .models import CtfExport, InteropImport


def import_for_school(school, public_id):
    """The ``InteropImport`` of ``school`` with ``public_id``; another school's, or none, raises ``Http404``."""
    interop_import = InteropImport.objects.filter(school=school, public_id=public_id).first()
    if interop_import is None:
        raise Http404
    return interop_import


def recent_imports(school, limit=10):
    """The school's latest imports, newest first (no payload loaded)."""
    return list(InteropImport.objects.filter(school=school).defer("payload").select_related("uploaded_by")[:limit])


def pupil_for_school(school, public_id):
    """The ``Pupil`` of ``school`` with ``public_id`` (year group loaded); another school's raises ``Http404``."""
    pupil = Pupil.objects.filter(school=school, public_id=public_id).select_related("year_group", "school").first()
    if pupil is None:
        raise Http404
    return pupil


def syncs_for_school(school):
    """The school's roster syncs with their latest run (``latest_run``, or None), by name. Two queries."""
    from .models import RosterSync, RosterSyncRun

    syncs = list(RosterSync.objects.filter(school=school).defer("secret"))
    latest = {}
    for run in RosterSyncRun.objects.filter(sync__in=syncs).order_by("sync_id", "-started_at", "-pk"):
        latest.setdefault(run.sync_id, run)
    for sync in syncs:
        sync.latest_run = latest.get(sync.pk)
    return syncs


def sync_for_school(school, public_id):
    """The ``RosterSync`` of ``school`` with ``public_id``; another school's, or none, raises ``Http404``."""
    from .models import RosterSync

    sync = RosterSync.objects.filter(school=school, public_id=public_id).select_related("configured_by").first()
    if sync is None:
        raise Http404
    return sync


def sync_runs(sync, limit=30):
    """The sync's latest runs, newest first."""
    return list(sync.runs.select_related("leavers_confirmed_by")[:limit])


def run_for_sync(sync, public_id):
    """The ``RosterSyncRun`` of ``sync`` with ``public_id``; another sync's, or none, raises ``Http404``."""
    run = sync.runs.filter(public_id=public_id).select_related("sync__school").first()
    if run is None:
        raise Http404
    return run


def leavers_waiting(sync, runs, limit=200):
    """``(run, pupils)``: the sync's latest applied run (among ``runs``, newest first) whose leavers wait for a
    person — not marked by the sync, not yet confirmed — and those pupils still on roll (at most ``limit``, by
    name); ``(None, [])`` when none wait. One query."""
    from safeguard.directory.models import Pupil

    from .models import RosterSyncRun

    latest = next((run for run in runs if run.status == RosterSyncRun.Status.OK), None)
    if (
        latest is None
        or latest.leavers_confirmed_at
        or latest.counts.get("pupils_marked_left")
        or not latest.report.get("absent_pupils")
    ):
        return None, []
    pupils = list(
        Pupil.objects.filter(school=sync.school_id, public_id__in=latest.report["absent_pupils"], left_on__isnull=True)
        .select_related("year_group")
        .order_by("legal_last_name", "legal_first_name")[:limit]
    )
    return (latest, pupils) if pupils else (None, [])


def ctf_exports(school, pupil=None, limit=50):
    """The CTF exports of ``school`` (of ``pupil`` only, when given), newest first, at most ``limit``, with the pupil,
    their class and who exported loaded — for the DSL team's transfer pages, beside the child protection file
    transfers. Callers check ``VIEW_SAFEGUARDING``: office staff never see this list beside the transfers."""
    exports = CtfExport.objects.filter(school=school).select_related("pupil__school_class", "exported_by")
    if pupil is not None:
        exports = exports.filter(pupil=pupil)
    return list(exports[:limit])


def recent_district_imports(organisation, limit=10):
    """The organisation's latest district imports, newest first (no payload loaded)."""
    from .models import DistrictImport

    return list(
        DistrictImport.objects.filter(organisation=organisation).defer("payload").select_related("uploaded_by")[:limit]
    )


def district_import_for_organisation(organisation, public_id):
    """The ``DistrictImport`` of ``organisation`` with ``public_id``; another organisation's, or none, raises
    ``Http404``."""
    from .models import DistrictImport

    found = DistrictImport.objects.filter(organisation=organisation, public_id=public_id).first()
    if found is None:
        raise Http404
    return found
