"""Permission-matrix rows and world objects for the dashboard's behaviour thresholds (issue 16 item 10: "5 incidents
in 10 school days" raises an action). Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``,
``only``, "login" = redirect to sign in).

The rules page is for whoever manages behaviour incidents (``MANAGE_INCIDENTS``: SLT, the head and the DSL team);
everyone else, and another school's rule, answers 404. An empty POST shows the form again with its errors (200)."""

MANAGERS = ["dsl", "deputy_dsl", "slt", "head"]


def build_world(world):
    """A rule in the school and one in the other school (made as the schools' defaults are)."""
    from reports.services_thresholds import threshold_rules

    world.threshold_rule = threshold_rules(world.school)[0]
    world.other_threshold_rule = threshold_rules(world.other_school)[0]


def _school(f):
    return {"slug": f.school.slug}


def _rule(f):
    return {"slug": f.school.slug, "public_id": f.threshold_rule.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        ("reports:behaviour_thresholds", ""): ("get", _school, allow(MANAGERS)),
        ("reports:behaviour_thresholds", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug},
            allow(["other_school_dsl"]),
        ),
        ("reports:behaviour_threshold_add", ""): ("get", _school, allow(MANAGERS)),
        ("reports:behaviour_threshold_add", "post"): ("post", _school, allow(MANAGERS)),
        ("reports:behaviour_threshold_edit", ""): ("get", _rule, allow(MANAGERS)),
        ("reports:behaviour_threshold_edit", "post"): ("post", _rule, allow(MANAGERS)),
        # Another school's rule through this school's address: 404 for everyone, as a missing one.
        ("reports:behaviour_threshold_edit", "other school's rule"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_threshold_rule.public_id},
            allow([]),
        ),
    }
