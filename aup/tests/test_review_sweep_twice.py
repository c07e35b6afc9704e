"""The policy-review sweep is set-based (issue 18 item 3): run twice before the queue drains it queues nothing twice,
and its statements do not grow with the number of policies already reminded."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aup.models import Policy, ReviewReminderSent
from aup.tasks_reviews import send_policy_review_reminders
from aup.tests.factories import PolicyFactory, PolicyVersionFactory
from safeguard.jobs.models import OutboxTask

DAY = datetime.timedelta(days=1)
SEND = "aup.tasks_reviews.send_review_email"


def _policy(school, *, owner, due, team=()):
    policy = PolicyFactory(
        school=school,
        category=Policy.Category.SAFEGUARDING,
        owner=owner,
        next_review_on=due,
        last_approved_on=due - 365 * DAY,
    )
    policy.review_team.set(team)
    PolicyVersionFactory(policy=policy, approved_on=due - 365 * DAY)
    return policy


def _sweep(day, capture):
    with capture(execute=True):  # handed to the (in-memory) broker after commit, where no worker takes them
        return send_policy_review_reminders(today=day.isoformat())


@pytest.mark.django_db
def test_the_sweep_run_twice_before_the_queue_drains_queues_nothing_twice(
    school, dsl, teacher, head, django_capture_on_commit_callbacks
):
    today = school.today()
    _policy(school, owner=dsl, team=[teacher], due=today + 60 * DAY)  # reminders to the owner and the team
    _policy(school, owner=dsl, due=today - 7 * DAY)  # a week overdue: escalated to the headteacher

    assert _sweep(today, django_capture_on_commit_callbacks) == 3
    assert _sweep(today, django_capture_on_commit_callbacks) == 0  # the first sweep's e-mails are still queued

    queued = list(OutboxTask.objects.filter(task_name=SEND).values_list("args", flat=True))
    assert len(queued) == 3 and len({tuple(args) for args in queued}) == 3
    assert not ReviewReminderSent.objects.exists()  # nothing was sent: no worker ran


@pytest.mark.django_db
def test_a_quiet_day_costs_the_same_statements_for_3_and_30_policies_already_reminded(
    school, dsl, teacher, head, django_capture_on_commit_callbacks
):
    today = school.today()
    overdue = _policy(school, owner=dsl, due=today - 7 * DAY)
    ReviewReminderSent.objects.create(
        policy=overdue, due_on=overdue.next_review_on, offset_days=-7, recipient=head.email.lower()
    )

    def statements(count):
        for _number in range(count - len(Policy.objects.all())):
            policy = _policy(school, owner=dsl, team=[teacher], due=today + 60 * DAY)
            for person in (dsl, teacher):
                ReviewReminderSent.objects.create(
                    policy=policy, due_on=policy.next_review_on, offset_days=60, recipient=person.email.lower()
                )
        with CaptureQueriesContext(connection) as queries:
            assert _sweep(today, django_capture_on_commit_callbacks) == 0
        return len(queries)

    assert statements(3) == statements(30)
