"""Consent services and the grid selector, with the database."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aup.evidence import content_sha256
from consent import services
from consent.models import ConsentResponse, PhotoMeasure
from consent.selectors import effective_answers
from consent.services import form_content
from consent.tests.factories import published_form
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
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


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    return published_form(school)


def answer(version, pupil, guardian, answers, **kwargs):
    defaults = dict(
        method=ConsentResponse.Method.INVITATION_LINK,
        typed_name="Jane Whitfield",
        shown_sha256=content_sha256(form_content(version)),
        now=NOW,
        ip_address="192.0.2.4",
    )
    defaults.update(kwargs)
    return services.consent_response_record(
        pupil=pupil, version=version, answers=answers, guardian=guardian, **defaults
    )


def grid(school, pupil):
    _purposes, decisions = effective_answers(school=school, pupils=[pupil], now=NOW)
    return {code: (d.allowed, d.reason) for code, d in decisions[pupil.pk].items()}


@pytest.mark.django_db
class TestAnswering:
    def test_all_eight_answered_shows_in_the_grid(self, version, pupil, guardian_link):
        answers = {code: code.startswith("images") for code in CODES}
        answer(version, pupil, guardian_link.guardian, answers)
        result = grid(pupil.school, pupil)
        assert result["images_website"] == (True, "consented")
        assert result["videos_website"] == (False, "refused")
        assert AuditEvent.objects.filter(action="consent.response.answers").exists()

    def test_every_question_must_be_answered(self, version, pupil, guardian_link):
        with pytest.raises(services.ConsentError) as error:
            answer(version, pupil, guardian_link.guardian, {"images_website": True})
        assert error.value.code == "incomplete"

    def test_no_answer_means_no(self, version, pupil, guardian_link):
        assert set(grid(pupil.school, pupil).values()) == {(False, "no_response")}

    def test_withdrawal_takes_effect_at_once_and_keeps_the_earlier_answer(self, version, pupil, guardian_link):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        later = NOW + datetime.timedelta(hours=2)
        answer(
            version,
            pupil,
            guardian_link.guardian,
            {"images_social_media": False},
            kind=ConsentResponse.Kind.WITHDRAWAL,
            now=later,
        )
        result = grid(pupil.school, pupil)
        assert result["images_social_media"] == (False, "refused")
        assert result["images_website"] == (True, "consented")
        assert ConsentResponse.objects.filter(pupil=pupil).count() == 2

    def test_guardians_who_disagree_mean_no(self, version, pupil, guardian_link):
        dad = factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True, contact_order=2)
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        answer(version, pupil, dad.guardian, dict.fromkeys(CODES, False))
        assert grid(pupil.school, pupil)["images_website"] == (False, "guardians_disagree")

    def test_a_guardian_without_parental_responsibility_cannot_answer(self, version, pupil):
        link = factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=False)
        with pytest.raises(services.ConsentError) as error:
            answer(version, pupil, link.guardian, dict.fromkeys(CODES, True))
        assert error.value.code == "no_parental_responsibility"

    def test_a_young_pupil_cannot_answer_for_themselves(self, version, pupil):
        with pytest.raises(services.ConsentError) as error:
            answer(version, pupil, None, dict.fromkeys(CODES, True), answered_by_pupil=True)
        assert error.value.code == "too_young"

    def test_office_records_a_phone_call_with_who_called(self, version, pupil, guardian_link, office, teacher):
        with pytest.raises(PermissionError):
            answer(
                version,
                pupil,
                guardian_link.guardian,
                dict.fromkeys(CODES, True),
                method=ConsentResponse.Method.PHONE,
                recorded_by=teacher,
                phone_caller="Mum",
            )
        response = answer(
            version,
            pupil,
            guardian_link.guardian,
            dict.fromkeys(CODES, True),
            method=ConsentResponse.Method.PHONE,
            recorded_by=office,
            phone_caller="Mrs Whitfield",
            note="Rang at 9:10",
        )
        assert response.recorded_by == office and response.phone_caller == "Mrs Whitfield"


@pytest.mark.django_db
class TestMeasures:
    def test_internal_use_only_refuses_publication_and_hides_the_reason(self, version, pupil, guardian_link, dsl):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        services.photo_measure_set(
            actor=dsl,
            pupil=pupil,
            measure=PhotoMeasure.Measure.INTERNAL_ONLY,
            reason="Placement address must not be traced",
        )
        result = grid(pupil.school, pupil)
        assert result["images_website"] == (False, "internal_only")

    def test_only_the_dsl_team_sets_measures(self, version, pupil, teacher):
        with pytest.raises(PermissionError):
            services.photo_measure_set(actor=teacher, pupil=pupil, measure="no_photos", reason="x")

    def test_setting_the_same_measure_twice_changes_nothing(self, version, pupil, dsl):
        first = services.photo_measure_set(actor=dsl, pupil=pupil, measure="no_photos", reason="Court order pending")
        again = services.photo_measure_set(actor=dsl, pupil=pupil, measure="no_photos", reason="Court order pending")
        assert first == again and PhotoMeasure.objects.count() == 1

    def test_a_court_order_means_no_photos(self, version, pupil, guardian_link, dsl):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        services.photo_measure_set(actor=dsl, pupil=pupil, measure="as_usual", reason="Order", court_order=True)
        assert grid(pupil.school, pupil)["images_website"] == (False, "court_order")


@pytest.mark.django_db
def test_the_grid_query_count_is_the_same_for_3_and_30_pupils(version, school):
    def run(n):
        pupils = [factories.PupilFactory(school=school) for _ in range(n)]
        for p in pupils:
            link = factories.PupilGuardianFactory(pupil=p)
            answer(version, p, link.guardian, dict.fromkeys(CODES, True))
        with CaptureQueriesContext(connection) as context:
            effective_answers(school=school, pupils=pupils, now=NOW)
        return len(context.captured_queries)

    assert run(3) == run(30)
