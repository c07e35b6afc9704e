"""Permission-matrix rows for pupils' own accounts (issue 14 item 1). Imported by ``test_permissions_matrix.py``,
which owns the rules (``allow``, ``only``, "login" = redirect to sign in).

No persona of the matrix is a pupil with an account, so the pupil's own pages answer 404 to every one of them (a
pupil's own view of them, and of everything else, is in ``safeguard/directory/tests/test_pupil_accounts.py``). The
school gives pupils no accounts in the world, so the office's and head's invitation POST is refused with a message
and a redirect to the pupil page (302), and changes nothing."""

SETTERS = ["office", "head"]  # ``permissions.may_set_pupil_accounts`` / ``may_invite_pupil``


def build_world(world):
    """Nothing of its own: the rows use ``world.pupil`` and ``world.request_pending`` (a pupil agreement)."""


def _request(f):
    return {"public_id": f.request_pending.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # The pupil's own home and signing pages: only for a pupil with an open account (none in the matrix).
        ("directory:student_home", ""): ("get", lambda f: {}, allow([])),
        ("directory:student_sign", ""): ("get", _request, allow([])),
        ("directory:student_sign", "post"): ("post", _request, allow([])),
        ("directory:student_signed", ""): ("get", _request, allow([])),
        # The office invites one pupil from the pupil page.
        ("directory:student_invite", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.pupil.public_id},
            allow(SETTERS, 302),
        ),
        ("directory:student_invite", "pupil of another school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
            allow([]),
        ),
        ("directory:student_invite", "other school"): (
            "post",
            lambda f: {"slug": f.other_school.slug, "public_id": f.pupil.public_id},
            allow([]),
        ),
        # The set-up page: the headteacher or office; not a trust admin (the school's decision).
        ("onboarding:pupil_accounts", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETTERS)),
        # An empty POST shows the form again with its error (200); nothing is saved.
        ("onboarding:pupil_accounts", "post"): ("post", lambda f: {"slug": f.school.slug}, allow(SETTERS)),
        ("onboarding:pupil_accounts", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
    }
