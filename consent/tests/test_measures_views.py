"""The DSL team's photo measures: who sees the pages, setting, changing and ending a measure, the history, and
what other staff see afterwards (the effect, never the reason)."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from aup.evidence import content_sha256
from consent import services
from consent.models import ConsentResponse, PhotoMeasure
from consent.services import form_content
from consent.tests.factories import published_form
from safeguard.audit.models import AuditEvent
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
SECRET = "Adopted; birth family must not find the school"
REVIEW = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    return published_form(school)


def _url(name, school, pupil=None):
    args = [school.slug] + ([pupil.public_id] if pupil else [])
    return reverse(f"consent:{name}", args=args)


@pytest.mark.django_db
class TestWhoMaySee:
    @pytest.mark.parametrize(
        "persona", ["office", "teacher", "slt", "governor", "trust_admin", "other_school_dsl", "parent"]
    )
    def test_everyone_but_the_dsl_team_gets_404(self, request, client, pupil, persona):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(_url("measure_list", pupil.school)).status_code == 404
        assert client.get(_url("measure_set", pupil.school, pupil)).status_code == 404
        response = client.post(
            _url("measure_set", pupil.school, pupil), {"measure": "no_photos", "reason": "x", "review_on": REVIEW}
        )
        assert response.status_code == 404
        assert client.post(_url("measure_end", pupil.school, pupil)).status_code == 404
        assert not PhotoMeasure.objects.exists()

    @pytest.mark.parametrize("persona", ["dsl", "deputy_dsl", "head"])
    def test_dsl_team_opens_the_pages(self, request, client, pupil, persona):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(_url("measure_list", pupil.school)).status_code == 200
        assert client.get(_url("measure_set", pupil.school, pupil)).status_code == 200

    def test_a_pupil_of_another_school_is_404(self, client, pupil, other_pupil, dsl):
        client.force_login(dsl)
        assert client.get(_url("measure_set", pupil.school, other_pupil)).status_code == 404


@pytest.mark.django_db
class TestMeasures:
    def test_list_shows_looked_after_first_then_pupils_with_a_measure_and_overdue_reviews(self, client, pupil, dsl):
        looked_after = factories.PupilFactory(
            school=pupil.school, legal_first_name="Zara", legal_last_name="Young", is_looked_after=True
        )
        factories.PupilFactory(school=pupil.school, legal_first_name="Nobody", legal_last_name="Else")
        services.photo_measure_set(
            actor=dsl, pupil=pupil, measure="internal_only", reason=SECRET, review_on=datetime.date(2020, 1, 1)
        )
        client.force_login(dsl)
        html = client.get(_url("measure_list", pupil.school)).content.decode()
        assert html.index("Zara Young") < html.index("Amara Whitfield")
        assert "Nobody" not in html and "Internal use only" in html and "Review overdue" in html
        assert looked_after.pk

    def test_dsl_sets_internal_only_and_the_teacher_sees_the_effect_not_the_reason(
        self, client, version, pupil, guardian_link, teacher, dsl
    ):
        services.consent_response_record(
            pupil=pupil,
            version=version,
            answers=dict.fromkeys(CODES, True),
            guardian=guardian_link.guardian,
            method=ConsentResponse.Method.INVITATION_LINK,
            typed_name="Jane Whitfield",
            shown_sha256=content_sha256(form_content(version)),
        )
        client.force_login(dsl)
        response = client.post(
            _url("measure_set", pupil.school, pupil),
            {"measure": "internal_only", "reason": SECRET, "review_on": REVIEW},
        )
        assert response.status_code == 302
        measure = PhotoMeasure.objects.get(pupil=pupil, ended_at__isnull=True)
        assert measure.measure == "internal_only" and measure.reason == SECRET and measure.set_by == dsl
        assert AuditEvent.objects.filter(action="consent.measure.set").exists()
        assert SECRET in client.get(_url("measure_set", pupil.school, pupil)).content.decode()

        client.force_login(teacher)
        for name in ("class_grid", "do_not_photograph"):
            html = client.get(_url(name, pupil.school)).content.decode()
            assert "Internal use only" in html and SECRET not in html and "Adopted" not in html

    def test_reason_and_review_date_are_required(self, client, pupil, dsl):
        client.force_login(dsl)
        response = client.post(_url("measure_set", pupil.school, pupil), {"measure": "no_photos", "reason": " "})
        assert response.status_code == 200
        assert "This field is required" in response.content.decode()
        assert not PhotoMeasure.objects.exists()

    def test_change_and_end_keep_the_history_with_who_and_why(self, client, pupil, dsl, deputy_dsl):
        client.force_login(dsl)
        client.post(
            _url("measure_set", pupil.school, pupil),
            {"measure": "no_photos", "reason": "Court hearing pending", "review_on": REVIEW},
        )
        client.force_login(deputy_dsl)
        client.post(
            _url("measure_set", pupil.school, pupil),
            {"measure": "internal_only", "reason": "Hearing over", "review_on": REVIEW},
        )
        response = client.post(_url("measure_end", pupil.school, pupil))
        assert response.status_code == 302
        assert not PhotoMeasure.objects.filter(pupil=pupil, ended_at__isnull=True).exists()
        html = client.get(_url("measure_set", pupil.school, pupil)).content.decode()
        history = html.split('id="measure-history"')[1]
        assert "Court hearing pending" in history and "Hearing over" in history
        assert escape(dsl.full_name) in history and escape(deputy_dsl.full_name) in history  # Faker makes O'Brien
        assert "None: the parents&#x27; answers decide." in html or "None: the parents' answers decide." in html

    def test_end_is_post_only(self, client, pupil, dsl):
        client.force_login(dsl)
        assert client.get(_url("measure_end", pupil.school, pupil)).status_code == 405
