"""Pupils who sign for themselves with a class code (issue 13 item 8): the school's setting, opening and closing codes,
the pupils' pages (name, date of birth, signing, photo consent), throttling, and what coverage and the grid show."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aup import documents, selectors, services_class_codes
from aup.evidence import agreement_content, content_sha256
from aup.models import ClassCodeAttempt, ClassSigningCode, PupilSelfSigning, Signature, SignatureRequest
from aup.services_class_codes import CODE_ALPHABET, ClassCodeError
from aup.tests.factories import pupil_agreement
from consent import services as consent_services
from consent.models import ConsentResponse
from consent.selectors import effective_answers
from consent.tests.factories import published_form
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db

OLD_ENOUGH = datetime.date(2012, 3, 10)  # 14 in December 2026
TOO_YOUNG = datetime.date(2016, 6, 1)  # 10


@pytest.fixture
def year9(school, teacher):
    """9 Elm, taught by the teacher persona."""
    year = factories.YearGroupFactory(school=school, code="Y9", name="Year 9", order=9)
    school_class = factories.SchoolClassFactory(school=school, year_group=year, name="9 Elm")
    school_class.teachers.add(teacher)
    return school_class


def _pupil(school_class, first, last, born):
    return factories.PupilFactory(
        school=school_class.school,
        school_class=school_class,
        year_group=school_class.year_group,
        legal_first_name=first,
        legal_last_name=last,
        date_of_birth=born,
    )


@pytest.fixture
def maya(year9):
    pupil = _pupil(year9, "Maya", "Okafor", OLD_ENOUGH)
    factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True)
    return pupil


@pytest.fixture
def leo(year9):
    return _pupil(year9, "Leo", "Marsh", datetime.date(2012, 11, 20))


@pytest.fixture
def tiny(year9):
    """A pupil below the school's age, in the same class (a younger sibling's age, for the test's sake)."""
    return _pupil(year9, "Ada", "Brook", TOO_YOUNG)


@pytest.fixture
def agreement(school):
    return pupil_agreement(school)


@pytest.fixture
def consent_form(school):
    return published_form(school)


@pytest.fixture
def self_signing(school, office):
    return services_class_codes.pupil_self_signing_set(actor=office, school=school, from_age=13)


@pytest.fixture
def code(self_signing, teacher, school, year9, agreement, consent_form):
    return services_class_codes.class_code_open(
        actor=teacher, school=school, school_class=year9, agreement=agreement, consent=True
    )


# The school's setting ---------------------------------------------------------------------------------------------


def test_the_setting_is_changed_by_the_office_not_a_teacher_and_a_repeat_changes_nothing(school, office, teacher):
    with pytest.raises(PermissionError):
        services_class_codes.pupil_self_signing_set(actor=teacher, school=school, from_age=13)
    services_class_codes.pupil_self_signing_set(actor=office, school=school, from_age=13)
    services_class_codes.pupil_self_signing_set(actor=office, school=school, from_age=13)
    assert services_class_codes.self_signing_age(school) == 13
    assert AuditEvent.objects.filter(action="aup.self_signing.changed").count() == 1
    with pytest.raises(DomainError):
        services_class_codes.pupil_self_signing_set(actor=office, school=school, from_age=9)
    services_class_codes.pupil_self_signing_set(actor=office, school=school, from_age=None)
    setting = PupilSelfSigning.objects.get(school=school)
    assert setting.from_age is None and setting.history.count() == 2


def test_the_setting_page_turns_it_on_and_the_school_home_links_it(client, school, office):
    client.force_login(office)
    home = client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
    assert reverse("aup:self_signing", args=[school.slug]) in home
    response = client.post(reverse("aup:self_signing", args=[school.slug]), {"from_age": "13"})
    assert response.status_code == 302
    assert services_class_codes.self_signing_age(school) == 13
    page = client.get(reverse("aup:self_signing", args=[school.slug])).content.decode()
    assert "pupils aged 13 and over sign for themselves" in page
    assert "UK GDPR Article 8" in page


# Opening and closing codes ----------------------------------------------------------------------------------------


def test_a_code_is_six_unambiguous_characters_open_an_hour_with_the_teacher_recorded(
    self_signing, teacher, school, year9, agreement
):
    now = timezone.now()
    code = services_class_codes.class_code_open(
        actor=teacher, school=school, school_class=year9, agreement=agreement, now=now
    )
    assert len(code.code) == 6 and set(code.code) <= set(CODE_ALPHABET)
    assert not set(code.code) & set("0O1I")
    assert code.opened_by == teacher
    assert code.expires_at == now + datetime.timedelta(minutes=60)
    assert AuditEvent.objects.filter(action="aup.class_code.opened", actor=teacher).exists()
    assert code.history.count() == 1


def test_only_a_teacher_of_the_class_opens_a_code_and_only_when_the_school_turned_it_on(
    school, teacher, dsl, head, year9, agreement
):
    with pytest.raises(ClassCodeError) as error:
        services_class_codes.class_code_open(actor=teacher, school=school, school_class=year9, agreement=agreement)
    assert error.value.code == "off"
    services_class_codes.pupil_self_signing_set(actor=head, school=school, from_age=13)
    with pytest.raises(PermissionError):  # the DSL may supervise signing, but teaches no class
        services_class_codes.class_code_open(actor=dsl, school=school, school_class=year9, agreement=agreement)


def test_a_code_expires_and_a_closed_code_explains_itself(code, teacher):
    later = code.expires_at + datetime.timedelta(seconds=1)
    with pytest.raises(ClassCodeError) as error:
        services_class_codes.class_code_find(raw=code.code, now=later)
    assert error.value.code == "expired" and "run out of time" in error.value.message
    services_class_codes.class_code_revoke(actor=teacher, code=code)
    services_class_codes.class_code_revoke(actor=teacher, code=code)  # again: nothing changes
    assert AuditEvent.objects.filter(action="aup.class_code.revoked").count() == 1
    response = Client().post(reverse("aup:class_code_enter"), {"code": code.code.lower()})
    assert response.status_code == 410
    assert "Your teacher has closed this code" in response.content.decode()


def test_a_forged_code_is_not_found_and_counted(client):
    response = client.post(reverse("aup:class_code_enter"), {"code": "ZZZZZZ"})
    assert "We could not find that code" in response.content.decode()
    assert ClassCodeAttempt.objects.filter(kind=ClassCodeAttempt.Kind.UNKNOWN_CODE).count() == 1


def test_the_teacher_sees_the_open_codes_and_closes_one(client, code, teacher, school):
    client.force_login(teacher)
    page = client.get(reverse("aup:class_codes", args=[school.slug])).content.decode()
    assert code.code in page
    shown = client.get(reverse("aup:class_code_show", args=[school.slug, code.public_id])).content.decode()
    assert code.code in shown and reverse("aup:class_code_enter") in shown
    closed = client.post(reverse("aup:class_code_revoke", args=[school.slug, code.public_id]), follow=True)
    assert f"Code {code.code} is closed." in closed.content.decode()
    code.refresh_from_db()
    assert code.revoked_at is not None and code.revoked_by == teacher
    assert code.code not in client.get(reverse("aup:class_codes", args=[school.slug])).content.decode()


def test_the_class_signing_page_links_to_class_codes(client, teacher, school, year9, agreement):
    client.force_login(teacher)
    page = client.get(reverse("aup:class_signing", args=[school.slug])).content.decode()
    assert reverse("aup:class_codes", args=[school.slug]) in page


def test_another_schools_code_is_not_found(client, code, other_school_dsl, other_school, school):
    client.force_login(other_school_dsl)
    for slug in (school.slug, other_school.slug):
        assert client.get(reverse("aup:class_code_show", args=[slug, code.public_id])).status_code == 404
        assert client.post(reverse("aup:class_code_revoke", args=[slug, code.public_id])).status_code == 404
    code.refresh_from_db()
    assert code.revoked_at is None


def test_a_teacher_opens_a_code_from_the_page(client, self_signing, teacher, school, year9, agreement):
    client.force_login(teacher)
    response = client.post(
        reverse("aup:class_codes", args=[school.slug]),
        {"school_class": year9.pk, "agreement": str(agreement.public_id), "minutes": "30"},
    )
    code = ClassSigningCode.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"{code.public_id}/")
    assert code.agreement == agreement and not code.consent and code.opened_by == teacher


# Who the code lists, and the date of birth ------------------------------------------------------------------------


def test_a_pupil_below_the_age_is_never_listed_nor_let_in(code, maya, tiny, leo):
    assert services_class_codes.listed_pupils(code) == [leo, maya]  # by last name
    with pytest.raises(ClassCodeError) as error:
        services_class_codes.class_code_identify(code=code, pupil_id=tiny.public_id, date_of_birth=TOO_YOUNG)
    assert error.value.code == "wrong_details"
    page = _enter(Client(), code).get(reverse("aup:class_code_who")).content.decode()
    assert "Maya Okafor" in page and "Ada Brook" not in page


def test_a_wrong_date_of_birth_is_refused_without_saying_which_part_then_throttled(code, maya, leo):
    messages = set()
    for wrong in (datetime.date(2012, 3, 11), datetime.date(2011, 3, 10), datetime.date(2012, 4, 10)):
        with pytest.raises(ClassCodeError) as error:
            services_class_codes.class_code_identify(code=code, pupil_id=maya.public_id, date_of_birth=wrong)
        messages.add(error.value.message)
    with pytest.raises(ClassCodeError) as error:  # a name not on the list reads the same
        services_class_codes.class_code_identify(code=code, pupil_id="nobody", date_of_birth=OLD_ENOUGH)
    messages.add(error.value.message)
    assert messages == {"Those details do not match our records. Check them and try again, or ask your teacher."}
    with pytest.raises(ClassCodeError) as error:  # three wrong dates for Maya on this code: even the right one waits
        services_class_codes.class_code_identify(code=code, pupil_id=maya.public_id, date_of_birth=OLD_ENOUGH)
    assert error.value.code == "throttled"
    # Leo, on the same code, is not held up by Maya's slips.
    assert services_class_codes.class_code_identify(code=code, pupil_id=leo.public_id, date_of_birth=leo.date_of_birth)


def test_too_many_failures_from_one_address_wait(code, maya):
    for _ in range(services_class_codes.MAX_FAILURES_PER_IP):
        with pytest.raises(ClassCodeError):
            services_class_codes.class_code_find(raw="ZZZZZZ", ip_address="203.0.113.9")
    with pytest.raises(ClassCodeError) as error:
        services_class_codes.class_code_find(raw=code.code, ip_address="203.0.113.9")
    assert error.value.code == "throttled"
    assert services_class_codes.class_code_find(raw=code.code, ip_address="203.0.113.10") == code
    later = timezone.now() + services_class_codes.THROTTLE_WINDOW + datetime.timedelta(seconds=1)
    assert services_class_codes.class_code_find(raw=code.code, ip_address="203.0.113.9", now=later) == code


def test_the_who_page_refuses_a_wrong_date_of_birth(code, maya):
    client = _enter(Client(), code)
    response = client.post(
        reverse("aup:class_code_who"),
        {
            "pupil": str(maya.public_id),
            "date_of_birth_day": "11",
            "date_of_birth_month": "3",
            "date_of_birth_year": "2012",
        },
    )
    assert response.status_code == 200
    assert "Those details do not match our records" in response.content.decode()
    assert client.get(reverse("aup:class_code_agreement")).status_code == 302  # not let through


# Signing and answering --------------------------------------------------------------------------------------------


def _enter(client, code):
    response = client.post(reverse("aup:class_code_enter"), {"code": f" {code.code[:3].lower()} {code.code[3:]} "})
    assert response.status_code == 302 and response["Location"] == reverse("aup:class_code_who")
    return client


def _identify(client, pupil):
    born = pupil.date_of_birth
    return client.post(
        reverse("aup:class_code_who"),
        {
            "pupil": str(pupil.public_id),
            "date_of_birth_day": str(born.day),
            "date_of_birth_month": str(born.month),
            "date_of_birth_year": str(born.year),
        },
    )


def _sign(client, agreement, name):
    content = agreement_content(agreement)
    return client.post(
        reverse("aup:class_code_agreement"),
        {
            "statements": [s["number"] for s in content["statements"]],
            "typed_name": name,
            "shown_sha256": content_sha256(content),
            "party": "pupil",
        },
    )


def _answer(client, version, name, answer):
    shown = consent_services.form_content(version)
    data = {"typed_name": name, "shown_sha256": content_sha256(shown)}
    for purpose in version.purposes.all():
        data[f"purpose_{purpose.code}"] = answer(purpose.code)
    return client.post(reverse("aup:class_code_photos"), data)


def test_a_pupil_signs_and_answers_with_the_teacher_recorded_and_the_session_cleared(
    code, maya, teacher, agreement, consent_form, school, year9
):
    client = _enter(Client(), code)
    response = _identify(client, maya)
    assert response["Location"] == reverse("aup:class_code_agreement")
    page = client.get(reverse("aup:class_code_agreement")).content.decode()
    assert "Hello, Maya!" in page and teacher.get_full_name() in page
    response = _sign(client, agreement, "Maya Okafor")
    assert response["Location"] == reverse("aup:class_code_photos")

    signature = Signature.objects.get(signer_pupil=maya)
    assert signature.method == Signature.Method.CLASS_CODE
    assert signature.teacher_present == teacher and signature.class_code == code
    assert signature.party == Signature.Party.PUPIL and signature.first_viewed_at is not None
    assert signature.request.status == SignatureRequest.Status.PARTLY_SIGNED  # the parent countersigns
    assert AuditEvent.objects.filter(action="aup.signature.recorded", subject_id=str(signature.public_id)).exists()
    # The certificate of completion says how the pupil was identified.
    identity = documents._signature_context(signature)["identity"]
    assert any(f"class code {code.code}, opened for 9 Elm" in line for line in identity)
    # The class signing page counts it like any pupil signature.
    rows = selectors.class_signing_rows(school=school, agreement=agreement, school_class=year9)
    assert {row.pupil: row.status for row in rows}[maya] == "waiting_for_parent"

    photos = client.get(reverse("aup:class_code_photos")).content.decode()
    assert "Photos and videos of you" in photos and "Images on the school website" in photos
    response = _answer(client, consent_form, "Maya Okafor", lambda c: "no" if c == "images_social_media" else "yes")
    assert response["Location"] == reverse("aup:class_code_done")
    answer = ConsentResponse.objects.get(pupil=maya)
    assert answer.answered_by_pupil and answer.guardian is None
    assert answer.method == ConsentResponse.Method.CLASS_CODE and answer.teacher_present == teacher

    done = client.get(reverse("aup:class_code_done"))
    assert "All done, Maya!" in done.content.decode()
    assert "aup_class_code" not in client.session
    assert client.get(reverse("aup:class_code_agreement"))["Location"] == reverse("aup:class_code_enter")
    # Maya has nothing left: the list no longer offers her name.
    assert maya not in services_class_codes.listed_pupils(code)


def test_a_pupils_answer_appears_on_the_grid_by_the_consent_rules(
    client, code, maya, consent_form, teacher, school, year9, guardian_link
):
    pupil_client = _enter(Client(), code)
    _identify(pupil_client, maya)
    _sign(pupil_client, code.agreement, "Maya Okafor")
    _answer(pupil_client, consent_form, "Maya Okafor", lambda c: "no" if c == "images_social_media" else "yes")
    _purposes, decisions = effective_answers(school=school, pupils=[maya])
    # The pupil's no is a no; her yes does not stand for her parents' (no answer from them yet means no).
    assert decisions[maya.pk]["images_social_media"].reason == "pupil_refused"
    assert decisions[maya.pk]["images_website"].reason == "no_response"
    client.force_login(teacher)
    grid = client.get(reverse("consent:class_grid", args=[school.slug]), {"school_class": year9.pk})
    assert "Pupil said no" in grid.content.decode()


def test_two_pupils_on_one_code_at_the_same_time_both_sign(code, maya, leo, agreement):
    first, second = _enter(Client(), code), _enter(Client(), code)
    _identify(first, maya)
    _identify(second, leo)
    _sign(second, agreement, "Leo Marsh")
    _sign(first, agreement, "Maya Okafor")
    assert set(Signature.objects.filter(class_code=code).values_list("signer_pupil__legal_first_name", flat=True)) == {
        "Maya",
        "Leo",
    }


def test_a_code_closed_while_a_pupil_reads_records_nothing_and_says_so(code, maya, teacher, agreement):
    client = _enter(Client(), code)
    _identify(client, maya)
    services_class_codes.class_code_revoke(actor=teacher, code=code)
    response = _sign(client, agreement, "Maya Okafor")
    assert response.status_code == 410
    assert "Your teacher has closed this code" in response.content.decode()
    assert not Signature.objects.filter(signer_pupil=maya).exists()
    assert "aup_class_code" not in client.session


def test_the_service_refuses_a_class_code_signature_without_an_open_code(code, maya, agreement, teacher):
    from aup import services

    request, _ = services.signature_request_open(actor=None, agreement=agreement, school=code.school, pupil=maya)
    content = agreement_content(agreement)
    with pytest.raises(services.SigningError):
        services.signature_record(
            request=request,
            party=Signature.Party.PUPIL,
            method=Signature.Method.CLASS_CODE,
            typed_name="Maya Okafor",
            statements_confirmed=[s["number"] for s in content["statements"]],
            shown_sha256=content_sha256(content),
            teacher_present=teacher,
            class_code=None,
        )
    with pytest.raises(ClassCodeError):
        services_class_codes.class_code_sign(
            code=code,
            pupil=maya,
            typed_name="Maya Okafor",
            statements_confirmed=[s["number"] for s in content["statements"]],
            shown_sha256=content_sha256(content),
            now=code.expires_at,
        )
    assert not Signature.objects.exists()
