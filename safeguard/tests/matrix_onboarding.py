"""Permission-matrix rows and world objects for set-up pages: first run, trusts and districts, schools, staff, pupils
(issue 13). Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" =
redirect to sign in)."""

SETUP = ["office", "head", "trust_admin"]  # SETUP_SCHOOL and INVITE_STAFF: the head, the office, the trust admin
ROSTER = ["office", "head"]  # MANAGE_ROSTER: trust admins read the roster but do not keep it


def build_world(world):
    """Add what this module's rows need to ``world`` (see ``test_permissions_matrix._build_world``)."""
    from django.utils import timezone

    from onboarding.services.invitations import account_for, staff_invitation_issue
    from safeguard.directory.models import Role, StaffRole
    from safeguard.directory.tests import factories

    world.other_trust = factories.OrganisationFactory(name="Other Trust", slug="other-trust")
    world.other_trust_school = factories.SchoolFactory(organisation=world.other_trust, slug="other-trust-school")
    world.other_class = factories.SchoolClassFactory(school=world.other_school, name="Other class")
    world.other_year = world.other_class.academic_year
    world.invited_teacher, _created = account_for(email="new.teacher@example.test", full_name="New Teacher")
    StaffRole.objects.create(user=world.invited_teacher, school=world.school, role=Role.TEACHER)
    world.staff_invitation = staff_invitation_issue(
        user=world.invited_teacher, actor=world.users["head"], school=world.school, now=timezone.now()
    )
    from onboarding.tokens import staff_invitation_token

    world.staff_invitation_token = staff_invitation_token(world.staff_invitation)


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    everyone = {"anonymous": 200}
    return {
        # Only a superuser on an empty installation: no persona is one, and the world is not empty.
        ("onboarding:first_run", ""): ("get", lambda f: {}, allow([])),
        ("onboarding:invitation_accept", ""): (
            "get",
            lambda f: {"token": f.staff_invitation_token},
            {**only({}, 200), **everyone},
        ),
        ("onboarding:invitation_accept", "forged link"): (
            "get",
            lambda f: {"token": "forged"},
            {**only({}, 400), "anonymous": 400},
        ),
        ("onboarding:invitation_renew", "forged link"): (
            "post",
            lambda f: {"token": "forged"},
            {**only({}, 400), "anonymous": 400},
        ),
        # A trust or district admin manages their own organisation's schools only.
        ("onboarding:school_list", ""): ("get", lambda f: {"slug": f.trust.slug}, allow(["trust_admin"])),
        ("onboarding:school_list", "another trust"): ("get", lambda f: {"slug": f.other_trust.slug}, allow([])),
        ("onboarding:administrators", ""): ("get", lambda f: {"slug": f.trust.slug}, allow(["trust_admin"])),
        ("onboarding:administrators", "another trust"): ("post", lambda f: {"slug": f.other_trust.slug}, allow([])),
        ("onboarding:school_add", ""): ("get", lambda f: {"slug": f.trust.slug}, allow(["trust_admin"])),
        ("onboarding:school_add", "another trust"): ("post", lambda f: {"slug": f.other_trust.slug}, allow([])),
        ("onboarding:school_edit", ""): (
            "get",
            lambda f: {"slug": f.trust.slug, "school_slug": f.school.slug},
            allow(["trust_admin"]),
        ),
        ("onboarding:school_edit", "school of another trust under this trust"): (
            "get",
            lambda f: {"slug": f.trust.slug, "school_slug": f.other_trust_school.slug},
            allow([]),
        ),
        ("onboarding:school_edit", "school with no trust under this trust"): (
            "post",
            lambda f: {"slug": f.trust.slug, "school_slug": f.other_school.slug},
            allow([]),
        ),
        ("onboarding:school_head_invite", ""): (
            "get",
            lambda f: {"slug": f.trust.slug, "school_slug": f.school.slug},
            allow(["trust_admin"]),
        ),
        ("onboarding:school_head_invite", "school of another trust"): (
            "post",
            lambda f: {"slug": f.other_trust.slug, "school_slug": f.other_trust_school.slug},
            allow([]),
        ),
        # School set-up: the head, the office, the trust admin.
        ("onboarding:setup_home", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETUP)),
        ("onboarding:setup_home", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("onboarding:academic_year_add", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETUP)),
        ("onboarding:academic_year_add", "other school"): (
            "post",
            lambda f: {"slug": f.other_school.slug},
            allow([]),
        ),
        ("onboarding:academic_year_edit", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "pk": f.school.academic_years.first().pk},
            allow(SETUP),
        ),
        ("onboarding:academic_year_edit", "year of another school under this school"): (
            "get",
            lambda f: {"slug": f.school.slug, "pk": f.other_year.pk},
            allow([]),
        ),
        ("onboarding:year_groups_add", ""): ("post", lambda f: {"slug": f.school.slug}, allow(SETUP, status=302)),
        ("onboarding:class_add", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETUP)),
        ("onboarding:class_edit", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "pk": f.pupil.school_class.pk},
            allow(SETUP),
        ),
        ("onboarding:class_edit", "class of another school under this school"): (
            "get",
            lambda f: {"slug": f.school.slug, "pk": f.other_class.pk},
            allow([]),
        ),
        ("onboarding:roll_over", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETUP)),
        ("onboarding:roll_over", "other school"): ("post", lambda f: {"slug": f.other_school.slug}, allow([])),
        # Pupils and carers: whoever keeps the roster (office, head); another school's pupil is "not found".
        ("onboarding:pupil_add", ""): ("get", lambda f: {"slug": f.school.slug}, allow(ROSTER)),
        ("onboarding:pupil_add", "other school"): ("post", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("onboarding:pupil_edit", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.pupil.public_id},
            allow(ROSTER),
        ),
        ("onboarding:pupil_edit", "pupil of another school under this school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
            allow([]),
        ),
        ("onboarding:pupil_left", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.pupil.public_id},
            allow(ROSTER, status=302),
        ),
        ("onboarding:pupil_left", "pupil of another school under this school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
            allow([]),
        ),
        ("onboarding:guardian_add", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.pupil.public_id},
            allow(ROSTER),
        ),
        ("onboarding:guardian_add", "pupil of another school under this school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
            allow([]),
        ),
        ("onboarding:guardian_edit", ""): (
            "get",
            lambda f: {
                "slug": f.school.slug,
                "public_id": f.pupil.public_id,
                "guardian_id": f.pupil.guardian_links.get().guardian.public_id,
            },
            allow(ROSTER),
        ),
        ("onboarding:guardian_edit", "another pupil's contact"): (
            "post",
            lambda f: {
                "slug": f.school.slug,
                "public_id": f.pupil.public_id,
                "guardian_id": f.uninvited_guardian.public_id,
            },
            allow([]),
        ),
        # Staff: the head and the office invite; which roles each may give or end is ``roles_grantable``.
        ("onboarding:staff_list", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETUP)),
        ("onboarding:staff_list", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("onboarding:staff_add", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETUP)),
        ("onboarding:staff_role_end", "teacher"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.users["teacher"].public_id, "role": "teacher"},
            allow(["office", "head"], status=302),
        ),
        ("onboarding:staff_role_end", "dsl: the head only"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.users["dsl"].public_id, "role": "dsl"},
            allow(["head"], status=302),
        ),
        ("onboarding:staff_role_end", "member of another school under this school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.users["other_school_dsl"].public_id, "role": "dsl"},
            allow([]),
        ),
        ("onboarding:staff_invitation_resend", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.invited_teacher.public_id},
            allow(SETUP, status=302),
        ),
        ("onboarding:staff_invitation_resend", "member of another school under this school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.users["other_school_dsl"].public_id},
            allow([]),
        ),
    }
