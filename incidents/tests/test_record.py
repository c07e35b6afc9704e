"""Recording an incident or raising a concern from the one-page form: what is saved, who is alerted (and e-mailed
without names), what the raiser of a concern sees, files checked by content, and who may use the form at all."""

import datetime
import io
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from incidents import services
from incidents.models import Alert, Attachment, BodyMap, Incident, IncidentPupil, PhysicalIntervention
from incidents.tests.factories import category
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
DESCRIPTION = "Threw a chair across the classroom during maths and shouted at the class."


@pytest.fixture
def class_teacher(school, pupil):
    """The class teacher of ``pupil`` (3 Oak) — not the member of staff who records."""
    user = factories.UserFactory(email="oak.teacher@example.test", full_name="Olive Oakley")
    factories.StaffRoleFactory(user=user, school=school)
    pupil.school_class.teachers.add(user)
    return user


@pytest.fixture
def other_class(school, pupil):
    """Another class (4 Ash) with its own teacher and a pupil, Bilal Ashworth."""
    teacher = factories.UserFactory(email="ash.teacher@example.test", full_name="Adam Ashby")
    factories.StaffRoleFactory(user=teacher, school=school)
    school_class = factories.SchoolClassFactory(
        school=school, academic_year=pupil.school_class.academic_year, name="4 Ash"
    )
    school_class.teachers.add(teacher)
    ash_pupil = factories.PupilFactory(
        school=school, legal_first_name="Bilal", legal_last_name="Ashworth", school_class=school_class
    )
    return {"teacher": teacher, "class": school_class, "pupil": ash_pupil}


def local_now(school):
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(school.time_zone))


def form_data(school, pupils, *, categories=("low-level-disruption",), level=2, when=None, **extra):
    """What the form posts: ``pupils`` as ``[(pupil, role)]``; ``when`` an aware datetime (10 minutes ago)."""
    when = timezone.localtime(
        when or timezone.now() - datetime.timedelta(minutes=10), zoneinfo.ZoneInfo(school.time_zone)
    )
    data = {
        "occurred_date": when.strftime("%Y-%m-%d"),
        "occurred_time": when.strftime("%H:%M"),
        "location": "classroom",
        "location_detail": "",
        "categories": [str(category(school, code).pk) for code in categories],
        "behaviour_level": "" if level is None else str(level),
        "description": DESCRIPTION,
        "immediate_action": "",
        "reported_by": "",
        "pupil": [str(pupil.public_id) for pupil, _role in pupils],
        "pupil_role": [role for _pupil, role in pupils],
    }
    data.update(extra)
    return data


def record_url(school):
    return reverse("incidents:record", args=[school.slug])


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Post the form as ``user``, running what the service queues after commit (alert e-mails)."""

    def _post(user, school, data, **kwargs):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(record_url(school), data, **kwargs)

    return _post


def alerts_url_exists(school):
    try:
        reverse("incidents:alerts", args=[school.slug])
    except NoReverseMatch:
        return False
    return True


def alerted(incident):
    return {alert.recipient: alert.reason for alert in Alert.objects.filter(incident=incident)}


class TestBehaviourIncident:
    def test_a_level_2_incident_in_a_few_fields_is_saved_and_the_class_teacher_alerted(
        self, post, school, teacher, pupil, class_teacher, slt, head, dsl
    ):
        response = post(teacher, school, form_data(school, [(pupil, "subject")]))

        incident = Incident.objects.get()
        assert response.status_code == 302
        assert response["Location"].startswith(f"/school/{school.slug}/")
        assert incident.recorded_by == teacher and incident.behaviour_level == 2 and incident.is_behaviour
        assert incident.description == DESCRIPTION
        assert list(incident.involvements.values_list("pupil", "role")) == [(pupil.pk, "subject")]
        assert alerted(incident) == {class_teacher: Alert.Reason.CLASS_TEACHER}
        assert AuditEvent.objects.filter(
            action="incidents.incident.recorded", subject_id=str(incident.public_id)
        ).exists()

    def test_alert_emails_name_the_recorder_and_group_never_the_pupil_or_what_happened(
        self, post, school, teacher, pupil, class_teacher, slt, head, celery_eager, mailoutbox
    ):
        if not alerts_url_exists(school):
            pytest.skip("the alert list (incidents:alerts) that alert e-mails link to is not installed yet")
        post(teacher, school, form_data(school, [(pupil, "subject")], level=4))

        assert sorted(address for message in mailoutbox for address in message.to) == sorted(
            [class_teacher.email, slt.email, head.email]
        )
        for message in mailoutbox:
            text = message.subject + message.body + "".join(str(part[0]) for part in message.alternatives)
            assert teacher.full_name in text
            assert "Behaviour" in text
            for secret in ("Amara", "Whitfield", "chair", DESCRIPTION):
                assert secret not in text

    def test_level_4_alerts_slt_and_the_headteacher_as_well(
        self, post, school, teacher, pupil, class_teacher, slt, head, dsl
    ):
        post(teacher, school, form_data(school, [(pupil, "subject")], level=4))

        assert alerted(Incident.objects.get()) == {
            class_teacher: Alert.Reason.CLASS_TEACHER,
            slt: Alert.Reason.SLT,
            head: Alert.Reason.SLT,
        }

    @pytest.mark.parametrize(("ask", "slt_alerted"), [(True, True), (False, False)])
    def test_level_3_alerts_slt_only_when_the_recorder_asks(
        self, post, school, teacher, pupil, class_teacher, slt, ask, slt_alerted
    ):
        data = form_data(school, [(pupil, "subject")], level=3)
        if ask:
            data["slt_requested"] = "on"
        post(teacher, school, data)

        incident = Incident.objects.get()
        assert incident.slt_requested is ask
        assert (slt in alerted(incident)) is slt_alerted

    def test_chosen_staff_are_alerted_too(self, post, school, teacher, pupil, class_teacher, office):
        post(teacher, school, form_data(school, [(pupil, "subject")], alert_users=[str(office.pk)]))

        assert alerted(Incident.objects.get())[office] == Alert.Reason.CHOSEN

    def test_success_says_how_many_were_alerted(self, client, post, school, teacher, pupil, class_teacher):
        response = post(teacher, school, form_data(school, [(pupil, "subject")]))

        page = client.get(response["Location"], follow=True)
        assert "1 person has been alerted" in page.content.decode()

    def test_bullying_needs_its_type_and_sets_a_follow_up_with_the_victim(
        self, post, school, teacher, pupil, other_class, class_teacher
    ):
        pupils = [(pupil, "victim"), (other_class["pupil"], "alleged_perpetrator")]
        refused = post(teacher, school, form_data(school, pupils, categories=["bullying"], level=4))
        assert refused.status_code == 200
        assert "Choose the type of bullying." in refused.content.decode()
        assert not Incident.objects.exists()

        post(
            teacher,
            school,
            form_data(
                school,
                pupils,
                categories=["bullying"],
                level=4,
                bullying_type="verbal",
                protected_characteristic="race",
            ),
        )
        incident = Incident.objects.get()
        assert (incident.bullying_type, incident.protected_characteristic) == ("verbal", "race")
        assert incident.actions.get().kind == "follow_up_victim"
        assert set(alerted(incident)) >= {class_teacher, other_class["teacher"]}

    def test_physical_intervention_is_recorded_with_its_details(self, post, school, teacher, pupil):
        data = form_data(
            school,
            [(pupil, "subject")],
            categories=["physical-intervention"],
            level=3,
            pi_staff_involved="Mr Grey and Ms Teal",
            pi_staff_trained="on",
            pi_method="Single elbow",
            pi_duration_minutes="4",
        )
        post(teacher, school, data)

        intervention = PhysicalIntervention.objects.get()
        assert intervention.staff_involved == "Mr Grey and Ms Teal" and intervention.staff_trained
        assert intervention.duration_minutes == 4

    def test_fields_of_a_section_not_ticked_are_not_saved(self, post, school, teacher, pupil):
        post(
            teacher, school, form_data(school, [(pupil, "subject")], bullying_type="cyber", pi_staff_involved="Mr Grey")
        )

        incident = Incident.objects.get()
        assert incident.bullying_type == ""
        assert not PhysicalIntervention.objects.exists()


class TestSafeguardingConcern:
    def test_a_concern_alerts_the_dsl_team_only_and_shows_the_raised_page(
        self, client, post, school, teacher, pupil, class_teacher, dsl, deputy_dsl, head, slt, office
    ):
        data = form_data(
            school, [(pupil, "subject")], categories=["neglect"], level=None, alert_users=[str(office.pk), str(dsl.pk)]
        )
        response = post(teacher, school, data)

        incident = Incident.objects.get()
        assert incident.is_safeguarding and incident.behaviour_level is None
        assert response.status_code == 302
        assert response["Location"] == reverse("incidents:concern_raised", args=[school.slug, incident.public_id])
        recipients = alerted(incident)
        assert set(recipients) == {dsl, deputy_dsl, head}
        assert class_teacher not in recipients and office not in recipients and slt not in recipients

        page = client.get(response["Location"])
        text = page.content.decode()
        assert page.status_code == 200
        assert "The DSL team has been alerted" in text
        assert "Open: with the DSL team" in text
        assert pupil.display_name not in text and DESCRIPTION not in text

    def test_the_raised_page_never_shows_the_dsl_notes_or_the_outcome(self, client, post, school, teacher, pupil, dsl):
        response = post(teacher, school, form_data(school, [(pupil, "subject")], categories=["neglect"], level=None))
        incident = Incident.objects.get()
        services.dsl_note_add(actor=dsl, incident=incident, text="Spoke to social care; strategy meeting Monday.")
        services.incident_close(actor=dsl, incident=incident, outcome="Referred to MASH", rationale="Threshold met")

        text = client.get(response["Location"]).content.decode()
        assert "Closed by the DSL team" in text
        assert "strategy meeting" not in text and "MASH" not in text and "Threshold" not in text

    @pytest.mark.parametrize("who", ["dsl", "class_teacher", "slt", "other_school_dsl"])
    def test_only_the_raiser_sees_the_raised_page(self, client, request, school, teacher, pupil, class_teacher, who):
        incident = services.incident_record(
            actor=teacher,
            school=school,
            occurred_at=timezone.now(),
            location="classroom",
            categories=[category(school, "neglect")],
            pupils=[(pupil, "subject")],
            description=DESCRIPTION,
        )
        client.force_login(request.getfixturevalue(who))

        response = client.get(reverse("incidents:concern_raised", args=[school.slug, incident.public_id]))

        assert response.status_code == 404

    def test_a_behaviour_incident_has_no_raised_page(self, client, school, teacher, pupil):
        incident = services.incident_record(
            actor=teacher,
            school=school,
            occurred_at=timezone.now(),
            location="classroom",
            categories=[category(school, "defiance")],
            behaviour_level=2,
            pupils=[(pupil, "subject")],
            description=DESCRIPTION,
        )
        client.force_login(teacher)

        response = client.get(reverse("incidents:concern_raised", args=[school.slug, incident.public_id]))

        assert response.status_code == 404

    def test_a_body_map_is_saved_with_the_concern(self, post, school, teacher, pupil):
        marks = '[{"side": "front", "x": 40.5, "y": 30, "description": "Bruise, 3 cm, purple"}]'
        data = form_data(
            school,
            [(pupil, "subject")],
            categories=["physical-abuse"],
            level=None,
            body_map=marks,
            body_map_pupil=str(pupil.public_id),
        )
        post(teacher, school, data)

        body_map = BodyMap.objects.get()
        assert body_map.pupil == pupil
        assert body_map.marks == [{"side": "front", "x": 40.5, "y": 30.0, "description": "Bruise, 3 cm, purple"}]

    def test_a_mark_without_a_description_is_refused_and_the_marks_kept(self, post, school, teacher, pupil):
        marks = '[{"side": "back", "x": 50, "y": 60, "description": ""}]'
        data = form_data(school, [(pupil, "subject")], categories=["physical-abuse"], level=None, body_map=marks)
        response = post(teacher, school, data)

        text = response.content.decode()
        assert response.status_code == 200
        assert "Describe every mark on the body map." in text
        assert "&quot;side&quot;: &quot;back&quot;" in text
        assert not Incident.objects.exists()


class TestValidation:
    def test_errors_keep_everything_typed_including_the_pupils(self, post, school, teacher, pupil, other_class):
        pupils = [(pupil, "victim"), (other_class["pupil"], "alleged_perpetrator")]
        data = form_data(school, pupils, categories=["verbal-abuse"], level=3, location_detail="Year 4 cloakroom")
        data["description"] = ""

        response = post(teacher, school, data)

        text = response.content.decode()
        assert response.status_code == 200
        assert "Describe what happened." in text
        assert 'value="Year 4 cloakroom"' in text
        ticked = category(school, "verbal-abuse").pk
        assert f'value="{ticked}" id="category-{ticked}" data-group="behaviour" checked' in text
        assert 'value="3" id="level-3" checked' in text
        assert "Amara Whitfield" in text and "Bilal Ashworth" in text
        assert '<option value="alleged_perpetrator" selected>' in text
        assert not Incident.objects.exists()

    def test_no_pupil_and_no_category_are_both_pointed_out(self, post, school, teacher):
        data = form_data(school, [], categories=[])
        response = post(teacher, school, data)

        text = response.content.decode()
        assert "Add at least one pupil involved." in text
        assert "Choose at least one category." in text

    def test_a_behaviour_incident_needs_its_level(self, post, school, teacher, pupil):
        response = post(teacher, school, form_data(school, [(pupil, "subject")], level=None))

        assert "Choose the behaviour level (1 to 5)." in response.content.decode()
        assert not Incident.objects.exists()

    def test_a_time_in_the_future_is_refused(self, post, school, teacher, pupil):
        tomorrow = timezone.now() + datetime.timedelta(days=1)
        response = post(teacher, school, form_data(school, [(pupil, "subject")], when=tomorrow))

        assert response.status_code == 200
        assert "cannot be in the future" in response.content.decode()
        assert not Incident.objects.exists()

    def test_a_backdated_incident_is_accepted_at_its_true_time(self, post, school, teacher, pupil):
        three_days_ago = (timezone.now() - datetime.timedelta(days=3)).replace(second=0, microsecond=0)
        response = post(teacher, school, form_data(school, [(pupil, "subject")], when=three_days_ago))

        assert response.status_code == 302
        assert Incident.objects.get().occurred_at == three_days_ago

    def test_the_form_opens_at_the_current_time_in_the_school_time_zone(self, client, school, teacher):
        client.force_login(teacher)
        text = client.get(record_url(school)).content.decode()

        assert f'value="{local_now(school):%Y-%m-%d}"' in text

    def test_another_schools_pupil_is_refused_without_naming_them(self, post, school, teacher, pupil, other_pupil):
        data = form_data(school, [(pupil, "victim"), (other_pupil, "alleged_perpetrator")])
        response = post(teacher, school, data)

        text = response.content.decode()
        assert response.status_code == 200
        assert "could not be found in this school" in text
        assert other_pupil.display_name not in text and other_pupil.legal_last_name not in text
        assert not Incident.objects.exists() and not IncidentPupil.objects.exists()

    def test_another_schools_category_is_refused(self, post, school, other_school, teacher, pupil):
        data = form_data(school, [(pupil, "subject")])
        data["categories"] = [str(category(other_school, "defiance").pk)]
        response = post(teacher, school, data)

        assert response.status_code == 200
        assert not Incident.objects.exists()

    def test_a_pupil_listed_twice_is_pointed_out(self, post, school, teacher, pupil):
        response = post(teacher, school, form_data(school, [(pupil, "victim"), (pupil, "witness")]))

        assert "is listed twice" in response.content.decode()
        assert not Incident.objects.exists()


class TestAttachments:
    def test_a_png_is_stored_privately_with_its_hash_and_name(self, post, school, teacher, pupil, settings):
        upload = SimpleUploadedFile("screenshot of chat.png", PNG, content_type="image/png")
        post(teacher, school, form_data(school, [(pupil, "subject")], attachments=[upload]))

        attachment = Attachment.objects.get()
        assert attachment.incident == Incident.objects.get()
        assert attachment.name == "screenshot of chat.png"
        assert attachment.content_type == "image/png" and attachment.size == len(PNG)
        assert len(attachment.sha256) == 64
        assert "screenshot" not in attachment.file.name and attachment.file.name.endswith(".png")
        assert attachment.file.storage.exists(attachment.file.name)
        assert not str(attachment.file.path).startswith(str(settings.STATIC_ROOT))
        assert AuditEvent.objects.filter(action="incidents.attachment.added").count() == 1

    def test_a_program_renamed_png_is_refused_by_its_content(self, post, school, teacher, pupil):
        upload = SimpleUploadedFile("photo.png", EXE, content_type="image/png")
        response = post(teacher, school, form_data(school, [(pupil, "subject")], attachments=[upload]))

        text = response.content.decode()
        assert response.status_code == 200
        assert "photo.png" in text and "is not a real" in text
        assert "choose them again" in text
        assert not Incident.objects.exists() and not Attachment.objects.exists()

    def test_a_file_over_10_mb_is_refused(self, post, school, teacher, pupil):
        upload = SimpleUploadedFile("big.png", PNG + b"\x00" * (10 * 1024 * 1024), content_type="image/png")
        response = post(teacher, school, form_data(school, [(pupil, "subject")], attachments=[upload]))

        assert "larger than 10 MB" in response.content.decode()
        assert not Incident.objects.exists()

    def test_pdf_and_docx_are_accepted_too(self, post, school, teacher, pupil):
        import zipfile

        docx = io.BytesIO()
        with zipfile.ZipFile(docx, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
        files = [
            SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"),
            SimpleUploadedFile("statement.docx", docx.getvalue()),
        ]
        post(teacher, school, form_data(school, [(pupil, "subject")], attachments=files))

        assert sorted(Attachment.objects.values_list("name", flat=True)) == ["letter.pdf", "statement.docx"]


class TestPupilSearch:
    def search(self, client, user, school, q):
        client.force_login(user)
        return client.get(reverse("incidents:pupil_search", args=[school.slug]), {"q": q})

    def test_finds_pupils_on_roll_by_any_name_with_their_class(self, client, school, teacher, pupil, other_pupil):
        pupil.preferred_first_name = "Mara"
        pupil.save()
        factories.PupilFactory(
            school=school, legal_first_name="Amaranth", legal_last_name="Left", left_on=datetime.date(2020, 1, 1)
        )

        response = self.search(client, teacher, school, "mara")

        assert response.status_code == 200
        assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
        assert response.json() == {
            "results": [{"id": str(pupil.public_id), "name": "Mara Whitfield", "class": "3 Oak"}]
        }

    def test_another_schools_pupils_are_never_found(self, client, school, teacher, other_pupil):
        assert self.search(client, teacher, school, other_pupil.legal_first_name).json() == {"results": []}

    def test_one_letter_finds_nothing(self, client, school, teacher, pupil):
        assert self.search(client, teacher, school, "a").json() == {"results": []}

    def test_pupils_of_ones_own_classes_come_first(self, client, school, teacher, pupil, other_class):
        other_class["class"].teachers.add(teacher)
        other_class["pupil"].legal_first_name = "Amaan"
        other_class["pupil"].save()

        names = [row["name"] for row in self.search(client, teacher, school, "ama").json()["results"]]

        assert names == ["Amaan Ashworth", "Amara Whitfield"]

    def test_at_most_20_results_in_a_constant_number_of_queries(self, client, school, teacher, pupil):
        def count(q):
            client.force_login(teacher)
            client.get(reverse("incidents:pupil_search", args=[school.slug]), {"q": q})  # warm the session
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("incidents:pupil_search", args=[school.slug]), {"q": q})
            return len(queries), response.json()["results"]

        for n in range(3):
            factories.PupilFactory(school=school, legal_first_name=f"Zed{n}", school_class=pupil.school_class)
        few_queries, few = count("zed")
        for n in range(3, 30):
            factories.PupilFactory(school=school, legal_first_name=f"Zed{n}", school_class=pupil.school_class)
        many_queries, many = count("zed")

        assert len(few) == 3 and len(many) == 20
        assert few_queries == many_queries


class TestWhoMayRecord:
    @pytest.mark.parametrize("who", ["governor", "parent", "trust_admin", "other_school_dsl"])
    def test_no_one_but_the_schools_staff_reaches_the_form_or_the_search(self, client, request, school, pupil, who):
        client.force_login(request.getfixturevalue(who))

        assert client.get(record_url(school)).status_code == 404
        assert client.post(record_url(school), form_data(school, [(pupil, "subject")])).status_code == 404
        assert client.get(reverse("incidents:pupil_search", args=[school.slug]), {"q": "Amara"}).status_code == 404
        assert not Incident.objects.exists()

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, school):
        response = client.get(record_url(school))

        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))

    @pytest.mark.parametrize("who", ["office", "teacher", "dsl", "deputy_dsl", "slt", "head"])
    def test_every_member_of_staff_may_record(self, client, request, school, pupil, who):
        client.force_login(request.getfixturevalue(who))

        response = client.get(record_url(school))

        assert response.status_code == 200
        assert "Pupils involved" in response.content.decode()

    def test_without_javascript_a_teacher_chooses_from_the_pupils_of_their_classes(
        self, client, school, teacher, pupil, other_class
    ):
        pupil.school_class.teachers.add(teacher)
        client.force_login(teacher)

        text = client.get(record_url(school)).content.decode()

        assert f'<option value="{pupil.public_id}">Amara Whitfield</option>' in text
        assert "Bilal Ashworth" not in text

    def test_the_form_shows_the_schools_levels_and_category_guidance(self, client, school, teacher):
        client.force_login(teacher)

        text = client.get(record_url(school)).content.decode()

        assert "Level 4: Very serious behaviour" in text
        assert "SLT must be involved" in text
        assert "Macpherson definition" in text
        assert 'src="/static/incidents/record.js"' in text and "<script>" not in text


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
STAFF = {"office", "teacher", "dsl", "deputy_dsl", "slt", "head"}


class TestPermissionMatrix:
    """The status each persona gets on each page of recording (anonymous: sent to sign in)."""

    @pytest.fixture
    def sign_in(self, client, request):
        def _sign_in(who):
            client.logout()
            if who != "anonymous":
                client.force_login(request.getfixturevalue(who))
            return client

        return _sign_in

    @pytest.fixture
    def concern(self, school, teacher, pupil):
        return services.incident_record(
            actor=teacher,
            school=school,
            occurred_at=timezone.now(),
            location="classroom",
            categories=[category(school, "neglect")],
            pupils=[(pupil, "subject")],
            description=DESCRIPTION,
        )

    @staticmethod
    def status(response):
        if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
            return "login"
        return response.status_code

    @pytest.mark.parametrize("who", PERSONAS)
    def test_record_form_and_search(self, sign_in, school, pupil, parent, who):
        client = sign_in(who)
        expected = "login" if who == "anonymous" else (200 if who in STAFF else 404)

        assert self.status(client.get(record_url(school))) == expected
        assert self.status(client.get(reverse("incidents:pupil_search", args=[school.slug]), {"q": "ama"})) == expected
        posted = self.status(client.post(record_url(school), form_data(school, [(pupil, "subject")])))
        assert posted == (302 if who in STAFF else expected)

    @pytest.mark.parametrize("who", PERSONAS)
    def test_concern_raised_page(self, sign_in, school, concern, parent, who):
        client = sign_in(who)
        expected = {"anonymous": "login", "teacher": 200}.get(who, 404)

        url = reverse("incidents:concern_raised", args=[school.slug, concern.public_id])
        assert self.status(client.get(url)) == expected
        assert self.status(client.post(url)) == ("login" if who == "anonymous" else 405)
