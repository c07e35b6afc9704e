"""Issue 16 item 5: external referrals of a concern (social care/MASH, police, Prevent, LADO, early help) with
reference, date, outcome and follow-up; the follow-up is an action reminded when due; a printable summary; DSL team
only, behind the second factor."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services, tasks
from incidents.models import Action, IncidentPupil, Referral
from incidents.services_referrals import referral_record, referral_update
from incidents.tests.factories import category
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


@pytest.fixture
def concern(school, pupil, teacher):
    return services.incident_record(
        actor=teacher,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=3),
        location="classroom",
        categories=[category(school, "neglect")],
        pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
        description="Bruise on the arm, said her step-dad grabbed her.",
    )


def detail(client, incident):
    return client.get(reverse("incidents:incident_detail", args=[incident.school.slug, incident.public_id]))


class TestService:
    def test_a_referral_with_a_follow_up_raises_an_action_for_the_dsl(self, school, dsl, concern):
        today = school.today()
        referral = referral_record(
            actor=dsl,
            incident=concern,
            agency="social_care",
            referred_on=today,
            reference="MASH-2026-0412",
            follow_up_on=today + datetime.timedelta(days=3),
        )
        action = referral.follow_up_action
        assert action.kind == Action.Kind.FOLLOW_UP_REFERRAL and action.assignee == dsl
        assert action.due_on == today + datetime.timedelta(days=3) and action.completed_at is None
        assert "MASH-2026-0412" in action.description
        assert AuditEvent.objects.filter(
            action="incidents.referral.recorded", subject_id=str(concern.public_id)
        ).exists()

    def test_the_follow_up_is_reminded_when_its_date_passes(self, school, dsl, concern, mailoutbox):
        today = school.today()
        referral_record(
            actor=dsl,
            incident=concern,
            agency="police",
            referred_on=today,
            follow_up_on=today + datetime.timedelta(days=2),
        )
        from incidents.selectors import my_open_actions

        overdue_day = today + datetime.timedelta(days=9)
        assert [a.kind for a in my_open_actions(user=dsl, school=school)] == ["follow_up_referral"]
        tasks.send_action_digest(dsl.pk, overdue_day.isoformat())
        assert len(mailoutbox) == 1 and dsl.email in mailoutbox[0].to

    def test_the_outcome_completes_the_follow_up(self, school, dsl, concern):
        today = school.today()
        referral = referral_record(
            actor=dsl,
            incident=concern,
            agency="lado",
            referred_on=today,
            follow_up_on=today + datetime.timedelta(days=5),
        )
        referral_update(actor=dsl, referral=referral, outcome="Threshold not met; advice given")
        referral.refresh_from_db()
        assert referral.outcome_on == today
        action = Action.objects.get(pk=referral.follow_up_action_id)
        assert action.completed_at is not None and action.completion_note == "Threshold not met; advice given"
        # The same again changes nothing.
        events = AuditEvent.objects.filter(action="incidents.referral.updated").count()
        referral_update(actor=dsl, referral=referral, outcome="Threshold not met; advice given")
        assert AuditEvent.objects.filter(action="incidents.referral.updated").count() == events

    def test_a_new_follow_up_date_moves_the_action(self, school, dsl, concern):
        today = school.today()
        referral = referral_record(actor=dsl, incident=concern, agency="prevent", referred_on=today)
        assert referral.follow_up_action is None
        referral = referral_update(actor=dsl, referral=referral, follow_up_on=today + datetime.timedelta(days=7))
        assert referral.follow_up_action.due_on == today + datetime.timedelta(days=7)
        referral = referral_update(actor=dsl, referral=referral, follow_up_on=today + datetime.timedelta(days=10))
        assert Action.objects.filter(kind="follow_up_referral").count() == 1
        assert Action.objects.get(kind="follow_up_referral").due_on == today + datetime.timedelta(days=10)

    def test_an_open_refer_action_is_completed_by_the_referral(self, school, dsl, concern):
        action = services.action_add(
            actor=dsl, incident=concern, kind="refer_social_care", assignee=dsl, due_on=school.today()
        )
        referral_record(actor=dsl, incident=concern, agency="social_care", referred_on=school.today(), reference="R1")
        action.refresh_from_db()
        assert action.completed_at is not None and "R1" in action.completion_note

    @pytest.mark.parametrize("who", ["teacher", "office", "slt"])
    def test_only_the_dsl_team_refers(self, request, school, concern, who):
        with pytest.raises(PermissionError):
            referral_record(
                actor=request.getfixturevalue(who), incident=concern, agency="police", referred_on=school.today()
            )

    def test_only_concerns_are_referred_here_and_dates_are_checked(self, school, pupil, dsl, office, concern):
        behaviour = services.incident_record(
            actor=office,
            school=school,
            occurred_at=timezone.now(),
            location="hall",
            categories=[category(school, "verbal-abuse")],
            pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
            behaviour_level=1,
            description="Talked in assembly.",
        )
        with pytest.raises(PermissionError):
            referral_record(actor=dsl, incident=behaviour, agency="police", referred_on=school.today())
        with pytest.raises(DomainError):
            referral_record(
                actor=dsl, incident=concern, agency="police", referred_on=school.today() + datetime.timedelta(days=1)
            )
        with pytest.raises(DomainError):
            referral_record(
                actor=dsl,
                incident=concern,
                agency="police",
                referred_on=school.today(),
                follow_up_on=school.today() - datetime.timedelta(days=1),
            )


class TestPages:
    def test_the_dsl_records_a_referral_on_the_concern_and_prints_it(self, client, school, dsl, concern):
        client.force_login(dsl)
        verify(client)
        page = detail(client, concern).content.decode()
        assert 'id="referrals"' in page and 'id="referral-form"' in page
        url = reverse("incidents:referral_add", args=[school.slug, concern.public_id])
        response = client.post(
            url,
            {
                "agency": "social_care",
                "referred_on": school.today().isoformat(),
                "reference": "MASH-77",
                "follow_up_on": (school.today() + datetime.timedelta(days=2)).isoformat(),
            },
        )
        assert response.status_code == 302
        referral = Referral.objects.get(incident=concern)
        page = detail(client, concern).content.decode()
        assert "MASH-77" in page and "Outcome awaited" in page
        pdf_url = reverse("incidents:referral_pdf", args=[school.slug, concern.public_id, referral.public_id])
        assert pdf_url in page
        response = client.get(pdf_url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert AuditEvent.objects.filter(action="incidents.referral.printed").count() == 1

    def test_a_referral_without_a_date_shows_the_error_on_the_record(self, client, school, dsl, concern):
        client.force_login(dsl)
        verify(client)
        url = reverse("incidents:referral_add", args=[school.slug, concern.public_id])
        response = client.post(url, {"agency": "police"})
        assert response.status_code == 200 and 'id="referral-form"' in response.content.decode()
        assert not Referral.objects.exists()

    def test_other_staff_see_no_referrals_and_get_404(self, client, school, dsl, slt, teacher, concern):
        referral = referral_record(actor=dsl, incident=concern, agency="police", referred_on=school.today())
        pdf_url = reverse("incidents:referral_pdf", args=[school.slug, concern.public_id, referral.public_id])
        for user in (slt, teacher):
            client.force_login(user)
            verify(client)
            assert client.get(pdf_url).status_code == 404
            response = client.post(reverse("incidents:referral_add", args=[school.slug, concern.public_id]), {})
            assert response.status_code == 404

    def test_the_pdf_asks_for_the_second_factor(self, client, school, dsl, concern):
        referral = referral_record(actor=dsl, incident=concern, agency="police", referred_on=school.today())
        client.force_login(dsl)
        response = client.get(
            reverse("incidents:referral_pdf", args=[school.slug, concern.public_id, referral.public_id])
        )
        assert response.status_code == 302 and "two-factor" in response["Location"]
