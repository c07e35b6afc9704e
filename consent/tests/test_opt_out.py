"""Opt-out questions (issue 13 item 10): "yes unless a parent objects" — silence is yes, a recorded no (online or a
written objection recorded by the office) is no, parents who disagree still mean no, and DSL measures and leaving
still override. Opt-in questions keep "no answer means no"."""

import datetime

import pytest
from django.urls import reverse

from aup.evidence import content_sha256
from consent import services
from consent.models import ConsentPurpose, ConsentResponse
from consent.rules import AnswerRecord, FormRule, PupilFacts, PurposeRule, decide
from consent.selectors import effective_answers
from consent.services import form_content
from consent.tests.factories import published_form
from safeguard.directory.tests import factories

WEB = "images_website"
PRESS = "images_local_press"


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    version = published_form(school)
    version.purposes.filter(code=WEB).update(if_unanswered=ConsentPurpose.IfUnanswered.OPT_OUT)
    return version


@pytest.fixture
def oak(pupil, teacher):
    pupil.school_class.teachers.add(teacher)
    return pupil.school_class


def _get(client, user, name, school, query=""):
    client.force_login(user)
    return client.get(reverse(f"consent:{name}", args=[school.slug]) + query).content.decode()


def _decisions(pupil):
    return {
        code: (d.allowed, d.reason)
        for code, d in effective_answers(school=pupil.school, pupils=[pupil])[1][pupil.pk].items()
    }


def _record_on_paper(client, office, version, pupil, guardian, answers):
    client.force_login(office)
    data = {
        "respondent": str(guardian.public_id),
        "method": ConsentResponse.Method.PAPER,
        "paper_date": "2026-09-10",
        "typed_name": "Jane Whitfield",
        "shown_sha256": content_sha256(form_content(version)),
        "note": "Letter of objection",
    }
    data.update({f"purpose_{code}": "yes" if value else "no" for code, value in answers.items()})
    return client.post(reverse("consent:record_paper", args=[pupil.school.slug, pupil.public_id]), data)


@pytest.mark.django_db
class TestOptOut:
    def test_no_answer_is_yes_on_the_grid_dnp_and_may_i(self, client, version, pupil, guardian_link, oak, teacher):
        assert _decisions(pupil)[WEB] == (True, "no_objection")
        assert _decisions(pupil)[PRESS] == (False, "no_response")  # opt-in unchanged
        html = _get(client, teacher, "may_i", pupil.school, "?name=Amara&purpose=images_website")
        assert "Yes — no objection (opt-out)" in html
        html = _get(client, teacher, "may_i", pupil.school, "?name=Amara&purpose=images_local_press")
        assert "No — no response" in html
        grid = _get(client, teacher, "class_grid", pupil.school, f"?purpose={WEB}")
        assert "cell cell-yes" in grid and "No objection (opt-out)" in grid
        dnp = _get(client, teacher, "do_not_photograph", pupil.school, f"?school_class={oak.pk}")
        assert "Images on the school website" not in dnp.split('id="dnp-not-for"')[1]

    def test_a_written_objection_recorded_by_the_office_makes_it_no(
        self, client, version, pupil, guardian_link, oak, office, teacher
    ):
        # The letter objects only to the website; the other opt-out questions need no answer, opt-in ones do.
        answers = {p.code: True for p in version.purposes.exclude(code=WEB)}
        answers[WEB] = False
        response = _record_on_paper(client, office, version, pupil, guardian_link.guardian, answers)
        assert response.status_code == 302
        assert _decisions(pupil)[WEB] == (False, "refused")
        html = _get(client, teacher, "may_i", pupil.school, "?name=Amara&purpose=images_website")
        assert "No — refused" in html
        dnp = _get(client, teacher, "do_not_photograph", pupil.school, f"?school_class={oak.pk}")
        assert "Amara Whitfield" in dnp and "Images on the school website" in dnp

    def test_the_office_may_leave_opt_out_questions_blank_but_not_opt_in_ones(
        self, client, version, pupil, guardian_link, office
    ):
        response = _record_on_paper(client, office, version, pupil, guardian_link.guardian, {WEB: False})
        assert response.status_code == 200 and "Please answer every question yes or no" in response.content.decode()
        assert not ConsentResponse.objects.exists()
        version.purposes.update(if_unanswered=ConsentPurpose.IfUnanswered.OPT_OUT)
        response = _record_on_paper(client, office, version, pupil, guardian_link.guardian, {WEB: False})
        assert response.status_code == 302
        decisions = _decisions(pupil)
        assert decisions[WEB] == (False, "refused") and decisions[PRESS] == (True, "no_objection")

    def test_parents_who_disagree_still_mean_no(self, version, pupil, guardian_link):
        other = factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True)
        shown = content_sha256(form_content(version))
        codes = list(version.purposes.values_list("code", flat=True))
        for link, value in ((guardian_link, True), (other, False)):
            services.consent_response_record(
                pupil=pupil,
                version=version,
                answers=dict.fromkeys(codes, value),
                guardian=link.guardian,
                method=ConsentResponse.Method.INVITATION_LINK,
                typed_name="A Parent",
                shown_sha256=shown,
            )
        assert _decisions(pupil)[WEB] == (False, "guardians_disagree")

    def test_measures_and_leaving_still_override(self, version, pupil, guardian_link, dsl):
        services.photo_measure_set(actor=dsl, pupil=pupil, measure="internal_only", reason="Looked after")
        assert _decisions(pupil)[WEB] == (False, "internal_only")
        services.photo_measure_set(actor=dsl, pupil=pupil, measure="no_photos", reason="Looked after")
        assert _decisions(pupil)[WEB] == (False, "no_photos")

    def test_the_parent_is_told_what_silence_means(self, client, version, pupil, parent):
        client.force_login(parent)
        html = client.get(reverse("consent:answer", args=[pupil.public_id])).content.decode()
        website = html.split('id="question-images_website"')[1].split("</fieldset>")[0]
        press = html.split('id="question-images_local_press"')[1].split("</fieldset>")[0]
        assert "If you do not answer, the school will take this as yes." in website
        assert "If you do not answer, the school will take this as no." in press

    def test_the_office_sets_a_question_to_opt_out_on_a_draft(self, client, school, office):
        client.force_login(office)
        client.post(reverse("consent:form_create_default", args=[school.slug]))
        draft = school.consent_forms.get().versions.get()
        url = reverse("consent:purpose_edit", args=[school.slug, draft.public_id, WEB])
        purpose = draft.purposes.get(code=WEB)
        data = {"label": purpose.label, "wording": purpose.wording, "media": "images", "is_publication": "on"}
        response = client.post(url, {**data, "if_unanswered": "opt_out"})
        assert response.status_code == 302
        assert draft.purposes.get(code=WEB).if_unanswered == "opt_out"
        page = client.get(reverse("consent:version_edit", args=[school.slug, draft.public_id])).content.decode()
        assert "Yes unless a parent objects (opt-out)" in page
        client.post(reverse("consent:version_publish", args=[school.slug, draft.public_id]))
        client.post(reverse("consent:version_new", args=[school.slug]))
        copy = school.consent_forms.get().versions.get(number=2)
        assert copy.purposes.get(code=WEB).if_unanswered == "opt_out"
        assert copy.purposes.get(code=PRESS).if_unanswered == "opt_in"


def test_rules_opt_out_without_a_database():
    facts = PupilFacts(frozenset({1, 2}), datetime.date(2018, 1, 1))
    form = FormRule("academic_year", 13, "stricter")
    rule = PurposeRule("web", "h", True, True, opt_out=True)
    day = datetime.date(2026, 10, 1)

    def run(*records, purpose=rule, facts=facts):
        d = decide(purpose=purpose, form=form, facts=facts, records=list(records), day=day, academic_year_id=7)
        return d.allowed, d.reason

    assert run() == (True, "no_objection")
    assert run(AnswerRecord(1, "web", "h", 7, False)) == (False, "refused")
    assert run(AnswerRecord(1, "web", "h", 7, True), AnswerRecord(2, "web", "h", 7, False)) == (
        False,
        "guardians_disagree",
    )
    assert run(AnswerRecord(1, "web", "h", 6, False)) == (True, "no_objection")  # last year's objection expired
    assert run(facts=PupilFacts(frozenset({1}), datetime.date(2018, 1, 1), measure="no_photos")) == (False, "no_photos")
    assert run(facts=PupilFacts(frozenset({1}), datetime.date(2018, 1, 1), left_on=day)) == (False, "left")
    assert run(purpose=PurposeRule("web", "h", True, True)) == (False, "no_response")


@pytest.mark.django_db
def test_a_silent_family_under_opt_out_is_still_sent_the_form(version, pupil, guardian_link):
    """Silence means yes, but a family never sent the form could not object: they still need asking."""
    from consent.selectors_forms import pupils_to_ask

    version.purposes.update(if_unanswered=ConsentPurpose.IfUnanswered.OPT_OUT)
    assert set(_decisions(pupil).values()) == {(True, "no_objection")}
    to_ask, total = pupils_to_ask(school=pupil.school)
    assert to_ask == [pupil] and total == 1
