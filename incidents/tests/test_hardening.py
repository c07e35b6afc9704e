"""Issue 12, the incident log as its users tripped on it: out-of-range ids in forms (#11), the LA racist incident form
linked and its sending recorded (#16), the bullying follow-up for the victim's class teacher (#17), parents told of
a physical intervention (#18), voided records (#19) and one daily e-mail of actions per person (#27)."""

import datetime
import time
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from incidents import services, tasks
from incidents.models import Action, ActionDigestSent, Incident, IncidentPupil, PhysicalIntervention
from incidents.tests.factories import ActionFactory, IncidentFactory, category
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import Role
from safeguard.directory.tests import factories

VICTIM = IncidentPupil.Role.VICTIM
PERPETRATOR = IncidentPupil.Role.ALLEGED_PERPETRATOR
SUBJECT = IncidentPupil.Role.SUBJECT
TOO_BIG = str(2**63 + 5)


def sign_in(client, user):
    client.force_login(user)
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()
    return client


def record(actor, school, pupils, codes, **kwargs):
    arguments = {
        "occurred_at": timezone.now() - datetime.timedelta(hours=2),
        "location": "playground",
        "description": "Called a classmate names about the colour of his skin at lunch.",
    }
    arguments.update(kwargs)
    return services.incident_record(
        actor=actor,
        school=school,
        categories=[category(school, code) for code in codes],
        pupils=[item if isinstance(item, tuple) else (item, SUBJECT) for item in pupils],
        **arguments,
    )


def detail_url(incident):
    return reverse("incidents:incident_detail", args=[incident.school.slug, incident.public_id])


@pytest.fixture
def recorder(school):
    """A member of staff who records incidents but teaches none of the pupils."""
    user = factories.UserFactory(email="recorder@example.test", full_name="Rowan Recorder")
    factories.StaffRoleFactory(user=user, school=school, role=Role.TEACHER)
    return user


@pytest.fixture
def class_teacher(school, pupil):
    """The class teacher of ``pupil`` (3 Oak)."""
    user = factories.UserFactory(email="oak.teacher@example.test", full_name="Olive Oakley")
    factories.StaffRoleFactory(user=user, school=school, role=Role.TEACHER)
    pupil.school_class.teachers.add(user)
    return user


@pytest.fixture
def classmate(school, pupil):
    return factories.PupilFactory(school=school, legal_first_name="Bilal", legal_last_name="Ashworth")


# 11. Out-of-range ids ----------------------------------------------------------------------------------------------


def _record_form(school, who, **extra):
    when = timezone.localtime(timezone.now() - datetime.timedelta(minutes=10), zoneinfo.ZoneInfo(school.time_zone))
    data = {
        "occurred_date": when.strftime("%Y-%m-%d"),
        "occurred_time": when.strftime("%H:%M"),
        "location": "classroom",
        "categories": [str(category(school, "low-level-disruption").pk)],
        "behaviour_level": "2",
        "description": "Threw a pencil case across the room.",
        "pupil": [str(who.public_id)],
        "pupil_role": ["subject"],
    }
    data.update(extra)
    return data


class TestOutOfRangeIds:
    @pytest.mark.parametrize("bad", [TOO_BIG, "-" + TOO_BIG, "abc", "1e5"])
    def test_a_category_id_out_of_range_is_a_form_error(self, client, school, teacher, pupil, bad):
        client.force_login(teacher)
        data = _record_form(school, pupil, categories=[str(category(school, "low-level-disruption").pk), bad])
        response = client.post(reverse("incidents:record", args=[school.slug]), data)
        assert response.status_code == 200
        assert response.context["form"].errors["categories"]
        assert not Incident.objects.exists()

    def test_filters_with_ids_out_of_range_answer_200(self, client, school, slt):
        client.force_login(slt)
        for query in (
            {"year_group": TOO_BIG},
            {"school_class": TOO_BIG},
            {"school_class": "x"},
            {"level": TOO_BIG},
            {"page": TOO_BIG},
            {"page": TOO_BIG, "text": "pushed"},  # a search by words pages by its own query
            {"page": "-" + TOO_BIG},
        ):
            assert client.get(reverse("incidents:list", args=[school.slug]), query).status_code == 200
        actions = reverse("incidents:my_actions", args=[school.slug])
        assert client.get(actions, {"assignee": TOO_BIG}).status_code == 200

    def test_a_follow_up_form_with_an_id_out_of_range_is_a_form_error(self, client, school, pupil, slt, recorder):
        incident = record(recorder, school, [pupil], ["low-level-disruption"], behaviour_level=2)
        sign_in(client, slt)
        url = reverse("incidents:action_add", args=[school.slug, incident.public_id])
        response = client.post(url, {"kind": "investigate", "assignee": TOO_BIG, "due_on": "2026-12-10"})
        assert response.status_code == 200
        assert response.context["action_form"].errors["assignee"]
        url = reverse("incidents:parent_contact_add", args=[school.slug, incident.public_id])
        response = client.post(url, {"pupil": TOO_BIG, "guardian": TOO_BIG, "method": "phone"})
        assert response.status_code == 200
        assert response.context["contact_form"].errors["pupil"]


# 16. The LA's racist incident form ---------------------------------------------------------------------------------


class TestRacistIncidentReport:
    def test_every_racist_incident_links_the_form_and_records_that_it_was_sent(
        self, client, school, pupil, classmate, teacher, slt
    ):
        slt.full_name = "Sam Senior"
        slt.save()
        racist = record(teacher, school, [(classmate, PERPETRATOR), (pupil, VICTIM)], ["racist"])
        sign_in(client, slt)
        page = client.get(detail_url(racist)).content.decode()
        assert reverse("incidents:form_racist", args=[school.slug, racist.public_id]) in page
        assert "Not yet recorded as sent to the local authority" in page

        sent_on = school.today() - datetime.timedelta(days=1)
        url = reverse("incidents:racist_report_sent", args=[school.slug, racist.public_id])
        response = client.post(url, {"sent_on": sent_on.isoformat()})
        assert response.status_code == 302
        racist.refresh_from_db()
        assert (racist.la_report_sent_on, racist.la_report_sent_by) == (sent_on, slt)
        page = client.get(detail_url(racist)).content.decode()
        assert f"Sent to the LA on {sent_on:%-d %b %Y} by Sam Senior" in page
        form = client.get(reverse("incidents:form_racist", args=[school.slug, racist.public_id])).content.decode()
        assert f"Sent to the LA on {sent_on:%-d %b %Y} by Sam Senior" in form
        event = AuditEvent.objects.get(action="incidents.racist_form.sent")
        assert (event.actor, event.subject_id, event.data) == (slt, str(racist.public_id), {"sent_on": str(sent_on)})

        client.post(url, {"sent_on": sent_on.isoformat()})  # a repeat changes nothing
        assert AuditEvent.objects.filter(action="incidents.racist_form.sent").count() == 1

    def test_a_behaviour_incident_has_no_link_and_refuses_the_record(self, client, school, pupil, slt, teacher):
        incident = record(teacher, school, [pupil], ["low-level-disruption"], behaviour_level=2)
        sign_in(client, slt)
        assert "racist-incident" not in client.get(detail_url(incident)).content.decode()
        url = reverse("incidents:racist_report_sent", args=[school.slug, incident.public_id])
        assert client.post(url, {"sent_on": school.today().isoformat()}).status_code == 404

    def test_rules_of_the_service(self, school, pupil, classmate, teacher, slt):
        racist = record(teacher, school, [(classmate, PERPETRATOR), (pupil, VICTIM)], ["racist"])
        with pytest.raises(PermissionError):
            services.racist_report_sent(actor=teacher, incident=racist, sent_on=school.today())
        with pytest.raises(DomainError):
            services.racist_report_sent(actor=slt, incident=racist, sent_on=school.today() + datetime.timedelta(days=2))
        assert Incident.objects.get(pk=racist.pk).la_report_sent_on is None


# 17. The bullying follow-up ----------------------------------------------------------------------------------------


class TestBullyingFollowUp:
    def test_it_goes_to_the_victims_class_teacher(self, school, pupil, classmate, recorder, class_teacher):
        incident = record(
            recorder, school, [(classmate, PERPETRATOR), (pupil, VICTIM)], ["bullying"], bullying_type="verbal"
        )
        follow_up = incident.actions.get(kind=Action.Kind.FOLLOW_UP_VICTIM)
        assert follow_up.assignee == class_teacher
        assert follow_up.due_on == school.today() + datetime.timedelta(days=14)

    def test_without_a_class_teacher_it_goes_to_the_recorder(self, school, pupil, classmate, recorder):
        incident = record(
            recorder, school, [(pupil, PERPETRATOR), (classmate, VICTIM)], ["bullying"], bullying_type="verbal"
        )
        assert incident.actions.get(kind=Action.Kind.FOLLOW_UP_VICTIM).assignee == recorder

    def test_the_recorder_may_choose_who_follows_up(self, client, school, pupil, classmate, recorder, class_teacher):
        chosen = factories.UserFactory(email="pastoral@example.test", full_name="Pat Pastoral")
        factories.StaffRoleFactory(user=chosen, school=school, role=Role.TEACHER)
        client.force_login(recorder)
        data = _record_form(
            school,
            pupil,
            categories=[str(category(school, "bullying").pk)],
            behaviour_level="",
            bullying_type="verbal",
            pupil=[str(classmate.public_id), str(pupil.public_id)],
            pupil_role=["alleged_perpetrator", "victim"],
            follow_up_assignee=str(chosen.pk),
        )
        response = client.post(reverse("incidents:record", args=[school.slug]), data)
        assert response.status_code == 302, response.context["form"].errors
        incident = Incident.objects.get()
        assert incident.actions.get(kind=Action.Kind.FOLLOW_UP_VICTIM).assignee == chosen


# 18. Parents told of a physical intervention -----------------------------------------------------------------------


class TestPhysicalInterventionParentsTold:
    def _intervention(self, actor, school, pupil):
        return record(
            actor,
            school,
            [pupil],
            ["physical-intervention"],
            physical_intervention={"staff_involved": "Mr Grey", "staff_trained": True, "duration_minutes": 3},
        )

    def test_untold_it_is_an_action_due_and_a_parent_contact_tells_them(self, client, school, pupil, slt, teacher):
        incident = self._intervention(teacher, school, pupil)
        due = incident.actions.get(kind=Action.Kind.CONTACT_PARENTS)
        assert (due.assignee, due.due_on, due.completed_at) == (teacher, school.today(), None)
        client.force_login(teacher)
        actions_page = client.get(reverse("incidents:my_actions", args=[school.slug])).content.decode()
        assert "Tell the parents or carers about the physical intervention." in actions_page
        assert "Not yet" in client.get(detail_url(incident)).content.decode()

        sign_in(client, slt)
        told_at = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=30)
        with timezone.override(school.time_zone):
            response = client.post(
                reverse("incidents:parent_contact_add", args=[school.slug, incident.public_id]),
                {
                    "pupil": pupil.pk,
                    "contact_name": "Mrs Whitfield",
                    "method": "phone",
                    "contacted_at": timezone.localtime(told_at).strftime("%Y-%m-%dT%H:%M"),
                    "summary": "Explained the hold and why it was used.",
                },
            )
        assert response.status_code == 302
        assert PhysicalIntervention.objects.get(incident=incident).parents_informed_at == told_at
        due.refresh_from_db()
        assert due.completed_at is not None and due.completed_by == slt
        assert (
            "Tell the parents" not in client.get(reverse("incidents:my_actions", args=[school.slug])).content.decode()
        )
        assert AuditEvent.objects.filter(action="incidents.physical_intervention.parents_told").count() == 1

    def test_parents_told_when_recorded_means_no_action(self, school, pupil, teacher):
        incident = record(
            teacher,
            school,
            [pupil],
            ["physical-intervention"],
            physical_intervention={
                "staff_involved": "Mr Grey",
                "duration_minutes": 3,
                "parents_informed_at": timezone.now() - datetime.timedelta(minutes=5),
            },
        )
        assert not incident.actions.filter(kind=Action.Kind.CONTACT_PARENTS).exists()


# 19. Voided records ------------------------------------------------------------------------------------------------


class TestVoided:
    def test_a_voided_record_shows_voided_not_open(self, client, school, pupil, slt, teacher):
        incident = record(teacher, school, [pupil], ["low-level-disruption"], behaviour_level=2)
        services.incident_void(actor=slt, incident=incident, reason="Recorded against the wrong pupil.")
        sign_in(client, slt)
        page = client.get(detail_url(incident)).content.decode()
        badge = page.split('id="status-badge">', 1)[1].split("<", 1)[0]
        assert badge == "Voided"
        printed = client.get(reverse("incidents:incident_print", args=[school.slug, incident.public_id]))
        assert "· Voided" in printed.content.decode()

    @pytest.mark.parametrize("persona", ["slt", "dsl", "head"])
    def test_slt_and_the_dsl_team_can_list_voided_records(self, client, request, school, pupil, teacher, persona):
        kept = record(teacher, school, [pupil], ["low-level-disruption"], behaviour_level=2)
        voided = record(teacher, school, [pupil], ["low-level-disruption"], behaviour_level=3)
        services.incident_void(actor=request.getfixturevalue("slt"), incident=voided, reason="Duplicate.")
        sign_in(client, request.getfixturevalue(persona))
        url = reverse("incidents:list", args=[school.slug])
        listed = [incident.pk for incident in client.get(url).context["page"]]
        assert listed == [kept.pk]
        response = client.get(url, {"status": "voided"})
        assert [incident.pk for incident in response.context["page"]] == [voided.pk]
        assert '<span class="badge text-bg-danger">Voided</span>' in response.content.decode()

    def test_others_cannot_list_voided_records(self, client, school, pupil, teacher, slt):
        voided = record(teacher, school, [pupil], ["low-level-disruption"], behaviour_level=2)
        services.incident_void(actor=slt, incident=voided, reason="Duplicate.")
        client.force_login(teacher)
        response = client.get(reverse("incidents:list", args=[school.slug]), {"status": "voided"})
        assert response.status_code == 200
        assert list(response.context["page"]) == []
        assert 'value="voided"' not in response.content.decode()


# 27. One daily e-mail of actions per person ------------------------------------------------------------------------


class TestActionDigest:
    @pytest.fixture
    def three_due(self, school, teacher):
        incident = IncidentFactory(school=school, recorded_by=teacher)
        today = school.today()
        return [
            ActionFactory(incident=incident, assignee=teacher, kind=kind, due_on=due)
            for kind, due in (
                (Action.Kind.INVESTIGATE, today),
                (Action.Kind.CONTACT_PARENTS, today - datetime.timedelta(days=2)),
                (Action.Kind.RESTORATIVE, today - datetime.timedelta(days=9)),
            )
        ]

    def test_three_due_actions_make_one_email_listing_three_and_twice_sends_once(
        self, school, teacher, three_due, slt, celery_eager, django_capture_on_commit_callbacks
    ):
        ActionFactory(incident=three_due[0].incident, assignee=teacher, due_on=school.today() + datetime.timedelta(1))
        ActionFactory(incident=three_due[0].incident, assignee=slt, due_on=school.today())
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_action_reminders() == 2
        mine = [message for message in mail.outbox if message.to == [teacher.email]]
        assert len(mine) == 1
        body = mine[0].body
        for label in ("Investigate", "Contact parents or carers", "Restorative conversation"):
            assert label in body
        assert body.count("\n- ") == 3
        assert "3 incident actions assigned to you are due or overdue" in mine[0].subject
        assert len([message for message in mail.outbox if message.to == [slt.email]]) == 1

        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_action_reminders() == 0
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_action_digest(teacher.pk, school.today().isoformat())  # a redelivered task
        assert len(mail.outbox) == 2
        assert ActionDigestSent.objects.get(recipient=teacher).actions == 3

    def test_the_next_day_only_new_reminders_send_a_list(
        self, school, teacher, three_due, celery_eager, django_capture_on_commit_callbacks
    ):
        today = school.today()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_action_reminders(today=today.isoformat())
        assert len(mail.outbox) == 1
        with django_capture_on_commit_callbacks(execute=True):
            queued = tasks.send_action_reminders(today=(today + datetime.timedelta(days=1)).isoformat())
        # Tomorrow the one due today is a day overdue: its first overdue reminder goes, with the whole list.
        assert queued == 1
        assert len(mail.outbox) == 2
        assert mail.outbox[1].body.count("\n- ") == 3


class TestOutOfRangeNumbersElsewhere:
    def test_sanction_days_and_pupil_out_of_range_are_form_errors(self, client, school, pupil, head, teacher):
        incident = record(teacher, school, [pupil], ["low-level-disruption"], behaviour_level=2)
        sign_in(client, head)
        url = reverse("incidents:sanction_add", args=[school.slug, incident.public_id])
        response = client.post(
            url,
            {"pupil": TOO_BIG, "kind": "suspension", "starts_on": school.today().isoformat(), "days": "1e400"},
        )
        assert response.status_code == 200
        assert response.context["sanction_form"].errors

    def test_dashboard_filters_and_drilldown_keys_out_of_range_never_500(self, client, school, slt):
        sign_in(client, slt)
        dashboard = reverse("reports:incident_dashboard", args=[school.slug])
        drilldown = reverse("reports:incident_drilldown", args=[school.slug])
        csv = reverse("reports:incident_dashboard_csv", args=[school.slug])
        for query in ({"school_class": TOO_BIG}, {"recorder": TOO_BIG}, {"level": TOO_BIG}, {"date_from": "99999-1-1"}):
            assert client.get(dashboard, query).status_code == 200
            assert client.get(drilldown, query).status_code == 200
        for figure, key in (("level", TOO_BIG), ("time", f"{TOO_BIG}:{TOO_BIG}"), ("repeated_victim", TOO_BIG)):
            assert client.get(drilldown, {"figure": figure, "key": key}).status_code == 404
            assert client.get(csv, {"view": "incidents", "figure": figure, "key": key}).status_code == 404
        assert client.get(drilldown, {"page": TOO_BIG}).status_code == 200
