"""Expiry (issue 17 item 3): a request and its links are valid for the days the sender chose (default 30); an expired
link explains itself on a page and offers a new link by e-mail — to the address on record, never one typed on the
page, at most once a day — and an expired request is not reminded."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import FreshLinkSent, SignatureRequest
from aup.services_requests import requests_send
from aup.tasks import send_agreement_reminders
from aup.tests.factories import pupil_agreement, staff_agreement
from aup.tokens import signing_token
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school, reminder_days="7,14,28")


def _send(office, agreement, school, capture, **kwargs):
    with capture(execute=True):
        return requests_send(actor=office, agreement=agreement, school=school, **kwargs)


def _expire(request, days_ago=1):
    """Make ``request`` expired ``days_ago`` days ago, as if it had been sent ``expiry_days + days_ago`` days ago."""
    now = timezone.now()
    SignatureRequest.objects.filter(pk=request.pk).update(
        sent_at=now - datetime.timedelta(days=request.expiry_days + days_ago),
        expires_at=now - datetime.timedelta(days=days_ago),
    )
    request.refresh_from_db()


def _old_token(monkeypatch, request, guardian, days):
    """A signing link made ``days`` days ago."""
    past = int(timezone.now().timestamp()) - days * 86400
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(past))
    token = signing_token(request, guardian)
    monkeypatch.undo()
    return token


@pytest.mark.django_db
class TestExpiry:
    def test_the_sender_sets_the_period_and_30_days_is_the_default(
        self, school, office, agreement, pupil, guardian_link, celery_eager, django_capture_on_commit_callbacks
    ):
        before = timezone.now()
        _send(office, agreement, school, django_capture_on_commit_callbacks, expiry_days=10)
        request = SignatureRequest.objects.get(pupil=pupil)
        assert request.expiry_days == 10
        assert (
            before + datetime.timedelta(days=10) <= request.expires_at <= timezone.now() + datetime.timedelta(days=10)
        )

        other = factories.PupilFactory(school=school, year_group=pupil.year_group, school_class=pupil.school_class)
        _send(office, agreement, school, django_capture_on_commit_callbacks)
        assert SignatureRequest.objects.get(pupil=other).expiry_days == 30
        assert request.is_expired(request.expires_at) and not request.is_expired(before)

    def test_an_expired_link_explains_itself_and_emails_a_new_one_to_the_address_on_record(
        self, client, school, office, agreement, pupil, guardian_link, celery_eager, django_capture_on_commit_callbacks
    ):
        _send(office, agreement, school, django_capture_on_commit_callbacks)
        request = SignatureRequest.objects.get(pupil=pupil)
        guardian = guardian_link.guardian
        link = reverse("aup:sign_by_link", args=[signing_token(request, guardian)])
        _expire(request)
        mail.outbox.clear()

        page = client.get(link)
        assert page.status_code == 410
        assert "This link has expired" in page.text and "E-mail me a new link" in page.text
        assert "Nothing has been signed." in page.text
        # Signing an expired request is refused too.
        assert client.post(link, {"typed_name": "Dana Whitfield"}).status_code == 410

        fresh = link + "new-link/"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(fresh, {"email": "attacker@example.test"})
        assert response.status_code == 200
        assert "A new link is on its way" in response.text
        assert [m.to for m in mail.outbox] == [[guardian.email]]  # never the address typed on the page
        request.refresh_from_db()
        assert request.expires_at > timezone.now() + datetime.timedelta(days=29)
        assert AuditEvent.objects.filter(action="aup.request.fresh_link").count() == 1

        # The new link opens the signing page.
        new_path = re.search(r"https?://[^/\s]+(/agreements/sign/link/[^/\s?]+/)", mail.outbox[0].body).group(1)
        assert client.get(new_path).status_code == 200

        # Throttled: asking again the same day sends nothing more.
        _expire(request)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(fresh)
        assert len(mail.outbox) == 1
        assert FreshLinkSent.objects.filter(request=request).count() == 1

    def test_an_old_link_stays_expired_after_a_fresh_one(
        self,
        monkeypatch,
        client,
        school,
        office,
        agreement,
        pupil,
        guardian_link,
        celery_eager,
        django_capture_on_commit_callbacks,
    ):
        _send(office, agreement, school, django_capture_on_commit_callbacks, expiry_days=5)
        request = SignatureRequest.objects.get(pupil=pupil)
        old = reverse("aup:sign_by_link", args=[_old_token(monkeypatch, request, guardian_link.guardian, 6)])
        new = reverse("aup:sign_by_link", args=[signing_token(request, guardian_link.guardian)])
        assert client.get(old).status_code == 410
        assert client.get(new).status_code == 200

    def test_an_expired_request_is_not_reminded(
        self, school, office, agreement, pupil, guardian_link, celery_eager, django_capture_on_commit_callbacks
    ):
        _send(office, agreement, school, django_capture_on_commit_callbacks, expiry_days=7)
        request = SignatureRequest.objects.get(pupil=pupil)
        mail.outbox.clear()
        now = request.sent_at + datetime.timedelta(days=8)  # the 7-day reminder is due, but it expired on day 7
        assert send_agreement_reminders(now=now) == 0
        assert mail.outbox == []

    def test_staff_signed_in_get_the_page_and_a_link_to_their_own_address(
        self, client, school, office, teacher, academic_year, celery_eager, django_capture_on_commit_callbacks
    ):
        agreement = staff_agreement(school)
        _send(office, agreement, school, django_capture_on_commit_callbacks)
        request = SignatureRequest.objects.get(user=teacher)
        _expire(request)
        mail.outbox.clear()
        client.force_login(teacher)
        session = client.session
        session[GATE_CLEAR_SESSION_KEY] = True
        session.save()
        page = client.get(reverse("aup:sign", args=[request.public_id]))
        assert page.status_code == 410 and "E-mail me a new link" in page.text
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("aup:fresh_link", args=[request.public_id]))
        assert [m.to for m in mail.outbox] == [[teacher.email]]
