"""Permission-matrix rows for pupils' own accounts (issue 14 item 1). Imported by ``test_permissions_matrix.py``,
which owns the rules (``allow``, ``only``, "login" = redirect to sign in).

The world's school gives pupils accounts from age 8 and ``world.pupil`` has one: ``world.users["pupil"]``, for the
"pupil" persona (a role of the matrix once ``ROLES`` lists it; until then its expectations here are unused, and a
pupil's view of every other page is tested in ``safeguard/directory/tests/test_pupil_accounts.py``). Only that
pupil opens the pupil's pages, and only their own requests. The office's and head's invitation POST for
``world.pupil`` (who already has an account) is refused with a message and a redirect to the pupil page (302), and
changes nothing."""

SETTERS = ["office", "head"]  # ``permissions.may_set_pupil_accounts`` / ``may_invite_pupil``


def build_world(world):
    """Turn pupils' accounts on (from 8: ``world.pupil`` is 8) and give ``world.pupil`` their own account, the
    "pupil" persona. ``world.request_pending`` is that pupil's agreement; ``world.other_request`` another school's."""
    from safeguard.directory.models import PupilAccountSetting
    from safeguard.directory.tests import factories

    PupilAccountSetting.objects.create(school=world.school, from_age=8)
    user = factories.UserFactory(email="pupil@pupils.example.test")
    world.pupil.email = user.email
    world.pupil.user = user
    world.pupil.save()
    world.users["pupil"] = user


def _request(f):
    return {"public_id": f.request_pending.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # The pupil's own home and signing pages: only for a pupil with an open account, their own requests.
        ("directory:student_home", ""): ("get", lambda f: {}, allow(["pupil"])),
        ("directory:student_sign", ""): ("get", _request, allow(["pupil"])),
        # An empty POST shows the form again with its errors (200); nothing is signed.
        ("directory:student_sign", "post"): ("post", _request, allow(["pupil"])),
        ("directory:student_signed", ""): ("get", _request, allow(["pupil"])),
        ("directory:student_sign", "another school's request"): (
            "get",
            lambda f: {"public_id": f.other_request.public_id},
            allow([]),
        ),
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
