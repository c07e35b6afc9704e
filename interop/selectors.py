"""Reads of the interop app."""

from django.http import Http404

from safeguard.directory.models import Pupil

from .models import InteropImport


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
    return list(sync.runs.all()[:limit])
