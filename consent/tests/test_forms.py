"""The school's consent form: the default form, drafts and publishing, a new version with changed wording, and the
coverage page — what office staff see and what parents' answers are worth afterwards."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aup.evidence import content_sha256
from consent import services, services_forms
from consent.models import ConsentForm, ConsentFormVersion, ConsentPurpose, ConsentResponse
from consent.selectors import effective_answers
from consent.services import form_content
from consent.tests.factories import published_form
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
CODES = [
    "images_website", "images_social_media", "images_local_press", "images_marketing",
    "videos_website", "videos_social_media", "videos_local_press", "videos_marketing",
]  # fmt: skip


def answer(version, pupil, guardian, answers, *, now=NOW):
    return services.consent_response_record(
        pupil=pupil, version=version, answers=answers, guardian=guardian, method=ConsentResponse.Method.INVITATION_LINK,
        typed_name=guardian.full_name or "Jane Whitfield", shown_sha256=content_sha256(form_content(version)), now=now,
    )  # fmt: skip


def grid(school, pupil, now=NOW):
    _purposes, decisions = effective_answers(school=school, pupils=[pupil], now=now)
    return {code: (d.allowed, d.reason) for code, d in decisions[pupil.pk].items()}


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.mark.django_db
class TestTheDefaultForm:
    def test_the_office_creates_the_form_with_eight_draft_questions(self, client, school, office, trust):
        client.force_login(office)
        page = client.get(reverse("consent:form", args=[school.slug]))
        assert "Create the consent form" in page.content.decode()

        response = client.post(reverse("consent:form_create_default", args=[school.slug]))
        version = ConsentFormVersion.objects.get(form__school=school)
        assert response.url == reverse("consent:version_edit", args=[school.slug, version.public_id])
        assert version.number == 1 and version.status == ConsentFormVersion.Status.DRAFT
        assert list(version.purposes.order_by("order").values_list("code", flat=True)) == CODES
        assert "Demo Learning Trust" in version.organisation_list()
        page = client.get(response.url).content.decode()
        assert "May we use images of your child on the school website?" in page
        assert "Publish this version" in page

        # Pressing again creates nothing new.
        client.post(reverse("consent:form_create_default", args=[school.slug]))
        assert ConsentForm.objects.filter(school=school).count() == 1
        assert ConsentPurpose.objects.filter(version__form__school=school).count() == 8

    def test_a_turkish_school_gets_its_questions_in_turkish(self, office):
        school = factories.SchoolFactory(default_language="tr", slug="ornek")
        factories.StaffRoleFactory(user=office, school=school, role="office")
        version = services_forms.form_create_default(actor=office, school=school)
        website = version.purposes.get(code="images_website")
        assert website.wording == "Çocuğunuzun fotoğraflarını okulun web sitesinde kullanabilir miyiz?"

    def test_the_office_edits_the_draft_and_publishes_it(self, client, school, office, academic_year):
        client.force_login(office)
        client.post(reverse("consent:form_create_default", args=[school.slug]))
        version = ConsentFormVersion.objects.get(form__school=school)
        edit = reverse("consent:version_edit", args=[school.slug, version.public_id])
        client.post(
            edit,
            {
                "introduction": "We celebrate school life with photos.",
                "organisations": "Demo Learning Trust\n\nThe Demo Gazette\n",
                "duration": "whole_stay",
                "pupil_answer_age": "12",
                "whose_answer_counts": "stricter",
            },
        )
        client.post(
            reverse("consent:purpose_add_extra", args=[school.slug, version.public_id]),
            {"key": "etwinning_faces_hidden"},
        )
        client.post(
            reverse("consent:purpose_add", args=[school.slug, version.public_id]),
            {"label": "Class blog", "wording": "May we show images of your child on the class blog?", "media": "images",
             "is_publication": "on", "pupils_may_answer": "on"},
        )  # fmt: skip
        client.post(reverse("consent:purpose_remove", args=[school.slug, version.public_id, "videos_marketing"]))
        version.refresh_from_db()
        assert version.organisation_list() == ["Demo Learning Trust", "The Demo Gazette"]
        assert version.duration == "whole_stay" and version.pupil_answer_age == 12
        codes = list(version.purposes.order_by("order").values_list("code", flat=True))
        assert codes[-2:] == ["etwinning_faces_hidden", "class_blog"] and "videos_marketing" not in codes

        response = client.post(reverse("consent:version_publish", args=[school.slug, version.public_id]))
        assert response.url == reverse("consent:form", args=[school.slug])
        version.refresh_from_db()
        assert version.status == ConsentFormVersion.Status.PUBLISHED and version.published_by == office
        assert services.current_version(school) == version
        page = client.get(response.url).content.decode()
        assert "Version 1" in page and "9 questions" in page and "Change the wording or add a question" in page

        # A published version is frozen: editing is refused and changes nothing.
        response = client.post(
            reverse("consent:purpose_add", args=[school.slug, version.public_id]),
            {"label": "Late", "wording": "Too late?", "media": "images"},
            follow=True,
        )
        assert "A published form cannot be changed" in response.content.decode()
        assert version.purposes.count() == 9
        assert AuditEvent.objects.filter(action="consent.version.published").exists()


@pytest.mark.django_db
class TestANewVersion:
    def test_changed_wording_stops_old_answers_counting_unchanged_ones_still_count(
        self, school, office, pupil, guardian_link, academic_year
    ):
        v1 = published_form(school)
        answer(v1, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))

        draft = services_forms.version_new(actor=office, form=v1.form)
        assert draft.number == 2 and draft.status == ConsentFormVersion.Status.DRAFT
        copied = {p.code: p.wording_sha256 for p in draft.purposes.all()}
        assert copied == {p.code: p.wording_sha256 for p in v1.purposes.all()}
        assert services_forms.version_new(actor=office, form=v1.form) == draft  # one draft at a time

        services.purpose_save(
            actor=office, version=draft, code="images_local_press", label="Images in the local press",
            wording="May newspapers and their websites publish images of your child?", order=2,
        )  # fmt: skip
        services_forms.purpose_extra_add(actor=office, version=draft, key="first_name_with_image")
        services.version_publish(actor=office, version=draft, now=NOW)
        v1.refresh_from_db()
        assert v1.status == ConsentFormVersion.Status.SUPERSEDED

        result = grid(school, pupil)
        assert result["images_website"] == (True, "consented")
        assert result["images_local_press"] == (False, "expired")
        assert result["first_name_with_image"] == (False, "no_response")

    def test_the_new_version_button_copies_the_published_version(self, client, school, office, academic_year):
        v1 = published_form(school)
        client.force_login(office)
        response = client.post(reverse("consent:version_new", args=[school.slug]))
        draft = ConsentFormVersion.objects.get(form=v1.form, number=2)
        assert response.url == reverse("consent:version_edit", args=[school.slug, draft.public_id])
        assert draft.purposes.count() == 8 and draft.organisations == v1.organisations


@pytest.mark.django_db
class TestWhoMaySeeTheFormPages:
    def test_a_teacher_gets_404_on_every_form_page(self, client, school, teacher, academic_year):
        version = published_form(school)
        client.force_login(teacher)
        for name, args in [
            ("consent:form", [school.slug]),
            ("consent:version_edit", [school.slug, version.public_id]),
            ("consent:year", [school.slug]),
            ("consent:coverage", [school.slug]),
            ("consent:coverage_csv", [school.slug]),
        ]:
            assert client.get(reverse(name, args=args)).status_code == 404, name
        for name, args in [
            ("consent:form_create_default", [school.slug]),
            ("consent:version_new", [school.slug]),
            ("consent:version_publish", [school.slug, version.public_id]),
            ("consent:requests_send", [school.slug]),
        ]:
            assert client.post(reverse(name, args=args)).status_code == 404, name

    def test_another_schools_version_is_404(self, client, school, other_school, office, academic_year):
        theirs = published_form(other_school)
        client.force_login(office)
        url = reverse("consent:version_edit", args=[school.slug, theirs.public_id])
        assert client.get(url).status_code == 404
        with pytest.raises(PermissionError):
            services_forms.version_new(actor=office, form=theirs.form)


@pytest.mark.django_db
class TestCoverage:
    def test_coverage_counts_complete_no_photos_and_guardians_not_answered(
        self, client, school, office, dsl, pupil, guardian_link, academic_year
    ):
        version = published_form(school)
        oak = pupil.school_class
        refused = factories.PupilFactory(school=school, year_group=pupil.year_group, school_class=oak)
        silent = factories.PupilFactory(school=school, year_group=pupil.year_group, school_class=oak)
        protected = factories.PupilFactory(school=school, year_group=pupil.year_group, school_class=oak)
        refused_parent = factories.PupilGuardianFactory(pupil=refused, has_parental_responsibility=True)
        factories.PupilGuardianFactory(pupil=silent, has_parental_responsibility=True)
        factories.PupilGuardianFactory(pupil=silent, has_parental_responsibility=True, contact_order=2)
        now = datetime.datetime.now(datetime.UTC)
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True), now=now)
        answer(version, refused, refused_parent.guardian, dict.fromkeys(CODES, False), now=now)
        services.photo_measure_set(actor=dsl, pupil=protected, measure="no_photos", reason="Placement must stay hidden")

        client.force_login(office)
        page = client.get(reverse("consent:coverage", args=[school.slug])).content.decode()
        assert "3 of 4 pupils have a complete set of answers (75%)" in page
        assert "2 no photos at all · 2 guardians have not answered" in page
        assert "Placement" not in page

        csv = client.get(reverse("consent:coverage_csv", args=[school.slug])).content.decode("utf-8-sig")
        lines = csv.strip().splitlines()
        assert lines[0].startswith("Pupil,Class,All answers in,No photos")
        assert f"{silent.display_name},3 Oak,No,No,8,2" in lines
        assert f"{refused.display_name},3 Oak,Yes,Yes,0,0" in lines

    def test_the_coverage_page_query_count_is_the_same_for_3_and_30_pupils(self, client, school, office):
        factories.AcademicYearFactory(school=school)
        version = published_form(school)
        year = factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
        client.force_login(office)
        url = reverse("consent:coverage", args=[school.slug])
        client.get(url)  # warm the session and permission caches

        def run(n):
            school_class = factories.SchoolClassFactory(school=school, year_group=year, name=f"Class {n}")
            for _ in range(n):
                p = factories.PupilFactory(school=school, year_group=year, school_class=school_class)
                link = factories.PupilGuardianFactory(pupil=p, has_parental_responsibility=True)
                answer(version, p, link.guardian, dict.fromkeys(CODES, True), now=datetime.datetime.now(datetime.UTC))
            with CaptureQueriesContext(connection) as context:
                assert client.get(url).status_code == 200
            return len(context.captured_queries)

        assert run(3) == run(27)
