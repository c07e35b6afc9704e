"""Issue 12 #10: every page that shows a safeguarding concern's detail — the incident list, the dashboard's drill-down
and its CSV, the online safety log and its PDF, alerts and actions — writes an audit event whose subject is the pupil,
which "who viewed this pupil's record" lists; before the second factor a concern's row shows no free text."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import IncidentPupil
from incidents.tests.factories import category
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent

DESCRIPTION = "Disclosed that an older cousin takes her phone and sends pictures at night."
WHERE_EXACTLY = "Behind the mobile classroom by the bins"


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


@pytest.fixture
def concern(school, pupil, teacher, dsl):
    """A concern about ``pupil`` that is also an online safety incident, with free text in two places."""
    return services.incident_record(
        actor=teacher,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        location="classroom",
        location_detail=WHERE_EXACTLY,
        categories=[category(school, "neglect"), category(school, "online-misuse")],
        pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
        description=DESCRIPTION,
        alert_user_ids=[dsl.pk],
    )


def pupil_events(pupil, action):
    return AuditEvent.objects.filter(
        action=action, subject_type=pupil._meta.label_lower, subject_id=str(pupil.public_id)
    )


def viewers_page(client, school, pupil):
    return client.get(reverse("incidents:viewers", args=[school.slug, pupil.public_id])).content.decode()


def drilldown_query(school):
    today = school.today()
    return {"date_from": (today - datetime.timedelta(days=7)).isoformat(), "date_to": today.isoformat()}


class TestBeforeTheSecondFactor:
    def test_the_list_drilldown_and_csv_show_no_free_text_and_log_nothing(self, client, school, pupil, dsl, concern):
        client.force_login(dsl)
        pages = {
            "list": client.get(reverse("incidents:list", args=[school.slug])),
            "drilldown": client.get(
                reverse("reports:incident_drilldown", args=[school.slug]),
                {**drilldown_query(school), "figure": "total"},
            ),
            "csv": client.get(
                reverse("reports:incident_dashboard_csv", args=[school.slug]),
                {**drilldown_query(school), "view": "incidents", "figure": "total"},
            ),
            "alerts": client.get(reverse("incidents:alerts", args=[school.slug])),
        }
        for name, response in pages.items():
            assert response.status_code == 200, name
            text = b"".join(response.streaming_content) if response.streaming else response.content
            text = text.decode()
            assert DESCRIPTION not in text and WHERE_EXACTLY not in text and pupil.legal_last_name not in text, name
        assert "Concern — verify to view" in pages["list"].content.decode()
        assert "Concern — verify to view" in pages["drilldown"].content.decode()
        assert not AuditEvent.objects.filter(subject_type=pupil._meta.label_lower).exists()


class TestAfterTheSecondFactor:
    def test_the_incident_list_logs_a_view_of_each_pupil(self, client, school, pupil, dsl, concern):
        client.force_login(dsl)
        verify(client)
        page = client.get(reverse("incidents:list", args=[school.slug])).content.decode()
        assert pupil.display_name in page and WHERE_EXACTLY in page
        event = pupil_events(pupil, "incidents.concern_list.viewed").get()
        assert event.actor == dsl and event.data["incidents"] == [str(concern.public_id)]
        assert "Saw a concern in the incident list" in viewers_page(client, school, pupil)

    def test_a_behaviour_only_list_logs_nothing(self, client, school, pupil, slt, teacher):
        services.incident_record(
            actor=teacher,
            school=school,
            occurred_at=timezone.now() - datetime.timedelta(hours=1),
            location="classroom",
            categories=[category(school, "low-level-disruption")],
            pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
            description="Talked over the teacher.",
            behaviour_level=1,
        )
        client.force_login(slt)
        verify(client)
        client.get(reverse("incidents:list", args=[school.slug]))
        assert not AuditEvent.objects.filter(subject_type=pupil._meta.label_lower).exists()

    def test_the_drilldown_and_its_csv_log_a_view_of_each_pupil(self, client, school, pupil, dsl, concern):
        client.force_login(dsl)
        verify(client)
        response = client.get(
            reverse("reports:incident_drilldown", args=[school.slug]), {**drilldown_query(school), "figure": "total"}
        )
        assert pupil.display_name in response.content.decode()
        assert pupil_events(pupil, "reports.drilldown.viewed").get().data["incidents"] == [str(concern.public_id)]
        response = client.get(
            reverse("reports:incident_dashboard_csv", args=[school.slug]),
            {**drilldown_query(school), "view": "incidents", "figure": "total"},
        )
        assert pupil.display_name in b"".join(response.streaming_content).decode()
        assert pupil_events(pupil, "reports.drilldown.downloaded").get().actor == dsl
        page = viewers_page(client, school, pupil)
        assert "Saw a concern in a dashboard list" in page
        assert "Downloaded a dashboard list with a concern" in page

    def test_the_online_safety_log_and_its_pdf_log_a_view_of_each_pupil(self, client, school, pupil, dsl, concern):
        client.force_login(dsl)
        verify(client)
        page = client.get(reverse("incidents:form_online_safety_log", args=[school.slug])).content.decode()
        assert DESCRIPTION in page
        assert pupil_events(pupil, "incidents.online_safety_log.printed").get().data["incidents"] == [
            str(concern.public_id)
        ]
        response = client.get(reverse("incidents:form_online_safety_log_pdf", args=[school.slug]))
        assert response.status_code == 200
        assert pupil_events(pupil, "incidents.online_safety_log.downloaded").count() == 1
        page = viewers_page(client, school, pupil)
        assert "Opened the online safety log" in page and "Downloaded the online safety log" in page

    def test_alerts_and_actions_log_a_view_of_each_pupil(self, client, school, pupil, dsl, concern):
        services.action_add(
            actor=dsl, incident=concern, kind="investigate", assignee=dsl, due_on=school.today(), description="Call."
        )
        client.force_login(dsl)
        verify(client)
        assert pupil.display_name in client.get(reverse("incidents:alerts", args=[school.slug])).content.decode()
        assert pupil_events(pupil, "incidents.concern_alerts.viewed").count() == 1
        client.get(reverse("incidents:my_actions", args=[school.slug]))
        assert pupil_events(pupil, "incidents.concern_actions.viewed").count() == 1
        page = viewers_page(client, school, pupil)
        assert "Saw a concern in their alerts" in page and "Saw a concern&#x27;s actions" in page
