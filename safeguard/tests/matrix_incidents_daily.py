"""Permission-matrix rows and world objects for the incident log in daily use (issue 16: search, corrections, pupil
flags, external referrals). Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``,
"login" = redirect to sign in).

The behaviour incident (``world.incident``, recorded by the office) and the concern (``world.concern``, raised by the
teacher) come from ``matrix_later``, whose ``build_world`` runs after this one: rows read them when the test runs.
The DSL team meet the second factor first on a concern's pages (302)."""

MANAGERS = ["dsl", "deputy_dsl", "slt", "head"]
DSL_OTP = {"dsl": 302, "deputy_dsl": 302, "head": 302}  # to the second factor, then the page


def build_world(world):
    """Nothing of its own yet: the rows use ``matrix_later``'s incidents."""


def _incident(f):
    return {"slug": f.school.slug, "public_id": f.incident.public_id}


def _concern(f):
    return {"slug": f.school.slug, "public_id": f.concern.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # Issue 16 item 2: correcting a record — whoever manages it; the office recorded it but may not rewrite it.
        ("incidents:incident_amend", ""): ("get", _incident, allow(MANAGERS)),
        ("incidents:incident_amend", "concern"): ("get", _concern, only(DSL_OTP, 404)),
        ("incidents:incident_amend", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "public_id": f.incident.public_id},
            allow([]),
        ),
        # An empty POST shows the form again with its errors (200); nothing is saved.
        ("incidents:incident_amend", "post"): ("post", _incident, allow(MANAGERS)),
    }
