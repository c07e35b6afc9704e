"""A policy's register fields changed in the pages (issue 13 item 6): the head or SLT sets the owner, review team,
approving body and review cycle; a bad combination is a form error; history and an audit event keep the change; the
next review date follows the cycle (``aup.reviews.next_review_date``) and can be seen before saving."""

import datetime

import pytest
from django.urls import reverse

from aup import services_register
from aup.models import Policy
from aup.tests.factories import PolicyFactory
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import Role
from safeguard.directory.tests import factories


@pytest.fixture
def policy(school, head):
    return PolicyFactory(
        school=school,
        title="Online Safety Policy",
        owner=head,
        review_cycle=Policy.ReviewCycle.EVERY_N_YEARS,
        review_interval=1,
        last_approved_on=datetime.date(2026, 3, 10),
        next_review_on=datetime.date(2027, 3, 10),
    )


def _url(school, policy):
    return reverse("aup:policy_register_edit", args=[school.slug, policy.public_id])


def _form(owner, team=(), **overrides):
    data = {
        "owner": str(owner.public_id),
        "review_team": [str(user.public_id) for user in team],
        "approving_body": Policy.ApprovingBody.COMMITTEE,
        "approving_committee": "Curriculum and Standards Committee",
        "review_cycle": Policy.ReviewCycle.FIXED_MONTH,
        "review_interval": "1",
        "review_month": "9",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestPages:
    def test_the_head_changes_the_register_fields_with_history_audit_and_a_new_review_date(
        self, client, school, head, dsl, teacher, policy
    ):
        history_before = policy.history.count()
        client.force_login(head)
        page = client.get(_url(school, policy))
        assert page.status_code == 200 and "Curriculum" not in page.text
        assert "Next review due: 10 March 2027" in " ".join(page.text.split())

        response = client.post(_url(school, policy), _form(dsl, team=[dsl, teacher]))

        assert response.status_code == 302
        assert response.url == reverse("aup:policy_detail", args=[school.slug, policy.public_id])
        policy.refresh_from_db()
        assert policy.owner == dsl and set(policy.review_team.all()) == {dsl, teacher}
        assert policy.approving_body == Policy.ApprovingBody.COMMITTEE
        assert (policy.review_cycle, policy.review_month) == (Policy.ReviewCycle.FIXED_MONTH, 9)
        # Approved in March 2026, reviewed every September: due on 1 September 2026 (not a year after approval).
        assert policy.next_review_on == datetime.date(2026, 9, 1)
        assert policy.history.count() > history_before
        assert policy.history.first().review_cycle == Policy.ReviewCycle.FIXED_MONTH
        assert policy.history.filter(review_cycle=Policy.ReviewCycle.EVERY_N_YEARS).exists()  # the old value kept
        event = AuditEvent.objects.get(action="aup.policy.register_changed", subject_id=str(policy.public_id))
        assert event.actor == head and event.school == school
        assert set(event.data["changed"]) >= {"owner", "review_team", "approving_body", "review_cycle", "review_month"}
        assert event.data["next_review_on"] == "2026-09-01" and event.data["previous_next_review_on"] == "2027-03-10"

        detail = " ".join(client.get(response.url).text.split())
        assert "Curriculum and Standards Committee" in detail and "Every September" in detail
        assert "1 September 2026" in detail

    def test_every_two_years_moves_the_date_from_the_last_approval(self, client, school, slt, head, policy):
        client.force_login(slt)
        data = _form(head, approving_body=Policy.ApprovingBody.HEADTEACHER, approving_committee="")
        data.update(review_cycle=Policy.ReviewCycle.EVERY_N_YEARS, review_interval="2", review_month="")
        assert client.post(_url(school, policy), data).status_code == 302
        policy.refresh_from_db()
        assert policy.next_review_on == datetime.date(2028, 3, 10)

    def test_the_next_review_date_is_shown_before_saving(self, client, school, head, policy):
        client.force_login(head)
        response = client.post(_url(school, policy), {**_form(head), "preview": "1"})
        assert response.status_code == 200
        text = " ".join(response.text.split())
        assert "With these settings the next review is due on 1 September 2026 (now: 10 March 2027)" in text
        policy.refresh_from_db()
        assert policy.review_cycle == Policy.ReviewCycle.EVERY_N_YEARS  # nothing saved
        assert not AuditEvent.objects.filter(action="aup.policy.register_changed").exists()

    def test_a_fixed_month_without_a_month_is_a_form_error(self, client, school, head, policy):
        client.force_login(head)
        response = client.post(_url(school, policy), _form(head, review_month=""))
        assert response.status_code == 200
        assert "Please choose the month of the yearly review" in response.text
        response = client.post(
            _url(school, policy), _form(head, review_cycle=Policy.ReviewCycle.EVERY_N_MONTHS, review_month="9")
        )
        assert "A review month is only for a review every year in a fixed month" in response.text
        response = client.post(_url(school, policy), _form(head, approving_committee=""))
        assert "Please name the committee that approves this policy." in response.text
        policy.refresh_from_db()
        assert policy.review_cycle == Policy.ReviewCycle.EVERY_N_YEARS and policy.review_month is None
        assert not AuditEvent.objects.filter(action="aup.policy.register_changed").exists()

    def test_the_owner_must_be_staff_of_the_school(self, client, school, head, policy, other_school_dsl):
        client.force_login(head)
        response = client.post(_url(school, policy), _form(other_school_dsl))
        assert response.status_code == 200 and "Select a valid choice" in response.text
        governor = factories.StaffRoleFactory(school=school, role=Role.GOVERNOR).user
        response = client.post(_url(school, policy), _form(head, team=[governor]))
        assert response.status_code == 200 and "Select a valid choice" in response.text

    def test_only_the_head_and_slt_see_the_button_and_the_page(
        self, client, school, head, office, teacher, governor, trust_admin, policy
    ):
        detail = reverse("aup:policy_detail", args=[school.slug, policy.public_id])
        client.force_login(head)
        assert 'id="edit-register"' in client.get(detail).text
        for person in (office, teacher, governor, trust_admin):
            client.force_login(person)
            assert 'id="edit-register"' not in client.get(detail).text
            assert client.get(_url(school, policy)).status_code == 404
            assert client.post(_url(school, policy), _form(head)).status_code == 404
        policy.refresh_from_db()
        assert policy.review_cycle == Policy.ReviewCycle.EVERY_N_YEARS

    def test_a_trust_wide_policy_is_not_changed_from_a_school(self, client, school, trust, head):
        shared = PolicyFactory(school=None, organisation=trust, title="Trust Data Protection Policy")
        client.force_login(head)
        assert client.get(_url(school, shared)).status_code == 404
        assert client.post(_url(school, shared), _form(head)).status_code == 404


@pytest.mark.django_db
class TestService:
    def _update(self, actor, policy, **overrides):
        values = {
            "owner": policy.owner,
            "review_team": [],
            "approving_body": Policy.ApprovingBody.FULL_GOVERNING_BODY,
            "approving_committee": "",
            "review_cycle": Policy.ReviewCycle.EVERY_N_MONTHS,
            "review_interval": 6,
            "review_month": None,
        }
        values.update(overrides)
        return services_register.policy_register_update(actor=actor, policy=policy, **values)

    def test_a_repeat_call_changes_nothing_and_writes_no_event(self, head, policy):
        _policy, changed = self._update(head, policy)
        assert changed == ["review_cycle", "review_interval"]
        policy.refresh_from_db()
        assert policy.next_review_on == datetime.date(2026, 9, 10)
        history = policy.history.count()
        _policy, changed = self._update(head, policy)
        assert changed == []
        assert policy.history.count() == history
        assert AuditEvent.objects.filter(action="aup.policy.register_changed").count() == 1

    def test_an_actor_who_may_not_is_refused(self, office, teacher, policy):
        for person in (office, teacher):
            with pytest.raises(PermissionError):
                self._update(person, policy)

    def test_bad_combinations_are_refused_by_the_service_too(self, head, policy, other_school_dsl):
        with pytest.raises(DomainError) as error:
            self._update(head, policy, review_cycle=Policy.ReviewCycle.FIXED_MONTH, review_month=None)
        assert error.value.code == "review_month"
        with pytest.raises(DomainError):
            self._update(head, policy, review_interval=0)
        with pytest.raises(DomainError):
            self._update(head, policy, approving_body=Policy.ApprovingBody.COMMITTEE)
        with pytest.raises(DomainError) as error:
            self._update(head, policy, owner=other_school_dsl)
        assert error.value.code == "owner"

    def test_a_policy_never_approved_keeps_no_review_date(self, head, school):
        fresh = PolicyFactory(school=school, title="New Policy", owner=head)
        self._update(head, fresh, review_cycle=Policy.ReviewCycle.FIXED_MONTH, review_month=9)
        fresh.refresh_from_db()
        assert fresh.review_month == 9 and fresh.next_review_on is None
