"""Review of issue 17 items 2–4 (declining, expiry, reminding now) as a parent, a headteacher and a class teacher
would meet them: the other parent never reads the decliner's reason; a lapsed request does not stop the
headteacher authorising what the member of staff already signed; a parent whose old link lapsed after the other
parent renewed the request is sent a new link instead of going round in a circle; the daily sweep and "remind now"
together remind a person once a day; a declined agreement reads "Declined (ask the office)" at the staff sign-in
gate and on the teacher's class list."""

import datetime

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from aup import services
from aup.evidence import agreement_content, content_sha256
from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import ChaseReminderSent, FreshLinkSent, SignatureRequest
from aup.selectors import Seat
from aup.services_chase import chase_send
from aup.services_decline import signature_request_decline
from aup.services_requests import requests_send
from aup.tasks import send_agreement_reminders
from aup.tests.factories import pupil_agreement, staff_agreement
from aup.tokens import signing_token
from safeguard.directory.tests import factories

REASON = "Our family court order means only I decide this."


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school, reminder_days="7")


@pytest.fixture
def second_parent(pupil):
    return factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True, contact_order=2).guardian


@pytest.fixture
def sent(
    school, office, agreement, pupil, guardian_link, second_parent, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(actor=office, agreement=agreement, school=school, expiry_days=5)
    mail.outbox.clear()
    return SignatureRequest.objects.get(pupil=pupil)


def _link(request, guardian, *, days_ago=0, monkeypatch=None):
    if days_ago:
        past = int(timezone.now().timestamp()) - days_ago * 86400
        monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(past))
    token = signing_token(request, guardian)
    if monkeypatch is not None:
        monkeypatch.undo()
    return reverse("aup:sign_by_link", args=[token])


def _form(agreement, typed_name):
    content = agreement_content(agreement)
    return {
        "typed_name": typed_name,
        "statements": [s["number"] for s in content["statements"]],
        "shown_sha256": content_sha256(content),
    }


@pytest.mark.django_db
def test_the_other_parent_is_told_it_was_declined_but_never_why(client, sent, guardian_link, second_parent):
    mine = _link(sent, guardian_link.guardian)
    client.post(mine + "decline/", {"reason": REASON})
    assert REASON in client.get(mine + "signed/").text  # the decliner reads their own reason back

    theirs = client.get(_link(sent, second_parent) + "signed/")
    assert "This agreement was declined" in theirs.text
    assert REASON not in theirs.text


@pytest.mark.django_db
def test_a_lapsed_request_does_not_stop_the_headteacher_authorising(
    client, school, office, teacher, head, academic_year
):
    agreement = staff_agreement(school)
    own, _ = services.signature_request_open(actor=head, agreement=agreement, school=school, user=head)
    for party in ("signer", "headteacher"):
        content = agreement_content(agreement)
        services.signature_record(
            request=own,
            party=party,
            method="password_session",
            signer_user=head,
            typed_name=head.full_name,
            statements_confirmed=[s["number"] for s in content["statements"]],
            shown_sha256=content_sha256(content),
        )
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, user=teacher)
    content = agreement_content(agreement)
    services.signature_record(
        request=request,
        party="signer",
        method="password_session",
        signer_user=teacher,
        typed_name=teacher.full_name,
        statements_confirmed=[s["number"] for s in content["statements"]],
        shown_sha256=content_sha256(content),
    )
    SignatureRequest.objects.filter(pk=request.pk).update(
        expiry_days=5, expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(head)
    session = client.session
    session[GATE_CLEAR_SESSION_KEY] = True
    session.save()
    sign_url = reverse("aup:sign", args=[request.public_id])
    page = client.get(sign_url)
    assert page.status_code == 200 and "As headteacher, you authorise it by signing below." in page.text
    client.post(sign_url, _form(agreement, head.full_name))
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED


@pytest.mark.django_db
def test_an_old_link_after_the_other_parent_renewed_earns_a_new_link(
    monkeypatch, client, sent, guardian_link, second_parent, django_capture_on_commit_callbacks
):
    # The first parent renewed the lapsed request today; the second parent still holds the 6-day-old e-mail.
    old = _link(sent, second_parent, days_ago=6, monkeypatch=monkeypatch)
    SignatureRequest.objects.filter(pk=sent.pk).update(expires_at=timezone.now() + datetime.timedelta(days=5))
    assert client.get(old).status_code == 410

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(old + "new-link/")
    assert response.status_code == 200 and "A new link is on its way" in response.text
    assert [m.to for m in mail.outbox] == [[second_parent.email]]
    assert FreshLinkSent.objects.filter(request=sent, recipient=second_parent.email.lower()).count() == 1


@pytest.mark.django_db
def test_remind_now_after_the_daily_sweep_reminded_someone_sends_them_nothing_more(
    school, office, agreement, sent, guardian_link, second_parent, django_capture_on_commit_callbacks
):
    SignatureRequest.objects.filter(pk=sent.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=8), expires_at=timezone.now() + datetime.timedelta(days=2)
    )
    assert send_agreement_reminders() == 2  # both parents, the 7-day reminder
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        chase_send(actor=office, agreement=agreement, school=school, scope="everyone")
    assert mail.outbox == []
    assert not ChaseReminderSent.objects.exists()


@pytest.mark.django_db
def test_a_declined_staff_agreement_reads_declined_at_the_gate(client, school, teacher, academic_year):
    agreement = staff_agreement(school)
    request, _ = services.signature_request_open(actor=teacher, agreement=agreement, school=school, user=teacher)
    signature_request_decline(
        request=request, seat=Seat("signer"), reason="I do not use a camera.", signer_user=teacher
    )
    client.force_login(teacher)
    assert client.get(reverse("home")).url.startswith(reverse("aup:staff_gate"))
    page = client.get(reverse("aup:staff_gate"))
    assert "Declined (ask the office)" in page.text
    assert reverse("aup:sign", args=[request.public_id]) not in page.text


@pytest.mark.django_db
def test_the_class_list_shows_a_declined_pupil_as_declined_not_unsigned(client, school, teacher, pupil, guardian_link):
    agreement = pupil_agreement(school)
    other = factories.PupilFactory(school=school, year_group=pupil.year_group, school_class=pupil.school_class)
    pupil.school_class.teachers.add(teacher)
    request, _ = services.signature_request_open(actor=None, agreement=agreement, school=school, pupil=pupil)
    signature_request_decline(
        request=request, seat=Seat("parent", guardian=guardian_link.guardian), reason="Not this year."
    )
    client.force_login(teacher)
    session = client.session
    session[GATE_CLEAR_SESSION_KEY] = True
    session.save()
    page = client.get(
        reverse("aup:class_signing", args=[school.slug]),
        {"agreement": agreement.public_id, "class": pupil.school_class.pk},
    )
    statuses = {row.pupil.pk: row.status for row in page.context["rows"]}
    assert statuses == {pupil.pk: "declined", other.pk: "not_signed"}
    assert "Declined (ask the office)" in page.text
    assert reverse("aup:pupil_sign", args=[school.slug, agreement.public_id, pupil.public_id]) not in page.text
    assert page.context["signed_count"] == 0


@pytest.mark.django_db
def test_sending_again_opens_a_lapsed_request_with_a_new_link(
    school, office, agreement, sent, guardian_link, second_parent, django_capture_on_commit_callbacks
):
    SignatureRequest.objects.filter(pk=sent.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        counts = requests_send(actor=office, agreement=agreement, school=school, expiry_days=10)
    assert counts["queued"] == 1 and counts["already_sent"] == 0
    sent.refresh_from_db()
    assert not sent.is_expired(timezone.now()) and sent.expiry_days == 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted([guardian_link.guardian.email, second_parent.email])
    assert "asks you again" in mail.outbox[0].body
    assert sent.history.filter(expiry_days=10).exists()
    assert SignatureRequest.objects.filter(pupil=sent.pupil).count() == 1  # the same request, not a second one


@pytest.mark.django_db
def test_staff_held_at_the_gate_with_a_lapsed_request_sign_straight_after_asking(
    client, school, office, teacher, academic_year, celery_eager, django_capture_on_commit_callbacks
):
    agreement = staff_agreement(school)
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(actor=office, agreement=agreement, school=school, expiry_days=5)
    request = SignatureRequest.objects.get(user=teacher)
    SignatureRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    mail.outbox.clear()
    client.force_login(teacher)
    sign_url = reverse("aup:sign", args=[request.public_id])
    assert client.get(sign_url).status_code == 410
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aup:fresh_link", args=[request.public_id]))
    assert response.status_code == 302 and response.url == sign_url
    assert client.get(sign_url).status_code == 200
    assert [m.to for m in mail.outbox] == [[teacher.email]]
