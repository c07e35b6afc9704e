"""Permission-matrix rows for operations: the health check (issue 12 item 5). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""


def build_world(world):
    """The health check needs no records."""


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # No sign-in and no school: everyone, anonymous included, gets the same short answer.
        ("healthz", ""): ("get", lambda f: {}, {**only({}, 200), "anonymous": 200}),
    }
