"""Permission-matrix rows and world objects for a policy's register fields and a trust's own policies (issue 13
item 6). Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to
sign in)."""


def build_world(world):
    """Add what this module's rows need to ``world`` (see ``test_permissions_matrix._build_world``): a trust-wide
    policy of the world's trust with a draft version (a pupil agreement, so the staff sign-in gate stays out of the
    way) carrying an uploaded document, and another trust with a policy of its own."""
    from django.core.files.base import ContentFile

    from aup.models import Audience, Policy, PolicyVersion
    from aup.tests.factories import AgreementFactory, PolicyFactory, PolicyVersionFactory
    from safeguard.directory.tests import factories

    world.trust_policy = PolicyFactory(
        school=None,
        organisation=world.trust,
        title="Trust Online Safety Policy",
        approving_body=Policy.ApprovingBody.TRUST_BOARD,
    )
    world.trust_draft = PolicyVersionFactory(
        policy=world.trust_policy, number="1", status=PolicyVersion.Status.DRAFT, approved_by="", approved_on=None
    )
    world.trust_draft.document.save("trust-policy.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    world.trust_agreement = AgreementFactory(version=world.trust_draft, audience=Audience.PUPIL)
    world.other_trust = factories.OrganisationFactory(name="Another Learning Trust", slug="another-trust")
    world.other_trust_policy = PolicyFactory(school=None, organisation=world.other_trust, title="Their Trust Policy")
    world.other_trust_draft = PolicyVersionFactory(
        policy=world.other_trust_policy, number="1", status=PolicyVersion.Status.DRAFT, approved_by="", approved_on=None
    )
    world.other_trust_agreement = AgreementFactory(version=world.other_trust_draft, audience=Audience.PUPIL)


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""

    def trust(f):
        return {"org_slug": f.trust.slug}

    def in_trust(name, org="trust"):
        return lambda f: {"org_slug": getattr(f, org).slug, "public_id": getattr(f, name).public_id}

    def school_policy(name, school="school"):
        return lambda f: {"slug": getattr(f, school).slug, "public_id": getattr(f, name).public_id}

    admin = allow(["trust_admin"])
    nobody = allow([])
    return {
        # A school policy's register fields: the head and SLT; a trust-wide policy is changed by the trust only.
        ("aup:policy_register_edit", ""): ("get", school_policy("policy"), allow(["slt", "head"])),
        ("aup:policy_register_edit", "save"): ("post", school_policy("policy"), allow(["slt", "head"])),
        ("aup:policy_register_edit", "trust-wide policy from a school"): (
            "get",
            school_policy("trust_policy"),
            nobody,
        ),
        ("aup:policy_register_edit", "policy of another school"): ("get", school_policy("other_policy"), nobody),
        # The trust's own policies: its administrators only; another trust's answer 404 like missing ones.
        ("aup:trust_policy_list", ""): ("get", trust, admin),
        ("aup:trust_policy_list", "another trust"): ("get", lambda f: {"org_slug": f.other_trust.slug}, nobody),
        ("aup:trust_policy_create", ""): ("get", trust, admin),
        ("aup:trust_policy_create", "another trust"): ("post", lambda f: {"org_slug": f.other_trust.slug}, nobody),
        ("aup:trust_policy_detail", ""): ("get", in_trust("trust_policy"), admin),
        ("aup:trust_policy_detail", "another trust's policy under this trust"): (
            "get",
            in_trust("other_trust_policy"),
            nobody,
        ),
        ("aup:trust_policy_detail", "another trust's policy"): (
            "get",
            in_trust("other_trust_policy", "other_trust"),
            nobody,
        ),
        ("aup:trust_policy_register", ""): ("get", in_trust("trust_policy"), admin),
        ("aup:trust_policy_register", "another trust's policy under this trust"): (
            "post",
            in_trust("other_trust_policy"),
            nobody,
        ),
        ("aup:trust_version_create", ""): ("get", in_trust("trust_policy"), admin),
        ("aup:trust_version_create", "another trust's policy under this trust"): (
            "post",
            in_trust("other_trust_policy"),
            nobody,
        ),
        # An empty form: refused with a message, back to the policy (nothing approved).
        ("aup:trust_version_approve", ""): ("post", in_trust("trust_draft"), allow(["trust_admin"], status=302)),
        ("aup:trust_version_approve", "another trust's version under this trust"): (
            "post",
            in_trust("other_trust_draft"),
            nobody,
        ),
        ("aup:trust_version_document", ""): ("get", in_trust("trust_draft"), admin),
        ("aup:trust_version_document", "another trust's version under this trust"): (
            "get",
            in_trust("other_trust_draft"),
            nobody,
        ),
        ("aup:trust_agreement_create", ""): ("get", in_trust("trust_draft"), admin),
        ("aup:trust_agreement_create", "another trust's version under this trust"): (
            "post",
            in_trust("other_trust_draft"),
            nobody,
        ),
        ("aup:trust_agreement_edit", ""): ("get", in_trust("trust_agreement"), admin),
        ("aup:trust_agreement_edit", "another trust's agreement under this trust"): (
            "post",
            in_trust("other_trust_agreement"),
            nobody,
        ),
    }
