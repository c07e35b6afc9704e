"""Trust-wide policies written and approved once by the trust's (or district's) administrator (issue 13 item 6): the
pages under /trust/<slug>/policies/, the policy then in every school's library, coverage, requests and staff
sign-in gate; school staff read it but never change it; another trust's administrator finds nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from aup import services_library
from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import Agreement, Audience, Policy, PolicyVersion, SignatureRequest
from aup.selectors_library import coverage_summary
from aup.tests.factories import AgreementFactory, PolicyFactory, PolicyVersionFactory
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import Role
from safeguard.directory.tests import factories


def _past_the_gate(client):
    """The office's own signature is not what these tests are about: the session is marked as past the gate."""
    session = client.session
    session[GATE_CLEAR_SESSION_KEY] = True
    session.save()


@pytest.fixture
def sister(trust):
    return factories.SchoolFactory(organisation=trust, name="Demo Secondary School", slug="demo-secondary")


@pytest.fixture
def sister_teacher(sister):
    return factories.StaffRoleFactory(
        school=sister, role=Role.TEACHER, user__email="teacher@secondary.test", user__full_name="Sam Sister"
    ).user


@pytest.fixture
def sister_office(sister):
    return factories.StaffRoleFactory(school=sister, role=Role.OFFICE, user__email="office@secondary.test").user


@pytest.fixture
def years(school, sister):
    return [factories.AcademicYearFactory(school=school), factories.AcademicYearFactory(school=sister)]


def _create_and_approve_trust_aup(client, trust, school):
    """The trust admin (signed in on ``client``) writes a trust-wide AUP with a staff agreement and approves it, all
    through the pages; returns the policy."""
    response = client.post(
        reverse("aup:trust_policy_create", args=[trust.slug]),
        {
            "title": "Trust Acceptable Use Policy",
            "category": Policy.Category.ONLINE_SAFETY,
            "owner": "",
            "approving_body": Policy.ApprovingBody.TRUST_BOARD,
            "approving_committee": "",
            "language": "en-gb",
            "signing_frequency": Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
        },
    )
    assert response.status_code == 302
    policy = Policy.objects.get(title="Trust Acceptable Use Policy")
    assert policy.organisation == trust and policy.school is None
    assert response.url == reverse("aup:trust_version_create", args=[trust.slug, policy.public_id])

    response = client.post(
        response.url,
        {"number": "1", "author": "Trust IT", "summary_of_changes": "First", "body_markdown": "# AUP\n\nBe safe."},
    )
    assert response.status_code == 302
    version = PolicyVersion.objects.get(policy=policy)
    assert version.status == PolicyVersion.Status.DRAFT

    response = client.post(
        reverse("aup:trust_agreement_create", args=[trust.slug, version.public_id]),
        {
            "audience": Audience.STAFF,
            "title": "Staff acceptable use agreement",
            "statements": "I will not share my password.\nI will lock my screen when I leave it.",
            "countersignature": "none",
            "reminder_days": "7,14,28",
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("aup:trust_policy_detail", args=[trust.slug, policy.public_id]))
    assert "Staff acceptable use agreement" in detail.text and "Record approval" in detail.text

    response = client.post(
        reverse("aup:trust_version_approve", args=[trust.slug, version.public_id]),
        {"approved_by": "Trust board", "approved_on": school.today().isoformat()},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == PolicyVersion.Status.APPROVED and version.approved_by == "Trust board"
    policy.refresh_from_db()
    assert policy.last_approved_on == school.today() and policy.next_review_on is not None
    return policy


@pytest.mark.django_db
def test_a_trust_aup_approved_once_applies_in_every_school(
    client, trust, school, sister, trust_admin, teacher, office, sister_teacher, sister_office, years
):
    client.force_login(trust_admin)
    policy = _create_and_approve_trust_aup(client, trust, school)
    agreement = Agreement.objects.get(version__policy=policy)
    actions = set(AuditEvent.objects.filter(actor=trust_admin).values_list("action", flat=True))
    assert {"aup.policy.created", "aup.version.created", "aup.agreement.created", "aup.version.approved"} <= actions
    listing = client.get(reverse("aup:trust_policy_list", args=[trust.slug]))
    assert "Trust Acceptable Use Policy" in listing.text

    for member, its_school, its_office in ((teacher, school, office), (sister_teacher, sister, sister_office)):
        # Staff of either school are asked to sign it at sign-in.
        client.force_login(member)
        held = client.get(reverse("directory:school_home", args=[its_school.slug]))
        assert held.status_code == 302 and held.url.startswith(reverse("aup:staff_gate"))
        assert "Staff acceptable use agreement" in client.get(held.url).text
        assert SignatureRequest.objects.filter(agreement=agreement, user=member, school=its_school).exists()

        # Each school's office finds it in its library (read-only) and follows coverage for its own staff.
        client.force_login(its_office)
        _past_the_gate(client)
        library = client.get(reverse("aup:policy_list", args=[its_school.slug]))
        assert library.status_code == 200 and "Trust Acceptable Use Policy" in library.text
        detail = client.get(reverse("aup:policy_detail", args=[its_school.slug, policy.public_id]))
        assert reverse("aup:coverage", args=[its_school.slug, agreement.public_id]) in detail.text
        assert "Add a version" not in detail.text
        summary = coverage_summary(agreement=agreement, school=its_school)
        assert summary["total"].total >= 2  # the teacher and the office of this school, not the other's
        people = {row.label for _title, rows in summary["groups"] for row in rows}
        assert "Teacher" in people


@pytest.mark.django_db
def test_each_school_office_sends_the_trust_agreement_to_its_own_staff(
    client,
    trust,
    school,
    sister,
    trust_admin,
    sister_teacher,
    sister_office,
    years,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    client.force_login(trust_admin)
    policy = _create_and_approve_trust_aup(client, trust, school)
    agreement = Agreement.objects.get(version__policy=policy)
    client.force_login(sister_office)
    _past_the_gate(client)
    page = client.get(reverse("aup:coverage", args=[sister.slug, agreement.public_id]))
    assert page.status_code == 200 and "Sam Sister" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aup:requests_send", args=[sister.slug, agreement.public_id]))
    assert response.status_code == 302
    # Everyone of this school who has not signed (its teacher and the office itself), nobody of the other school.
    assert sorted(message.to[0] for message in mail.outbox) == sorted([sister_office.email, sister_teacher.email])
    assert not SignatureRequest.objects.filter(agreement=agreement, school=school).exists()


@pytest.fixture
def trust_draft(trust):
    policy = PolicyFactory(school=None, organisation=trust, title="Trust Data Protection Policy")
    version = PolicyVersionFactory(policy=policy, number="1", status=PolicyVersion.Status.DRAFT, approved_on=None)
    AgreementFactory(version=version, audience=Audience.PUPIL)
    return version


@pytest.mark.django_db
def test_a_school_head_reads_the_trust_policy_but_cannot_change_it(client, trust, school, head, trust_draft):
    policy = trust_draft.policy
    agreement = trust_draft.agreements.get()
    client.force_login(head)
    detail = client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id]))
    assert detail.status_code == 200 and "Trust Data Protection Policy" in detail.text
    assert "whole trust" in detail.text
    assert reverse("aup:agreement_edit", args=[school.slug, agreement.public_id]) not in detail.text
    assert 'id="edit-register"' not in detail.text and "Record approval" not in detail.text

    # The school's pages refuse with the library's message (the existing pattern for "may see, not change")…
    for url, method in (
        (reverse("aup:version_create", args=[school.slug, policy.public_id]), "get"),
        (reverse("aup:version_approve", args=[school.slug, trust_draft.public_id]), "post"),
        (reverse("aup:agreement_create", args=[school.slug, trust_draft.public_id]), "get"),
        (reverse("aup:agreement_edit", args=[school.slug, agreement.public_id]), "post"),
    ):
        data = {"approved_by": "Head", "approved_on": school.today().isoformat()} if "approve" in url else {}
        response = getattr(client, method)(url, data, follow=True)
        assert "belongs to the whole trust" in response.text
    # … the register fields and the trust's pages are not there for them at all.
    assert client.get(reverse("aup:policy_register_edit", args=[school.slug, policy.public_id])).status_code == 404
    for name, key in (
        ("aup:trust_policy_detail", policy.public_id),
        ("aup:trust_version_create", policy.public_id),
        ("aup:trust_agreement_edit", agreement.public_id),
    ):
        assert client.get(reverse(name, args=[trust.slug, key])).status_code == 404
    assert (
        client.post(reverse("aup:trust_version_approve", args=[trust.slug, trust_draft.public_id])).status_code == 404
    )
    trust_draft.refresh_from_db()
    assert trust_draft.status == PolicyVersion.Status.DRAFT
    with pytest.raises(DomainError):
        services_library.policy_version_approve(
            actor=head, version=trust_draft, approved_by="Head", approved_on=school.today()
        )


@pytest.mark.django_db
def test_another_trusts_admin_finds_nothing(client, trust, trust_draft):
    other_trust = factories.OrganisationFactory(name="Another Trust", slug="another-trust")
    stranger = factories.UserFactory(email="admin@another.test")
    factories.OrganisationRoleFactory(user=stranger, organisation=other_trust)
    policy = trust_draft.policy
    client.force_login(stranger)
    assert client.get(reverse("aup:trust_policy_list", args=[other_trust.slug])).status_code == 200
    assert (
        "Trust Data Protection Policy" not in client.get(reverse("aup:trust_policy_list", args=[other_trust.slug])).text
    )
    assert client.get(reverse("aup:trust_policy_list", args=[trust.slug])).status_code == 404
    assert client.get(reverse("aup:trust_policy_detail", args=[other_trust.slug, policy.public_id])).status_code == 404
    assert client.get(reverse("aup:trust_policy_detail", args=[trust.slug, policy.public_id])).status_code == 404
    response = client.post(
        reverse("aup:trust_version_approve", args=[other_trust.slug, trust_draft.public_id]),
        {"approved_by": "Board", "approved_on": "2026-01-01"},
    )
    assert response.status_code == 404
    trust_draft.refresh_from_db()
    assert trust_draft.status == PolicyVersion.Status.DRAFT
    with pytest.raises(PermissionError):
        services_library.policy_create(
            actor=stranger, organisation=trust, title="X", category="other", approving_body="trust_board"
        )


@pytest.mark.django_db
def test_the_trust_admin_edits_the_register_fields_of_a_trust_policy(client, trust, school, trust_admin, head):
    policy = PolicyFactory(school=None, organisation=trust, title="Trust Complaints Policy")
    client.force_login(trust_admin)
    url = reverse("aup:trust_policy_register", args=[trust.slug, policy.public_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "owner": str(trust_admin.public_id),
            "review_team": [str(head.public_id)],
            "approving_body": Policy.ApprovingBody.TRUST_BOARD,
            "review_cycle": Policy.ReviewCycle.FIXED_MONTH,
            "review_interval": "1",
            "review_month": "9",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.owner == trust_admin and list(policy.review_team.all()) == [head] and policy.review_month == 9
    event = AuditEvent.objects.get(action="aup.policy.register_changed")
    assert event.school is None and event.data["organisation"] == trust.slug


def _sign(agreement, user, school):
    from aup import services
    from aup.evidence import agreement_content, content_sha256
    from aup.models import Signature

    request, _created = services.signature_request_open(actor=user, agreement=agreement, school=school, user=user)
    content = agreement_content(agreement)
    services.signature_record(
        request=request,
        party=Signature.Party.SIGNER,
        method=Signature.Method.PASSWORD_SESSION,
        typed_name=user.full_name,
        statements_confirmed=[s["number"] for s in content["statements"]],
        shown_sha256=content_sha256(content),
        signer_user=user,
    )


@pytest.mark.django_db
def test_a_new_trust_version_asks_the_previous_signers_of_every_school(
    trust, school, sister, trust_admin, teacher, sister_teacher, years, celery_eager, django_capture_on_commit_callbacks
):
    statements = ["I will not share my password.", "I will lock my screen."]
    old = AgreementFactory(
        version__policy__school=None,
        version__policy__organisation=trust,
        version__number="1",
        audience=Audience.STAFF,
        title="Staff acceptable use agreement",
        statements=statements,
    )
    _sign(old, teacher, school)
    _sign(old, sister_teacher, sister)
    draft = PolicyVersionFactory(
        policy=old.version.policy, number="2", status=PolicyVersion.Status.DRAFT, approved_by="", approved_on=None
    )
    new = AgreementFactory(version=draft, audience=Audience.STAFF, statements=[*statements, "New."])
    with django_capture_on_commit_callbacks(execute=True):
        services_library.policy_version_approve(
            actor=trust_admin, version=draft, approved_by="Trust board", approved_on=school.today()
        )
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.APPROVED and draft.resign_by is not None
    asked = SignatureRequest.objects.filter(agreement=new)
    assert {(r.user, r.school) for r in asked} == {(teacher, school), (sister_teacher, sister)}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([teacher.email, sister_teacher.email])
    event = AuditEvent.objects.get(action="aup.version.approved", subject_id=str(draft.public_id))
    assert event.actor == trust_admin and event.data["organisation"] == trust.slug
