"""Declining an agreement (issue 17 item 2): a parent (by link or signed in) or the member of staff asked declines
with a reason; the office sees it apart from "not signed yet" (coverage, request page, CSV), it is never reminded,
and the office can reopen it and send it again. Audited, with history."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse

from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import SignatureRequest
from aup.services_requests import requests_send
from aup.tasks import send_agreement_reminders
from aup.tests.factories import pupil_agreement, staff_agreement
from aup.tokens import signing_token
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

REASON = "We do not allow our child to use the internet at school without us present."


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school)


@pytest.fixture
def sent(school, office, agreement, pupil, guardian_link, celery_eager, django_capture_on_commit_callbacks):
    """The agreement sent to Amara's mother; returns (request, link)."""
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(actor=office, agreement=agreement, school=school)
    mail.outbox.clear()
    request = SignatureRequest.objects.get(pupil=pupil)
    return request, reverse("aup:sign_by_link", args=[signing_token(request, guardian_link.guardian)])


def _decline_url(link):
    return link + "decline/"


@pytest.mark.django_db
class TestAParentDeclines:
    def test_by_link_with_a_reason(self, client, sent, guardian_link):
        request, link = sent
        page = client.get(link)
        assert "Decline this agreement and tell the school why" in page.text

        response = client.post(_decline_url(link), {"reason": REASON}, REMOTE_ADDR="203.0.113.9")

        assert response.status_code == 302
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.DECLINED
        assert request.decline_reason == REASON
        assert request.declined_by_guardian == guardian_link.guardian
        assert request.declined_at is not None and request.declined_by is None
        assert not request.signatures.exists()
        event = AuditEvent.objects.get(action="aup.request.declined")
        assert event.data["reason"] == REASON and event.data["ip_address"] == "203.0.113.9"
        assert request.history.filter(status=SignatureRequest.Status.DECLINED).exists()
        done = client.get(response.url)
        assert "This agreement was declined" in done.text and REASON in done.text
        # Opening the link again shows the answer, not the form.
        assert client.get(link).status_code == 302

    def test_a_reason_is_required_and_nothing_changes_without_one(self, client, sent):
        request, link = sent
        response = client.post(_decline_url(link), {"reason": "  "})
        assert response.status_code == 200
        assert "This field is required" in response.text
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.PENDING

    def test_signed_in_parent_declines_from_their_account(self, client, sent, parent):
        request, _link = sent
        client.force_login(parent)
        response = client.post(reverse("aup:decline", args=[request.public_id]), {"reason": REASON})
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.DECLINED and request.declined_by == parent

    def test_someone_without_a_seat_gets_404(self, client, sent, teacher):
        request, _link = sent
        client.force_login(teacher)
        session = client.session
        session[GATE_CLEAR_SESSION_KEY] = True
        session.save()
        assert client.post(reverse("aup:decline", args=[request.public_id]), {"reason": REASON}).status_code == 404
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.PENDING


@pytest.mark.django_db
def test_a_member_of_staff_declines_their_own_agreement(client, school, teacher, academic_year):
    agreement = staff_agreement(school)
    request = SignatureRequest.objects.create(agreement=agreement, school=school, user=teacher)
    client.force_login(teacher)
    session = client.session
    session[GATE_CLEAR_SESSION_KEY] = True
    session.save()
    response = client.post(reverse("aup:decline", args=[request.public_id]), {"reason": "I do not use a camera."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.DECLINED and request.declined_by == teacher


@pytest.mark.django_db
class TestTheOfficeSeesDeclines:
    @pytest.fixture
    def declined(self, client, sent, pupil, school, academic_year):
        """Amara's mother declined; Leo (same class) has not answered yet."""
        request, link = sent
        client.post(_decline_url(link), {"reason": REASON})
        leo = factories.PupilFactory(
            school=school, year_group=pupil.year_group, school_class=pupil.school_class, legal_first_name="Leo"
        )
        factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True)
        client.logout()
        request.refresh_from_db()
        return request

    def test_coverage_counts_declined_apart_from_not_signed(self, client, office, agreement, school, declined):
        client.force_login(office)
        page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id]))
        total = page.context["summary"]["total"]
        assert (total.total, total.declined, total.waiting) == (2, 1, 1)
        by_class = page.context["summary"]["groups"][0][1][0]
        assert (by_class.declined, by_class.waiting) == (1, 1)
        assert [r.public_id for r in page.context["declined"]] == [declined.public_id]
        assert REASON in page.text
        labels = {row.display_name: row.coverage_label for row in page.context["rows"]}
        assert labels[declined.pupil.display_name] == "Declined"

    def test_csv_and_request_page_show_the_reason(self, client, office, agreement, school, declined):
        client.force_login(office)
        response = client.get(reverse("aup:coverage_csv", args=[school.slug, agreement.public_id]))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][-2:] == ["Declined on", "Reason for declining"]
        row = next(r for r in rows[1:] if r[0] == declined.pupil.display_name)
        assert row[3] == "Declined" and row[-1] == REASON
        detail = client.get(reverse("aup:request_detail", args=[school.slug, declined.public_id]))
        assert REASON in detail.text and "Reopen and send again" in detail.text

    def test_a_declined_request_is_never_reminded_nor_sent_again(self, office, agreement, school, declined):
        SignatureRequest.objects.filter(pk=declined.pk).update(sent_at=declined.sent_at - datetime.timedelta(days=8))
        mail.outbox.clear()
        assert send_agreement_reminders(now=declined.sent_at + datetime.timedelta(days=1)) == 0
        counts = requests_send(actor=office, agreement=agreement, school=school)
        assert counts["queued"] == 1  # Leo's request; Amara's declined one is not sent again
        assert AuditEvent.objects.filter(action="aup.requests.sent").order_by("pk").last().data["declined"] == 1

    def test_the_office_reopens_and_sends_it_again(
        self, client, office, teacher, school, declined, guardian_link, django_capture_on_commit_callbacks
    ):
        url = reverse("aup:request_reopen", args=[school.slug, declined.public_id])
        client.force_login(teacher)
        assert client.post(url, {"expiry_days": 14}).status_code == 404
        client.force_login(office)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"expiry_days": 14})
        assert response.status_code == 302
        declined.refresh_from_db()
        assert declined.status == SignatureRequest.Status.PENDING
        assert declined.reopened_by == office and declined.decline_reason == REASON  # the last decline is kept
        assert declined.expiry_days == 14
        assert [m.to for m in mail.outbox] == [[guardian_link.guardian.email]]
        assert "asks you again" in mail.outbox[0].body
        assert AuditEvent.objects.filter(action="aup.request.reopened", actor=office).exists()


@pytest.mark.django_db
def test_nobody_signs_a_declined_request_until_the_office_reopens_it(client, sent, teacher):
    from aup import services
    from aup.evidence import agreement_content, content_sha256
    from aup.models import Signature

    request, link = sent
    client.post(_decline_url(link), {"reason": REASON})
    content = agreement_content(request.agreement)
    with pytest.raises(services.SigningError) as raised:
        services.signature_record(
            request=request,
            party=Signature.Party.PUPIL,
            method=Signature.Method.TEACHER_PRESENT,
            typed_name=request.pupil.display_name,
            statements_confirmed=[s["number"] for s in content["statements"]],
            shown_sha256=content_sha256(content),
            teacher_present=teacher,
        )
    assert raised.value.code == "declined"
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.DECLINED and not request.signatures.exists()
