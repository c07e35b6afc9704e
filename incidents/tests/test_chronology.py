"""A pupil's chronology, the child protection file, transfers, professionals, who viewed, and the printable forms."""

import datetime
import html
import io
import re
import time
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import selectors_chronology as selectors
from incidents import views_chronology
from incidents.models import (
    Action,
    DSLNote,
    FileTransfer,
    Incident,
    IncidentCategory,
    IncidentPupil,
    ParentContact,
    Professional,
    Sanction,
)
from incidents.services_transfers import (
    file_transfer_confirm,
    file_transfer_record,
    professional_add,
    professional_end,
)
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.audit.services import audit_log
from safeguard.directory.models import AcademicYear, Role
from safeguard.directory.tests import factories
from safeguard.jobs.models import PreparedFile

LONDON = zoneinfo.ZoneInfo("Europe/London")
PupilRole = IncidentPupil.Role


def _incident(school, recorder, pupils, *, description, days_ago=1, category="low-level-disruption", **fields):
    """An incident of ``school`` that happened ``days_ago`` days ago, recorded now, with ``pupils`` as
    ``[(pupil, role)]`` and the flags of its default category."""
    chosen = IncidentCategory.objects.get(school=school, code=category)
    flag = {
        "behaviour": "is_behaviour",
        "bullying": "is_bullying",
        "prejudice": "is_prejudice",
        "online_safety": "is_online_safety",
        "physical_intervention": "is_physical_intervention",
        "safeguarding": "is_safeguarding",
    }[chosen.group]
    defaults = {flag: True, "behaviour_level": 2 if flag == "is_behaviour" else None, "location": "playground"}
    defaults.update(fields)
    incident = Incident.objects.create(
        school=school,
        recorded_by=recorder,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
        description=description,
        **defaults,
    )
    incident.categories.set([chosen])
    for pupil, role in pupils:
        IncidentPupil.objects.create(incident=incident, pupil=pupil, role=role)
    return incident


def _verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


def _login(client, user, *, verified=False):
    client.force_login(user)
    if verified:
        _verify(client)
    return client


@pytest.fixture
def class_teacher(teacher, pupil):
    pupil.school_class.teachers.add(teacher)
    return teacher


@pytest.fixture
def other_teacher(school):
    user = factories.UserFactory(email="other.teacher@example.test")
    factories.StaffRoleFactory(user=user, school=school, role=Role.TEACHER)
    return user


@pytest.fixture
def behaviour(school, teacher, pupil):
    return _incident(
        school, teacher, [(pupil, PupilRole.ALLEGED_PERPETRATOR)], description="Pushed a classmate in the lunch queue"
    )


@pytest.fixture
def concern(school, teacher, pupil, dsl):
    incident = _incident(
        school,
        teacher,
        [(pupil, PupilRole.SUBJECT)],
        description="Said there is no food at home",
        category="neglect",
        days_ago=3,
    )
    DSLNote.objects.create(incident=incident, author=dsl, text="Spoke to early help coordinator")
    return incident


def chronology_url(school, pupil, **params):
    url = reverse("incidents:chronology", args=[school.slug, pupil.public_id])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


# The chronology ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_backdated_incident_takes_its_true_place(client, school, slt, teacher, pupil):
    _incident(school, teacher, [(pupil, PupilRole.SUBJECT)], description="Last week: threw a chair", days_ago=7)
    backdated = _incident(
        school, teacher, [(pupil, PupilRole.SUBJECT)], description="Last month: spat at a peer", days_ago=30
    )
    assert backdated.created_at > backdated.occurred_at + datetime.timedelta(days=29)  # recorded today

    content = _login(client, slt).get(chronology_url(school, pupil)).content.decode()

    assert content.index("Last month: spat at a peer") < content.index("Last week: threw a chair")
    assert "recorded " in content  # the backdated one says when it was recorded


@pytest.mark.django_db
def test_perpetrator_and_victim_incidents_are_both_listed_with_the_role(client, school, slt, teacher, pupil):
    _incident(school, teacher, [(pupil, PupilRole.ALLEGED_PERPETRATOR)], description="Took a ball by force")
    _incident(school, teacher, [(pupil, PupilRole.VICTIM)], description="Was called names in the corridor", days_ago=2)
    _login(client, slt)

    response = client.get(chronology_url(school, pupil))
    roles = {entry.record.description: entry.role_label for entry in response.context["entries"]}
    assert roles == {"Took a ball by force": "Alleged perpetrator", "Was called names in the corridor": "Victim"}
    assert "Alleged perpetrator" in response.content.decode() and "Victim" in response.content.decode()

    victim_only = client.get(chronology_url(school, pupil, role="victim")).content.decode()
    assert "Was called names in the corridor" in victim_only and "Took a ball by force" not in victim_only


@pytest.mark.django_db
def test_actions_contacts_and_sanctions_appear_at_their_own_dates(client, school, slt, teacher, pupil, behaviour):
    other = factories.PupilFactory(school=school)
    IncidentPupil.objects.create(incident=behaviour, pupil=other, role=PupilRole.VICTIM)
    Action.objects.create(
        incident=behaviour,
        kind=Action.Kind.RESTORATIVE,
        assignee=teacher,
        created_by=teacher,
        due_on=school.today() + datetime.timedelta(days=3),
    )
    ParentContact.objects.create(
        incident=behaviour,
        pupil=pupil,
        contact_name="Mother of the pupil",
        method="phone",
        contacted_at=timezone.now(),
        summary="Told her about the lunch queue",
        recorded_by=teacher,
    )
    ParentContact.objects.create(
        incident=behaviour,
        pupil=other,
        contact_name="Father of the other child",
        method="phone",
        contacted_at=timezone.now(),
        summary="Told him about it",
        recorded_by=teacher,
    )
    Sanction.objects.create(
        incident=behaviour,
        pupil=pupil,
        academic_year=AcademicYear.objects.get(school=school),
        kind=Sanction.Kind.LOSS_OF_BREAK,
        starts_on=school.today(),
        recorded_by=slt,
    )

    entries = _login(client, slt).get(chronology_url(school, pupil)).context["entries"]

    assert [entry.kind for entry in entries] == ["incident", "contact", "sanction", "action"]
    assert "Father of the other child" not in [getattr(entry.record, "contact_name", "") for entry in entries]
    only_actions = client.get(chronology_url(school, pupil, kind="action")).context["entries"]
    assert [entry.kind for entry in only_actions] == ["action"]


@pytest.mark.django_db
def test_voided_incidents_are_left_out(client, school, slt, teacher, pupil, behaviour):
    behaviour.voided_at, behaviour.voided_by, behaviour.void_reason = timezone.now(), slt, "Wrong pupil"
    behaviour.save()
    content = _login(client, slt).get(chronology_url(school, pupil)).content.decode()
    assert "Pushed a classmate" not in content


@pytest.mark.django_db
def test_a_class_teacher_sees_the_behaviour_incidents_of_their_pupil_only(
    client, school, class_teacher, pupil, behaviour, concern
):
    response = _login(client, class_teacher).get(chronology_url(school, pupil))

    assert response.status_code == 200  # no second factor: no safeguarding record is shown
    content = response.content.decode()
    assert "Pushed a classmate in the lunch queue" in content
    assert "no food at home" not in content and "early help coordinator" not in content
    assert AuditEvent.objects.filter(action="incidents.chronology.viewed", actor=class_teacher).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_teacher", "office"])
def test_staff_who_do_not_teach_the_pupil_get_404(request, client, school, pupil, behaviour, persona):
    user = request.getfixturevalue(persona)
    assert _login(client, user).get(chronology_url(school, pupil)).status_code == 404


@pytest.mark.django_db
def test_the_dsl_passes_the_second_factor_then_sees_concerns_and_notes(client, school, dsl, pupil, behaviour, concern):
    _login(client, dsl)
    url = chronology_url(school, pupil)

    first = client.get(url)
    assert first.status_code == 302 and first["Location"].startswith(reverse("accounts:otp_enrol"))
    assert not AuditEvent.objects.filter(action="incidents.chronology.viewed").exists()

    _verify(client)
    content = client.get(url).content.decode()
    assert "Said there is no food at home" in content
    assert "Spoke to early help coordinator" in content
    assert "Pushed a classmate in the lunch queue" in content
    event = AuditEvent.objects.get(action="incidents.chronology.viewed")
    assert (event.actor, event.subject_type, event.subject_id) == (dsl, "directory.pupil", str(pupil.public_id))
    assert event.data["safeguarding"] is True


@pytest.mark.django_db
def test_slt_sees_behaviour_but_not_concerns(client, school, slt, pupil, behaviour, concern):
    content = _login(client, slt).get(chronology_url(school, pupil)).content.decode()
    assert "Pushed a classmate" in content and "no food at home" not in content


@pytest.mark.django_db
def test_chronology_query_count_does_not_grow_with_its_length(client, school, dsl, teacher, pupil, monkeypatch):
    # Every entry on one page, so that both pages hold every kind of entry (a page of fewer entries may hold only
    # the last day's actions and sanctions, and need fewer queries).
    monkeypatch.setattr(views_chronology, "CHRONOLOGY_PER_PAGE", 1000)
    year = AcademicYear.objects.get(school=school)

    def add(count):
        for number in range(count):
            incident = _incident(school, teacher, [(pupil, PupilRole.VICTIM)], description=f"Incident {number}")
            Action.objects.create(
                incident=incident, kind="investigate", assignee=dsl, created_by=dsl, due_on=school.today()
            )
            ParentContact.objects.create(
                incident=incident,
                pupil=pupil,
                contact_name="Carer",
                method="phone",
                contacted_at=timezone.now(),
                summary="Told",
                recorded_by=teacher,
            )
            Sanction.objects.create(
                incident=incident,
                pupil=pupil,
                academic_year=year,
                kind="reflection",
                starts_on=school.today(),
                recorded_by=dsl,
            )
            worry = _incident(school, teacher, [(pupil, PupilRole.SUBJECT)], description="Worry", category="neglect")
            DSLNote.objects.create(incident=worry, author=dsl, text="Note")

    _login(client, dsl, verified=True)
    url = chronology_url(school, pupil)

    def count_queries():
        client.get(url)  # the first request after signing in loads the session and roles once
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(5)
    few = count_queries()
    add(35)
    many = count_queries()
    assert few == many


@pytest.mark.django_db
def test_filters_by_group_and_dates(client, school, slt, teacher, pupil):
    _incident(
        school, teacher, [(pupil, PupilRole.SUBJECT)], description="Old misuse", category="online-misuse", days_ago=40
    )
    _incident(school, teacher, [(pupil, PupilRole.SUBJECT)], description="Recent disruption", days_ago=2)
    _login(client, slt)

    online = client.get(chronology_url(school, pupil, group="online_safety")).content.decode()
    assert "Old misuse" in online and "Recent disruption" not in online
    since = (school.today() - datetime.timedelta(days=10)).isoformat()
    recent = client.get(chronology_url(school, pupil, date_from=since)).content.decode()
    assert "Recent disruption" in recent and "Old misuse" not in recent


def _descriptions(response):
    return [row["description"] for row in response.context["rows"] if row["kind"] == "incident"]


@pytest.mark.django_db
def test_the_chronology_pages_from_the_most_recent_entries(monkeypatch, client, school, slt, teacher, pupil):
    monkeypatch.setattr(views_chronology, "CHRONOLOGY_PER_PAGE", 2)
    for days_ago in (5, 4, 3, 2, 1):
        _incident(
            school,
            teacher,
            [(pupil, PupilRole.SUBJECT)],
            description=f"Happened {days_ago} days ago",
            days_ago=days_ago,
        )
    _login(client, slt)

    first = client.get(chronology_url(school, pupil))
    second = client.get(chronology_url(school, pupil, page=2))
    last = client.get(chronology_url(school, pupil, page=3))

    assert _descriptions(first) == ["Happened 2 days ago", "Happened 1 days ago"]  # each page keeps the date order
    assert _descriptions(second) == ["Happened 4 days ago", "Happened 3 days ago"]
    assert _descriptions(last) == ["Happened 5 days ago"]
    assert "Happened 4 days ago" not in first.content.decode()
    assert "Entries 4–5 of 5" in first.content.decode() and "5 entries in all" in first.content.decode()
    assert "Entries 2–3 of 5" in second.content.decode() and "Entries 1–1 of 5" in last.content.decode()
    assert 'href="?page=2">Older entries' in first.content.decode()
    assert 'href="?page=1">Newer entries' in second.content.decode() and "Older entries" not in last.content.decode()
    assert AuditEvent.objects.filter(action="incidents.chronology.viewed", data__page=2).count() == 1


@pytest.mark.django_db
def test_filters_stay_on_every_page_and_the_count_follows_them(monkeypatch, client, school, slt, teacher, pupil):
    monkeypatch.setattr(views_chronology, "CHRONOLOGY_PER_PAGE", 2)
    for days_ago in (6, 5, 4):
        _incident(school, teacher, [(pupil, PupilRole.VICTIM)], description=f"Victim {days_ago}", days_ago=days_ago)
        _incident(school, teacher, [(pupil, PupilRole.WITNESS)], description=f"Witness {days_ago}", days_ago=days_ago)
    _login(client, slt)

    first = client.get(chronology_url(school, pupil, role="victim"))
    content = first.content.decode()
    assert _descriptions(first) == ["Victim 5", "Victim 4"]
    assert "Entries 2–3 of 3" in content and "3 entries in all" in content
    older = re.search(r'href="([^"]*)">Older entries', content).group(1)
    assert "role=victim" in older and "page=2" in older

    second = client.get(chronology_url(school, pupil) + html.unescape(older))
    assert _descriptions(second) == ["Victim 6"]
    assert "Entries 1–1 of 3" in second.content.decode()
    assert second.context["form"]["role"].value() == "victim"  # the filter form still shows the filter


@pytest.mark.django_db
def test_the_pages_together_hold_the_whole_chronology_once(monkeypatch, client, school, dsl, teacher, pupil):
    monkeypatch.setattr(views_chronology, "CHRONOLOGY_PER_PAGE", 3)
    year = AcademicYear.objects.get(school=school)
    for number in range(4):
        incident = _incident(school, teacher, [(pupil, PupilRole.VICTIM)], description=f"Incident {number}")
        Action.objects.create(
            incident=incident, kind="investigate", assignee=dsl, created_by=dsl, due_on=school.today()
        )
        Sanction.objects.create(
            incident=incident,
            pupil=pupil,
            academic_year=year,
            kind="reflection",
            starts_on=school.today(),
            recorded_by=dsl,
        )
        DSLNote.objects.create(incident=incident, author=dsl, text=f"Note {number}")
    _login(client, dsl, verified=True)

    whole = selectors.pupil_chronology(user=dsl, school=school, pupil=pupil).entries  # as the CP file has it
    assert len(whole) == 16
    pages = [client.get(chronology_url(school, pupil, page=number)).context for number in range(1, 7)]
    shown = [entry for context in reversed(pages) for entry in context["entries"]]
    assert [(entry.kind, entry.record.pk, entry.when) for entry in shown] == [
        (entry.kind, entry.record.pk, entry.when) for entry in whole
    ]
    assert pages[5]["page"].number == 6 and len(pages[5]["entries"]) == 1  # 16 entries: five pages of 3, one of 1


@pytest.mark.django_db
def test_every_detail_of_an_entry_is_shown(client, school, dsl, teacher, pupil):
    incident = _incident(
        school,
        teacher,
        [(pupil, PupilRole.ALLEGED_PERPETRATOR)],
        description="Pushed a peer\non the stairs",
        category="bullying",
        days_ago=4,
        behaviour_level=3,
        bullying_type="physical",
        location="corridor",
        location_detail="Science block",
        immediate_action="Separated the pupils",
        status="closed",
        outcome="Apology given",
        outcome_rationale="First incident this term",
    )
    year = AcademicYear.objects.get(school=school)
    Action.objects.create(
        incident=incident,
        kind=Action.Kind.RESTORATIVE,
        description="With both pupils",
        assignee=teacher,
        created_by=teacher,
        due_on=school.today(),
        completed_at=timezone.now(),
        completion_note="Both agreed to move on",
    )
    ParentContact.objects.create(
        incident=incident,
        pupil=pupil,
        contact_name="Mother of the pupil",
        method="meeting",
        contacted_at=timezone.now(),
        summary="Met after school",
        recorded_by=teacher,
    )
    Sanction.objects.create(
        incident=incident,
        pupil=pupil,
        academic_year=year,
        kind=Sanction.Kind.SUSPENSION,
        starts_on=school.today(),
        days="1.5",
        reason_1="PP",
        reason_2="BU",
        notes="Return meeting booked",
        recorded_by=dsl,
    )
    DSLNote.objects.create(incident=incident, author=dsl, text="Talked to the head of year")

    content = _login(client, dsl, verified=True).get(chronology_url(school, pupil)).content.decode()

    expected = [
        ", ".join(category.name for category in incident.categories.order_by("order", "name")),
        "level 3",
        "Physical",
        "Corridor or stairs (Science block)",
        "Pushed a peer<br>on the stairs",
        "Separated the pupils",
        f"Recorded by {teacher.full_name}",
        "Closed",
        reverse("incidents:incident_detail", args=[school.slug, incident.public_id]),
        "Apology given",
        "First incident this term",
        "Restorative conversation</strong> — With both pupils",
        f"{teacher.full_name}, due {school.today():%-d %b %Y}",
        "Done",
        "Both agreed to move on",
        "Mother of the pupil</strong> · Meeting",
        "Met after school",
        "Suspension</strong> · 1.5 school days · PP, BU",
        "Return meeting booked",
        "Talked to the head of year",
        dsl.full_name,
        "Alleged perpetrator",
    ]
    assert [text for text in expected if text not in content] == []


# The child protection file ----------------------------------------------------------------------------------------


def _pdf_text(data):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.django_db
def test_the_cp_file_is_a_pdf_with_the_front_sheet_and_the_chronology(
    client, school, dsl, pupil, guardian_link, behaviour, concern, celery_eager, django_capture_on_commit_callbacks
):
    Professional.objects.create(
        pupil=pupil, name="Priya Okafor", role="Social worker", organisation="Children's services"
    )
    concern.outcome, concern.outcome_rationale = "Referred to early help", "Threshold for social care not met"
    concern.save()
    url = reverse("incidents:cp_file", args=[school.slug, pupil.public_id])
    _login(client, dsl)
    assert client.get(url).status_code == 302  # second factor first

    _verify(client)
    assert client.get(url).status_code == 200  # the page with the button: nothing is built on GET
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)  # the worker builds it (eager here)
    prepared = PreparedFile.objects.get(kind="incidents.cp_file")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:prepared_file", args=[school.slug, prepared.public_id])
    assert prepared.status == PreparedFile.Status.READY and prepared.requested_by == dsl
    page = client.get(response["Location"])
    assert "Your file is ready." in page.content.decode() and "Refresh" not in page

    response = client.get(reverse("jobs:prepared_file_download", args=[school.slug, prepared.public_id]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(data)
    assert "Child protection file" in text
    assert "Amara Whitfield" in text
    assert guardian_link.guardian.full_name in text
    assert "Priya Okafor" in text and "Social worker" in text
    assert "Said there is no food at home" in text
    assert "Spoke to early help coordinator" in text
    assert "Pushed a classmate in the lunch queue" in text
    assert "Threshold for social care not met" in text
    assert "Confidential — child protection" in text
    requested = AuditEvent.objects.get(action="incidents.cp_file.requested")
    event = AuditEvent.objects.get(action="incidents.cp_file.downloaded")
    assert (event.actor, event.subject_id) == (dsl, str(pupil.public_id))
    assert (requested.actor, requested.subject_id) == (dsl, str(pupil.public_id))
    assert event.data["sha256"] == prepared.sha256


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["slt", "class_teacher", "office"])
def test_only_the_dsl_team_downloads_the_cp_file(request, client, school, pupil, persona):
    user = request.getfixturevalue(persona)
    url = reverse("incidents:cp_file", args=[school.slug, pupil.public_id])
    assert _login(client, user, verified=True).get(url).status_code == 404


# Who viewed -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_viewers_page_lists_who_viewed_the_record(client, school, dsl, class_teacher, pupil, behaviour, concern):
    _login(client, class_teacher).get(chronology_url(school, pupil))
    audit_log(actor=dsl, action="incidents.concern.viewed", school=school, subject=concern, data={})
    audit_log(actor=dsl, action="incidents.concern.closed", school=school, subject=concern, data={})  # not a view
    someone_else = factories.PupilFactory(school=school)
    audit_log(actor=dsl, action="incidents.chronology.viewed", school=school, subject=someone_else, data={})
    _login(client, dsl, verified=True)

    response = client.get(reverse("incidents:viewers", args=[school.slug, pupil.public_id]))

    assert response.status_code == 200
    events = list(response.context["page"])
    assert [event.action for event in events] == ["incidents.concern.viewed", "incidents.chronology.viewed"]
    content = response.content.decode()
    assert class_teacher.full_name in content and "Opened the chronology" in content
    assert "Opened the concern" in content


@pytest.mark.django_db
def test_the_viewers_page_lists_the_dsls_own_chronology_view(client, school, dsl, pupil):
    _login(client, dsl, verified=True).get(chronology_url(school, pupil))
    content = client.get(reverse("incidents:viewers", args=[school.slug, pupil.public_id])).content.decode()
    assert "Opened the chronology" in content and dsl.full_name in content


@pytest.mark.django_db
def test_viewers_query_count_does_not_grow(client, school, dsl, pupil, concern):
    _login(client, dsl, verified=True)
    url = reverse("incidents:viewers", args=[school.slug, pupil.public_id])

    def views(count):
        for _number in range(count):
            viewer = factories.UserFactory()
            audit_log(actor=viewer, action="incidents.concern.viewed", school=school, subject=concern, data={})
        client.get(url)  # the first request after signing in loads the session and roles once
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    assert views(3) == views(27)


@pytest.mark.django_db
def test_the_viewers_page_needs_the_dsl_team_and_the_second_factor(client, school, dsl, slt, pupil):
    url = reverse("incidents:viewers", args=[school.slug, pupil.public_id])
    assert _login(client, slt, verified=True).get(url).status_code == 404
    client.logout()
    assert _login(client, dsl).get(url).status_code == 302


# Transfers --------------------------------------------------------------------------------------------------------


def _term_all_year(school):
    """One term spanning each of the school's academic years and no break: school days are then the weekdays
    (transfers are counted on the school's calendar — issue 16 item 11; test_transfer_school_days has breaks)."""
    from safeguard.directory.models import Term

    for year in AcademicYear.objects.filter(school=school):
        if not Term.objects.filter(academic_year=year).exists():
            Term.objects.create(
                academic_year=year, kind=Term.Kind.AUTUMN, starts_on=year.starts_on, ends_on=year.ends_on
            )


@pytest.mark.django_db
def test_an_unconfirmed_transfer_is_overdue_after_five_school_days(school, dsl, pupil):
    _term_all_year(school)
    friday = datetime.datetime(2026, 10, 2, 15, 0, tzinfo=LONDON)
    transfer = FileTransfer.objects.create(
        pupil=pupil,
        school=school,
        destination_school="Hilltop Primary",
        destination_dsl="J. Sharma",
        method="Secure e-mail",
        sent_at=friday,
        sent_by=dsl,
    )
    assert not selectors.transfer_is_overdue(transfer, datetime.date(2026, 10, 8))  # Thursday: 4 school days
    assert selectors.transfer_is_overdue(transfer, datetime.date(2026, 10, 9))  # next Friday: 5
    transfer.receipt_confirmed_at = friday + datetime.timedelta(days=7)
    assert not selectors.transfer_is_overdue(transfer, datetime.date(2026, 10, 9))


@pytest.mark.django_db
def test_record_a_transfer_see_the_warning_and_confirm_it(
    client, school, dsl, pupil, concern, celery_eager, django_capture_on_commit_callbacks
):
    _term_all_year(school)
    _login(client, dsl, verified=True)
    sent = timezone.localtime(timezone.now() - datetime.timedelta(days=10), LONDON)
    with django_capture_on_commit_callbacks(execute=True):  # the worker prepares the file (eager here)
        response = client.post(
            reverse("incidents:pupil_transfers", args=[school.slug, pupil.public_id]),
            {
                "destination_school": "Hilltop Primary",
                "destination_dsl": "J. Sharma",
                "destination_email": "dsl@hilltop.example.test",
                "method": "Secure e-mail",
                "sent_at": sent.strftime("%Y-%m-%dT%H:%M"),
            },
        )
    assert response.status_code == 302
    transfer = FileTransfer.objects.get()
    assert (transfer.sent_by, transfer.destination_school, len(transfer.file_sha256)) == (dsl, "Hilltop Primary", 64)
    assert AuditEvent.objects.filter(
        action="incidents.file_transfer.recorded", subject_id=str(pupil.public_id)
    ).exists()

    listing = client.get(reverse("incidents:transfers", args=[school.slug])).content.decode()
    assert 'id="transfer-warning"' in listing and "Hilltop Primary" in listing

    confirm = client.post(
        reverse("incidents:transfer_confirm", args=[school.slug, transfer.public_id]),
        {"confirmed_by": "J. Sharma", "confirmed_at": ""},
    )
    assert confirm.status_code == 302
    transfer.refresh_from_db()
    assert transfer.receipt_confirmed_by == "J. Sharma" and transfer.receipt_confirmed_at is not None
    listing = client.get(reverse("incidents:transfers", args=[school.slug])).content.decode()
    assert 'id="transfer-warning"' not in listing and "Confirmed" in listing


@pytest.mark.django_db
def test_transfer_services_check_the_actor_and_repeat_nothing(school, dsl, slt, pupil):
    sent = timezone.now() - datetime.timedelta(days=1)
    details = {"destination_school": "Hilltop", "destination_dsl": "J. Sharma", "method": "By hand", "sent_at": sent}
    with pytest.raises(PermissionError):
        file_transfer_record(actor=slt, pupil=pupil, **details)
    transfer = file_transfer_record(actor=dsl, pupil=pupil, **details)
    assert file_transfer_record(actor=dsl, pupil=pupil, **details) == transfer
    assert FileTransfer.objects.count() == 1
    with pytest.raises(PermissionError):
        file_transfer_confirm(actor=slt, transfer=transfer, confirmed_by="J. Sharma")
    file_transfer_confirm(actor=dsl, transfer=transfer, confirmed_by="J. Sharma")
    confirmed_at = transfer.receipt_confirmed_at
    file_transfer_confirm(actor=dsl, transfer=transfer, confirmed_by="Someone else")
    transfer.refresh_from_db()
    assert (transfer.receipt_confirmed_at, transfer.receipt_confirmed_by) == (confirmed_at, "J. Sharma")
    assert AuditEvent.objects.filter(action="incidents.file_transfer.confirmed").count() == 1


@pytest.mark.django_db
def test_transfer_confirmation_cannot_come_before_sending(school, dsl, pupil):
    from safeguard.base import DomainError

    sent = timezone.now() - datetime.timedelta(days=1)
    transfer = file_transfer_record(
        actor=dsl, pupil=pupil, destination_school="Hilltop", destination_dsl="J", method="By hand", sent_at=sent
    )
    with pytest.raises(DomainError) as error:
        file_transfer_confirm(
            actor=dsl, transfer=transfer, confirmed_by="J", confirmed_at=sent - datetime.timedelta(days=1)
        )
    assert error.value.code == "confirmed_at"


# Professionals ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dsl_adds_and_ends_a_professional(client, school, dsl, pupil):
    _login(client, dsl, verified=True)
    url = reverse("incidents:professionals", args=[school.slug, pupil.public_id])
    response = client.post(url, {"name": "Priya Okafor", "role": "Social worker", "organisation": "", "phone": ""})
    assert response.status_code == 302
    professional = Professional.objects.get()
    assert "Priya Okafor" in client.get(url).content.decode()

    client.post(
        reverse("incidents:professional_end", args=[school.slug, pupil.public_id]),
        {"professional": professional.pk, "ended_on": school.today().isoformat()},
    )
    professional.refresh_from_db()
    assert professional.ended_on == school.today()
    actions = list(AuditEvent.objects.filter(subject_id=str(pupil.public_id)).values_list("action", flat=True))
    assert sorted(actions) == ["incidents.professional.added", "incidents.professional.ended"]


@pytest.mark.django_db
def test_professional_services_check_the_actor_and_repeat_nothing(school, dsl, class_teacher, pupil):
    with pytest.raises(PermissionError):
        professional_add(actor=class_teacher, pupil=pupil, name="A", role="Nurse")
    professional = professional_add(actor=dsl, pupil=pupil, name="A", role="Nurse")
    with pytest.raises(PermissionError):
        professional_end(actor=class_teacher, professional=professional)
    professional_end(actor=dsl, professional=professional, ended_on=school.today() - datetime.timedelta(days=2))
    professional_end(actor=dsl, professional=professional)
    professional.refresh_from_db()
    assert professional.ended_on == school.today() - datetime.timedelta(days=2)


# Printable forms --------------------------------------------------------------------------------------------------


@pytest.fixture
def racist(school, teacher, pupil):
    other = factories.PupilFactory(school=school, legal_first_name="Kofi", legal_last_name="Mensah")
    return _incident(
        school,
        teacher,
        [(pupil, PupilRole.ALLEGED_PERPETRATOR), (other, PupilRole.VICTIM)],
        description="Used a racist name in the playground",
        category="racist",
        protected_characteristic="race",
    )


@pytest.mark.django_db
def test_the_racist_incident_report_prints_for_slt(client, school, slt, racist):
    _login(client, slt)
    response = client.get(reverse("incidents:form_racist", args=[school.slug, racist.public_id]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Racist incident report to the local authority" in content
    assert "Used a racist name in the playground" in content
    assert "Kofi Mensah" in content and "Victim" in content and "Year 3" in content
    assert "Ethnicity (fill in by hand)" in content
    assert AuditEvent.objects.filter(action="incidents.racist_form.printed", subject_id=str(racist.public_id)).exists()

    pdf = client.get(reverse("incidents:form_racist_pdf", args=[school.slug, racist.public_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "Used a racist name in the playground" in _pdf_text(pdf.content)
    assert AuditEvent.objects.filter(action="incidents.racist_form.downloaded").exists()


@pytest.mark.django_db
def test_no_racist_incident_report_for_an_incident_without_prejudice(client, school, slt, behaviour):
    _login(client, slt)
    assert client.get(reverse("incidents:form_racist", args=[school.slug, behaviour.public_id])).status_code == 404
    assert client.get(reverse("incidents:form_racist_pdf", args=[school.slug, behaviour.public_id])).status_code == 404


@pytest.mark.django_db
def test_the_racist_incident_report_follows_incident_visibility(client, school, other_teacher, class_teacher, racist):
    url = reverse("incidents:form_racist", args=[school.slug, racist.public_id])
    assert _login(client, other_teacher).get(url).status_code == 404
    assert _login(client, class_teacher).get(url).status_code == 200


@pytest.mark.django_db
def test_the_online_safety_log_lists_only_online_safety_incidents(client, school, slt, dsl, teacher, pupil, behaviour):
    _incident(
        school, teacher, [(pupil, PupilRole.SUBJECT)], description="Visited a blocked site", category="online-misuse"
    )
    _incident(
        school,
        teacher,
        [(pupil, PupilRole.VICTIM)],
        description="Hurtful messages in a game chat",
        category="cyberbullying",
    )
    concern = _incident(
        school, teacher, [(pupil, PupilRole.SUBJECT)], description="Shared an image", category="nudes-sharing"
    )
    concern.is_online_safety = True  # a concern that is also online safety
    concern.save()
    url = reverse("incidents:form_online_safety_log", args=[school.slug])

    content = _login(client, slt).get(url).content.decode()
    assert "Visited a blocked site" in content and "Hurtful messages in a game chat" in content
    assert "Pushed a classmate" not in content
    assert "Shared an image" not in content  # concerns: DSL team only
    assert AuditEvent.objects.filter(action="incidents.online_safety_log.printed", actor=slt).exists()

    client.logout()
    _login(client, dsl)
    assert client.get(url).status_code == 302  # the DSL team passes the second factor first
    _verify(client)
    assert "Shared an image" in client.get(url).content.decode()

    pdf = client.get(reverse("incidents:form_online_safety_log_pdf", args=[school.slug]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "Visited a blocked site" in _pdf_text(pdf.content)


@pytest.mark.django_db
def test_the_online_safety_log_respects_the_date_range(client, school, slt, teacher, pupil):
    _incident(
        school, teacher, [(pupil, PupilRole.SUBJECT)], description="Long ago", category="online-misuse", days_ago=60
    )
    _incident(
        school, teacher, [(pupil, PupilRole.SUBJECT)], description="Just now", category="online-misuse", days_ago=1
    )
    since = (school.today() - datetime.timedelta(days=7)).isoformat()
    url = reverse("incidents:form_online_safety_log", args=[school.slug])
    content = _login(client, slt).get(f"{url}?date_from={since}&date_to={school.today().isoformat()}").content.decode()
    assert "Just now" in content and "Long ago" not in content


@pytest.mark.django_db
def test_online_safety_log_query_count_does_not_grow(client, school, slt, teacher, pupil):
    url = reverse("incidents:form_online_safety_log", args=[school.slug])
    _login(client, slt)

    def log(count):
        for number in range(count):
            _incident(
                school, teacher, [(pupil, PupilRole.SUBJECT)], description=f"Misuse {number}", category="online-misuse"
            )
        client.get(url)  # the first request after signing in loads the session and roles once
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    assert log(3) == log(30)


# Who may open what ------------------------------------------------------------------------------------------------


def _urls(school, pupil, incident, transfer):
    chronology = [school.slug, pupil.public_id]
    return {
        "chronology": reverse("incidents:chronology", args=chronology),
        "cp_file": reverse("incidents:cp_file", args=chronology),
        "pupil_transfers": reverse("incidents:pupil_transfers", args=chronology),
        "professionals": reverse("incidents:professionals", args=chronology),
        "viewers": reverse("incidents:viewers", args=chronology),
        "transfers": reverse("incidents:transfers", args=[school.slug]),
        "form_racist": reverse("incidents:form_racist", args=[school.slug, incident.public_id]),
        "form_racist_pdf": reverse("incidents:form_racist_pdf", args=[school.slug, incident.public_id]),
        "form_online_safety_log": reverse("incidents:form_online_safety_log", args=[school.slug]),
        "form_online_safety_log_pdf": reverse("incidents:form_online_safety_log_pdf", args=[school.slug]),
    }


POSTS = {
    "professional_end": lambda s, p, t: reverse("incidents:professional_end", args=[s.slug, p.public_id]),
    "transfer_confirm": lambda s, p, t: reverse("incidents:transfer_confirm", args=[s.slug, t.public_id]),
    "transfer_prepare": lambda s, p, t: reverse("incidents:transfer_prepare", args=[s.slug, t.public_id]),
    "pupil_transfers": lambda s, p, t: reverse("incidents:pupil_transfers", args=[s.slug, p.public_id]),
    "professionals": lambda s, p, t: reverse("incidents:professionals", args=[s.slug, p.public_id]),
}


@pytest.fixture
def transfer(school, pupil, dsl):
    return FileTransfer.objects.create(
        pupil=pupil,
        school=school,
        destination_school="Hilltop",
        destination_dsl="J",
        method="By hand",
        sent_at=timezone.now() - datetime.timedelta(days=1),
        sent_by=dsl,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["governor", "parent", "trust_admin", "other_school_dsl"])
def test_governors_parents_trust_and_other_schools_get_404_everywhere(
    request, client, school, pupil, racist, transfer, persona
):
    _login(client, request.getfixturevalue(persona), verified=True)
    for name, url in _urls(school, pupil, racist, transfer).items():
        assert client.get(url).status_code == 404, name
    for name, build in POSTS.items():
        assert client.post(build(school, pupil, transfer), {}).status_code == 404, name
    assert not AuditEvent.objects.filter(action__endswith=".viewed").exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, school, pupil, racist, transfer):
    for name, url in _urls(school, pupil, racist, transfer).items():
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], name


@pytest.mark.django_db
def test_a_pupil_of_another_school_looks_like_a_missing_one(client, school, dsl, other_pupil):
    import uuid

    _login(client, dsl, verified=True)
    theirs = client.get(reverse("incidents:chronology", args=[school.slug, other_pupil.public_id]))
    missing = client.get(reverse("incidents:chronology", args=[school.slug, uuid.uuid4()]))
    assert theirs.status_code == missing.status_code == 404
