"""Permission-matrix rows and world objects for roster imports: OneRoster and CTF (issue 14). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""

MANAGERS = ["office", "head"]  # MANAGE_ROSTER


def build_world(world):
    """Add what this module's rows need to ``world`` (see ``test_permissions_matrix._build_world``)."""
    from interop.models import InteropImport

    def stored(school, user):
        return InteropImport.objects.create(
            school=school,
            kind=InteropImport.Kind.CTF,
            uploaded_by=user,
            original_filename="incoming.xml",
            payload=b"<CTfile/>",
            sha256="0" * 64,
        )

    import datetime

    from safeguard.directory.tests import factories

    world.left_pupil = factories.PupilFactory(school=world.school, left_on=datetime.date(2026, 7, 20))
    world.interop_import = stored(world.school, world.users["office"])
    world.other_interop_import = stored(world.other_school, world.users["other_school_dsl"])

    from interop.models import RosterSync

    def sync(school, user):
        return RosterSync.objects.create(
            school=school,
            name="Nightly roster",
            kind=RosterSync.Kind.CSV,
            source=RosterSync.Source.FOLDER,
            run_at=datetime.time(6, 0),
            configured_by=user,
        )

    world.roster_sync = sync(world.school, world.users["office"])
    world.disabled_roster_sync = sync(world.school, world.users["office"])
    world.disabled_roster_sync.enabled = False
    world.disabled_roster_sync.save()
    world.other_roster_sync = sync(world.other_school, world.users["other_school_dsl"])
    from django.utils import timezone

    world.roster_sync_run = world.roster_sync.runs.create(started_at=timezone.now(), status="ok")
    world.other_roster_sync_run = world.other_roster_sync.runs.create(started_at=timezone.now(), status="ok")


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        ("interop:oneroster_import", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("interop:oneroster_import", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("interop:ctf_import", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("interop:ctf_import", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("interop:import_detail", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.interop_import.public_id},
            allow(MANAGERS),
        ),
        ("interop:import_detail", "import of another school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_interop_import.public_id},
            allow([]),
        ),
        ("interop:import_confirm", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.interop_import.public_id},
            allow(MANAGERS, status=302),  # the stored file fails the checks again: a message, nothing written
        ),
        ("interop:pupil_ctf", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.left_pupil.public_id},
            allow(MANAGERS),
        ),
        ("interop:pupil_ctf", "pupil on roll"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.pupil.public_id},
            allow(MANAGERS, status=302),  # a message: mark the pupil as left first
        ),
        ("interop:pupil_ctf", "pupil of another school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
            allow([]),
        ),
        ("interop:sync_list", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("interop:sync_list", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("interop:sync_create", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("interop:sync_create", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("interop:sync_detail", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.roster_sync.public_id},
            allow(MANAGERS),
        ),
        ("interop:sync_detail", "sync of another school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_roster_sync.public_id},
            allow([]),
        ),
        ("interop:sync_edit", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.roster_sync.public_id},
            allow(MANAGERS),
        ),
        ("interop:sync_edit", "sync of another school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_roster_sync.public_id},
            allow([]),
        ),
        ("interop:sync_run", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.disabled_roster_sync.public_id},
            allow(MANAGERS, status=302),  # a turned-off sync: a message, nothing queued
        ),
        ("interop:sync_run", "sync of another school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_roster_sync.public_id},
            allow([]),
        ),
        ("interop:sync_confirm_leavers", ""): (
            "post",
            lambda f: {
                "slug": f.school.slug,
                "public_id": f.roster_sync.public_id,
                "run_id": f.roster_sync_run.public_id,
            },
            allow(MANAGERS, status=302),  # the run has no leavers: a message, nothing changed
        ),
        ("interop:sync_confirm_leavers", "run of another school"): (
            "post",
            lambda f: {
                "slug": f.school.slug,
                "public_id": f.roster_sync.public_id,
                "run_id": f.other_roster_sync_run.public_id,
            },
            allow([]),
        ),
        ("interop:import_confirm", "import of another school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_interop_import.public_id},
            allow([]),
        ),
    }
