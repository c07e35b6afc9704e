"""The incident log's pages: who sees which incident, the second factor and audit of a safeguarding concern, the
list's query count, attachments, printing, follow-up forms, alerts and actions."""

import datetime
import re
import time

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents import panels as incident_panels
from incidents import services
from incidents.models import (
    Action,
    Alert,
    Attachment,
    DSLNote,
    Incident,
    IncidentPupil,
    Location,
    ParentContact,
    Sanction,
)
from incidents.tests.factories import IncidentFactory, category
from incidents.tests.factories import concern as concern_factory
from safeguard import panels
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Role
from safeguard.directory.tests import factories

PERSONAS = [
    "anonymous",
    "office",
    "teacher",
    "dsl",
    "deputy_dsl",
    "slt",
    "head",
    "governor",
    "parent",
    "trust_admin",
    "other_school_dsl",
]
DSL_NOTE = "Spoke to social care duty desk; strategy discussion booked for Thursday."


def verify_second_factor(client, *, seconds_ago=0):
    session = client.session
    session[otp.SESSION_KEY] = time.time() - seconds_ago
    session.save()


def sign_in(client, request, persona, *, verified=True):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
        if verified:
            verify_second_factor(client)
    return client


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


def _record(actor, school, pupils, codes, **kwargs):
    arguments = {
        "occurred_at": timezone.now() - datetime.timedelta(hours=3),
        "location": "playground",
        "description": "Pushed Amara off the bench and called her names.",
    }
    arguments.update(kwargs)
    return services.incident_record(
        actor=actor,
        school=school,
        categories=[category(school, code) for code in codes],
        pupils=[(pupil, IncidentPupil.Role.SUBJECT) for pupil in pupils],
        **arguments,
    )


@pytest.fixture
def behaviour(school, pupil, oak, recorder):
    """A level 2 behaviour incident about the teacher's pupil, recorded by someone else."""
    return _record(recorder, school, [pupil], ["low-level-disruption"], behaviour_level=2)


@pytest.fixture
def concern(school, pupil, oak, recorder, dsl):
    """A safeguarding concern about the teacher's pupil, raised by ``recorder``, with a DSL note."""
    incident = _record(
        recorder, school, [pupil], ["neglect"], description="Came in hungry again; says there is no food at home."
    )
    services.dsl_note_add(actor=dsl, incident=incident, text=DSL_NOTE)
    return incident


def detail_url(incident, name="incidents:incident_detail"):
    return reverse(name, args=[incident.school.slug, incident.public_id])


def attach(incident, user, content=b"Statement written by the midday supervisor.", name="statement.txt"):
    return Attachment.objects.create(
        incident=incident,
        file=ContentFile(content, name=name),
        name=name,
        content_type="text/plain",
        size=len(content),
        sha256="0" * 64,
        uploaded_by=user,
    )


def status(response):
    if response.status_code == 302 and response.url.startswith(reverse("accounts:login")):
        return "login"
    return response.status_code


# Who sees what ----------------------------------------------------------------------------------------------------

BEHAVIOUR_DETAIL = {
    "anonymous": "login",
    "office": 404,
    "teacher": 200,  # class teacher of the pupil involved
    "dsl": 200,
    "deputy_dsl": 200,
    "slt": 200,
    "head": 200,
    "governor": 404,
    "parent": 404,
    "trust_admin": 404,
    "other_school_dsl": 404,
}
CONCERN_DETAIL = {
    **BEHAVIOUR_DETAIL,
    "teacher": 404,  # even the pupil's class teacher
    "slt": 404,  # SLT is not the DSL team
}
LIST = {**{persona: 404 for persona in PERSONAS}, "anonymous": "login"}
LIST.update({persona: 200 for persona in ["office", "teacher", "dsl", "deputy_dsl", "slt", "head"]})


@pytest.mark.django_db
class TestVisibility:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_behaviour_incident(self, client, request, behaviour, persona):
        sign_in(client, request, persona)
        assert status(client.get(detail_url(behaviour))) == BEHAVIOUR_DETAIL[persona]
        assert status(client.get(detail_url(behaviour, "incidents:incident_print"))) == BEHAVIOUR_DETAIL[persona]

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_concern_with_a_recent_second_factor(self, client, request, concern, persona):
        sign_in(client, request, persona)
        response = client.get(detail_url(concern))
        assert status(response) == CONCERN_DETAIL[persona]
        if response.status_code == 200:
            assert "there is no food at home" in response.text
            assert DSL_NOTE in response.text
        assert status(client.get(detail_url(concern, "incidents:incident_print"))) == CONCERN_DETAIL[persona]

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_list_alerts_and_actions_pages_are_for_staff(self, client, request, school, persona):
        sign_in(client, request, persona)
        for name in ("incidents:list", "incidents:alerts", "incidents:my_actions"):
            assert status(client.get(reverse(name, args=[school.slug]))) == LIST[persona], name

    def test_another_teacher_neither_opens_nor_lists_it(self, client, behaviour, other_teacher, school):
        client.force_login(other_teacher)
        assert client.get(detail_url(behaviour)).status_code == 404
        listed = client.get(reverse("incidents:list", args=[school.slug]))
        assert behaviour.get_location_display() not in listed.text
        assert "0 incidents" in listed.text

    def test_a_teacher_lists_only_their_pupils_behaviour_never_a_concern(self, client, teacher, behaviour, concern):
        client.force_login(teacher)
        listed = client.get(reverse("incidents:list", args=[behaviour.school.slug]))
        assert detail_url(behaviour) in listed.text
        assert detail_url(concern) not in listed.text
        assert "1 incident" in listed.text

    def test_a_teacher_lists_what_they_recorded_teach_were_alerted_to_or_act_on_and_nothing_else(
        self, client, school, teacher, oak, pupil, dsl
    ):
        ash = factories.SchoolClassFactory(school=school, year_group=pupil.year_group, name="3 Ash")
        ash_pupil = factories.PupilFactory(school=school, school_class=ash)

        def incident(recorded_by=dsl, about=ash_pupil, **kwargs):
            return IncidentFactory(school=school, recorded_by=recorded_by, pupils=[about], **kwargs)

        recorded = incident(recorded_by=teacher)
        taught = incident(about=pupil)
        alerted = incident()
        Alert.objects.create(incident=alerted, recipient=teacher, reason=Alert.Reason.CHOSEN)
        assigned = incident()
        Action.objects.create(
            incident=assigned, kind=Action.Kind.INVESTIGATE, assignee=teacher, due_on=school.today(), created_by=dsl
        )
        another_class = incident()
        about_their_pupil = concern_factory(school, recorded_by=teacher, pupils=[pupil])
        Alert.objects.create(incident=about_their_pupil, recipient=teacher, reason=Alert.Reason.CHOSEN)
        voided = incident(about=pupil, voided_at=timezone.now(), voided_by=dsl)
        client.force_login(teacher)
        listed = client.get(reverse("incidents:list", args=[school.slug])).text
        for shown in (recorded, taught, alerted, assigned):
            assert detail_url(shown) in listed
        for hidden in (another_class, about_their_pupil, voided):
            assert detail_url(hidden) not in listed
        assert "4 incidents" in listed

    def test_staff_who_teach_no_class_list_what_they_recorded_or_act_on(self, client, school, pupil, recorder, dsl):
        recorded = IncidentFactory(school=school, recorded_by=recorder, pupils=[pupil])
        assigned = IncidentFactory(school=school, recorded_by=dsl, pupils=[pupil])
        Action.objects.create(
            incident=assigned, kind=Action.Kind.INVESTIGATE, assignee=recorder, due_on=school.today(), created_by=dsl
        )
        unrelated = IncidentFactory(school=school, recorded_by=dsl, pupils=[pupil])
        client.force_login(recorder)
        listed = client.get(reverse("incidents:list", args=[school.slug])).text
        assert detail_url(recorded) in listed and detail_url(assigned) in listed
        assert detail_url(unrelated) not in listed
        assert "2 incidents" in listed

    def test_the_dsl_lists_a_concern_locked_naming_pupils_only_after_the_second_factor(
        self, client, dsl, concern, pupil
    ):
        client.force_login(dsl)
        url = reverse("incidents:list", args=[concern.school.slug])
        listed = client.get(url)
        assert detail_url(concern) in listed.text
        assert "Safeguarding concern: the DSL team only" in listed.text
        assert pupil.display_name not in listed.text
        assert detail_url(concern) not in client.get(url, {"q": "Amara"}).text  # a search cannot tell
        verify_second_factor(client)
        assert pupil.display_name in client.get(url).text
        assert detail_url(concern) in client.get(url, {"q": "Amara"}).text

    def test_an_incident_of_another_school_is_not_found_under_this_one(self, client, dsl, other_school):
        elsewhere_recorder = factories.UserFactory()
        factories.StaffRoleFactory(user=elsewhere_recorder, school=other_school, role=Role.TEACHER)
        elsewhere = IncidentFactory(
            school=other_school,
            recorded_by=elsewhere_recorder,
            pupils=[factories.PupilFactory(school=other_school)],
        )
        client.force_login(dsl)
        verify_second_factor(client)
        url = reverse("incidents:incident_detail", args=["demo-primary", elsewhere.public_id])
        assert client.get(url).status_code == 404


# The second factor and the audit of a concern -----------------------------------------------------------------------


@pytest.mark.django_db
class TestConcernConfidentiality:
    def test_without_a_second_factor_the_dsl_is_sent_to_enrol_then_to_verify(self, client, dsl, concern):
        client.force_login(dsl)
        url = detail_url(concern)
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:otp_enrol"))
        TOTPDevice.objects.create(user=dsl, name="Phone", confirmed=True)
        response = client.get(url)
        assert response.url.startswith(reverse("accounts:otp_verify"))
        assert not AuditEvent.objects.filter(action="incidents.concern.viewed").exists()

    def test_with_it_the_view_is_shown_and_audited_every_time(self, client, dsl, concern, pupil):
        client.force_login(dsl)
        verify_second_factor(client)
        first = client.get(detail_url(concern))
        assert first.status_code == 200
        assert DSL_NOTE in first.text
        client.get(detail_url(concern))
        views = AuditEvent.objects.filter(action="incidents.concern.viewed", subject_id=str(concern.public_id))
        assert views.count() == 2
        event = views.first()
        assert event.actor == dsl and event.school == concern.school
        assert event.data["pupils"] == [str(pupil.public_id)]
        assert "Opened the concern" in client.get(detail_url(concern)).text  # the record's own audit list

    def test_a_second_factor_verified_61_minutes_ago_has_expired(self, client, head, concern):
        client.force_login(head)
        TOTPDevice.objects.create(user=head, name="Phone", confirmed=True)
        verify_second_factor(client, seconds_ago=61 * 60)
        response = client.get(detail_url(concern))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:otp_verify"))
        verify_second_factor(client, seconds_ago=59 * 60)
        assert client.get(detail_url(concern)).status_code == 200

    def test_the_raiser_sees_the_raised_page_never_the_dsl_note(self, client, recorder, concern):
        client.force_login(recorder)
        verify_second_factor(client)
        response = client.get(detail_url(concern))
        assert response.status_code == 302
        assert response.url == reverse("incidents:concern_raised", args=[concern.school.slug, concern.public_id])
        raised = client.get(response.url)
        assert DSL_NOTE not in raised.text
        printed = client.get(detail_url(concern, "incidents:incident_print"))
        assert printed.status_code == 302 and printed.url == response.url
        note = client.post(detail_url(concern, "incidents:dsl_note_add"), {"text": "Can I add one?"})
        assert note.status_code == 404
        assert DSLNote.objects.filter(incident=concern).count() == 1

    def test_viewing_marks_the_users_alerts_read(self, client, dsl, concern):
        alert = Alert.objects.get(incident=concern, recipient=dsl)
        assert alert.read_at is None
        client.force_login(dsl)
        verify_second_factor(client)
        client.get(detail_url(concern))
        alert.refresh_from_db()
        assert alert.read_at is not None


# Query counts -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_5_or_40_incidents_with_many_pupils(client, school, pupil, oak, teacher):
    recorded_by = factories.UserFactory()
    classmates = [factories.PupilFactory(school=school, school_class=oak) for _ in range(4)]
    url = reverse("incidents:list", args=[school.slug])
    client.force_login(teacher)
    client.get(url)  # the staff agreement gate checks once per session

    def count_for(size):
        while Incident.objects.count() < size:
            n = Incident.objects.count()
            IncidentFactory(school=school, recorded_by=recorded_by, pupils=[pupil, *classmates[: 1 + n % 4]])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert all(
            str(public_id) in response.text for public_id in Incident.objects.values_list("public_id", flat=True)
        )
        return len(queries)

    assert count_for(5) == count_for(40)


# What each row shows ----------------------------------------------------------------------------------------------


def list_row(html, incident):
    """The list's table row of ``incident``, its tags and spacing collapsed into text."""
    [row] = [row.split("</tr>")[0] for row in html.split("<tr")[1:] if detail_url(incident) in row]
    return " ".join(re.sub(r"<[^>]+>", " ", row.split(">", 1)[1]).split())


ROW_TEXT = {
    "en-gb": "14 Jul 2025 10:05 Playground Playground By the climbing frame Amara Whitfield · Alleged perpetrator "
    "Behaviour Bullying 3 Closed Rowan Recorder",
    "tr": "14 Tem 2025 10:05 Oyun bahçesi Oyun bahçesi By the climbing frame Amara Whitfield · İddia edilen fail "
    "Davranış Zorbalık 3 Kapalı Rowan Recorder",
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en-gb", "tr"])
def test_a_row_shows_when_where_who_groups_level_status_and_recorder_in_the_readers_language(
    client, school, pupil, recorder, slt, language
):
    slt.language = language
    slt.save()
    incident = IncidentFactory(
        school=school,
        recorded_by=recorder,
        occurred_at=datetime.datetime(2025, 7, 14, 9, 5, tzinfo=datetime.UTC),  # 10:05 in London (summer time)
        location=Location.PLAYGROUND,
        location_detail="By the climbing frame",
        is_bullying=True,
        behaviour_level=3,
        status=Incident.Status.CLOSED,
        pupils=[(pupil, IncidentPupil.Role.ALLEGED_PERPETRATOR)],
    )
    client.force_login(slt)
    listed = client.get(reverse("incidents:list", args=[school.slug])).text
    assert list_row(listed, incident) == ROW_TEXT[language]
    assert f'<a href="{detail_url(incident)}">' in listed


# Attachments and printing -----------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAttachmentsAndPrinting:
    def test_a_teacher_downloads_a_behaviour_attachment_audited(self, client, teacher, other_teacher, behaviour):
        attachment = attach(behaviour, behaviour.recorded_by)
        url = reverse("incidents:attachment", args=[behaviour.school.slug, behaviour.public_id, attachment.public_id])
        client.force_login(teacher)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"Statement written by the midday supervisor."
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert AuditEvent.objects.filter(action="incidents.attachment.downloaded", actor=teacher).count() == 1
        assert url in client.get(detail_url(behaviour)).text
        client.force_login(other_teacher)
        assert client.get(url).status_code == 404
        assert AuditEvent.objects.filter(action="incidents.attachment.downloaded").count() == 1

    def test_a_concerns_attachment_needs_the_second_factor_and_is_audited_twice(self, client, dsl, slt, concern):
        attachment = attach(concern, concern.recorded_by, b"Body map photo notes", "notes.txt")
        url = reverse("incidents:attachment", args=[concern.school.slug, concern.public_id, attachment.public_id])
        client.force_login(dsl)
        assert client.get(url).status_code == 302
        verify_second_factor(client)
        assert client.get(url).status_code == 200
        actions = set(AuditEvent.objects.filter(actor=dsl).values_list("action", flat=True))
        assert {"incidents.concern.downloaded", "incidents.attachment.downloaded"} <= actions
        client.force_login(slt)
        verify_second_factor(client)
        assert client.get(url).status_code == 404

    def test_an_attachment_of_another_incident_is_not_found(self, client, teacher, behaviour, concern):
        attachment = attach(concern, concern.recorded_by)
        client.force_login(teacher)
        url = reverse("incidents:attachment", args=[behaviour.school.slug, behaviour.public_id, attachment.public_id])
        assert client.get(url).status_code == 404

    def test_printing_a_concern_is_audited(self, client, head, concern):
        client.force_login(head)
        verify_second_factor(client)
        response = client.get(detail_url(concern, "incidents:incident_print"))
        assert response.status_code == 200
        assert "Confidential" in response.text and DSL_NOTE in response.text
        assert AuditEvent.objects.filter(action="incidents.concern.printed", actor=head).count() == 1

    def test_printing_a_behaviour_incident(self, client, teacher, behaviour):
        client.force_login(teacher)
        response = client.get(detail_url(behaviour, "incidents:incident_print"))
        assert "Pushed Amara off the bench" in response.text
        assert "<form" not in response.text
        assert not AuditEvent.objects.filter(action__startswith="incidents.concern").exists()


# Follow-up ----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFollowUp:
    def test_voiding_hides_it_from_the_list_and_shows_a_banner(self, client, slt, behaviour):
        client.force_login(slt)
        list_url = reverse("incidents:list", args=[behaviour.school.slug])
        assert detail_url(behaviour) in client.get(list_url).text
        response = client.post(detail_url(behaviour, "incidents:incident_void"), {"reason": "Entered twice."})
        assert response.status_code == 302
        assert detail_url(behaviour) not in client.get(list_url).text
        page = client.get(detail_url(behaviour))
        assert "Voided: Entered twice." in page.text
        assert 'id="void-form"' not in page.text
        assert Incident.objects.get(pk=behaviour.pk).history.count() >= 2

    def test_the_suspension_limit_message_is_shown_on_the_form(self, client, head, school, pupil, behaviour):
        factories.AcademicYearFactory(school=school)
        earlier = _record(head, school, [pupil], ["physical-harm"], behaviour_level=5)
        services.sanction_record(
            actor=head, incident=earlier, pupil=pupil, kind="suspension", starts_on=school.today(), days="44",
            reasons=["PP"],
        )  # fmt: skip
        client.force_login(head)
        form = {
            "pupil": pupil.pk,
            "kind": "suspension",
            "starts_on": school.today().isoformat(),
            "days": "1.5",
            "reason_1": "PP",
            "reason_2": "VA",
        }
        response = client.post(detail_url(behaviour, "incidents:sanction_add"), form)
        assert response.status_code == 200
        assert "already been suspended for 44 school days" in response.text
        assert "at most 1 more can be given" in response.text
        assert not Sanction.objects.filter(incident=behaviour).exists()
        response = client.post(detail_url(behaviour, "incidents:sanction_add"), {**form, "days": "1"})
        assert response.status_code == 302
        assert Sanction.objects.get(incident=behaviour).reasons() == ["PP", "VA"]

    def test_slt_is_not_offered_a_suspension(self, client, slt, pupil, behaviour):
        client.force_login(slt)
        page = client.get(detail_url(behaviour))
        assert 'value="loss_of_break"' in page.text
        assert 'value="suspension"' not in page.text
        response = client.post(
            detail_url(behaviour, "incidents:sanction_add"),
            {"pupil": pupil.pk, "kind": "suspension", "starts_on": "2026-11-02", "days": "1", "reason_1": "PP"},
        )
        assert response.status_code == 200
        assert not Sanction.objects.exists()

    def test_the_recorder_adds_an_action_the_assignee_completes_it_from_my_actions(
        self, client, recorder, teacher, behaviour
    ):
        client.force_login(recorder)
        due = behaviour.school.today()
        response = client.post(
            detail_url(behaviour, "incidents:action_add"),
            {"kind": "contact_parents", "assignee": teacher.pk, "due_on": due.isoformat(), "description": "Ring mum"},
        )
        assert response.status_code == 302
        action = Action.objects.get(incident=behaviour)

        client.force_login(teacher)
        mine = client.get(reverse("incidents:my_actions", args=[behaviour.school.slug]))
        assert "Ring mum" in mine.text and "Due today" in mine.text
        complete = reverse(
            "incidents:action_complete", args=[behaviour.school.slug, behaviour.public_id, action.public_id]
        )
        response = client.post(complete, {"note": "Spoke to mum after school.", "return_to": "my_actions"})
        assert response.url == reverse("incidents:my_actions", args=[behaviour.school.slug])
        action.refresh_from_db()
        assert action.completed_by == teacher and action.completion_note == "Spoke to mum after school."
        assert "Ring mum" not in client.get(response.url).text

    def test_another_teacher_may_not_follow_it_up(self, client, other_teacher, behaviour):
        client.force_login(other_teacher)
        for name in ("incidents:action_add", "incidents:parent_contact_add", "incidents:incident_close"):
            assert client.post(detail_url(behaviour, name), {}).status_code == 404

    def test_the_class_teacher_reads_but_does_not_manage(self, client, teacher, behaviour):
        client.force_login(teacher)
        page = client.get(detail_url(behaviour))
        assert 'id="close-form"' not in page.text and 'id="action-form"' not in page.text
        response = client.post(detail_url(behaviour, "incidents:incident_close"), {"outcome": "Sorted."})
        assert response.status_code == 404

    def test_a_contact_with_the_family_is_logged(self, client, recorder, pupil, guardian_link, behaviour):
        client.force_login(recorder)
        response = client.post(
            detail_url(behaviour, "incidents:parent_contact_add"),
            {
                "pupil": pupil.pk,
                "guardian": guardian_link.guardian.pk,
                "method": "phone",
                "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "summary": "Mum will talk to Amara tonight.",
            },
        )
        assert response.status_code == 302
        contact = ParentContact.objects.get(incident=behaviour)
        assert contact.contact_name == guardian_link.guardian.full_name
        assert "Mum will talk to Amara tonight." in client.get(detail_url(behaviour)).text

    def test_closing_a_concern_without_a_rationale_shows_the_error(self, client, dsl, concern):
        client.force_login(dsl)
        verify_second_factor(client)
        response = client.post(detail_url(concern, "incidents:incident_close"), {"outcome": "Monitoring."})
        assert response.status_code == 200
        assert Incident.objects.get(pk=concern.pk).status == Incident.Status.OPEN
        response = client.post(
            detail_url(concern, "incidents:incident_close"),
            {"outcome": "Monitoring.", "rationale": "Early help already involved; no referral needed."},
        )
        assert response.status_code == 302
        page = client.get(response.url)
        assert "Early help already involved" in page.text and 'id="reopen-form"' in page.text

    def test_a_follow_up_of_a_concern_needs_the_second_factor(self, client, dsl, concern):
        client.force_login(dsl)
        response = client.post(detail_url(concern, "incidents:dsl_note_add"), {"text": "Later note."})
        assert response.status_code == 302 and response.url == detail_url(concern)
        assert DSLNote.objects.filter(incident=concern).count() == 1
        verify_second_factor(client)
        client.post(detail_url(concern, "incidents:dsl_note_add"), {"text": "Later note."})
        assert DSLNote.objects.filter(incident=concern).count() == 2

    def test_the_history_shows_who_changed_what(self, client, slt, behaviour):
        services.incident_close(actor=slt, incident=behaviour, outcome="Apology written.")
        client.force_login(slt)
        page = client.get(detail_url(behaviour))
        history = page.text[page.text.index('id="incident-history"') :]
        assert "Apology written." in history and "Recorded" in history


# Alerts and the home panel ----------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAlerts:
    def test_the_class_teacher_sees_the_alert_unread_then_read(self, client, teacher, behaviour, pupil):
        client.force_login(teacher)
        url = reverse("incidents:alerts", args=[behaviour.school.slug])
        page = client.get(url)
        assert "1 unread alert" in page.text
        assert detail_url(behaviour) in page.text and pupil.display_name in page.text
        client.get(detail_url(behaviour))
        assert "0 unread alerts" in client.get(url).text

    def test_mark_all_read(self, client, dsl, behaviour, concern):
        Alert.objects.create(incident=behaviour, recipient=dsl, reason=Alert.Reason.CHOSEN)
        client.force_login(dsl)
        url = reverse("incidents:alerts", args=[behaviour.school.slug])
        page = client.get(url)
        assert "2 unread alerts" in page.text
        assert "Open it to confirm your second factor" in page.text  # the concern names nobody yet
        assert client.post(reverse("incidents:alerts_mark_all_read", args=[behaviour.school.slug])).status_code == 302
        assert not Alert.objects.filter(recipient=dsl, read_at__isnull=True).exists()

    def test_the_school_home_panel(self, client, teacher, behaviour):
        panels.register("school_home", incident_panels.school_incidents)  # as IncidentsConfig.ready() does
        client.force_login(teacher)
        home = client.get(reverse("directory:school_home", args=[behaviour.school.slug]))
        assert "1 unread incident alert" in home.text
        assert reverse("incidents:record", args=[behaviour.school.slug]) in home.text
