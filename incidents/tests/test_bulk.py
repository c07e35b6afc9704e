"""Issue 16 item 9: on the incident list, records are selected and closed, their open actions given to someone else,
or exported as CSV — each record checked and audited on its own, another school's never touched, concerns only for
the DSL team after the second factor."""

import csv
import datetime
import io
import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from incidents.models import Action, Incident
from incidents.tests.factories import IncidentFactory, concern
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


def post(client, school, operation, incidents, **data):
    url = reverse(f"incidents:bulk_{operation}", args=[school.slug])
    return client.post(url, {"incident": [str(incident.public_id) for incident in incidents], **data})


def said(response):
    """The messages the next page shows; read here, so the next request starts with none."""
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    response.client.cookies.pop("messages", None)
    return texts


def action_on(incident, assignee, *, done=False):
    return Action.objects.create(
        incident=incident,
        kind=Action.Kind.INVESTIGATE,
        assignee=assignee,
        due_on=datetime.date.today(),
        created_by=assignee,
        completed_at=datetime.datetime.now(datetime.UTC) if done else None,
    )


@pytest.fixture
def behaviour(school, pupil, teacher):
    return [
        IncidentFactory(school=school, pupils=[pupil], recorded_by=teacher, description=f"Incident {n}")
        for n in range(3)
    ]


class TestClose:
    def test_slt_close_three_and_each_is_audited(self, client, school, slt, behaviour):
        client.force_login(slt)
        response = post(client, school, "close", behaviour, outcome="Spoken to; parents told.")
        assert response.status_code == 302
        assert said(response) == ["3 closed."]
        assert all(
            incident.status == "closed" for incident in Incident.objects.filter(pk__in=[i.pk for i in behaviour])
        )
        assert AuditEvent.objects.filter(action="incidents.incident.closed", actor=slt).count() == 3

    def test_records_one_may_not_close_are_skipped_and_said(self, client, school, teacher, behaviour):
        # The teacher recorded them and reads them, but closing is for those who manage incidents.
        client.force_login(teacher)
        response = post(client, school, "close", behaviour[:1], outcome="Done")
        assert said(response) == ["0 closed.", "1 skipped: you may not close it."]
        assert Incident.objects.get(pk=behaviour[0].pk).status == "open"

    def test_closed_and_voided_ones_are_skipped_with_their_reason(self, client, school, slt, behaviour):
        Incident.objects.filter(pk=behaviour[0].pk).update(status="closed")
        Incident.objects.filter(pk=behaviour[1].pk).update(voided_at=datetime.datetime.now(datetime.UTC))
        client.force_login(slt)
        response = post(client, school, "close", behaviour, outcome="Resolved")
        assert said(response) == ["1 closed.", "1 skipped: it was voided.", "1 skipped: it was already closed."]

    def test_another_schools_record_is_never_touched(self, client, school, other_school, slt, behaviour):
        theirs = IncidentFactory(school=other_school)
        client.force_login(slt)
        response = post(client, school, "close", [*behaviour[:1], theirs], outcome="Resolved")
        assert said(response) == ["1 closed.", "1 skipped: it could not be found in your incident log."]
        theirs.refresh_from_db()
        assert theirs.status == "open" and theirs.closed_by is None

    def test_more_than_the_limit_selected_is_said_not_dropped_silently(self, client, school, slt, behaviour):
        from incidents import services_bulk

        client.force_login(slt)
        padding = [str(__import__("uuid").uuid4()) for _ in range(services_bulk.MAX_SELECTED + 2)]
        url = reverse("incidents:bulk_close", args=[school.slug])
        response = client.post(url, {"incident": padding, "outcome": "Spoken to."})
        assert said(response) == [
            "0 closed.",
            "2 skipped: at most 200 records are acted on at once.",
            "200 skipped: they could not be found in your incident log.",
        ]

    def test_an_outcome_is_needed(self, client, school, slt, behaviour):
        client.force_login(slt)
        response = post(client, school, "close", behaviour, outcome="  ")
        assert said(response) == ["To close the selected records, write the outcome."]
        assert not Incident.objects.filter(status="closed").exists()

    def test_concerns_need_the_dsl_team_the_second_factor_and_the_rationale(self, client, school, pupil, dsl, slt):
        worry = concern(school, pupils=[pupil])
        client.force_login(slt)
        assert said(post(client, school, "close", [worry], outcome="x"))[1] == (
            "1 skipped: it could not be found in your incident log."
        )
        client.force_login(dsl)
        assert said(post(client, school, "close", [worry], outcome="No further action")) == [
            "0 closed.",
            "1 skipped: a safeguarding concern needs your second factor first.",
        ]
        verify(client)
        assert said(post(client, school, "close", [worry], outcome="No further action"))[1] == (
            "1 skipped: a safeguarding concern is closed only with the rationale."
        )
        response = post(client, school, "close", [worry], outcome="No further action", rationale="Threshold not met.")
        assert said(response) == ["1 closed."]
        worry.refresh_from_db()
        assert worry.status == "closed" and worry.outcome_rationale == "Threshold not met."

    def test_the_list_offers_selection_to_those_who_manage_incidents_only(
        self, client, school, slt, teacher, behaviour
    ):
        client.force_login(slt)
        page = client.get(reverse("incidents:list", args=[school.slug])).content.decode()
        assert 'form="bulk-form"' in page and 'id="bulk-actions"' in page
        client.force_login(teacher)
        page = client.get(reverse("incidents:list", args=[school.slug])).content.decode()
        assert 'form="bulk-form"' not in page and 'id="bulk-actions"' not in page


class TestReassign:
    def test_open_actions_of_one_person_go_to_another(self, client, school, slt, teacher, office, behaviour):
        cover = factories.UserFactory(full_name="Cora Cover")
        factories.StaffRoleFactory(user=cover, school=school)
        first = action_on(behaviour[0], teacher)
        second = action_on(behaviour[1], teacher)
        someone_elses = action_on(behaviour[1], office)
        done = action_on(behaviour[1], teacher, done=True)
        client.force_login(slt)
        response = post(client, school, "reassign", behaviour, assignee=str(cover.pk), from_assignee=str(teacher.pk))
        assert said(response) == [
            "2 actions given to Cora Cover.",
            "1 skipped: it has no open actions to reassign.",
        ]
        for action, owner in ((first, cover), (second, cover), (someone_elses, office), (done, teacher)):
            action.refresh_from_db()
            assert action.assignee == owner
        events = AuditEvent.objects.filter(action="incidents.action.reassigned", actor=slt)
        assert events.count() == 2 and {e.data["to"] for e in events} == {cover.pk}
        # Cora now finds them among her actions.
        client.force_login(cover)
        page = client.get(reverse("incidents:my_actions", args=[school.slug])).content.decode()
        assert page.count("Investigate") >= 2

    def test_a_concerns_actions_go_only_to_the_dsl_team(self, client, school, pupil, dsl, deputy_dsl, teacher):
        worry = concern(school, pupils=[pupil])
        action = action_on(worry, dsl)
        client.force_login(dsl)
        verify(client)
        response = post(client, school, "reassign", [worry], assignee=str(teacher.pk))
        assert said(response)[1] == "1 skipped: actions on a safeguarding concern go to the DSL team."
        response = post(client, school, "reassign", [worry], assignee=str(deputy_dsl.pk))
        assert said(response) == [f"1 action given to {deputy_dsl}."]
        action.refresh_from_db()
        assert action.assignee == deputy_dsl

    def test_a_refused_whose_actions_choice_reassigns_nothing(self, client, school, slt, teacher, office, behaviour):
        """ "Only the actions of" someone the form does not offer is an error, never read as "anyone"."""
        cover = factories.UserFactory(full_name="Cora Cover")
        factories.StaffRoleFactory(user=cover, school=school)
        theirs, others = action_on(behaviour[0], teacher), action_on(behaviour[0], office)
        stranger = factories.UserFactory()  # no role here and no action here
        client.force_login(slt)
        response = post(client, school, "reassign", behaviour, assignee=str(cover.pk), from_assignee=str(stranger.pk))
        assert said(response) == [
            "Only the actions of: Select a valid choice. That choice is not one of the available choices."
        ]
        for action, owner in ((theirs, teacher), (others, office)):
            action.refresh_from_db()
            assert action.assignee == owner
        assert not AuditEvent.objects.filter(action="incidents.action.reassigned").exists()

    def test_the_open_actions_of_someone_who_has_left_can_be_given_away(self, client, school, slt, behaviour):
        leaver = factories.UserFactory(full_name="Lee Leaver")
        role = factories.StaffRoleFactory(user=leaver, school=school)
        cover = factories.UserFactory(full_name="Cora Cover")
        factories.StaffRoleFactory(user=cover, school=school)
        left_behind = action_on(behaviour[0], leaver)
        role.ended_on = datetime.date.today() - datetime.timedelta(days=1)
        role.save()
        client.force_login(slt)
        page = post(client, school, "reassign", behaviour, choose="1").content.decode()
        assert "Lee Leaver" in page  # offered under "Only the actions of", not under "Give them to"
        response = post(client, school, "reassign", behaviour, assignee=str(cover.pk), from_assignee=str(leaver.pk))
        assert said(response)[0] == "1 action given to Cora Cover."
        left_behind.refresh_from_db()
        assert left_behind.assignee == cover

    def test_the_list_leads_to_a_page_that_asks_whom_then_gives_them(self, client, school, slt, teacher, behaviour):
        """The list's "Reassign their actions…" button carries the selection and the list's filter to a page that
        lists the staff; its button reassigns and goes back to the list as it was."""
        cover = factories.UserFactory(full_name="Cora Cover")
        factories.StaffRoleFactory(user=cover, school=school)
        first, second = action_on(behaviour[0], teacher), action_on(behaviour[1], teacher)
        client.force_login(slt)
        listing = client.get(reverse("incidents:list", args=[school.slug]), {"status": "open"}).content.decode()
        assert "Reassign their actions…" in listing and "Cora Cover" not in listing
        response = post(
            client, school, "reassign", behaviour[:2], choose="1", outcome="", return_status="open", return_page="1"
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Give the open actions of the 2 selected records to another member of staff." in page
        assert "Cora Cover" in page
        assert page.count('name="incident"') == 2
        assert 'name="return_status" value="open"' in page
        assert first.assignee == teacher  # nothing changed yet
        response = client.post(
            reverse("incidents:bulk_reassign", args=[school.slug]),
            {
                "incident": [str(behaviour[0].public_id), str(behaviour[1].public_id)],
                "assignee": str(cover.pk),
                "return_status": "open",
                "return_page": "1",
            },
        )
        assert response.status_code == 302 and response["Location"].endswith("?status=open&page=1")
        assert said(response) == ["2 actions given to Cora Cover."]
        for action in (first, second):
            action.refresh_from_db()
            assert action.assignee == cover

    def test_choosing_whom_needs_records_selected(self, client, school, slt):
        client.force_login(slt)
        response = client.post(reverse("incidents:bulk_reassign", args=[school.slug]), {"choose": "1"})
        assert response.status_code == 302
        assert said(response) == ["Select at least one record first."]

    def test_someone_to_give_them_to_is_needed(self, client, school, slt, behaviour):
        client.force_login(slt)
        assert said(post(client, school, "reassign", behaviour)) == ["Choose who the open actions go to."]


class TestExport:
    def test_the_selected_records_download_as_csv_and_each_is_audited(self, client, school, slt, behaviour, pupil):
        risky = IncidentFactory(school=school, pupils=[pupil], description='=HYPERLINK("http://x")')
        client.force_login(slt)
        response = post(client, school, "export", [behaviour[0], risky])
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 3
        assert {row[0] for row in rows[1:]} == {str(behaviour[0].public_id), str(risky.public_id)}
        descriptions = {row[10] for row in rows[1:]}
        assert '\'=HYPERLINK("http://x")' in descriptions  # a spreadsheet shows it rather than running it
        assert pupil.display_name in rows[1][9]
        events = AuditEvent.objects.filter(action="incidents.incident.downloaded", actor=slt)
        assert {event.subject_id for event in events} == {str(behaviour[0].public_id), str(risky.public_id)}

    def test_concerns_only_for_the_verified_dsl_team_and_teachers_export_nothing(
        self, client, school, pupil, dsl, teacher, behaviour
    ):
        worry = concern(school, pupils=[pupil])
        client.force_login(dsl)
        response = post(client, school, "export", [behaviour[0], worry])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [row[0] for row in rows[1:]] == [str(behaviour[0].public_id)]
        assert said(response) == ["1 skipped: a safeguarding concern needs your second factor first."]
        verify(client)
        response = post(client, school, "export", [worry])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [row[0] for row in rows[1:]] == [str(worry.public_id)]
        event = AuditEvent.objects.get(action="incidents.incident.downloaded", subject_id=str(worry.public_id))
        assert event.data["pupils"] == [str(pupil.public_id)]
        client.force_login(teacher)
        response = post(client, school, "export", behaviour[:1])
        assert response.status_code == 302
        assert said(response) == ["Nothing was exported.", "1 skipped: you may not export it."]

    def test_nothing_selected_is_said(self, client, school, slt):
        client.force_login(slt)
        response = client.post(reverse("incidents:bulk_export", args=[school.slug]), {"return_level": "3"})
        assert response.status_code == 302 and response["Location"].endswith("?level=3")
        assert said(response) == ["Select at least one record first."]
