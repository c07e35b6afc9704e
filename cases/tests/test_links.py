"""Issue 16 item 3: related incidents are linked from an incident's record, with an optional note, and the link shows
on both records — only to someone who may read both. Whoever manages both incidents links and unlinks them; an
unlinked pair keeps its row and history."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cases.models import IncidentLink
from cases.services import links as services
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests.factories import PupilFactory

from .factories import behaviour_incident, concern_about, verify


def record_links(user, incident, *, verified=False):
    """The links card of ``incident``'s record as ``user`` sees it ("" when nothing is shown)."""
    request = RequestFactory().get("/")
    request.user = user
    request.session = {otp.SESSION_KEY: __import__("time").time()} if verified else {}
    return render_to_string("cases/includes/incident_links.html", {"incident": incident}, request=request)


def link_url(incident):
    return reverse("cases:incident_link_add", args=[incident.school.slug, incident.public_id])


@pytest.fixture
def classmate(school, pupil):
    """Another pupil of the school, in no class the teacher teaches."""
    return PupilFactory(school=school, legal_first_name="Noor", legal_last_name="Haddad")


@pytest.fixture
def teacher_of_pupil(teacher, pupil):
    pupil.school_class.teachers.add(teacher)
    return teacher


@pytest.fixture
def pair(school, pupil, classmate, office):
    """Two behaviour incidents recorded by the office: one about the pupil, one about a classmate."""
    first = behaviour_incident(school, pupil, recorded_by=office, hours_ago=3, description="Pushed in the lunch queue.")
    second = behaviour_incident(
        school, classmate, recorded_by=office, hours_ago=2, description="Shoved back in the queue."
    )
    return first, second


class TestLinking:
    def test_slt_links_two_incidents_and_the_link_shows_on_both(self, client, slt, pair):
        first, second = pair
        client.force_login(slt)
        response = client.post(link_url(first), {"other": str(second.public_id), "note": "same event"})
        assert response.status_code == 302 and response["Location"].endswith("#incident-links")
        link = IncidentLink.objects.get()
        assert link.note == "same event" and link.linked_by == slt
        on_first, on_second = record_links(slt, first), record_links(slt, second)
        assert "Shoved back in the queue." in on_first and "same event" in on_first
        assert "Pushed in the lunch queue." in on_second and "same event" in on_second
        audited = AuditEvent.objects.filter(action="cases.incident_link.added")
        assert set(audited.values_list("subject_id", flat=True)) == {str(first.public_id), str(second.public_id)}

    def test_the_other_incident_may_be_given_by_its_address(self, client, slt, pair):
        first, second = pair
        client.force_login(slt)
        address = "https://safeguard.example" + reverse(
            "incidents:incident_detail", args=[second.school.slug, second.public_id]
        )
        client.post(link_url(first), {"address": address})
        assert IncidentLink.objects.filter(ended_at__isnull=True).count() == 1
        client.post(link_url(second), {"other": str(first.public_id)})  # the same pair from the other end
        assert IncidentLink.objects.count() == 1

    def test_suggestions_offer_incidents_about_the_same_time_or_pupils(self, slt, pair):
        first, second = pair
        assert f'value="{second.public_id}"' in record_links(slt, first)

    def test_unlinking_keeps_the_link_in_the_history(self, client, slt, pair):
        first, second = pair
        link, _created = services.incident_link(actor=slt, incident=first, other=second)
        client.force_login(slt)
        response = client.post(
            reverse("cases:incident_link_end", args=[first.school.slug, second.public_id, link.public_id])
        )
        assert response.status_code == 302
        link.refresh_from_db()
        assert link.ended_at is not None and link.ended_by == slt and link.history.count() == 2
        assert "Shoved back" not in record_links(slt, first)
        # Linked again later: a new row, the old one kept.
        services.incident_link(actor=slt, incident=first, other=second)
        assert IncidentLink.objects.count() == 2


class TestWhoSeesLinks:
    def test_a_link_is_hidden_from_someone_who_cannot_read_the_other_incident(self, slt, teacher_of_pupil, pair):
        first, second = pair
        services.incident_link(actor=slt, incident=first, other=second, note="same event")
        assert "same event" in record_links(slt, first)
        # The teacher reads the first (their pupil's) but not the second (a pupil they do not teach): no sign of it.
        assert record_links(teacher_of_pupil, first).strip() == ""

    def test_a_concern_at_the_other_end_is_hidden_from_slt_and_locked_before_the_second_factor(
        self, school, pupil, slt, dsl, teacher, pair
    ):
        first, _second = pair
        concern = concern_about(school, pupil, hours_ago=4, recorded_by=teacher, description="Said dad hits him.")
        services.incident_link(actor=dsl, incident=first, other=concern, note="after the disclosure")
        assert "after the disclosure" not in record_links(slt, first)  # SLT may not read the concern
        locked = record_links(dsl, first)
        assert "A safeguarding concern" in locked and "Said dad hits him" not in locked
        assert "Safeguarding concern," in record_links(dsl, first, verified=True)

    def test_slt_reading_the_behaviour_record_learns_nothing_of_a_link_to_a_concern(
        self, client, school, pupil, slt, dsl, teacher, pair
    ):
        """The record's "Who has opened or changed this record" is read by SLT: a DSL linking it to a concern, or
        undoing that link, must not show there (it would tell SLT a concern exists); the audit keeps both."""
        first, _second = pair
        concern = concern_about(school, pupil, hours_ago=4, recorded_by=teacher)
        link, _created = services.incident_link(actor=dsl, incident=first, other=concern)
        services.incident_unlink(actor=dsl, link=link)
        client.force_login(slt)
        page = client.get(reverse("incidents:incident_detail", args=[school.slug, first.public_id])).content.decode()
        assert "Linked to another incident" not in page and "Undid a link" not in page
        assert not AuditEvent.objects.filter(subject_id=str(first.public_id), action__startswith="cases.").exists()
        on_concern = AuditEvent.objects.filter(subject_id=str(concern.public_id), action__startswith="cases.")
        assert set(on_concern.values_list("action", flat=True)) == {
            "cases.incident_link.added",
            "cases.incident_link.ended",
        }
        on_link = AuditEvent.objects.filter(subject_id=str(link.public_id))
        assert [event.data["incident"] for event in on_link] == [str(first.public_id)] * 2

    def test_the_dsl_sees_the_cases_a_concern_is_in(self, school, pupil, dsl, teacher):
        from cases.services.cases import case_concern_add, case_open

        concern = concern_about(school, pupil, hours_ago=4, recorded_by=teacher)
        case = case_open(actor=dsl, school=school, title="Home situation", owner=dsl, pupils=[pupil])
        case_concern_add(actor=dsl, case=case, incident=concern)
        assert "Home situation" in record_links(dsl, concern, verified=True)

    @pytest.mark.parametrize("who", ["office", "teacher_of_pupil"])
    def test_who_may_not_manage_the_incident_gets_404_and_nothing_is_linked(self, client, request, who, pair):
        first, second = pair
        client.force_login(request.getfixturevalue(who))
        assert client.post(link_url(first), {"other": str(second.public_id)}).status_code == 404
        assert not IncidentLink.objects.exists()

    def test_another_schools_incident_cannot_be_linked(self, client, slt, pair, other_school, other_pupil, office):
        first, _second = pair
        theirs = behaviour_incident(other_school, other_pupil, recorded_by=office)
        client.force_login(slt)
        response = client.post(link_url(first), {"other": str(theirs.public_id)}, follow=True)
        assert "No incident of this school has that address" in response.content.decode()
        assert not IncidentLink.objects.exists()

    def test_linking_a_concern_needs_the_second_factor(self, client, school, pupil, dsl, teacher, pair):
        first, _second = pair
        concern = concern_about(school, pupil, hours_ago=4, recorded_by=teacher)
        client.force_login(dsl)
        client.post(link_url(first), {"other": str(concern.public_id)})
        assert not IncidentLink.objects.exists()
        verify(client)
        client.post(link_url(first), {"other": str(concern.public_id)})
        assert IncidentLink.objects.count() == 1


def test_the_incident_page_shows_the_links_card(client, slt, pair):
    """On the record itself, once ``templates/incidents/detail.html`` includes the card (see the cases app's
    report); skipped until then."""
    from pathlib import Path

    from django.conf import settings

    detail = Path(settings.BASE_DIR) / "templates" / "incidents" / "detail.html"
    if "cases/includes/incident_links.html" not in detail.read_text():
        pytest.skip("templates/incidents/detail.html does not include the links card yet")
    first, second = pair
    services.incident_link(actor=slt, incident=first, other=second, note="same event")
    client.force_login(slt)
    page = client.get(reverse("incidents:incident_detail", args=[first.school.slug, first.public_id]))
    assert 'id="incident-links"' in page.content.decode() and "same event" in page.content.decode()
