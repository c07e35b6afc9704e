"""Issue 16 item 2: a record is corrected (typo, wrong category or level, when or where) by whoever manages it, with a
reason; the previous version stays in its history with who, when and why; SLT are alerted only when the level rises
into their band; a voided record cannot be corrected."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Alert, IncidentAmendment, IncidentPupil
from incidents.tests.factories import category
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.jobs.models import OutboxTask


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


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
def behaviour(school, pupil, office):
    return record(office, school, pupil, "verbal-abuse", "Shouted at a dinner supervsor.", behaviour_level=2)


@pytest.fixture
def concern(school, pupil, teacher):
    return record(teacher, school, pupil, "neglect", "Came in without a coat agian.")


def amend_url(incident):
    return reverse("incidents:incident_amend", args=[incident.school.slug, incident.public_id])


def detail(client, incident):
    return client.get(reverse("incidents:incident_detail", args=[incident.school.slug, incident.public_id]))


class TestService:
    def test_a_typo_is_corrected_and_the_old_text_kept(self, school, slt, behaviour):
        incident, amendment = services.incident_amend(
            actor=slt, incident=behaviour, reason="Spelling", description="Shouted at a dinner supervisor."
        )
        incident.refresh_from_db()
        assert incident.description == "Shouted at a dinner supervisor."
        assert amendment.changes == [
            {"field": "description", "old": "Shouted at a dinner supervsor.", "new": "Shouted at a dinner supervisor."}
        ]
        event = AuditEvent.objects.get(action="incidents.incident.amended")
        assert event.actor == slt and event.data == {"fields": ["description"], "reason": "Spelling"}

    def test_nothing_different_writes_nothing(self, slt, behaviour):
        _incident, amendment = services.incident_amend(
            actor=slt, incident=behaviour, reason="Check", description=behaviour.description
        )
        assert amendment is None
        assert not IncidentAmendment.objects.exists()
        assert not AuditEvent.objects.filter(action="incidents.incident.amended").exists()

    def test_a_reason_is_required(self, slt, behaviour):
        with pytest.raises(DomainError) as error:
            services.incident_amend(actor=slt, incident=behaviour, reason=" ", behaviour_level=3)
        assert error.value.code == "reason"

    @pytest.mark.parametrize("who", ["teacher", "office", "governor"])
    def test_only_those_who_manage_it_may_correct_it(self, request, who, behaviour):
        # The office recorded it; recording does not let you rewrite it.
        with pytest.raises(PermissionError):
            services.incident_amend(actor=request.getfixturevalue(who), incident=behaviour, reason="x", location="hall")

    def test_a_concern_is_corrected_by_the_dsl_team_only(self, slt, dsl, concern):
        with pytest.raises(PermissionError):
            services.incident_amend(actor=slt, incident=concern, reason="Typo", description="Came in without a coat.")
        _incident, amendment = services.incident_amend(
            actor=dsl, incident=concern, reason="Typo", description="Came in without a coat again."
        )
        assert amendment is not None

    def test_a_record_cannot_move_in_or_out_of_the_concerns(self, school, dsl, behaviour, concern):
        with pytest.raises(DomainError) as error:
            services.incident_amend(
                actor=dsl,
                incident=concern,
                reason="Wrong",
                categories=[category(school, "verbal-abuse")],
                behaviour_level=1,
            )
        assert error.value.code == "categories"
        with pytest.raises(DomainError):
            services.incident_amend(
                actor=dsl, incident=behaviour, reason="Wrong", categories=[category(school, "neglect")]
            )

    def test_a_voided_record_cannot_be_corrected(self, slt, behaviour):
        services.incident_void(actor=slt, incident=behaviour, reason="Wrong pupil")
        with pytest.raises(DomainError):
            services.incident_amend(actor=slt, incident=behaviour, reason="x", location="hall")

    def test_the_category_and_level_change_with_the_group_flags(self, school, slt, behaviour):
        incident, amendment = services.incident_amend(
            actor=slt,
            incident=behaviour,
            reason="It was bullying",
            categories=[category(school, "bullying")],
            bullying_type="verbal",
            behaviour_level=3,
        )
        incident.refresh_from_db()
        assert incident.is_bullying and not incident.is_behaviour
        assert [c.code for c in incident.categories.all()] == ["bullying"]
        old = {change["field"]: change["old"] for change in amendment.changes}
        assert old["categories"] == [category(school, "verbal-abuse").name]
        assert old["behaviour_level"] == 2


class TestAlerts:
    def test_slt_are_alerted_when_the_level_rises_into_their_band(self, school, slt, head, dsl, behaviour):
        assert not Alert.objects.filter(incident=behaviour, reason=Alert.Reason.SLT).exists()
        services.incident_amend(actor=dsl, incident=behaviour, reason="More serious than logged", behaviour_level=4)
        alerted = set(
            Alert.objects.filter(incident=behaviour, reason=Alert.Reason.SLT).values_list("recipient", flat=True)
        )
        assert alerted == {slt.pk, head.pk}
        queued = OutboxTask.objects.filter(task_name__endswith="send_alert_email").count()
        # Raised again within the band: no one is alerted twice.
        services.incident_amend(actor=dsl, incident=behaviour, reason="Level 5", behaviour_level=5)
        assert Alert.objects.filter(incident=behaviour, reason=Alert.Reason.SLT).count() == 2
        assert OutboxTask.objects.filter(task_name__endswith="send_alert_email").count() == queued

    def test_a_correction_below_the_band_alerts_no_one(self, slt, behaviour):
        before = Alert.objects.count()
        services.incident_amend(actor=slt, incident=behaviour, reason="Level 1 really", behaviour_level=1)
        services.incident_amend(actor=slt, incident=behaviour, reason="Typo", description="Shouted.")
        assert Alert.objects.count() == before


class TestPages:
    def test_slt_correct_a_record_and_its_history_shows_the_old_text_who_and_why(self, client, slt, behaviour):
        client.force_login(slt)
        form = client.get(amend_url(behaviour))
        assert form.status_code == 200 and "Shouted at a dinner supervsor." in form.content.decode()
        data = {
            "occurred_at": timezone.localtime(behaviour.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            "location": "playground",
            "categories": [c.pk for c in behaviour.categories.all()],
            "behaviour_level": "2",
            "description": "Shouted at a dinner supervisor.",
            "reason": "Spelling mistake",
        }
        response = client.post(amend_url(behaviour), data)
        assert response.status_code == 302
        page = detail(client, behaviour).content.decode()
        assert "Shouted at a dinner supervisor." in page
        history = page[page.index('id="incident-history"') :]
        assert "Shouted at a dinner supervsor." in history  # the previous version, struck through
        assert "Spelling mistake" in history and str(slt) in history
        assert 'id="amend-link"' in page

    def test_the_reason_is_required_on_the_page(self, client, slt, behaviour):
        client.force_login(slt)
        response = client.post(amend_url(behaviour), {"description": "x", "location": "playground"})
        assert response.status_code == 200
        assert 'id="amend-form"' in response.content.decode()
        behaviour.refresh_from_db()
        assert behaviour.description == "Shouted at a dinner supervsor."  # nothing saved
        assert not IncidentAmendment.objects.exists()

    def test_staff_who_cannot_manage_it_get_404_and_no_link(self, client, office, teacher, behaviour):
        client.force_login(office)  # the recorder reads it, but may not rewrite it
        assert 'id="amend-link"' not in detail(client, behaviour).content.decode()
        assert client.get(amend_url(behaviour)).status_code == 404
        client.force_login(teacher)
        assert client.get(amend_url(behaviour)).status_code == 404

    def test_a_concern_asks_for_the_second_factor_first(self, client, dsl, concern):
        client.force_login(dsl)
        response = client.get(amend_url(concern))
        assert response.status_code == 302 and "two-factor" in response["Location"]
        verify(client)
        assert client.get(amend_url(concern)).status_code == 200

    def test_another_schools_record_answers_404(self, client, other_school, other_pupil, other_school_dsl, dsl, school):
        theirs = record(other_school_dsl, other_school, other_pupil, "verbal-abuse", "Pushed.", behaviour_level=2)
        client.force_login(dsl)
        verify(client)
        url = reverse("incidents:incident_amend", args=[school.slug, theirs.public_id])
        assert client.get(url).status_code == 404
