"""Issue 16 item 1: searching the incident log by words — what happened, actions, DSL notes, contacts with families —
finds only what the reader may read; concerns only after the second factor; every search audited with its words.
Runs on SQLite (``icontains``) and on PostgreSQL (full-text search in the school's language)."""

import datetime
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import IncidentPupil, IncidentSearchDocument
from incidents.services_search import search_config, search_documents_rebuild
from incidents.tests.factories import IncidentFactory, category
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import School
from safeguard.directory.tests.factories import PupilFactory, SchoolClassFactory

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


def search(client, school, words, **params):
    response = client.get(reverse("incidents:list", args=[school.slug]), {"text": words, **params})
    assert response.status_code == 200
    return response.content.decode()


def found(page, incident):
    return str(incident.public_id) in page


def record(actor, school, pupil, code, description, **kwargs):
    return services.incident_record(
        actor=actor,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=3),
        location="playground",
        categories=[category(school, code)],
        pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
        description=description,
        **kwargs,
    )


@pytest.fixture
def concern(school, pupil, teacher):
    return record(teacher, school, pupil, "neglect", "Said her cousin keeps the food cupboard locked.")


@pytest.fixture
def behaviour(school, pupil, office):
    return record(office, school, pupil, "verbal-abuse", "Shouted at a dinner supervisor.", behaviour_level=2)


class TestWhatIsSearched:
    def test_description_action_contact_and_note_are_all_found(self, client, school, pupil, dsl, slt, concern):
        incident = record(slt, school, pupil, "verbal-abuse", "Swore in assembly.", behaviour_level=2)
        services.action_add(
            actor=slt,
            incident=incident,
            kind="restorative",
            assignee=slt,
            due_on=school.today(),
            description="Restorative meeting with the caretaker",
        )
        services.parent_contact_record(
            actor=slt,
            incident=incident,
            pupil=pupil,
            contact_name="Grandmother",
            method="phone",
            contacted_at=timezone.now(),
            summary="Agreed a reward chart at home",
        )
        services.dsl_note_add(actor=dsl, incident=concern, text="Spoke to the school nurse about weight loss")
        client.force_login(slt)
        assert found(search(client, school, "caretaker"), incident)
        assert found(search(client, school, "reward chart"), incident)
        assert found(search(client, school, "assembly"), incident)
        assert not found(search(client, school, "assembly nurse"), incident)  # every word must be found
        client.force_login(dsl)
        verify(client)
        page = search(client, school, "nurse")
        assert found(page, concern) and not found(page, incident)

    def test_a_completed_action_note_and_the_outcome_are_found(self, client, school, slt, behaviour):
        action = services.action_add(
            actor=slt, incident=behaviour, kind="investigate", assignee=slt, due_on=school.today()
        )
        services.action_complete(actor=slt, action=action, note="Checked the CCTV by the canteen")
        services.incident_close(actor=slt, incident=behaviour, outcome="Apology letter written")
        client.force_login(slt)
        assert found(search(client, school, "cctv"), behaviour)
        assert found(search(client, school, "apology"), behaviour)

    def test_rebuild_fills_texts_of_incidents_loaded_without_the_services(self, client, school, slt, pupil):
        loaded = IncidentFactory(school=school, description="Climbed the fence at lunch.", pupils=[pupil])
        client.force_login(slt)
        assert not found(search(client, school, "fence"), loaded)
        assert search_documents_rebuild(school=school) >= 1
        assert found(search(client, school, "fence"), loaded)


class TestWhoFindsWhat:
    def test_a_teacher_cannot_find_a_concern_by_searching(self, client, school, teacher, concern):
        # The teacher raised it, and still does not find it: raisers see only its status.
        client.force_login(teacher)
        page = search(client, school, "cupboard")
        assert not found(page, concern)
        assert "cupboard" not in page.replace('value="cupboard"', "")

    def test_the_dsl_finds_a_concern_only_after_the_second_factor(self, client, school, dsl, concern):
        client.force_login(dsl)
        page = search(client, school, "cupboard")
        assert not found(page, concern)
        assert "Concerns are left out of this search until then." in page
        verify(client)
        assert found(search(client, school, "cupboard"), concern)

    def test_a_teacher_finds_only_the_behaviour_records_they_may_read(self, client, school, teacher, office):
        own_class = SchoolClassFactory(school=school)
        own_class.teachers.add(teacher)
        other_class = SchoolClassFactory(school=school)
        theirs = record(
            office,
            school,
            PupilFactory(school=school, school_class=own_class),
            "verbal-abuse",
            "Threw a pencil case.",
            behaviour_level=1,
        )
        not_theirs = record(
            office,
            school,
            PupilFactory(school=school, school_class=other_class),
            "verbal-abuse",
            "Threw a water bottle.",
            behaviour_level=1,
        )
        client.force_login(teacher)
        page = search(client, school, "threw")
        assert found(page, theirs) and not found(page, not_theirs)

    def test_another_schools_records_are_never_found_and_answer_404(
        self, client, school, other_school, other_pupil, other_school_dsl, dsl, pupil
    ):
        theirs = record(
            other_school_dsl,
            other_school,
            other_pupil,
            "verbal-abuse",
            "Kicked a football at a car.",
            behaviour_level=2,
        )
        client.force_login(dsl)
        verify(client)
        assert not found(search(client, school, "football"), theirs)
        response = client.get(reverse("incidents:incident_detail", args=[school.slug, theirs.public_id]))
        assert response.status_code == 404

    def test_voided_records_are_not_found(self, client, school, slt, behaviour):
        services.incident_void(actor=slt, incident=behaviour, reason="Wrong pupil")
        client.force_login(slt)
        assert not found(search(client, school, "supervisor"), behaviour)


class TestAudit:
    def test_every_search_is_audited_with_its_words(self, client, school, dsl, concern):
        client.force_login(dsl)
        search(client, school, "cupboard")
        verify(client)
        search(client, school, "cupboard locked")
        events = list(AuditEvent.objects.filter(action="incidents.incident_log.searched").order_by("pk"))
        assert [(e.actor, e.school, e.data["query"]) for e in events] == [
            (dsl, school, "cupboard"),
            (dsl, school, "cupboard locked"),
        ]
        assert [e.data["concerns_included"] for e in events] == [False, True]
        assert [e.data["results"] for e in events] == [0, 1]

    def test_a_teachers_search_is_audited_too_and_filters_alone_are_not(self, client, school, teacher):
        client.force_login(teacher)
        client.get(reverse("incidents:list", args=[school.slug]), {"level": 2})
        assert not AuditEvent.objects.filter(action="incidents.incident_log.searched").exists()
        search(client, school, "Amelia")
        event = AuditEvent.objects.get(action="incidents.incident_log.searched")
        assert event.actor == teacher and event.data["query"] == "Amelia"


class TestLanguages:
    def test_the_configuration_follows_the_schools_country(self, school):
        assert search_config(school) == "english"
        school.country = School.Country.UNITED_STATES
        assert search_config(school) == "english"
        school.country = School.Country.TURKEY
        assert search_config(school) == "turkish"

    @postgres_only
    def test_english_search_finds_other_forms_of_a_word(self, client, school, slt, pupil):
        incident = record(slt, school, pupil, "verbal-abuse", "He was bullying younger pupils.", behaviour_level=2)
        assert IncidentSearchDocument.objects.get(incident=incident).vector is not None
        client.force_login(slt)
        assert found(search(client, school, "bullied"), incident)

    @postgres_only
    def test_turkish_school_searches_in_turkish(self, client, school, slt, pupil):
        school.country = School.Country.TURKEY
        school.save()
        incident = record(slt, school, pupil, "verbal-abuse", "Arkadaşlarına bağırdı.", behaviour_level=2)
        client.force_login(slt)
        assert found(search(client, school, "arkadaş"), incident)


class TestQueries:
    def test_a_search_page_costs_the_same_for_3_and_30_results(self, client, school, slt, pupil):
        from django.test.utils import CaptureQueriesContext

        for n in range(3):
            record(slt, school, pupil, "verbal-abuse", f"Ran in the corridor {n}.", behaviour_level=1)
        client.force_login(slt)
        search(client, school, "corridor")  # the first page of a session loads more (session, caches)
        with CaptureQueriesContext(connection) as three:
            search(client, school, "corridor")
        for n in range(27):
            record(slt, school, pupil, "verbal-abuse", f"Ran in the corridor again {n}.", behaviour_level=1)
        with CaptureQueriesContext(connection) as thirty:
            assert search(client, school, "corridor").count("Ran in the corridor") == 0  # text is not listed
        assert len(thirty) == len(three)


class TestPaging:
    """A search's page lists and counts its matches with one query (``views_incidents._searched_page``); the pager
    reads as on any other list."""

    def test_more_than_a_page_of_matches_is_counted_and_paged(self, client, school, slt, pupil):
        matching = [
            IncidentFactory(school=school, pupils=[pupil], description=f"Threw a chair {n}.") for n in range(53)
        ]
        other = IncidentFactory(school=school, pupils=[pupil], description="Late for registration.")
        search_documents_rebuild(school=school)
        client.force_login(slt)
        first = search(client, school, "chair")
        assert "53 incidents" in first and "Page 1 of 2" in first
        second = search(client, school, "chair", page="2")
        assert "53 incidents" in second and "Page 2 of 2" in second
        assert sum(found(first, i) for i in matching) == 50 and sum(found(second, i) for i in matching) == 3
        assert not found(first, other) and not found(second, other)
        assert search(client, school, "chair", page="9").count("Page 2 of 2") == 1  # past the last: the last
        assert "Page 1 of 2" in search(client, school, "chair", page="nine")
        nothing = search(client, school, "trampoline")
        assert "0 incidents" in nothing and "No incidents match this filter." in nothing

    def test_every_search_audits_how_many_matched(self, client, school, slt, pupil):
        for n in range(3):
            IncidentFactory(school=school, pupils=[pupil], description=f"Threw a chair {n}.")
        search_documents_rebuild(school=school)
        client.force_login(slt)
        search(client, school, "chair")
        event = AuditEvent.objects.filter(action="incidents.incident_log.searched").latest("pk")
        assert event.data["results"] == 3
