"""A parent's history (issue 17 item 7): every signature and consent answer they gave, with dates and copies; for
consent, whether their child's other parent has answered — never what. A parent of two children sees both; a parent
never sees another family's; copies download, and only for the parent who gave them."""

import datetime
import html
import io

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from aup import services as aup_services
from aup.evidence import agreement_content, content_sha256
from aup.models import Signature, SignatureRequest, private_storage
from aup.tests.factories import pupil_agreement
from consent import services as consent_services
from consent.models import ConsentResponse
from consent.services import form_content
from consent.tests.factories import published_form
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db

CODES = [
    "images_website",
    "images_social_media",
    "images_local_press",
    "images_marketing",
    "videos_website",
    "videos_social_media",
    "videos_local_press",
    "videos_marketing",
]
HISTORY = reverse("directory:parent_history")


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def consent_form(school, year):
    return published_form(school)


@pytest.fixture
def sibling(school, pupil, guardian_link, parent):
    """A second child of the same parent, at the same school (same guardian record)."""
    child = factories.PupilFactory(
        school=school, legal_first_name="Kofi", legal_last_name="Whitfield", year_group=pupil.year_group
    )
    factories.PupilGuardianFactory(pupil=child, guardian=guardian_link.guardian, has_parental_responsibility=True)
    return child


@pytest.fixture
def other_parent_link(pupil):
    """The child's other parent, with parental responsibility, who has no account here."""
    return factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True, contact_order=2)


@pytest.fixture
def other_family(school):
    """A classmate's parent with an account: their records must never show on our parent's page."""
    classmate = factories.PupilFactory(school=school, legal_first_name="Zeynep", legal_last_name="Farrowby")
    link = factories.PupilGuardianFactory(pupil=classmate, has_parental_responsibility=True)
    user = factories.UserFactory(email=link.guardian.email)
    link.guardian.user = user
    link.guardian.save()
    return link, user


def _text(page):
    return html.unescape(page.content.decode())


def _answer(version, pupil, guardian, answers, *, user=None, kind=ConsentResponse.Kind.ANSWERS):
    return consent_services.consent_response_record(
        pupil=pupil,
        version=version,
        answers=answers,
        guardian=guardian,
        kind=kind,
        method=ConsentResponse.Method.PASSWORD_SESSION if user else ConsentResponse.Method.INVITATION_LINK,
        signer_user=user,
        typed_name=guardian.full_name,
        shown_sha256=content_sha256(form_content(version)),
        ip_address="192.0.2.4",
    )


def _sign(request, **kwargs):
    content = agreement_content(request.agreement)
    return aup_services.signature_record(
        request=request,
        statements_confirmed=[s["number"] for s in content["statements"]],
        shown_sha256=content_sha256(content),
        ip_address="203.0.113.9",
        **kwargs,
    )[0]


def _parent_signs(request, user, guardian, title=""):
    return _sign(
        request,
        party=Signature.Party.PARENT,
        method=Signature.Method.PASSWORD_SESSION,
        signer_user=user,
        signer_guardian=guardian,
        typed_name=guardian.full_name,
    )


def _request(school, pupil, office, **agreement_fields):
    agreement = pupil_agreement(school, **agreement_fields)
    return aup_services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=pupil)[0]


def _complete(request, user, guardian, teacher):
    _parent_signs(request, user, guardian)
    _sign(
        request,
        party=Signature.Party.PUPIL,
        method=Signature.Method.TEACHER_PRESENT,
        teacher_present=teacher,
        typed_name=request.pupil.display_name,
    )
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    return request


def test_a_parent_of_two_children_sees_what_they_gave_for_both(
    client, school, office, teacher, pupil, sibling, guardian_link, parent, consent_form
):
    guardian = guardian_link.guardian
    done = _complete(_request(school, pupil, office, title="Pupil acceptable use agreement"), parent, guardian, teacher)
    waiting = _request(school, sibling, office, title="Home–school agreement")
    _parent_signs(waiting, parent, guardian)
    _answer(consent_form, pupil, guardian, dict.fromkeys(CODES, True), user=parent)
    _answer(consent_form, sibling, guardian, dict.fromkeys(CODES, False), user=parent)

    client.force_login(parent)
    page = client.get(HISTORY)

    assert page.status_code == 200
    histories = page.context["histories"]
    assert [h.pupil for h in histories] == sorted([pupil, sibling], key=lambda p: p.date_of_birth)
    by_pupil = {h.pupil: h for h in histories}
    assert [s.request for s in by_pupil[pupil].signatures] == [done]
    assert [s.request for s in by_pupil[sibling].signatures] == [waiting]
    assert len(by_pupil[pupil].consent_responses) == len(by_pupil[sibling].consent_responses) == 1
    text = _text(page)
    for shown in (pupil.display_name, sibling.display_name, "Pupil acceptable use agreement", "Home–school agreement"):
        assert shown in text
    # The completed agreement has its signed copy; the one waiting for the pupil says when it will have one.
    assert reverse("aup:document_download", args=[school.slug, done.public_id]) in text
    assert reverse("aup:document_download", args=[school.slug, waiting.public_id]) not in text
    assert "Ready when everyone has signed" in text
    for response in ConsentResponse.objects.all():
        assert reverse("directory:parent_consent_copy", args=[response.public_id]) in text


def test_one_childs_page_shows_only_that_child(client, school, office, pupil, sibling, guardian_link, parent):
    _parent_signs(_request(school, sibling, office, title="Home–school agreement"), parent, guardian_link.guardian)
    client.force_login(parent)
    page = client.get(reverse("directory:parent_child_history", args=[pupil.public_id]))
    assert page.status_code == 200
    assert [h.pupil for h in page.context["histories"]] == [pupil]
    assert "Home–school agreement" not in _text(page)
    assert "You have not signed an agreement for this child yet." in _text(page)


def test_a_parent_never_sees_another_familys_records(
    client, school, office, teacher, pupil, guardian_link, parent, other_family, consent_form
):
    other_link, other_user = other_family
    other_request = _complete(
        _request(school, other_link.pupil, office, title="Farrowby agreement"), other_user, other_link.guardian, teacher
    )
    other_response = _answer(consent_form, other_link.pupil, other_link.guardian, dict.fromkeys(CODES, True))

    client.force_login(parent)
    page = client.get(HISTORY)
    assert "Zeynep" not in _text(page) and "Farrowby" not in _text(page)
    # Their child's history page, and their consent copy, answer as if they did not exist.
    assert client.get(reverse("directory:parent_child_history", args=[other_link.pupil.public_id])).status_code == 404
    assert client.get(reverse("directory:parent_consent_copy", args=[other_response.public_id])).status_code == 404
    assert client.get(reverse("aup:document_download", args=[school.slug, other_request.public_id])).status_code == 404


def test_the_other_parents_answer_state_is_shown_never_their_answers(
    client, pupil, guardian_link, parent, other_parent_link, consent_form
):
    client.force_login(parent)
    page = client.get(HISTORY)
    assert "Your child's other parent or carer has not answered the photo and video consent form." in _text(page)
    assert "You have not answered the school's current form yet." in _text(page)

    _answer(consent_form, pupil, other_parent_link.guardian, dict.fromkeys(CODES, False))
    page = client.get(HISTORY)
    assert "Your child's other parent or carer has answered the photo and video consent form." in _text(page)
    assert other_parent_link.guardian.full_name not in _text(page)  # not named
    history = page.context["histories"][0]
    assert history.other_parents == ["answered"]
    assert history.consent_responses == []  # their answers are not ours to see
    assert "Your child's other parent or carer has not answered" not in _text(page)

    # A change of one answer by the other parent is still "answered"; our own answers make ours "answered" too.
    _answer(consent_form, pupil, guardian_link.guardian, dict.fromkeys(CODES, True), user=parent)
    page = client.get(HISTORY)
    assert "You have answered the school's current form." in _text(page)
    assert [r.guardian for r in page.context["histories"][0].consent_responses] == [guardian_link.guardian]


def test_no_other_parent_no_sentence_about_one(client, pupil, guardian_link, parent, consent_form):
    client.force_login(parent)
    page = client.get(HISTORY)
    assert page.context["histories"][0].other_parents == []
    assert "other parent or carer" not in _text(page)


def test_an_answer_from_last_academic_year_is_not_counted_as_answered(
    client, school, pupil, guardian_link, parent, other_parent_link, consent_form
):
    last_year = factories.AcademicYearFactory(
        school=school, name="2025/26", starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 8, 31)
    )
    response = _answer(consent_form, pupil, other_parent_link.guardian, dict.fromkeys(CODES, True))
    ConsentResponse.objects.filter(pk=response.pk).update(academic_year=last_year)
    client.force_login(parent)
    assert client.get(HISTORY).context["histories"][0].other_parents == ["not_answered"]


def test_the_consent_copy_downloads_for_the_parent_who_gave_it(
    client, pupil, guardian_link, parent, other_parent_link, consent_form
):
    mine = _answer(consent_form, pupil, guardian_link.guardian, dict.fromkeys(CODES, True), user=parent)
    theirs = _answer(consent_form, pupil, other_parent_link.guardian, dict.fromkeys(CODES, False))
    client.force_login(parent)

    reply = client.get(reverse("directory:parent_consent_copy", args=[mine.public_id]))

    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/pdf"
    assert "attachment" in reply["Content-Disposition"]
    data = b"".join(reply.streaming_content)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    assert guardian_link.guardian.full_name in text
    event = AuditEvent.objects.get(action="consent.response.copy_downloaded")
    assert (event.actor, event.subject_id) == (parent, str(mine.public_id))
    # The other parent's copy is theirs: 404, as for a response that does not exist.
    assert client.get(reverse("directory:parent_consent_copy", args=[theirs.public_id])).status_code == 404


def test_the_signed_agreement_copy_downloads(client, school, office, teacher, pupil, guardian_link, parent):
    done = _complete(_request(school, pupil, office), parent, guardian_link.guardian, teacher)
    client.force_login(parent)
    page = client.get(HISTORY)
    link = reverse("aup:document_download", args=[school.slug, done.public_id])
    assert link in _text(page)
    reply = client.get(link)
    assert reply.status_code == 200
    assert b"".join(reply.streaming_content).startswith(b"%PDF-")


def test_a_copy_is_not_offered_without_parental_responsibility(
    client, school, office, teacher, pupil, guardian_link, parent
):
    done = _complete(_request(school, pupil, office), parent, guardian_link.guardian, teacher)
    guardian_link.has_parental_responsibility = False
    guardian_link.save()
    client.force_login(parent)
    page = client.get(HISTORY)
    assert [s.request for s in page.context["histories"][0].signatures] == [done]  # what they gave stays listed
    assert reverse("aup:document_download", args=[school.slug, done.public_id]) not in _text(page)
    assert "does not record you as having parental responsibility" in _text(page)


def test_an_ended_link_hides_that_child(client, school, office, pupil, guardian_link, parent, consent_form):
    response = _answer(consent_form, pupil, guardian_link.guardian, dict.fromkeys(CODES, True), user=parent)
    guardian_link.ended_on = school.today()
    guardian_link.save()
    client.force_login(parent)
    assert client.get(HISTORY).status_code == 404  # no child left: not a parent here any more
    assert client.get(reverse("directory:parent_consent_copy", args=[response.public_id])).status_code == 404


def test_a_declined_agreement_is_listed_with_the_parents_reason(client, school, office, pupil, guardian_link, parent):
    request = _request(school, pupil, office, title="Residential trip agreement")
    SignatureRequest.objects.filter(pk=request.pk).update(
        status=SignatureRequest.Status.DECLINED,
        declined_at=timezone.now(),
        declined_by=parent,
        declined_by_guardian=guardian_link.guardian,
        decline_reason="We would like to talk to the class teacher first.",
    )
    client.force_login(parent)
    page = client.get(HISTORY)
    assert "Agreements you declined" in _text(page)
    assert "Residential trip agreement" in _text(page)
    assert "We would like to talk to the class teacher first." in _text(page)


def test_staff_and_strangers_have_no_history_page(client, office):
    client.force_login(office)
    assert client.get(HISTORY).status_code == 404
    client.logout()
    assert client.get(HISTORY).status_code == 302


def test_the_page_is_linked_from_the_parents_home_and_the_childs_page(client, pupil, guardian_link, parent):
    client.force_login(parent)
    assert HISTORY in _text(client.get(reverse("directory:parent_home")))
    child_page = _text(client.get(reverse("directory:parent_child", args=[pupil.public_id])))
    assert reverse("directory:parent_child_history", args=[pupil.public_id]) in child_page


def test_the_queries_do_not_grow_with_the_records(client, school, office, pupil, guardian_link, parent, consent_form):
    guardian = guardian_link.guardian

    def count():
        client.force_login(parent)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(HISTORY).status_code == 200
        return len(queries)

    _parent_signs(_request(school, pupil, office, title="Agreement 1"), parent, guardian)
    _answer(consent_form, pupil, guardian, dict.fromkeys(CODES, True), user=parent)
    count()  # the first page warms the per-process caches (the session, the school's settings)
    few = count()
    for number in range(2, 7):
        _parent_signs(_request(school, pupil, office, title=f"Agreement {number}"), parent, guardian)
        _answer(
            consent_form,
            pupil,
            guardian,
            {"images_website": bool(number % 2)},
            user=parent,
            kind=ConsentResponse.Kind.CHANGE,
        )
    assert count() == few
