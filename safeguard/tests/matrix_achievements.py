"""Permission-matrix rows and world objects for positive behaviour (issue 16 item 6: praise and points). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in).

Any member of staff records praise and opens the school's list (``RECORD_ACHIEVEMENT``). One piece of praise
(``world.praise``, given by the office to ``world.pupil``) is read by its giver and by SLT, the head and the DSL team;
the teacher (no class in the world) does not read it. It is withdrawn by its giver or by whoever manages behaviour
records; an empty reason shows the form again (200) and changes nothing."""

STAFF = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head"]
READERS = ["office", "dsl", "deputy_dsl", "slt", "head"]


def build_world(world):
    """Praise for ``world.pupil``, given by the office today."""
    from achievements import services
    from achievements.tests.factories import category

    [world.praise] = services.achievement_record(
        actor=world.users["office"],
        school=world.school,
        pupils=[world.pupil],
        category=category(world.school, "postcard-home"),
        note="Read aloud in assembly.",
    )


def _school(f):
    return {"slug": f.school.slug}


def _praise(f):
    return {"slug": f.school.slug, "public_id": f.praise.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        ("achievements:record", ""): ("get", _school, allow(STAFF)),
        # An empty POST shows the form again with its errors (200); nothing is saved.
        ("achievements:record", "post"): ("post", _school, allow(STAFF)),
        ("achievements:record", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug},
            allow(["other_school_dsl"]),
        ),
        ("achievements:list", ""): ("get", _school, allow(STAFF)),
        ("achievements:detail", ""): ("get", _praise, allow(READERS)),
        ("achievements:detail", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "public_id": f.praise.public_id},
            allow([]),
        ),
        # An empty reason: the form again with its error (200) for the giver and the behaviour managers.
        ("achievements:withdraw", ""): ("post", _praise, allow(READERS)),
        ("achievements:withdraw", "other school"): (
            "post",
            lambda f: {"slug": f.other_school.slug, "public_id": f.praise.public_id},
            allow([]),
        ),
    }
