"""Issue 16 item 4: pupil flags the DSL team keeps (CP plan, CIN, early help, young carer, open to social care), with
dates and history, never deleted; a discreet marker on the pupil's page for the DSL team only — the page is the
same for everyone else whether or not the pupil has a flag."""

import datetime
import re
import time

import pytest
from django.urls import reverse

from incidents.models import PupilFlag
from incidents.services_flags import pupil_flag_end, pupil_flag_start
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


def flags_url(school, pupil):
    return reverse("incidents:pupil_flags", args=[school.slug, pupil.public_id])


def pupil_page(client, school, pupil):
    response = client.get(reverse("directory:pupil_detail", args=[school.slug, pupil.public_id]))
    assert response.status_code == 200
    # The CSRF token differs on every page: it is not what is compared.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


class TestService:
    def test_a_flag_is_started_ended_and_kept(self, school, pupil, dsl):
        start = school.today() - datetime.timedelta(days=30)
        flag, created = pupil_flag_start(actor=dsl, pupil=pupil, kind="cp_plan", starts_on=start, note="Neglect")
        assert created and flag.ends_on is None
        again, created = pupil_flag_start(actor=dsl, pupil=pupil, kind="cp_plan", starts_on=start)
        assert again == flag and not created
        pupil_flag_end(actor=dsl, flag=flag, ends_on=school.today(), reason="Stepped down to CIN")
        flag.refresh_from_db()
        assert flag.ends_on == school.today() and flag.ended_by == dsl
        assert PupilFlag.objects.filter(pupil=pupil).count() == 1  # kept, ended
        assert flag.history.count() == 2
        # A new plan can start once the old one has ended.
        _second, created = pupil_flag_start(actor=dsl, pupil=pupil, kind="cp_plan", starts_on=school.today())
        assert created
        actions = list(AuditEvent.objects.filter(subject_id=str(pupil.public_id)).values_list("action", flat=True))
        assert actions.count("incidents.pupil_flag.started") == 2 and "incidents.pupil_flag.ended" in actions

    @pytest.mark.parametrize("who", ["office", "teacher", "slt", "governor"])
    def test_only_the_dsl_team_keeps_flags(self, request, school, pupil, who):
        with pytest.raises(PermissionError):
            pupil_flag_start(actor=request.getfixturevalue(who), pupil=pupil, kind="cin", starts_on=school.today())

    def test_dates_are_checked(self, school, pupil, head):
        with pytest.raises(DomainError):
            pupil_flag_start(actor=head, pupil=pupil, kind="cin", starts_on=school.today() + datetime.timedelta(days=1))
        flag, _ = pupil_flag_start(actor=head, pupil=pupil, kind="cin", starts_on=school.today())
        with pytest.raises(DomainError):
            pupil_flag_end(actor=head, flag=flag, ends_on=school.today() - datetime.timedelta(days=1))


class TestPupilPage:
    @pytest.mark.parametrize("who", ["office", "teacher", "slt", "trust_admin"])
    def test_the_page_is_the_same_with_or_without_a_flag_for_everyone_else(
        self, client, request, school, pupil, dsl, who
    ):
        client.force_login(request.getfixturevalue(who))
        before = pupil_page(client, school, pupil)
        pupil_flag_start(actor=dsl, pupil=pupil, kind="cp_plan", starts_on=school.today())
        pupil_flag_start(actor=dsl, pupil=pupil, kind="young_carer", starts_on=school.today())
        after = pupil_page(client, school, pupil)
        assert after == before
        assert "safeguarding-flag-marker" not in after and "flags/" not in after

    def test_the_dsl_team_sees_a_discreet_marker_leading_to_the_flags(self, client, school, pupil, dsl):
        client.force_login(dsl)
        assert "DSL: safeguarding flags" in pupil_page(client, school, pupil)
        pupil_flag_start(actor=dsl, pupil=pupil, kind="cp_plan", starts_on=school.today())
        page = pupil_page(client, school, pupil)
        assert "DSL: 1 safeguarding flag" in page and flags_url(school, pupil) in page
        assert "Child protection plan" not in page  # named on the flags page, behind the second factor


class TestFlagsPage:
    def test_the_dsl_adds_and_ends_a_flag_after_the_second_factor(self, client, school, pupil, dsl):
        client.force_login(dsl)
        response = client.get(flags_url(school, pupil))
        assert response.status_code == 302 and "two-factor" in response["Location"]
        verify(client)
        response = client.post(
            flags_url(school, pupil), {"kind": "early_help", "starts_on": school.today().isoformat()}
        )
        assert response.status_code == 302
        flag = PupilFlag.objects.get(pupil=pupil)
        page = client.get(flags_url(school, pupil)).content.decode()
        assert "Early help" in page and "Current" in page
        end = reverse("incidents:pupil_flag_end", args=[school.slug, pupil.public_id, flag.public_id])
        assert client.post(end, {"ends_on": school.today().isoformat(), "reason": "Closed"}).status_code == 302
        flag.refresh_from_db()
        assert flag.ends_on == school.today()
        assert AuditEvent.objects.filter(
            action="incidents.pupil_flags.viewed", subject_id=str(pupil.public_id)
        ).exists()

    @pytest.mark.parametrize("who", ["office", "teacher", "slt"])
    def test_flags_are_hidden_from_other_staff(self, client, request, school, pupil, who):
        client.force_login(request.getfixturevalue(who))
        verify(client)
        assert client.get(flags_url(school, pupil)).status_code == 404

    def test_another_schools_pupil_answers_404(self, client, school, other_pupil, dsl):
        client.force_login(dsl)
        verify(client)
        assert client.get(flags_url(school, other_pupil)).status_code == 404
