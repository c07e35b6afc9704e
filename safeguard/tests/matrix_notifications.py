"""Permission-matrix rows for the notification settings page (issue 16 item 8). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in).

The page is always the signed-in person's own (its URL names no one): every member of staff of any school — another
school's DSL included — opens theirs; parents, governors and trust admins receive no alerts or action reminders and
get 404."""

STAFF = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head", "other_school_dsl"]


def build_world(world):
    """Nothing to add: the page needs no record."""


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        ("notifications:settings", ""): ("get", lambda f: {}, allow(STAFF)),
        # An empty POST shows the form again with its error (200); nothing is saved.
        ("notifications:settings", "post"): ("post", lambda f: {}, allow(STAFF)),
    }
