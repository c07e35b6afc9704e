"""Approving a new version of a policy signed every year asks people to sign again by a date the approver sets, and
until then their signature of the previous version stays valid (issue 12, item 13)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from aup import services, services_library
from aup.evidence import agreement_content, content_sha256
from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import Agreement, Audience, PolicyVersion, Signature, SignatureRequest
from aup.selectors_library import CoverageStatus, coverage_people, coverage_summary
from aup.tests.factories import AgreementFactory, PolicyVersionFactory
from safeguard.directory.tests import factories
from safeguard.jobs.models import OutboxTask

STATEMENTS = ["I will not share my password.", "I will lock my screen."]


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def old_agreement(school, academic_year):
    return AgreementFactory(
        version__policy__school=school,
        version__number="1",
        audience=Audience.STAFF,
        title="Staff acceptable use agreement",
        statements=STATEMENTS,
    )


def _sign(agreement, user):
    request, _ = services.signature_request_open(
        actor=user, agreement=agreement, school=agreement.version.policy.school, user=user
    )
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
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    return request


@pytest.fixture
def signed_by_staff(old_agreement, teacher, head):
    return [_sign(old_agreement, teacher), _sign(old_agreement, head)]


@pytest.fixture
def draft(old_agreement):
    version = PolicyVersionFactory(
        policy=old_agreement.version.policy,
        number="2",
        status=PolicyVersion.Status.DRAFT,
        approved_by="",
        approved_on=None,
    )
    AgreementFactory(
        version=version,
        audience=Audience.STAFF,
        title="Staff acceptable use agreement",
        statements=[*STATEMENTS, "New."],
    )
    return version


def _new_agreement(draft):
    return Agreement.objects.get(version=draft, audience=Audience.STAFF)


@pytest.mark.django_db
def test_the_approval_page_says_what_will_happen_before_it_happens(client, school, head, draft, signed_by_staff):
    client.force_login(head)
    page = client.get(
        reverse("aup:policy_detail", args=[school.slug, draft.policy.public_id]), {"version": draft.public_id}
    )
    assert page.status_code == 200
    default = school.today() + datetime.timedelta(days=services_library.DEFAULT_RESIGN_DAYS)
    text = " ".join(page.text.split())
    assert (
        f"2 people signed version 1 of “Staff acceptable use agreement”; they will be asked to sign version 2 by "
        f"{default:%-d %B %Y}. Until then their signatures stay valid." in text
    )
    assert 'name="resign_by"' in page.text
    assert not SignatureRequest.objects.filter(agreement__version=draft).exists()  # nothing happened yet


@pytest.mark.django_db
def test_approving_keeps_coverage_queues_requests_and_does_not_gate_staff(
    client, school, head, teacher, draft, signed_by_staff, celery_eager, django_capture_on_commit_callbacks
):
    resign_by = school.today() + datetime.timedelta(days=14)
    client.force_login(head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("aup:version_approve", args=[school.slug, draft.public_id]),
            {"approved_by": "Full governing body", "approved_on": school.today().isoformat(), "resign_by": resign_by},
        )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.APPROVED and draft.resign_by == resign_by
    new = _new_agreement(draft)

    summary = coverage_summary(agreement=new, school=school)
    assert summary["total"].valid == 2 and summary["total"].percent == 100  # not 0
    assert summary["total"].previous_version == 2 and summary["total"].completed == 0

    # A request for the new version to each of them, e-mailed through the outbox after commit.
    asked = SignatureRequest.objects.filter(agreement=new)
    assert {r.user for r in asked} == {teacher, head}
    assert OutboxTask.objects.filter(task_name__endswith="send_signature_request").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([teacher.email, head.email])
    assert all(r.sent_at is not None for r in asked)

    page = client.get(reverse("aup:coverage", args=[school.slug, new.public_id]))
    assert f"Signed the previous version — re-sign by {resign_by:%-d %B %Y}" in page.text

    client.logout()
    client.force_login(teacher)
    home = client.get(reverse("directory:school_home", args=[school.slug]))
    assert home.status_code == 200  # not sent to the gate
    assert "has a new version 2" in home.text and f"stays valid until {resign_by:%-d %B %Y}" in home.text


@pytest.mark.django_db
def test_after_the_date_only_new_signatures_count_and_the_gate_applies(
    client, school, head, teacher, draft, signed_by_staff
):
    services_library.policy_version_approve(
        actor=head,
        version=draft,
        approved_by="Full governing body",
        approved_on=school.today(),
        resign_by=school.today(),
    )
    new = _new_agreement(draft)
    _sign(new, head)
    PolicyVersion.objects.filter(pk=draft.pk).update(resign_by=school.today() - datetime.timedelta(days=1))
    new.refresh_from_db()

    summary = coverage_summary(agreement=new, school=school)
    assert (summary["total"].completed, summary["total"].previous_version, summary["total"].valid) == (1, 0, 1)
    statuses = {p.pk: p.coverage for p in coverage_people(agreement=new, school=school)}
    assert statuses == {head.pk: CoverageStatus.COMPLETED, teacher.pk: CoverageStatus.NOT_SIGNED}

    client.force_login(teacher)
    held = client.get(reverse("directory:school_home", args=[school.slug]))
    assert held.status_code == 302 and held.url.startswith(reverse("aup:staff_gate"))
    assert not client.session.get(GATE_CLEAR_SESSION_KEY)


@pytest.mark.django_db
def test_a_re_sign_date_in_the_past_is_refused(school, head, draft, signed_by_staff):
    from safeguard.base import DomainError

    with pytest.raises(DomainError):
        services_library.policy_version_approve(
            actor=head,
            version=draft,
            approved_by="Full governing body",
            approved_on=school.today(),
            resign_by=school.today() - datetime.timedelta(days=1),
        )
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT


@pytest.mark.django_db
def test_the_review_approval_also_asks_previous_signers(school, head, teacher, draft, signed_by_staff):
    from aup.models import PolicyReview
    from aup.services_reviews import review_approve

    review = PolicyReview.objects.create(policy=draft.policy, status=PolicyReview.Status.SUBMITTED, draft_version=draft)
    resign_by = school.today() + datetime.timedelta(days=7)
    review = review_approve(actor=head, review=review, approved_on=school.today(), resign_by=resign_by)
    draft.refresh_from_db()
    assert draft.resign_by == resign_by and review.requests_queued == 2
    assert coverage_summary(agreement=_new_agreement(draft), school=school)["total"].valid == 2
