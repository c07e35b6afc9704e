"""Policy review reminders: the daily sweep (beat) and one e-mail task per policy, offset and recipient.

The sweep only decides what is due (``aup.reviews.reminder_due``) and queues one ``send_review_email`` per
recipient through the outbox; it sends nothing itself, so one bad address cannot hold up the rest. Each e-mail is
claimed by inserting a ``ReviewReminderSent`` row (unique per policy, due date, offset and recipient) before it is
sent: a task delivered twice or a worker killed and restarted never e-mails anyone twice. A mail failure releases
the claim and retries with back-off; after the last retry the failure is recorded for administrators
(``safeguard.jobs``) and the next day's sweep queues it again.

The sweep is set-based (issue 18 item 3): one query for what was already sent, one for what is already queued (the
outbox rows of ``send_review_email`` of the last ``QUEUED_WINDOW``: a sweep run twice before the queue drains queues
nothing twice), and the escalation recipients of every overdue policy in three queries — its cost does not grow
with the number of reminders already sent.
"""

import datetime
import logging
import smtplib
import zoneinfo

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.directory.models import OrganisationRole, OrganisationRoleKind, Role, StaffRole
from safeguard.emails import send_templated_email
from safeguard.jobs.services import enqueue, queued_since

from .models import Policy, PolicyReview, ReviewReminderSent
from .reviews import REMINDER_OFFSETS, reminder_due

logger = logging.getLogger(__name__)

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)
# A reminder queued within this long counts as on its way; the next day's sweep (24 hours on) may queue it again.
QUEUED_WINDOW = datetime.timedelta(hours=20)


def _today(policy, now):
    if policy.school_id:
        return policy.school.today(now)
    return now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def reminder_recipients(policy):
    """Active users with an e-mail address reminded before the due date: the owner and the review team."""
    people = {user.pk: user for user in policy.review_team.all() if user.is_active and user.email}
    if policy.owner_id and policy.owner.is_active and policy.owner.email:
        people[policy.owner_id] = policy.owner
    return sorted(people.values(), key=lambda user: user.pk)


def escalation_recipients(policy):
    """Who hears of an overdue review: the school's headteachers and the trust or district administrators
    (issue 5: "escalates to the headteacher (and trust admin)"); for a trust-wide policy, the trust admins."""
    return escalation_recipients_of([policy])[policy.pk]


def escalation_recipients_of(policies):
    """``{policy pk: [User, …]}``: ``escalation_recipients`` of each of ``policies`` (``Policy`` rows with their
    ``school`` loaded), active with an e-mail address, by pk — three queries whatever their number."""
    school_ids = {policy.school_id for policy in policies if policy.school_id}
    organisation_of = {
        policy.pk: policy.organisation_id or (policy.school.organisation_id if policy.school_id else None)
        for policy in policies
    }
    heads, admins = {}, {}
    for school_id, user_id in (
        StaffRole.objects.current()
        .filter(school_id__in=school_ids, role=Role.HEADTEACHER)
        .values_list("school_id", "user_id")
    ):
        heads.setdefault(school_id, set()).add(user_id)
    for organisation_id, user_id in (
        OrganisationRole.objects.current()
        .filter(organisation_id__in={o for o in organisation_of.values() if o}, role=OrganisationRoleKind.TRUST_ADMIN)
        .values_list("organisation_id", "user_id")
    ):
        admins.setdefault(organisation_id, set()).add(user_id)
    wanted = {
        policy.pk: heads.get(policy.school_id, set()) | admins.get(organisation_of[policy.pk], set())
        for policy in policies
    }
    users = {
        user.pk: user
        for user in User.objects.filter(pk__in=set().union(*wanted.values()), is_active=True).exclude(email="")
    }
    return {pk: [users[i] for i in sorted(ids) if i in users] for pk, ids in wanted.items()}


@shared_task(ignore_result=True)
def send_policy_review_reminders(today=None, now=None):
    """Daily sweep (beat, 07:45 Europe/London): queue the review reminders and escalations due today.

    Args:
        today: an ISO date string to act as "today" in every school (tests, or catching up by hand); by default
            each policy's school's local date.
    Returns the number of e-mails queued (already-sent ones are skipped).
    """
    now = timezone.now() if now is None else datetime.datetime.fromisoformat(now)
    fixed_today = datetime.date.fromisoformat(today) if today else None
    horizon = (fixed_today or now.date()) + datetime.timedelta(days=max(REMINDER_OFFSETS) + 1)
    open_reviews = PolicyReview.objects.filter(
        status__in=[PolicyReview.Status.IN_REVIEW, PolicyReview.Status.SUBMITTED]
    )
    policies = (
        Policy.objects.filter(next_review_on__isnull=False, next_review_on__lte=horizon)
        .select_related("school", "owner")
        .prefetch_related("review_team", Prefetch("reviews", queryset=open_reviews, to_attr="open_reviews"))
        .order_by("pk")
    )
    already = set(
        ReviewReminderSent.objects.filter(policy__in=policies).values_list(
            "policy_id", "due_on", "offset_days", "recipient"
        )
    )
    queued = queued_since(send_review_email, timezone.now() - QUEUED_WINDOW)  # the outbox keeps real times
    due_now = []  # (policy, kind, offset)
    for policy in policies:
        today_here = fixed_today or _today(policy, now)
        due = reminder_due(next_review_on=policy.next_review_on, today=today_here)
        if due is None:
            continue
        kind, offset = due
        if kind == "reminder" and policy.open_reviews:
            continue  # the review has started: no need to remind anyone to start it
        due_now.append((policy, kind, offset))
    escalations = escalation_recipients_of([policy for policy, kind, _offset in due_now if kind != "reminder"])
    count = 0
    for policy, kind, offset in due_now:
        people = reminder_recipients(policy) if kind == "reminder" else escalations[policy.pk]
        due_on = policy.next_review_on.isoformat()
        for person in people:
            if (policy.pk, policy.next_review_on, offset, person.email.lower()) in already:
                continue
            if (policy.pk, due_on, offset, person.pk) in queued:
                continue  # queued by an earlier sweep and not sent yet: the queue has not drained
            enqueue(send_review_email, policy.pk, due_on, offset, person.pk)
            queued.add((policy.pk, due_on, offset, person.pk))
            count += 1
    return count


def _claim(policy, due_on, offset, email):
    try:
        with transaction.atomic():
            ReviewReminderSent.objects.create(policy=policy, due_on=due_on, offset_days=offset, recipient=email)
    except IntegrityError:
        return False
    return True


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=60, retry_backoff_max=3600, max_retries=5)
def send_review_email(self, policy_id, due_on, offset_days, user_id):
    """E-mail one review reminder (``offset_days`` > 0) or escalation (< 0) for ``policy_id`` (int pk), due on
    ``due_on`` (ISO date), to ``user_id`` (int pk). Returns True if sent, False if already sent or no longer due."""
    policy = Policy.objects.select_related("school", "owner").filter(pk=policy_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    due_on = datetime.date.fromisoformat(due_on)
    if policy is None or user is None or policy.next_review_on != due_on:
        return False  # approved since (the date moved on), or the person has gone
    email = user.email.lower()
    if not _claim(policy, due_on, offset_days, email):
        return False
    school = policy.school
    language = user.language or (school.default_language if school else "") or settings.LANGUAGE_CODE
    path = reverse("aup:policy_detail", args=[school.slug, policy.public_id]) if school else reverse("home")
    try:
        send_templated_email(
            "policy_review_escalation" if offset_days < 0 else "policy_review_reminder",
            to=[user.email],
            language=language,
            context={
                "policy": policy,
                "school": school,
                "due_on": due_on,
                "days_left": max((due_on - _today(policy, timezone.now())).days, 0),
                "days_overdue": max((_today(policy, timezone.now()) - due_on).days, 1),
                "person": user,
                "path": path,
            },
        )
    except Exception:
        # Release the claim on any error, not only a mail error (those are retried): after a failure recorded for
        # good (a template error, say) the next sweep, or "queue again" in the admin, must be able to send it.
        # A worker that is killed runs no handler, so its claim stays: at most once.
        ReviewReminderSent.objects.filter(
            policy=policy, due_on=due_on, offset_days=offset_days, recipient=email
        ).delete()
        raise
    return True
