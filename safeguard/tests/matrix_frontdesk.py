"""Permission-matrix rows and world objects for the front desk: visitors and volunteers sign the visitor agreement on
the office's tablet (issue 13 item 7). Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``,
``only``, "login" = redirect to sign in)."""

FRONT_DESK = ["office", "slt", "head"]


def build_world(world):
    """Add what this module's rows need to ``world`` (see ``test_permissions_matrix._build_world``): a visitor
    agreement of the school with one visitor's signature and a visitor agreement of the other school. (A staff or
    governor agreement added here would hold those personas at the sign-in gate on every row: the pupil agreement
    ``world.agreement_pending`` stands for "not a visitor agreement".)"""
    from aup.evidence import agreement_content, content_sha256
    from aup.models import Audience
    from aup.services_front_desk import visitor_sign_in
    from aup.tests.factories import AgreementFactory

    world.visitor_agreement = AgreementFactory(
        version__policy__school=world.school, audience=Audience.VISITOR, title="Visitor agreement"
    )
    world.other_visitor_agreement = AgreementFactory(
        version__policy__school=world.other_school, audience=Audience.VISITOR, title="Visitor agreement"
    )
    world.visitor_signature = visitor_sign_in(
        actor=world.users["office"],
        agreement=world.visitor_agreement,
        school=world.school,
        name="Morgan Visitor",
        organisation="County Library Service",
        role=Audience.VISITOR,
        statements_confirmed=[s["number"] for s in agreement_content(world.visitor_agreement)["statements"]],
        shown_sha256=content_sha256(agreement_content(world.visitor_agreement)),
    )


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""

    def kiosk(name, school="school"):
        return lambda f: {"slug": getattr(f, school).slug, "agreement_id": getattr(f, name).public_id}

    return {
        ("aup:front_desk", ""): ("get", lambda f: {"slug": f.school.slug}, allow(FRONT_DESK)),
        ("aup:front_desk", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("aup:front_desk", "missing school"): ("get", lambda f: {"slug": "no-such-school"}, allow([])),
        ("aup:front_desk_kiosk", ""): ("get", kiosk("visitor_agreement"), allow(FRONT_DESK)),
        # An empty form comes back with its errors (200) and records nothing.
        ("aup:front_desk_kiosk", "empty form posted"): ("post", kiosk("visitor_agreement"), allow(FRONT_DESK)),
        ("aup:front_desk_kiosk", "another school's agreement"): (
            "get",
            kiosk("other_visitor_agreement"),
            allow([]),
        ),
        ("aup:front_desk_kiosk", "another school's agreement, its own slug"): (
            "get",
            kiosk("other_visitor_agreement", "other_school"),
            allow([]),
        ),
        ("aup:front_desk_kiosk", "not a visitor agreement"): ("get", kiosk("agreement_pending"), allow([])),
        ("aup:document_download", "a visitor's signed agreement"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.visitor_signature.request.public_id},
            allow(FRONT_DESK),
        ),
        ("aup:coverage", "visitor agreement: counts"): (
            "get",
            lambda f: {"slug": f.school.slug, "agreement_id": f.visitor_agreement.public_id},
            allow(FRONT_DESK),
        ),
    }
