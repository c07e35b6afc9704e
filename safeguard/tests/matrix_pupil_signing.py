"""Permission-matrix rows and world objects for pupils who sign for themselves with a class code (issue 13 item 8):
the school's setting, a teacher's codes, and the pupils' public pages. Imported by ``test_permissions_matrix.py``,
which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""

# The setting: whoever sets the school up (office, head, trust admin) or manages its agreements (office, SLT, head).
SETTING = ["office", "slt", "head", "trust_admin"]
# Codes: whoever may supervise pupil signing; one code only for who may supervise its class — in the world the
# teacher persona teaches no class, so SLT and the head (every class).
SUPERVISORS = ["teacher", "dsl", "deputy_dsl", "slt", "head"]
THE_CLASS = ["slt", "head"]


def build_world(world):
    """Add what this module's rows need to ``world``: the school's setting on from age 11, a code the head opened for
    the pupil's class and the pupil agreement, and a code of the other school."""
    from aup.services_class_codes import class_code_open, pupil_self_signing_set
    from aup.tests.factories import pupil_agreement
    from safeguard.directory.models import Role
    from safeguard.directory.tests import factories

    pupil_self_signing_set(actor=world.users["head"], school=world.school, from_age=11)
    world.class_code = class_code_open(
        actor=world.users["head"],
        school=world.school,
        school_class=world.pupil.school_class,
        agreement=world.agreement_pending,
    )
    other_head = factories.UserFactory(email="head@elsewhere.test")
    factories.StaffRoleFactory(user=other_head, school=world.other_school, role=Role.HEADTEACHER)
    pupil_self_signing_set(actor=other_head, school=world.other_school, from_age=11)
    other_class = factories.SchoolClassFactory(school=world.other_school, name="9 Elm")
    world.other_class_code = class_code_open(
        actor=other_head,
        school=world.other_school,
        school_class=other_class,
        agreement=pupil_agreement(world.other_school, version__policy__title="Elsewhere AUP"),
    )


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    everyone = {**only({}, 200), "anonymous": 200}
    everyone_back_to_start = {**only({}, 302), "anonymous": 302}

    def code(name, school="school"):
        return lambda f: {"slug": getattr(f, school).slug, "public_id": getattr(f, name).public_id}

    return {
        ("aup:self_signing", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SETTING)),
        # An empty choice turns it off and goes back to the page (undone after each role).
        ("aup:self_signing", "empty form posted"): (
            "post",
            lambda f: {"slug": f.school.slug},
            allow(SETTING, status=302),
        ),
        ("aup:self_signing", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("aup:class_codes", ""): ("get", lambda f: {"slug": f.school.slug}, allow(SUPERVISORS)),
        ("aup:class_codes", "empty form posted"): ("post", lambda f: {"slug": f.school.slug}, allow(SUPERVISORS)),
        ("aup:class_codes", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug},
            allow(["other_school_dsl"]),
        ),
        ("aup:class_code_show", ""): ("get", code("class_code"), allow(THE_CLASS)),
        ("aup:class_code_show", "another school's code under this school"): (
            "get",
            code("other_class_code"),
            allow([]),
        ),
        ("aup:class_code_show", "another school's code"): (
            "get",
            code("other_class_code", "other_school"),
            allow([]),
        ),
        ("aup:class_code_revoke", ""): ("post", code("class_code"), allow(THE_CLASS, status=302)),
        ("aup:class_code_revoke", "another school's code"): ("post", code("other_class_code"), allow([])),
        # The pupils' pages are public: the code page for anyone; the next pages without a code in the session go
        # back to it.
        ("aup:class_code_enter", ""): ("get", lambda f: {}, everyone),
        ("aup:class_code_enter", "empty form posted"): ("post", lambda f: {}, everyone),
        ("aup:class_code_who", "no code yet"): ("get", lambda f: {}, everyone_back_to_start),
        ("aup:class_code_agreement", "no code yet"): ("get", lambda f: {}, everyone_back_to_start),
        ("aup:class_code_photos", "no code yet"): ("get", lambda f: {}, everyone_back_to_start),
        ("aup:class_code_done", "no code yet"): ("get", lambda f: {}, everyone_back_to_start),
    }
