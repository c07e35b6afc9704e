"""Permission-matrix rows and world objects for roster imports: OneRoster and CTF (issue 14). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""


def build_world(world):
    """Add what this module's rows need to ``world`` (see ``test_permissions_matrix._build_world``)."""


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {}
