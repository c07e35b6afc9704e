"""The rules of the incident log's services: who is alerted, the 45-day suspension limit, voiding, closing, actions
and contacts with families — each through the real services, with the people of the personas fixtures."""

import datetime
import decimal

import pytest
from django.utils import timezone

from incidents import selectors, services
from incidents.models import Action, Alert, CategoryGroup, Incident, IncidentPupil, ParentContact, Sanction
from incidents.tests.factories import category
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import Role
from safeguard.directory.tests import factories

G = CategoryGroup
R = Alert.Reason
SUBJECT = IncidentPupil.Role.SUBJECT
VICTIM = IncidentPupil.Role.VICTIM
PERPETRATOR = IncidentPupil.Role.ALLEGED_PERPETRATOR

# The default category standing for each group.
CATEGORY_OF = {
    G.BEHAVIOUR: "low-level-disruption",
    G.BULLYING: "bullying",
    G.PREJUDICE: "racist",
    G.ONLINE_SAFETY: "online-misuse",
    G.SAFEGUARDING: "neglect",
}


def record(actor, school, pupils, *, groups=(G.BEHAVIOUR,), level=2, **kwargs):
    """An incident recorded through the service, with the details each group requires."""
    defaults = {
        "occurred_at": timezone.now() - datetime.timedelta(hours=2),
        "location": "playground",
        "description": "Pushed another pupil over near the climbing frame.",
        "bullying_type": "physical" if G.BULLYING in groups else "",
        "behaviour_level": level if G.BEHAVIOUR in groups else None,
    }
    defaults.update(kwargs)
    return services.incident_record(
        actor=actor,
        school=school,
        categories=[category(school, CATEGORY_OF[group]) for group in groups],
        pupils=[p if isinstance(p, tuple) else (p, SUBJECT) for p in pupils],
        **defaults,
    )


@pytest.fixture
def oak(pupil, teacher):
    """The pupil's class, taught by ``teacher``."""
    pupil.school_class.teachers.add(teacher)
    return pupil.school_class


@pytest.fixture
def recorder(school):
    """A member of staff who records incidents but teaches none of the pupils."""
    user = factories.UserFactory(email="recorder@example.test", full_name="Rowan Recorder")
    factories.StaffRoleFactory(user=user, school=school, role=Role.TEACHER)
    return user


@pytest.fixture
def other_teacher(school):
    user = factories.UserFactory(email="other.teacher@example.test")
    factories.StaffRoleFactory(user=user, school=school, role=Role.TEACHER)
    return user


@pytest.fixture
def year(school):
    return factories.AcademicYearFactory(school=school)


# Alert routing --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level, groups, slt_requested, expected",
    [
        (1, {G.BEHAVIOUR}, False, {R.CLASS_TEACHER}),
        (2, {G.BEHAVIOUR}, True, {R.CLASS_TEACHER}),  # asking SLT counts at level 3 only
        (3, {G.BEHAVIOUR}, False, {R.CLASS_TEACHER}),
        (3, {G.BEHAVIOUR}, True, {R.CLASS_TEACHER, R.SLT}),
        (4, {G.BEHAVIOUR}, False, {R.CLASS_TEACHER, R.SLT}),
        (5, {G.BEHAVIOUR}, False, {R.CLASS_TEACHER, R.SLT}),
        (4, {G.BEHAVIOUR, G.BULLYING}, False, {R.CLASS_TEACHER, R.SLT}),
        (None, {G.BULLYING}, False, {R.CLASS_TEACHER}),
        (None, {G.PREJUDICE}, True, {R.CLASS_TEACHER}),
        (None, {G.ONLINE_SAFETY}, False, {R.CLASS_TEACHER}),
        (None, {G.SAFEGUARDING}, False, {R.DSL_TEAM}),
        (5, {G.BEHAVIOUR, G.SAFEGUARDING}, True, {R.DSL_TEAM}),  # a concern goes to the DSL team only
        (None, {G.SAFEGUARDING, G.BULLYING}, False, {R.DSL_TEAM}),
    ],
)
def test_alert_reasons_by_level_and_group(level, groups, slt_requested, expected):
    assert services.alert_reasons(level=level, groups=groups, slt_requested=slt_requested) == expected


@pytest.mark.django_db
class TestAlertRecipients:
    """Who is alerted, by level × category group, with real staff of every role."""

    @pytest.fixture
    def staff(self, oak, teacher, other_teacher, office, dsl, deputy_dsl, slt, head, governor):
        return {
            "teacher": teacher,
            "other_teacher": other_teacher,
            "office": office,
            "dsl": dsl,
            "deputy_dsl": deputy_dsl,
            "slt": slt,
            "head": head,
            "governor": governor,
        }

    @pytest.mark.parametrize(
        "groups, level, slt_requested, expected",
        [
            ((G.BEHAVIOUR,), 1, False, {"teacher"}),
            ((G.BEHAVIOUR,), 3, False, {"teacher"}),
            ((G.BEHAVIOUR,), 3, True, {"teacher", "slt", "head"}),
            ((G.BEHAVIOUR,), 4, False, {"teacher", "slt", "head"}),
            ((G.BEHAVIOUR, G.BULLYING), 5, False, {"teacher", "slt", "head"}),
            ((G.PREJUDICE,), None, False, {"teacher"}),
            ((G.ONLINE_SAFETY,), None, False, {"teacher"}),
            ((G.SAFEGUARDING,), None, False, {"dsl", "deputy_dsl", "head"}),
        ],
    )
    def test_routes(self, school, pupil, recorder, staff, groups, level, slt_requested, expected):
        incident = record(recorder, school, [pupil], groups=groups, level=level, slt_requested=slt_requested)
        names = {name for name, user in staff.items() if Alert.objects.filter(incident=incident, recipient=user)}
        assert names == expected
        assert set(services.alert_recipients(incident)) == {staff[name].pk for name in expected}

    def test_chosen_staff_are_alerted_to_behaviour_but_not_to_a_concern(self, school, pupil, recorder, staff):
        behaviour = record(recorder, school, [pupil], alert_user_ids=[staff["office"].pk, staff["governor"].pk])
        recipients = services.alert_recipients(behaviour, chosen_user_ids=[staff["office"].pk, staff["governor"].pk])
        assert recipients[staff["office"].pk] == R.CHOSEN
        assert staff["governor"].pk not in recipients  # governors are not staff
        concern = record(recorder, school, [pupil], groups=(G.SAFEGUARDING,), alert_user_ids=[staff["office"].pk])
        assert not Alert.objects.filter(incident=concern, recipient=staff["office"]).exists()
        assert not Alert.objects.filter(incident=concern, recipient=staff["teacher"]).exists()
        chosen_dsl = services.alert_recipients(concern, chosen_user_ids=[staff["dsl"].pk])
        assert chosen_dsl[staff["dsl"].pk] == R.CHOSEN

    def test_the_recorder_is_not_alerted_to_their_own_record(self, school, pupil, staff):
        incident = record(staff["teacher"], school, [pupil], level=4)
        assert not Alert.objects.filter(incident=incident, recipient=staff["teacher"]).exists()
        assert Alert.objects.filter(incident=incident, recipient=staff["slt"]).exists()

    def test_class_teachers_of_every_pupil_involved(self, school, pupil, recorder, staff):
        maple = factories.SchoolClassFactory(school=school, name="4 Maple")
        maple.teachers.add(staff["other_teacher"])
        victim = factories.PupilFactory(school=school, school_class=maple)
        incident = record(recorder, school, [(pupil, PERPETRATOR), (victim, VICTIM)], groups=(G.BULLYING,))
        alerted = set(Alert.objects.filter(incident=incident).values_list("recipient_id", flat=True))
        assert alerted == {staff["teacher"].pk, staff["other_teacher"].pk}


# Suspensions ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestSuspensionLimit:
    @pytest.fixture
    def suspended_44(self, school, pupil, head, year):
        incident = record(head, school, [pupil], level=5)
        services.sanction_record(
            actor=head, incident=incident, pupil=pupil, kind="suspension", starts_on=year.starts_on,
            days="44", reasons=["PA"],
        )  # fmt: skip
        return incident

    def _suspend(self, actor, school, pupil, days, reasons=("PP",)):
        incident = record(actor, school, [pupil], level=5)
        return services.sanction_record(
            actor=actor, incident=incident, pupil=pupil, kind=Sanction.Kind.SUSPENSION,
            starts_on=school.today(), days=days, reasons=list(reasons),
        )  # fmt: skip

    def test_44_plus_1_is_allowed(self, school, pupil, head, year, suspended_44):
        sanction = self._suspend(head, school, pupil, "1")
        assert sanction.days == decimal.Decimal("1")
        assert services.suspension_days_in_year(pupil, year) == 45
        assert AuditEvent.objects.filter(action="incidents.sanction.recorded", actor=head).count() == 2

    def test_44_plus_one_and_a_half_is_refused_naming_the_days_left(self, school, pupil, head, year, suspended_44):
        with pytest.raises(DomainError) as refused:
            self._suspend(head, school, pupil, "1.5")
        assert refused.value.code == "suspension_limit"
        assert "already been suspended for 44 school days" in refused.value.message
        assert "at most 1 more can be given" in refused.value.message
        assert services.suspension_days_in_year(pupil, year) == 44

    def test_a_voided_incidents_suspension_is_not_counted(self, school, pupil, head, year, suspended_44):
        services.incident_void(actor=head, incident=suspended_44, reason="Recorded against the wrong pupil.")
        assert services.suspension_days_in_year(pupil, year) == 0
        assert self._suspend(head, school, pupil, "45").days == 45

    @pytest.mark.parametrize("persona", ["slt", "dsl", "deputy_dsl"])
    def test_only_the_head_may_suspend(self, request, school, pupil, head, year, persona):
        actor = request.getfixturevalue(persona)
        with pytest.raises(PermissionError):
            self._suspend(actor, school, pupil, "1")
        assert not Sanction.objects.exists()

    def test_a_suspension_needs_half_days_and_one_to_three_reasons(self, school, pupil, head, year):
        with pytest.raises(DomainError) as refused:
            self._suspend(head, school, pupil, "1.25")
        assert refused.value.code == "days"
        with pytest.raises(DomainError) as refused:
            self._suspend(head, school, pupil, "1", reasons=())
        assert refused.value.code == "reasons"
        with pytest.raises(DomainError):
            self._suspend(head, school, pupil, "1", reasons=("PP", "PA", "VP", "VA"))

    def test_slt_may_give_a_lesser_sanction(self, school, pupil, slt, year):
        incident = record(slt, school, [pupil], level=3)
        sanction = services.sanction_record(
            actor=slt, incident=incident, pupil=pupil, kind=Sanction.Kind.LOSS_OF_BREAK, starts_on=school.today()
        )
        assert sanction.days is None


# Voiding, closing, reopening --------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestVoiding:
    def test_voiding_hides_from_the_list_but_keeps_history(self, school, pupil, recorder, slt):
        incident = record(recorder, school, [pupil])
        assert list(selectors.incident_list(user=slt, school=school)) == [incident]
        before = incident.history.count()

        services.incident_void(actor=slt, incident=incident, reason="Duplicate of yesterday's record.")

        assert list(selectors.incident_list(user=slt, school=school)) == []
        incident = Incident.objects.get(pk=incident.pk)  # kept, not deleted
        assert incident.void_reason == "Duplicate of yesterday's record."
        assert incident.history.count() == before + 1
        assert incident.history.earliest().voided_at is None
        event = AuditEvent.objects.get(action="incidents.incident.voided")
        assert event.actor == slt and event.data["reason"] == "Duplicate of yesterday's record."

    def test_a_voided_incident_cannot_be_changed(self, school, pupil, recorder, slt):
        incident = record(recorder, school, [pupil])
        services.incident_void(actor=slt, incident=incident, reason="Wrong pupil.")
        with pytest.raises(DomainError):
            services.action_add(actor=slt, incident=incident, kind="investigate", assignee=slt, due_on=school.today())
        with pytest.raises(DomainError):
            services.incident_close(actor=slt, incident=incident, outcome="Done.")

    def test_a_reason_is_needed_and_only_managers_void(self, school, pupil, recorder, slt, teacher, oak):
        incident = record(recorder, school, [pupil])
        with pytest.raises(DomainError):
            services.incident_void(actor=slt, incident=incident, reason="  ")
        for actor in (recorder, teacher):
            with pytest.raises(PermissionError):
                services.incident_void(actor=actor, incident=incident, reason="Mine.")
        assert Incident.objects.get(pk=incident.pk).voided_at is None


@pytest.mark.django_db
class TestClosing:
    def test_a_concern_needs_a_rationale(self, school, pupil, recorder, dsl):
        concern = record(recorder, school, [pupil], groups=(G.SAFEGUARDING,))
        with pytest.raises(DomainError) as refused:
            services.incident_close(actor=dsl, incident=concern, outcome="Monitored; no further concerns.")
        assert refused.value.code == "rationale"
        services.incident_close(
            actor=dsl, incident=concern, outcome="Monitored.", rationale="Below the threshold for a referral."
        )
        concern.refresh_from_db()
        assert concern.status == Incident.Status.CLOSED and concern.closed_by == dsl

    def test_behaviour_closes_with_an_outcome_once_and_reopens_with_a_reason(self, school, pupil, recorder, slt):
        incident = record(recorder, school, [pupil])
        services.incident_close(actor=slt, incident=incident, outcome="Apologised; restorative chat held.")
        with pytest.raises(DomainError):
            services.incident_close(actor=slt, incident=incident, outcome="Again.")
        with pytest.raises(DomainError):
            services.incident_reopen(actor=slt, incident=incident, reason="")
        services.incident_reopen(actor=slt, incident=incident, reason="Happened again at lunch.")
        assert Incident.objects.get(pk=incident.pk).status == Incident.Status.OPEN
        assert AuditEvent.objects.filter(action="incidents.incident.reopened", actor=slt).count() == 1

    def test_slt_may_not_close_a_concern(self, school, pupil, recorder, slt):
        concern = record(recorder, school, [pupil], groups=(G.SAFEGUARDING,))
        with pytest.raises(PermissionError):
            services.incident_close(actor=slt, incident=concern, outcome="x", rationale="y")


# Actions and contacts -------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestActions:
    def test_the_assignee_completes_with_a_note_once(self, school, pupil, recorder, teacher, oak):
        incident = record(recorder, school, [pupil])
        action = services.action_add(
            actor=recorder, incident=incident, kind="contact_parents", assignee=teacher, due_on=school.today()
        )
        with pytest.raises(DomainError):
            services.action_complete(actor=teacher, action=action, note=" ")
        done_at = timezone.now() - datetime.timedelta(minutes=5)
        services.action_complete(actor=teacher, action=action, note="Phoned mum at 3.30pm.", now=done_at)
        services.action_complete(actor=teacher, action=action, note="Second go.")  # changes nothing
        action.refresh_from_db()
        assert (action.completed_at, action.completed_by, action.completion_note) == (
            done_at,
            teacher,
            "Phoned mum at 3.30pm.",
        )
        assert AuditEvent.objects.filter(action="incidents.action.completed").count() == 1

    def test_someone_else_may_not_complete_it_unless_they_manage_the_incident(
        self, school, pupil, recorder, teacher, other_teacher, slt
    ):
        incident = record(recorder, school, [pupil])
        action = services.action_add(
            actor=recorder, incident=incident, kind="investigate", assignee=teacher, due_on=school.today()
        )
        with pytest.raises(PermissionError):
            services.action_complete(actor=other_teacher, action=action, note="Did it.")
        services.action_complete(actor=slt, action=action, note="Investigated by SLT.")
        assert Action.objects.get(pk=action.pk).completed_by == slt

    def test_a_bullying_incident_gets_a_follow_up_with_the_victim_in_two_weeks(self, school, pupil, recorder):
        victim = factories.PupilFactory(school=school)
        incident = record(recorder, school, [(pupil, PERPETRATOR), (victim, VICTIM)], groups=(G.BULLYING,))
        follow_up = incident.actions.get()
        assert follow_up.kind == Action.Kind.FOLLOW_UP_VICTIM
        assert follow_up.due_on == school.today() + datetime.timedelta(days=14)
        assert victim.display_name in follow_up.description

    def test_actions_on_a_concern_go_to_the_dsl_team(self, school, pupil, recorder, dsl, teacher):
        concern = record(recorder, school, [pupil], groups=(G.SAFEGUARDING,))
        with pytest.raises(DomainError):
            services.action_add(
                actor=dsl, incident=concern, kind="investigate", assignee=teacher, due_on=school.today()
            )
        with pytest.raises(PermissionError):
            services.action_add(
                actor=recorder, incident=concern, kind="investigate", assignee=dsl, due_on=school.today()
            )


@pytest.mark.django_db
class TestParentContacts:
    def _contact(self, actor, incident, pupil, **kwargs):
        arguments = {
            "contact_name": "Jane Whitfield",
            "method": "phone",
            "contacted_at": timezone.now() - datetime.timedelta(minutes=30),
            "summary": "Explained what happened at lunch; she will talk to Amara tonight.",
        }
        arguments.update(kwargs)
        return services.parent_contact_record(actor=actor, incident=incident, pupil=pupil, **arguments)

    def test_the_recorder_logs_a_contact_for_each_family(self, school, pupil, recorder):
        victim = factories.PupilFactory(school=school)
        incident = record(recorder, school, [(pupil, PERPETRATOR), (victim, VICTIM)], groups=(G.BULLYING,))
        self._contact(recorder, incident, pupil)
        self._contact(recorder, incident, victim, contact_name="Sam Okafor", method="meeting")
        assert set(ParentContact.objects.filter(incident=incident).values_list("pupil_id", flat=True)) == {
            pupil.pk,
            victim.pk,
        }
        assert AuditEvent.objects.filter(action="incidents.parent_contact.recorded").count() == 2

    def test_the_pupil_must_be_involved_and_the_time_not_in_the_future(self, school, pupil, recorder):
        incident = record(recorder, school, [pupil])
        bystander = factories.PupilFactory(school=school)
        with pytest.raises(DomainError):
            self._contact(recorder, incident, bystander)
        with pytest.raises(DomainError):
            self._contact(recorder, incident, pupil, contacted_at=timezone.now() + datetime.timedelta(hours=2))
        assert not ParentContact.objects.exists()

    def test_a_teacher_who_did_not_record_it_may_not(self, school, pupil, recorder, other_teacher):
        incident = record(recorder, school, [pupil])
        with pytest.raises(PermissionError):
            self._contact(other_teacher, incident, pupil)
