"""What staff see: the class grid, "may I?", the do-not-photograph list and its PDF, and events — always current,
and never the reason for a DSL measure."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from aup.evidence import content_sha256
from consent import services
from consent.models import ConsentResponse, PhotoEvent
from consent.services import form_content
from consent.services_events import event_save
from consent.tests.factories import published_form
from consent.views_staff import GRID_PAGE_SIZE
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
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
SECRET = "Placed with foster carers after a court hearing"


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    return published_form(school)


@pytest.fixture
def oak(pupil, teacher):
    pupil.school_class.teachers.add(teacher)
    return pupil.school_class


def answer(version, pupil, guardian, answers, **kwargs):
    defaults = dict(
        method=ConsentResponse.Method.INVITATION_LINK,
        typed_name="Jane Whitfield",
        shown_sha256=content_sha256(form_content(version)),
    )
    defaults.update(kwargs)
    return services.consent_response_record(
        pupil=pupil, version=version, answers=answers, guardian=guardian, **defaults
    )


def page(client, user, name, school, query="", **kwargs):
    client.force_login(user)
    return client.get(reverse(f"consent:{name}", args=[school.slug], kwargs=kwargs or None) + query)


def _text(response):
    return response.content.decode()


@pytest.mark.django_db
class TestClassGrid:
    def test_teacher_sees_own_class_with_yes_no_and_reasons(self, client, version, pupil, guardian_link, oak, teacher):
        other = factories.PupilFactory(school=pupil.school, legal_first_name="Zeynep", legal_last_name="Kaya")
        answer(version, pupil, guardian_link.guardian, {c: c.startswith("images") for c in CODES})
        response = page(client, teacher, "class_grid", pupil.school)
        html = _text(response)
        assert response.status_code == 200
        assert "Amara Whitfield" in html and "Zeynep" not in html  # only the teacher's class by default
        assert "Consent given" in html and "Refused" in html
        assert html.count("cell cell-yes") == 4 and html.count("cell cell-no") == 4
        assert other.pk

    def test_no_answer_shows_no_response_and_filters_narrow(self, client, version, pupil, guardian_link, oak, office):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        quiet = factories.PupilFactory(
            school=pupil.school, school_class=oak, legal_first_name="Noah", legal_last_name="Silent"
        )
        html = _text(page(client, office, "class_grid", pupil.school, f"?school_class={oak.pk}&only_no=on"))
        assert "Noah Silent" in html and "No response" in html
        assert "Amara Whitfield" not in html
        html = _text(page(client, office, "class_grid", pupil.school, f"?school_class={oak.pk}&purpose=images_website"))
        assert '<th scope="col">Videos on social media' not in html
        assert '<th scope="col">Images on the school website' in html
        assert quiet.pk

    def test_teacher_sees_internal_use_only_but_never_the_reason(
        self, client, version, pupil, guardian_link, oak, teacher, dsl
    ):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        services.photo_measure_set(
            actor=dsl, pupil=pupil, measure="internal_only", reason=SECRET, review_on=datetime.date(2027, 3, 1)
        )
        for name, query in [
            ("class_grid", ""),
            ("do_not_photograph", ""),
            ("may_i", "?name=Amara&purpose=images_website"),
        ]:
            html = _text(page(client, teacher, name, pupil.school, query))
            assert "internal use only" in html.lower(), name
            assert SECRET not in html and "foster" not in html, name

    def test_court_order_shows_no_photos(self, client, version, pupil, guardian_link, oak, teacher, dsl):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        services.photo_measure_set(actor=dsl, pupil=pupil, measure="as_usual", court_order=True, reason=SECRET)
        html = _text(page(client, teacher, "class_grid", pupil.school))
        assert "No photos" in html and "Consent given" not in html and SECRET not in html

    def test_without_a_published_form_nothing_may_be_used(self, client, pupil, oak, teacher):
        html = _text(page(client, teacher, "class_grid", pupil.school))
        assert "No consent form is published yet" in html

    def test_query_count_is_the_same_for_3_and_30_pupils(self, client, version, school, office):
        def build(name, size):
            school_class = factories.SchoolClassFactory(school=school, name=name)
            for _ in range(size):
                child = factories.PupilFactory(school=school, school_class=school_class)
                link = factories.PupilGuardianFactory(pupil=child, has_parental_responsibility=True)
                answer(version, child, link.guardian, dict.fromkeys(CODES, True))
            return school_class

        small, large = build("Small", 3), build("Large", 30)
        client.force_login(office)
        counts = []
        for school_class in (small, large):
            client.get(reverse("consent:class_grid", args=[school.slug]))  # warm the session and caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(
                    reverse("consent:class_grid", args=[school.slug]), {"school_class": school_class.pk}
                )
            assert response.status_code == 200
            counts.append(len(queries))
        assert _text(response).count("cell cell-yes") == 30 * 8
        assert counts[0] == counts[1]

    def test_whole_school_is_paged_with_every_pupil_on_some_page(self, client, version, pupil, guardian_link, office):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        for number in range(GRID_PAGE_SIZE + 4):
            factories.PupilFactory(school=pupil.school, legal_first_name="Zed", legal_last_name=f"Zulu {number:03d}")
        first = _text(page(client, office, "class_grid", pupil.school, "?school_class="))
        second = _text(page(client, office, "class_grid", pupil.school, "?school_class=&page=2"))
        assert f"{GRID_PAGE_SIZE + 5} pupils" in first and f"{GRID_PAGE_SIZE + 5} pupils" in second
        assert "Page 1 of 2" in first and "?school_class=&amp;page=2" in first
        assert "Amara Whitfield" in first and "Zulu 000" in first and "Zulu 052" not in first
        assert "Zulu 052" in second and "Zulu 053" in second and "Amara Whitfield" not in second
        assert first.count("cell cell-") == GRID_PAGE_SIZE * 8 and second.count("cell cell-") == 5 * 8

    def test_only_no_pages_the_pupils_with_a_no(self, client, version, pupil, guardian_link, office):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        for number in range(GRID_PAGE_SIZE + 2):
            factories.PupilFactory(school=pupil.school, legal_first_name="Zed", legal_last_name=f"Zulu {number:03d}")
        query = "?school_class=&only_no=on"
        first = _text(page(client, office, "class_grid", pupil.school, query))
        second = _text(page(client, office, "class_grid", pupil.school, query + "&page=2"))
        assert f"{GRID_PAGE_SIZE + 2} pupils" in first and "Amara Whitfield" not in first + second
        assert "Zulu 000" in first and "Zulu 051" in second and "No response" in second
        assert "only_no=on&amp;page=2" in first

    def test_whole_school_query_count_does_not_grow_with_the_school(self, client, version, school, office):
        client.force_login(office)
        counts = []
        for new_pupils in (3, 57):  # a school of 3, then of 60
            for _ in range(new_pupils):
                child = factories.PupilFactory(school=school)
                link = factories.PupilGuardianFactory(pupil=child, has_parental_responsibility=True)
                answer(version, child, link.guardian, {code: code != CODES[0] for code in CODES})
            for query in ({"school_class": ""}, {"school_class": "", "only_no": "on"}):
                client.get(reverse("consent:class_grid", args=[school.slug]), query)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(reverse("consent:class_grid", args=[school.slug]), query)
                assert response.status_code == 200
                counts.append(len(queries))
        assert counts[:2] == counts[2:]
        assert _text(response).count("cell cell-no") == GRID_PAGE_SIZE

    def test_other_school_and_governor_get_404(self, client, version, pupil, governor, other_school_dsl):
        assert page(client, governor, "class_grid", pupil.school).status_code == 404
        assert page(client, other_school_dsl, "class_grid", pupil.school).status_code == 404


@pytest.mark.django_db
class TestMayI:
    def test_answers_in_one_line(self, client, version, pupil, guardian_link, teacher):
        answer(version, pupil, guardian_link.guardian, {c: c != "images_local_press" for c in CODES})
        html = _text(page(client, teacher, "may_i", pupil.school, "?name=amara&purpose=images_website"))
        assert "Yes — consent given" in html
        html = _text(page(client, teacher, "may_i", pupil.school, "?name=Whitfield&purpose=images_local_press"))
        assert "No — refused" in html

    def test_no_response_and_several_matches_are_listed(self, client, version, pupil, teacher):
        factories.PupilFactory(school=pupil.school, legal_first_name="Amaral", legal_last_name="Jones")
        factories.PupilFactory(
            school=pupil.school, legal_first_name="Amara", legal_last_name="Gone", left_on=datetime.date(2026, 1, 1)
        )
        html = _text(page(client, teacher, "may_i", pupil.school, "?name=Amara&purpose=videos_website"))
        assert "Amara Whitfield" in html and "Amaral Jones" in html and "Gone" not in html
        assert html.count("No — no response") == 2

    def test_a_pupil_of_another_school_is_not_found(self, client, version, pupil, other_pupil, teacher):
        html = _text(page(client, teacher, "may_i", pupil.school, "?name=Tobias&purpose=images_website"))
        assert "No pupil on roll matches" in html and "Renshaw" not in html


@pytest.mark.django_db
class TestDoNotPhotograph:
    def test_list_changes_at_once_after_withdrawal_and_measure(
        self, client, version, pupil, guardian_link, oak, teacher, dsl
    ):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        query = f"?school_class={oak.pk}"
        html = _text(page(client, teacher, "do_not_photograph", pupil.school, query))
        assert "Amara Whitfield" not in html

        answer(
            version, pupil, guardian_link.guardian, {"images_social_media": False}, kind=ConsentResponse.Kind.WITHDRAWAL
        )
        html = _text(page(client, teacher, "do_not_photograph", pupil.school, query))
        assert "Amara Whitfield" in html and "Not for: Images on social media" in html

        services.photo_measure_set(actor=dsl, pupil=pupil, measure="no_photos", reason=SECRET)
        html = _text(page(client, teacher, "do_not_photograph", pupil.school, query))
        no_photos = html.split('id="dnp-no-photos"')[1].split('id="dnp-internal-only"')[0]
        assert "Amara Whitfield" in no_photos and SECRET not in html

    def test_refusing_everything_is_no_photos_and_internal_only_is_its_own_group(
        self, client, version, pupil, guardian_link, oak, office, dsl
    ):
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, False))
        child = factories.PupilFactory(
            school=pupil.school, school_class=oak, legal_first_name="Ines", legal_last_name="Okafor"
        )
        link = factories.PupilGuardianFactory(pupil=child, has_parental_responsibility=True)
        answer(version, child, link.guardian, dict.fromkeys(CODES, True))
        services.photo_measure_set(actor=dsl, pupil=child, measure="internal_only", reason=SECRET)
        html = _text(page(client, office, "do_not_photograph", pupil.school, "?school_class="))
        no_photos, rest = html.split('id="dnp-no-photos"')[1].split('id="dnp-internal-only"')
        assert "Amara Whitfield" in no_photos and "Refused" in no_photos
        assert "Ines Okafor" in rest.split('id="dnp-not-for"')[0]

    def test_pdf_is_a_pdf_with_the_class_name(self, client, version, pupil, guardian_link, oak, teacher):
        response = page(client, teacher, "do_not_photograph_pdf", pupil.school, f"?school_class={oak.pk}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"] and "3-oak" in response["Content-Disposition"]
        assert response.content.startswith(b"%PDF-")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "3 Oak" in text and "Amara Whitfield" in text and "live list" in text


@pytest.mark.django_db
class TestEvents:
    def test_office_creates_an_event_and_it_lists_who_may_not_be_photographed(
        self, client, version, pupil, guardian_link, oak, office
    ):
        answer(version, pupil, guardian_link.guardian, {c: c != "images_local_press" for c in CODES})
        child = factories.PupilFactory(school=pupil.school, legal_first_name="Ines", legal_last_name="Okafor")
        client.force_login(office)
        response = client.post(
            reverse("consent:event_create", args=[pupil.school.slug]),
            {
                "name": "Museum trip",
                "happens_on": "2026-12-03",
                "purpose_codes": ["images_website", "images_local_press"],
                "school_classes": [oak.pk],
                "pupils": [child.pk],
            },
        )
        event = PhotoEvent.objects.get(name="Museum trip")
        assert response.status_code == 302 and set(event.pupils.all()) == {pupil, child}
        assert AuditEvent.objects.filter(action="consent.event.created").exists()

        html = _text(client.get(reverse("consent:event_detail", args=[pupil.school.slug, event.public_id])))
        website, press = html.split('class="mb-3 event-purpose"')[1:3]
        assert "Images in the local press" in press and "Images on the school website" in website
        assert "Amara Whitfield" in press and "Ines Okafor" in press and "No — refused" in press
        assert "Amara Whitfield" not in website and "No — no response" in website

        pdf = client.get(reverse("consent:event_pdf", args=[pupil.school.slug, event.public_id]))
        assert pdf.content.startswith(b"%PDF-")

    def test_teacher_sees_events_but_cannot_create_them(self, client, version, pupil, office, teacher):
        event = event_save(
            actor=office,
            school=pupil.school,
            name="Nativity",
            happens_on=datetime.date(2026, 12, 10),
            purpose_codes=["videos_website"],
            pupils=[pupil],
        )
        assert "Nativity" in _text(page(client, teacher, "event_list", pupil.school))
        assert page(client, teacher, "event_create", pupil.school).status_code == 404
        with pytest.raises(PermissionError):
            event_save(
                actor=teacher,
                school=pupil.school,
                name="X",
                happens_on=datetime.date(2026, 12, 10),
                purpose_codes=["videos_website"],
                pupils=[pupil],
            )
        client.force_login(teacher)
        url = reverse("consent:event_detail", args=[pupil.school.slug, event.public_id])
        assert client.get(url).status_code == 200

    def test_event_of_another_school_is_404(self, client, version, pupil, other_school, other_pupil, office):
        published_form(other_school)
        other_office = factories.UserFactory(email="office@elsewhere.test")
        factories.StaffRoleFactory(user=other_office, school=other_school, role="office")
        event = event_save(
            actor=other_office,
            school=other_school,
            name="Elsewhere",
            happens_on=datetime.date(2026, 12, 1),
            purpose_codes=["images_website"],
            pupils=[other_pupil],
        )
        client.force_login(office)
        assert client.get(reverse("consent:event_detail", args=[pupil.school.slug, event.public_id])).status_code == 404

    def test_event_needs_pupils_and_known_uses(self, version, pupil, other_pupil, office):
        with pytest.raises(DomainError):
            event_save(
                actor=office,
                school=pupil.school,
                name="Trip",
                happens_on=datetime.date(2026, 12, 1),
                purpose_codes=["nope"],
                pupils=[pupil],
            )
        with pytest.raises(DomainError):
            event_save(
                actor=office,
                school=pupil.school,
                name="Trip",
                happens_on=datetime.date(2026, 12, 1),
                purpose_codes=["images_website"],
                pupils=[other_pupil],
            )
