"""Permission-matrix rows for staff single sign-on (issue 14 item 4). Imported by ``test_permissions_matrix.py``,
which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""


def build_world(world):
    """Nothing to add: the pages need only the schools and trusts every matrix world has."""


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    everyone = {"anonymous": 200}
    return {
        # The e-mail page is for people not signed in yet; anyone may open it.
        ("sso:start", ""): ("get", lambda f: {}, only(everyone, 200)),
        # A return from the provider without a sign-in this session started: refused for everyone.
        ("sso:callback", ""): ("get", lambda f: {}, only({"anonymous": 400}, 400)),
        ("sso:school_settings", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["head"])),
        ("sso:school_settings", "post"): ("post", lambda f: {"slug": f.school.slug}, allow(["head"])),
        ("sso:school_settings", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("sso:school_settings", "missing school"): ("get", lambda f: {"slug": "no-such-school"}, allow([])),
        ("sso:trust_settings", ""): ("get", lambda f: {"slug": f.trust.slug}, allow(["trust_admin"])),
        ("sso:trust_settings", "post"): ("post", lambda f: {"slug": f.trust.slug}, allow(["trust_admin"])),
        ("sso:trust_settings", "missing trust"): ("get", lambda f: {"slug": "no-such-trust"}, allow([])),
    }
