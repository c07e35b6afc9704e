"""Background work of the incident log: alert e-mails, action reminders, and the warning for an unconfirmed child
protection file transfer.

Alert e-mails name only the recorder and the category group — never a pupil or the details ("sign in to view";
CPOMS does the same). Each e-mail is claimed before it is sent (``Alert.emailed_at`` by a conditional update,
``ActionReminderSent`` by a unique row), so a task run twice or redelivered sends nothing twice.
"""

import datetime
import logging
import smtplib

from celery import shared_task
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.emails import send_templated_email
from safeguard.jobs.services import enqueue

from .models import Action, ActionReminderSent, Alert, CategoryGroup, FileTransfer

logger = logging.getLogger(__name__)

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)
TRANSFER_CONFIRMATION_SCHOOL_DAYS = 5  # issue 6: warn when 5 school days pass without confirmation


def _language(user, school):
    return user.language or school.default_language


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_alert_email(self, alert_id):
    """E-mail one alert (int pk) once. Returns True if sent."""
    alert = Alert.objects.select_related("incident__school", "incident__recorded_by", "recipient").filter(pk=alert_id)
    alert = alert.first()
    if alert is None or not alert.recipient.is_active or not alert.recipient.email:
        return False
    if not Alert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
        return False
    incident = alert.incident
    group = CategoryGroup.SAFEGUARDING if incident.is_safeguarding else (incident.groups() or ["behaviour"])[0]
    try:
        send_templated_email(
            "incident_alert",
            to=[alert.recipient.email],
            language=_language(alert.recipient, incident.school),
            context={
                "school": incident.school,
                "recorder": incident.recorded_by.full_name,
                "group_label": CategoryGroup(group).label,
                "is_safeguarding": incident.is_safeguarding,
                "path": reverse("incidents:alerts", args=[incident.school.slug]),
            },
        )
    except MAIL_ERRORS:
        Alert.objects.filter(pk=alert.pk).update(emailed_at=None)
        raise
    return True


def action_reminder_key(action, today):
    """ "due" on the due date, "overdue:<n>" for the n-th overdue week (1–7 days late → 1), None otherwise."""
    if action.completed_at is not None or action.due_on > today:
        return None
    late = (today - action.due_on).days
    if late == 0:
        return "due"
    return f"overdue:{(late - 1) // 7 + 1}"


@shared_task(ignore_result=True)
def send_action_reminders(today=None):
    """Daily sweep (beat): queue a reminder to the assignee of each open action due today or overdue (weekly).
    ``today``: ISO date to act as today (tests). Returns the number queued."""
    actions = (
        Action.objects.filter(completed_at__isnull=True, incident__voided_at__isnull=True)
        .select_related("incident__school", "assignee")
        .order_by("pk")
    )
    fixed = datetime.date.fromisoformat(today) if today else None
    queued = 0
    for action in actions.filter(due_on__lte=fixed or timezone.localdate()).iterator(chunk_size=500):
        key = action_reminder_key(action, fixed or action.incident.school.today())
        if key is None or not action.assignee.email:
            continue
        if ActionReminderSent.objects.filter(action=action, key=key, recipient=action.assignee.email.lower()).exists():
            continue
        enqueue(send_action_reminder, action.pk, key)
        queued += 1
    return queued


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_action_reminder(self, action_id, key):
    """E-mail the assignee of an action (int pk) its reminder ``key`` once. Returns True if sent."""
    action = Action.objects.select_related("incident__school", "assignee").filter(pk=action_id).first()
    if action is None or action.completed_at is not None or not action.assignee.is_active:
        return False
    recipient = action.assignee.email.lower()
    try:
        with transaction.atomic():
            ActionReminderSent.objects.create(action=action, key=key, recipient=recipient)
    except IntegrityError:
        return False
    incident = action.incident
    try:
        send_templated_email(
            "incident_action_reminder",
            to=[action.assignee.email],
            language=_language(action.assignee, incident.school),
            context={
                "school": incident.school,
                "action_label": action.get_kind_display(),
                "due_on": action.due_on,
                "overdue": key != "due",
                "path": reverse("incidents:my_actions", args=[incident.school.slug]),
            },
        )
    except MAIL_ERRORS:
        ActionReminderSent.objects.filter(action=action, key=key, recipient=recipient).delete()
        raise
    return True


def school_days_between(start, end):
    """Weekdays after ``start`` up to and including ``end`` (dates) — school days, holidays aside."""
    days, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


@shared_task(ignore_result=True)
def warn_unconfirmed_transfers(today=None):
    """Daily sweep: warn the DSL team of the sending school when a child protection file sent 5 school days ago has
    no confirmation of receipt (once per transfer). Returns the number of transfers warned about."""
    warned = 0
    for transfer in FileTransfer.objects.filter(
        receipt_confirmed_at__isnull=True, warned_at__isnull=True
    ).select_related("school"):
        day = datetime.date.fromisoformat(today) if today else transfer.school.today()
        if school_days_between(transfer.sent_at.date(), day) < TRANSFER_CONFIRMATION_SCHOOL_DAYS:
            continue
        if not FileTransfer.objects.filter(pk=transfer.pk, warned_at__isnull=True).update(warned_at=timezone.now()):
            continue
        dsl_team = permissions.holders(transfer.school, permissions.VIEW_SAFEGUARDING)
        emails = sorted(
            User.objects.filter(pk__in=dsl_team, is_active=True).exclude(email="").values_list("email", flat=True)
        )
        try:
            if emails:
                send_templated_email(
                    "incident_transfer_unconfirmed",
                    to=emails,
                    language=transfer.school.default_language,
                    context={
                        "school": transfer.school,
                        "transfer": transfer,
                        "path": reverse("incidents:transfers", args=[transfer.school.slug]),
                    },
                )
        except MAIL_ERRORS:
            logger.exception("Could not warn about transfer %s; tomorrow's sweep tries again", transfer.pk)
            FileTransfer.objects.filter(pk=transfer.pk).update(warned_at=None)
            continue
        warned += 1
    return warned
