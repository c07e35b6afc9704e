"""Answering consent through the pages: parents signed in or by link, changes and withdrawals, the office's paper
and phone answers, the pupil's record, the parent panel, the PDF copy and the class teachers' notification."""

import io

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from aup.evidence import content_sha256
from consent import services, tasks
from consent.models import ConsentResponse
from consent.selectors import effective_answers
from consent.services import form_content
from consent.tests.factories import published_form
from consent.tokens import answer_token
from safeguard import panels
from safeguard.directory.tests import factories

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
EVERY_QUESTION = "Please answer every question yes or no"
DOES_NOT_RECALL = "Withdrawing stops any further use from now on. It does not recall images already published."


@pytest.fixture
def guardian_link(guardian_link):
    """The pupil's mother, Dana Whitfield: the name the tests type to sign (it is checked against the record)."""
    guardian = guardian_link.guardian
    guardian.first_name, guardian.last_name = "Dana", "Whitfield"
    guardian.save(update_fields=["first_name", "last_name"])
    return guardian_link


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    return published_form(school)


def post_data(version, answers, name="Dana Whitfield", **extra):
    data = {f"purpose_{code}": "yes" if value else "no" for code, value in answers.items()}
    data.update({"typed_name": name, "shown_sha256": content_sha256(form_content(version)), **extra})
    return data


def decisions(pupil):
    _purposes, result = effective_answers(school=pupil.school, pupils=[pupil])
    return {code: (d.allowed, d.reason) for code, d in result[pupil.pk].items()}


def record_answers(version, pupil, guardian, answers):
    return services.consent_response_record(
        pupil=pupil,
        version=version,
        answers=answers,
        guardian=guardian,
        method=ConsentResponse.Method.INVITATION_LINK,
        typed_name="Dana Whitfield",
        shown_sha256=content_sha256(form_content(version)),
    )


def pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
class TestParentAnswers:
    def test_answers_count_in_the_grid_and_a_pdf_copy_is_emailed(
        self, client, parent, pupil, version, celery_eager, django_capture_on_commit_callbacks
    ):
        answers = {code: code.startswith("images") for code in CODES}
        client.force_login(parent)
        url = reverse("consent:answer", args=[pupil.public_id])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, post_data(version, answers), HTTP_USER_AGENT="PhoneBrowser/1.0", follow=True)
        assert "A PDF copy is on its way by e-mail" in response.text
        assert DOES_NOT_RECALL in response.text
        result = decisions(pupil)
        assert result["images_website"] == (True, "consented")
        assert result["videos_marketing"] == (False, "refused")
        saved = ConsentResponse.objects.get(pupil=pupil)
        assert saved.method == ConsentResponse.Method.PASSWORD_SESSION and saved.signer_user == parent
        assert saved.user_agent == "PhoneBrowser/1.0" and saved.ip_address == "127.0.0.1"
        copies = [m for m in mail.outbox if parent.email in m.to and m.attachments]
        assert len(copies) == 1
        filename, data, mimetype = copies[0].attachments[0]
        assert mimetype == "application/pdf" and data.startswith(b"%PDF-") and filename.endswith(".pdf")
        text = pdf_text(data)
        assert "May we use images of your child on the school website?" in text
        assert saved.content_sha256 in text.replace("\n", "")

    def test_nothing_is_preselected(self, client, parent, pupil, version):
        client.force_login(parent)
        page = client.get(reverse("consent:answer", args=[pupil.public_id]))
        assert page.status_code == 200
        assert page.text.count('type="radio"') == 16
        assert "checked" not in page.text
        assert "Demo Learning Trust" in page.text and "We would like to use images of your child." in page.text

    def test_a_missing_answer_is_refused_and_nothing_is_recorded(self, client, parent, pupil, version):
        client.force_login(parent)
        answers = dict.fromkeys(CODES, True)
        del answers["videos_local_press"]
        page = client.post(reverse("consent:answer", args=[pupil.public_id]), post_data(version, answers))
        assert page.status_code == 200
        assert EVERY_QUESTION in page.text
        assert not ConsentResponse.objects.exists()
        assert page.text.count(" checked") == 7  # what they did answer is kept

    def test_a_parent_who_answered_sees_their_answers_and_the_way_to_change(self, client, parent, pupil, version):
        record_answers(version, pupil, parent.guardian_records.get(), dict.fromkeys(CODES, True))
        client.force_login(parent)
        page = client.get(reverse("consent:answer", args=[pupil.public_id]))
        assert "Your answers" in page.text and 'type="radio"' not in page.text
        assert reverse("consent:change", args=[pupil.public_id]) in page.text

    def test_a_parent_without_parental_responsibility_gets_404(self, client, pupil, version):
        link = factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=False)
        user = factories.UserFactory(email=link.guardian.email)
        link.guardian.user = user
        link.guardian.save()
        client.force_login(user)
        for name in ("consent:answer", "consent:change"):
            assert client.get(reverse(name, args=[pupil.public_id])).status_code == 404
        assert client.post(reverse("consent:answer", args=[pupil.public_id]), {}).status_code == 404

    def test_no_form_in_use_says_there_is_nothing_to_answer(self, client, parent, pupil):
        client.force_login(parent)
        page = client.get(reverse("consent:answer", args=[pupil.public_id]))
        assert page.status_code == 200 and "Nothing to answer" in page.text


@pytest.mark.django_db
class TestAnswerByLink:
    def test_the_link_answers_for_its_pupil(self, client, pupil, guardian_link, version):
        url = reverse("consent:answer_by_link", args=[answer_token(pupil, guardian_link.guardian)])
        assert "checked" not in client.get(url).text
        response = client.post(url, post_data(version, dict.fromkeys(CODES, False)), follow=True)
        assert "Your answers" in response.text
        saved = ConsentResponse.objects.get()
        assert saved.method == ConsentResponse.Method.INVITATION_LINK and saved.guardian == guardian_link.guardian
        assert decisions(pupil)["images_website"] == (False, "refused")

    def test_a_link_cannot_answer_for_another_pupil(self, client, school, pupil, guardian_link, version):
        sibling = factories.PupilFactory(school=school, legal_first_name="Kit")
        token = answer_token(pupil, guardian_link.guardian)
        forged = answer_token(sibling, guardian_link.guardian)
        # Swap the payload of one signed link into another: the signature no longer matches.
        tampered = forged.split(":")[0] + ":" + ":".join(token.split(":")[1:])
        for bad in (tampered, token[:-3] + "abc", "not-a-token"):
            page = client.post(
                reverse("consent:answer_by_link", args=[bad]), post_data(version, dict.fromkeys(CODES, True))
            )
            assert page.status_code == 400
            assert "This link is not valid" in page.text
        assert not ConsentResponse.objects.exists()

    def test_a_valid_link_for_a_guardian_not_linked_to_that_pupil_is_refused(self, client, school, pupil, version):
        stranger = factories.GuardianFactory(school=school)
        url = reverse("consent:answer_by_link", args=[answer_token(pupil, stranger)])
        assert client.post(url, post_data(version, dict.fromkeys(CODES, True))).status_code == 403
        assert not ConsentResponse.objects.exists()


@pytest.mark.django_db
class TestChangeAndWithdraw:
    def test_a_change_sends_only_the_changed_answer_and_takes_effect_at_once(self, client, parent, pupil, version):
        record_answers(version, pupil, parent.guardian_records.get(), dict.fromkeys(CODES, True))
        client.force_login(parent)
        url = reverse("consent:change", args=[pupil.public_id])
        page = client.get(url)
        assert DOES_NOT_RECALL in page.text
        answers = dict.fromkeys(CODES, True) | {"images_social_media": False}
        page = client.post(url, post_data(version, answers, action="change"), follow=True)
        assert "take effect now" in page.text
        change = ConsentResponse.objects.get(kind=ConsentResponse.Kind.CHANGE)
        assert {a.purpose.code: a.answer for a in change.answers.all()} == {"images_social_media": False}
        assert decisions(pupil)["images_social_media"] == (False, "refused")
        assert decisions(pupil)["images_website"] == (True, "consented")

    def test_withdraw_all_turns_every_yes_to_no_at_once(self, client, parent, pupil, version):
        record_answers(
            version, pupil, parent.guardian_records.get(), {code: code != "videos_marketing" for code in CODES}
        )
        client.force_login(parent)
        url = reverse("consent:change", args=[pupil.public_id])
        data = {"action": "withdraw_all", "withdraw-typed_name": "Dana Whitfield"}
        data["withdraw-shown_sha256"] = content_sha256(form_content(version))
        page = client.post(url, data, follow=True)
        assert "Your consent is withdrawn" in page.text and DOES_NOT_RECALL in page.text
        withdrawal = ConsentResponse.objects.get(kind=ConsentResponse.Kind.WITHDRAWAL)
        assert withdrawal.answers.count() == 7 and not withdrawal.answers.filter(answer=True).exists()
        assert {allowed for allowed, _reason in decisions(pupil).values()} == {False}

    def test_change_before_answering_leads_to_the_form(self, client, parent, pupil, version):
        client.force_login(parent)
        response = client.get(reverse("consent:change", args=[pupil.public_id]))
        assert response.status_code == 302 and response.url == reverse("consent:answer", args=[pupil.public_id])


@pytest.mark.django_db
class TestOffice:
    def test_office_records_a_phone_answer_with_who_called(self, client, office, pupil, guardian_link, version):
        client.force_login(office)
        url = reverse("consent:record_paper", args=[pupil.school.slug, pupil.public_id])
        data = post_data(version, dict.fromkeys(CODES, True), name="Jane Whitfield")
        data.update({"respondent": str(guardian_link.guardian.public_id), "method": "phone"})
        page = client.post(url, data)
        assert "Please note who called." in page.text and not ConsentResponse.objects.exists()
        data["phone_caller"] = "Mrs Whitfield, mother"
        page = client.post(url, data, follow=True)
        saved = ConsentResponse.objects.get()
        assert saved.method == ConsentResponse.Method.PHONE and saved.recorded_by == office
        assert saved.phone_caller == "Mrs Whitfield, mother"
        assert "Mrs Whitfield, mother" in page.text  # the record page shows who called
        assert decisions(pupil)["videos_website"] == (True, "consented")

    def test_office_records_a_paper_form_with_a_scan_checked_by_content(
        self, client, office, pupil, guardian_link, version
    ):
        client.force_login(office)
        url = reverse("consent:record_paper", args=[pupil.school.slug, pupil.public_id])
        data = post_data(version, dict.fromkeys(CODES, False), name="J Whitfield")
        data.update(
            {"respondent": str(guardian_link.guardian.public_id), "method": "paper", "paper_date": "2026-11-18"}
        )
        fake = io.BytesIO(b"MZ not really a pdf")
        fake.name = "form.pdf"
        page = client.post(url, {**data, "scan": fake})
        assert "not a real" in page.text and not ConsentResponse.objects.exists()
        scan = io.BytesIO(b"%PDF-1.4\n%fake scan\n")
        scan.name = "form.pdf"
        client.post(url, {**data, "scan": scan})
        saved = ConsentResponse.objects.get()
        assert saved.method == ConsentResponse.Method.PAPER and saved.paper_scan.name.endswith(".pdf")
        assert "2026-11-18" in saved.note

    def test_a_teacher_cannot_record_or_see_the_record(self, client, teacher, pupil, guardian_link, version):
        client.force_login(teacher)
        url = reverse("consent:record_paper", args=[pupil.school.slug, pupil.public_id])
        assert client.get(url).status_code == 404
        data = post_data(version, dict.fromkeys(CODES, True))
        data.update({"respondent": str(guardian_link.guardian.public_id), "method": "phone", "phone_caller": "Mum"})
        assert client.post(url, data).status_code == 404
        assert not ConsentResponse.objects.exists()
        assert client.get(reverse("consent:pupil_record", args=[pupil.school.slug, pupil.public_id])).status_code == 404

    def test_the_dsl_sees_the_record_of_how_and_when(self, client, dsl, parent, pupil, version):
        record_answers(version, pupil, parent.guardian_records.get(), dict.fromkeys(CODES, True))
        client.force_login(dsl)
        page = client.get(reverse("consent:pupil_record", args=[pupil.school.slug, pupil.public_id]))
        assert page.status_code == 200
        saved = ConsentResponse.objects.get()
        assert saved.content_sha256 in page.text and "Personal link sent by e-mail" in page.text
        assert "Consent given" in page.text
        assert "Record a paper or phone answer" not in page.text  # the DSL team reads; the office records

    def test_another_schools_pupil_is_not_found(self, client, office, other_pupil, version):
        client.force_login(office)
        assert (
            client.get(reverse("consent:pupil_record", args=["demo-primary", other_pupil.public_id])).status_code == 404
        )


@pytest.mark.django_db
class TestPanelAndNotifications:
    def test_parent_home_shows_whether_each_child_is_answered(self, client, parent, school, pupil, version):
        client.force_login(parent)
        home = client.get(reverse("directory:parent_home")).text
        assert "Photo consent: not answered yet" in home
        assert reverse("consent:answer", args=[pupil.public_id]) in home
        record_answers(version, pupil, parent.guardian_records.get(), dict.fromkeys(CODES, True))
        home = client.get(reverse("directory:parent_home")).text
        assert "Photo consent: answered on" in home
        assert reverse("consent:change", args=[pupil.public_id]) in home

    def test_the_panel_costs_the_same_queries_for_one_child_and_four(self, parent, school, pupil, version):
        guardian = parent.guardian_records.get()

        def count():
            with CaptureQueriesContext(connection) as queries:
                found = [p for p in panels.collect("parent_home", user=parent) if "children" in p["context"]]
            return len(queries), len(found[0]["context"]["children"])

        one = count()
        for _ in range(3):
            child = factories.PupilGuardianFactory(
                guardian=guardian, pupil__school=school, has_parental_responsibility=True
            ).pupil
            record_answers(version, child, guardian, dict.fromkeys(CODES, True))
        four = count()
        assert (one[1], four[1]) == (1, 4)
        assert one[0] == four[0]

    def test_class_teachers_are_told_once_per_change_without_naming_the_pupil(self, parent, teacher, pupil, version):
        pupil.school_class.teachers.add(teacher)
        response = record_answers(version, pupil, parent.guardian_records.get(), dict.fromkeys(CODES, True))
        mail.outbox.clear()
        key = f"response:{response.pk}"
        assert tasks.notify_class_teachers(pupil.pk, key) == 1
        assert tasks.notify_class_teachers(pupil.pk, key) == 0
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [teacher.email]
        assert "3 Oak" in message.subject and "sign in to view" in message.body
        assert pupil.legal_first_name not in message.body + message.subject
