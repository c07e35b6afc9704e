"""Permission-matrix rows and world objects for exports: CSV lists and the full school export (issue 14). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""

DSL_OTP = {"dsl": 302, "deputy_dsl": 302, "head": 302}  # to the second factor, then the download


def _ready_export(school, user, *, include_concerns=False):
    from django.core.files.base import ContentFile

    from exports.models import SchoolExport

    export = SchoolExport.objects.create(
        school=school,
        requested_by=user,
        include_concerns=include_concerns,
        status=SchoolExport.Status.READY,
        sha256="0" * 64,
        size=4,
    )
    export.file.save("export.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=True)
    return export


def build_world(world):
    """Add what this module's rows need to ``world`` (see ``test_permissions_matrix._build_world``): a ready export
    of the school without concerns, one with concerns, and a ready export of the other school."""
    head = world.users["head"]
    world.school_export = _ready_export(world.school, head)
    world.school_export_concerns = _ready_export(world.school, head, include_concerns=True)
    world.other_school_export = _ready_export(world.other_school, world.users["other_school_dsl"])


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""

    def csv(kind, school="school"):
        return lambda f: {"slug": getattr(f, school).slug, "kind": kind}

    def export(name, school="school"):
        return lambda f: {"slug": getattr(f, school).slug, "public_id": getattr(f, name).public_id}

    behaviour = ["slt", "head", "dsl", "deputy_dsl"]
    return {
        ("exports:index", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", *behaviour])),
        ("exports:index", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug},
            allow(["other_school_dsl"]),
        ),
        ("exports:index", "missing school"): ("get", lambda f: {"slug": "no-such-school"}, allow([])),
        ("exports:download", "roster"): ("get", csv("roster"), allow(["office", "head"])),
        ("exports:download", "carers"): ("get", csv("carers"), allow(["office", "head"])),
        ("exports:download", "consent"): ("get", csv("consent"), allow(["office", "slt", "head"])),
        ("exports:download", "signatures"): ("get", csv("signatures"), allow(["office", "slt", "head"])),
        ("exports:download", "behaviour"): ("get", csv("behaviour"), allow(behaviour)),
        ("exports:download", "concerns"): ("get", csv("concerns"), only(DSL_OTP, 404)),
        ("exports:download", "concerns of another school"): (
            "get",
            csv("concerns", "other_school"),
            only({"other_school_dsl": 302}, 404),
        ),
        ("exports:download", "roster of another school"): ("get", csv("roster", "other_school"), allow([])),
        ("exports:download", "unknown list"): ("get", csv("passwords"), allow([])),
        ("exports:school_export_request", ""): (
            "post",
            lambda f: {"slug": f.school.slug},
            allow(["head"], status=302),
        ),
        ("exports:school_export_request", "other school"): ("post", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("exports:school_export_download", ""): ("get", export("school_export"), allow(["head"])),
        ("exports:school_export_download", "with concerns"): (
            "get",
            export("school_export_concerns"),
            only({"head": 302}, 404),
        ),
        ("exports:school_export_download", "export of another school"): (
            "get",
            export("other_school_export"),
            allow([]),
        ),
        ("exports:school_export_download", "another school's export in its own school"): (
            "get",
            export("other_school_export", "other_school"),
            allow([]),
        ),
    }
