"""Permission-matrix rows and world objects for the incident log and reports (issue 12). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""

MANAGERS = ["dsl", "deputy_dsl", "slt", "head"]


def build_world(world):
    """Add what this module's rows need to ``world`` (see ``test_permissions_matrix._build_world``). The racist
    incident (``world.racist``) and the behaviour incident come from ``matrix_later``."""


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # Issue 12 #16: recording that the LA's racist incident form was sent — whoever manages the incident. An
        # empty POST shows the record again with the form's error (200).
        ("incidents:racist_report_sent", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.racist.public_id},
            allow(MANAGERS),
        ),
        ("incidents:racist_report_sent", "not prejudice-related"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.incident.public_id},
            allow([]),
        ),
        ("incidents:racist_report_sent", "other school"): (
            "post",
            lambda f: {"slug": f.other_school.slug, "public_id": f.racist.public_id},
            allow([]),
        ),
    }
