"""The policy register demo (issue 5): what the head, the governor and the administrator find after `make demo`,
that the first sweep escalates each overdue policy once, and that loading it twice changes nothing."""

import datetime
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command

from aup import demo_content
from aup.models import Policy, PolicyReview, PolicyReviewStep, PolicyVersion, ReviewReminderSent
from aup.reviews import review_status
from aup.services_reviews import review_approve
from aup.tasks_reviews import send_policy_review_reminders
from safeguard.accounts.models import User
from safeguard.accounts.tests.helpers import sign_in_with_second_factor
from safeguard.audit.models import AuditEvent
from safeguard.directory import demo
from safeguard.directory.models import School
from safeguard.jobs.models import OutboxTask

SCHOOLS = ("demo-primary", "ornek-ilkokulu")


@pytest.fixture
def loaded(full_demo):
    """The acceptable use demo's summary lines (it loads the register too); the whole demo is loaded once for every
    demo test (``full_demo`` in the root conftest)."""
    return full_demo.parts["aup"].lines


def _statuses(slug):
    """``{title: register status}`` for the school's policies today."""
    school = School.objects.get(slug=slug)
    today = school.today()
    open_reviews = set(
        PolicyReview.objects.filter(
            policy__school=school, status__in=[PolicyReview.Status.IN_REVIEW, PolicyReview.Status.SUBMITTED]
        ).values_list("policy_id", flat=True)
    )
    return {
        policy.title: review_status(
            next_review_on=policy.next_review_on, today=today, in_review=policy.pk in open_reviews
        )
        for policy in Policy.objects.filter(school=school)
    }


@pytest.mark.parametrize("slug", SCHOOLS)
def test_each_school_has_a_register_of_20_to_30_policies_with_a_spread_of_states(loaded, slug):
    statuses = _statuses(slug)
    assert 20 <= len(statuses) <= 30
    counts = {status: list(statuses.values()).count(status) for status in set(statuses.values())}
    assert 3 <= counts["overdue"] <= 5
    assert 3 <= counts["due_soon"] <= 5
    assert counts["in_review"] == 2
    assert counts["up_to_date"] >= 10
    assert "not_scheduled" not in counts

    school = School.objects.get(slug=slug)
    today = school.today()
    policies = Policy.objects.filter(school=school)
    assert policies.filter(next_review_on__lt=today - datetime.timedelta(days=7)).exists(), "none overdue > a week"
    for policy in policies:
        current = policy.versions.get(status=PolicyVersion.Status.APPROVED)
        assert current.approved_on == policy.last_approved_on <= today, policy.title
        assert current.body_html, policy.title
    assert set(policies.values_list("language", flat=True)) == {school.default_language}


def test_statutory_policies_have_their_usual_cycles_owners_and_approving_bodies(loaded):
    primary = Policy.objects.filter(school__slug="demo-primary")
    cycles = {p.title: (p.review_cycle, p.review_interval, p.review_month) for p in primary}
    assert cycles["Child Protection and Safeguarding Policy"] == ("years", 1, None)
    assert cycles["Behaviour Policy"] == ("years", 1, None)
    assert cycles["SEND Information Report"] == ("years", 1, None)
    assert cycles["Accessibility Plan"] == ("years", 3, None)
    assert cycles["Freedom of Information Publication Scheme"] == ("years", 2, None)
    assert cycles["Equality Information and Objectives"] == ("years", 4, None)
    assert cycles["Pay Policy"] == ("fixed_month", 1, 9)
    assert cycles["Homework Policy"][0] == "termly"

    child_protection = primary.get(title="Child Protection and Safeguarding Policy")
    assert child_protection.owner.email == "dsl@demo.test"
    assert child_protection.approving_body == Policy.ApprovingBody.FULL_GOVERNING_BODY
    assert "governor@demo.test" in set(child_protection.review_team.values_list("email", flat=True))
    assert primary.get(title="Admissions Policy").approving_body == Policy.ApprovingBody.TRUST_BOARD
    assert primary.get(title="Pay Policy").approving_body_label() == "Resources Committee"
    assert primary.get(title="Pay Policy").next_review_on.timetuple()[1:3] == (9, 1)  # 1 September
    assert {p.approving_body for p in primary} == set(Policy.ApprovingBody.values)

    # The acceptable use policies got their review settings: the online safety policy by a named team.
    online_safety = primary.get(title="Online Safety and Acceptable Use Policy")
    assert online_safety.next_review_on == online_safety.last_approved_on.replace(
        year=online_safety.last_approved_on.year + 1
    )
    assert {"dsl@demo.test", "teacher@demo.test", "governor@demo.test"} <= set(
        online_safety.review_team.values_list("email", flat=True)
    )
    turkish_aup = Policy.objects.get(
        school__slug="ornek-ilkokulu", title="Bilişim Teknolojileri Kabul Edilebilir Kullanım Politikası"
    )
    assert (turkish_aup.review_cycle, turkish_aup.review_month) == ("fixed_month", 9)  # "her yıl Eylül ayında"
    assert turkish_aup.next_review_on.month == 9


def test_the_reviews_in_progress_were_recorded_step_by_step(loaded):
    drafted = PolicyReview.objects.get(policy__title="Child Protection and Safeguarding Policy")
    assert drafted.status == PolicyReview.Status.IN_REVIEW
    assert drafted.draft_version.number == "2" and drafted.draft_version.status == PolicyVersion.Status.DRAFT
    assert "Filtering and monitoring" in drafted.draft_version.body_html
    assert [(step.action, step.actor.email) for step in drafted.steps.all()] == [
        (PolicyReviewStep.Action.STARTED, "dsl@demo.test"),
        (PolicyReviewStep.Action.DRAFTED, "dsl@demo.test"),
    ]

    submitted = PolicyReview.objects.get(policy__title="Relationships, Sex and Health Education Policy")
    assert submitted.status == PolicyReview.Status.SUBMITTED
    assert submitted.policy.approving_body_label() == "Curriculum and Standards Committee"
    assert list(submitted.steps.values_list("action", flat=True)) == ["started", "drafted", "submitted"]

    turkish = PolicyReview.objects.get(policy__school__slug="ornek-ilkokulu", status=PolicyReview.Status.SUBMITTED)
    assert turkish.policy.approving_body_label() == "Öğretmenler Kurulu"
    assert AuditEvent.objects.filter(action="aup.review.submitted").count() == 2


def test_the_head_approves_the_submitted_review_and_the_next_review_date_moves_on_by_a_year(loaded):
    review = PolicyReview.objects.get(policy__title="Relationships, Sex and Health Education Policy")
    head = User.objects.get(email="head@demo.test")
    today = review.policy.school.today()

    review_approve(actor=head, review=review, approved_on=today)

    policy = Policy.objects.get(pk=review.policy_id)
    assert policy.versions.get(status=PolicyVersion.Status.APPROVED).number == "2"
    assert policy.last_approved_on == today
    assert policy.next_review_on == today + relativedelta(years=1)


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Policy, PolicyVersion, PolicyReview, PolicyReviewStep, AuditEvent, User)
    } | {"policy history": Policy.history.count()}


def test_loading_the_demo_again_creates_nothing(loaded):
    before = _counts()
    demo.load_demo(password=demo.DEFAULT_PASSWORD)
    lines = demo_content.load()
    assert _counts() == before
    assert "Policy register: 0 policies and 0 reviews in progress created this run." in lines


def _sweep(capture):
    with capture(execute=True):
        send_policy_review_reminders()


def test_the_first_sweep_escalates_each_overdue_policy_once_to_the_head_and_the_trust(
    loaded, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    statuses = _statuses("demo-primary")
    overdue = sorted(title for title, status in statuses.items() if status == "overdue")
    assert len(overdue) >= 3

    _sweep(django_capture_on_commit_callbacks)

    escalations = [mail for mail in mailoutbox if mail.subject.startswith("Overdue policy review at Demo Primary")]
    for title in overdue:
        recipients = sorted(mail.to[0] for mail in escalations if f"“{title}”" in mail.subject)
        assert recipients == ["head@demo.test", "trust@demo.test"], title
    assert len(escalations) == 2 * len(overdue)
    # The Turkish school (no trust) escalates to its müdür; owners of policies due soon are reminded.
    for title in [t for t, status in _statuses("ornek-ilkokulu").items() if status == "overdue"]:
        assert [mail.to for mail in mailoutbox if f"“{title}”" in mail.subject] == [["mudur.tr@demo.test"]], title
    assert any("Behaviour Policy" in mail.subject for mail in mailoutbox if mail.to == ["slt@demo.test"])
    sent = len(mailoutbox)
    assert ReviewReminderSent.objects.count() == sent

    _sweep(django_capture_on_commit_callbacks)

    assert len(mailoutbox) == sent, "the second sweep of the day sent e-mails again"


def test_the_command_queues_the_sweep_and_sends_each_e_mail_once(
    loaded, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_reminders", stdout=out)
    assert OutboxTask.objects.filter(task_name="aup.tasks_reviews.send_policy_review_reminders").exists()
    assert any(mail.subject.startswith("Overdue policy review") for mail in mailoutbox)
    sent = len(mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_reminders", "--now", stdout=out)

    assert len(mailoutbox) == sent
    assert "0 e-mail(s) queued" in out.getvalue()


def test_the_demo_administrator_sees_the_beat_schedule_and_failed_tasks_in_the_admin(loaded, client):
    admin = User.objects.get(email="admin@demo.test")
    assert admin.is_staff and admin.is_superuser and admin.full_name == "Demo Administrator"
    assert not admin.staff_roles.exists()  # a platform operator, not a member of any school

    client.force_login(admin)
    assert client.get("/admin/").status_code == 302, "the admin asks for the second factor first"
    sign_in_with_second_factor(client, admin)
    schedule = client.get("/admin/django_celery_beat/periodictask/")
    assert schedule.status_code == 200
    assert "aup: policy review reminders" in schedule.content.decode()
    assert client.get("/admin/jobs/taskfailure/").status_code == 200
    assert client.get("/admin/jobs/outboxtask/").status_code == 200
