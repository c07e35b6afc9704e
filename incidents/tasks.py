"""Background work of the incident log: alert e-mails, action reminders, the daily digest, and the warning for an
unconfirmed child protection file transfer.

Each member of staff chooses how alerts and action reminders reach them (``notifications``, issue 16 item 8): an
e-mail per alert and a morning list of actions (the default), or one daily digest e-mail with both. A safeguarding
concern's alert is e-mailed at once whatever the choice.

Alert e-mails name only the recorder and the category group — never a pupil or the details ("sign in to view";
CPOMS does the same). Each e-mail is claimed before it is sent (``Alert.emailed_at`` by a conditional update, a
person's daily list of actions by an ``ActionDigestSent`` row, a daily digest by a ``notifications.DigestSent`` row,
each unique per person and day), so a task run twice or redelivered sends nothing twice.
"""

import datetime
import logging
import smtplib

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from notifications.models import Delivery, DigestSent
from notifications.selectors import delivery_for
from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.emails import send_templated_email
from safeguard.jobs.services import enqueue
from safeguard.middleware import with_language

from .models import Action, ActionDigestSent, ActionReminderSent, Alert, CategoryGroup, FileTransfer

try:  # the school's own calendar (terms and breaks), when present
    from safeguard.directory.calendar import school_days_between as _calendar_days_between
except ImportError:  # pragma: no cover — a tree without it counts weekdays
    _calendar_days_between = None

logger = logging.getLogger(__name__)

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)
TRANSFER_CONFIRMATION_SCHOOL_DAYS = 5  # issue 6: warn when 5 school days pass without confirmation


def _language(user, school):
    return user.language or school.default_language


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_alert_email(self, alert_id):
    """E-mail one alert (int pk) once. Returns True if sent.

    Not sent when the recipient chose the daily digest (``notifications``) and the incident is not a safeguarding
    concern: the alert waits, unclaimed, for their next digest (``send_notification_digest``). A concern's alert is
    always sent at once (issue 16 item 8: "safeguarding alerts stay immediate")."""
    alert = Alert.objects.select_related("incident__school", "incident__recorded_by", "recipient").filter(pk=alert_id)
    alert = alert.first()
    if alert is None or not alert.recipient.is_active or not alert.recipient.email:
        return False
    if not _is_immediate(alert) and delivery_for(alert.recipient) == Delivery.DIGEST:
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


def _is_immediate(alert):
    """Whether ``alert`` is e-mailed at once whatever its recipient chose: a safeguarding concern's alert."""
    return alert.incident.is_safeguarding or alert.reason == Alert.Reason.DSL_TEAM


def action_reminder_key(action, today):
    """ "due" on the due date, "overdue:<n>" for the n-th overdue week (1–7 days late → 1), None otherwise."""
    if action.completed_at is not None or action.due_on > today:
        return None
    late = (today - action.due_on).days
    if late == 0:
        return "due"
    return f"overdue:{(late - 1) // 7 + 1}"


def _open_actions_due(day, *, delivery=None):
    """Open actions of live incidents due on or before ``day`` (a date), assigned to an active person with an
    e-mail address, with their school and assignee. ``delivery``: only the assignees whose choice is that
    ``notifications.Delivery`` (no preference row counts as ``IMMEDIATE``); None for everyone."""
    actions = (
        Action.objects.filter(
            completed_at__isnull=True,
            incident__voided_at__isnull=True,
            due_on__lte=day,
            assignee__is_active=True,
        )
        .exclude(assignee__email="")
        .select_related("incident__school", "assignee")
        .order_by("due_on", "pk")
    )
    if delivery == Delivery.DIGEST:
        actions = actions.filter(assignee__notification_preference__delivery=Delivery.DIGEST)
    elif delivery == Delivery.IMMEDIATE:
        actions = actions.exclude(assignee__notification_preference__delivery=Delivery.DIGEST)
    return actions


def _for_sweep(actions):
    """``actions`` (from ``_open_actions_due``) with only what a daily sweep reads: the due date, completion, the
    assignee's address and the school's time zone — not whole incidents (issue 18 item 3: at trust scale a sweep
    reads every open overdue action, every day)."""
    return actions.only("pk", "due_on", "completed_at", "assignee__email", "incident__school__time_zone")


def _unsent(actions, day_of):
    """``[(action, key)]`` of ``actions`` whose reminder key on their day (``day_of(action)``) is not yet sent
    (``ActionReminderSent``): one query for the keys already sent, whatever the number of actions."""
    actions = list(actions)
    sent = set(
        ActionReminderSent.objects.filter(action__in=[action.pk for action in actions]).values_list(
            "action_id", "key", "recipient"
        )
    )
    unsent = []
    for action in actions:
        key = action_reminder_key(action, day_of(action))
        if key is not None and (action.pk, key, action.assignee.email.lower()) not in sent:
            unsent.append((action, key))
    return unsent


@shared_task(ignore_result=True)
def send_action_reminders(today=None):
    """Daily sweep (beat): queue one e-mail per person (``send_action_digest``) listing their open actions due today
    or overdue — for everyone with at least one action whose reminder is due ("due" on the due date, then once a
    week while overdue: ``action_reminder_key``) and not yet sent. People who chose the daily digest are left to it
    (``send_notification_digests``). ``today``: ISO date to act as today (tests); otherwise each school's own date.
    Returns the number of people queued.

    Set-based (issue 18 item 3): one query for the actions due (the few columns the sweep reads), one for the
    reminders already sent, one for today's e-mails already claimed, and one insert per person queued — never one
    per action."""
    fixed = datetime.date.fromisoformat(today) if today else None
    school_days = {}

    def day_of(action):
        if fixed is not None:
            return fixed
        school = action.incident.school
        if school.pk not in school_days:
            school_days[school.pk] = school.today()
        return school_days[school.pk]

    # A school ahead of the server's time zone may already be on tomorrow: its own date decides below.
    horizon = fixed or timezone.localdate() + datetime.timedelta(days=1)
    people = {}
    for action, _key in _unsent(_for_sweep(_open_actions_due(horizon, delivery=Delivery.IMMEDIATE)), day_of):
        people.setdefault(action.assignee_id, day_of(action))
    claimed = set(
        ActionDigestSent.objects.filter(recipient_id__in=list(people), day__in=set(people.values())).values_list(
            "recipient_id", "day"
        )
    )
    queued = 0
    for user_id, day in sorted(people.items()):
        if (user_id, day) in claimed:
            continue
        enqueue(send_action_digest, user_id, day.isoformat())
        queued += 1
    return queued


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_action_digest(self, user_id, day):
    """E-mail one person (int pk) the list of their open actions due on or before ``day`` (ISO date), once a day:
    the day is claimed by an ``ActionDigestSent`` row (unique per person and day) before sending, and the reminders
    it carries are recorded (``ActionReminderSent``) so an overdue action is reminded again only a week later.
    Nothing is sent when none of the actions has a reminder due, or when the person has since chosen the daily
    digest (it lists the actions instead). Names no pupil: the kind of action and its date. Returns True if sent."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or delivery_for(user) == Delivery.DIGEST:
        return False
    day = datetime.date.fromisoformat(day)
    listed = list(_open_actions_due(day).filter(assignee=user))
    new = _unsent(listed, lambda action: day)
    if not new:
        return False
    recipient = user.email.lower()
    try:
        with transaction.atomic():
            ActionDigestSent.objects.create(recipient=user, day=day, actions=len(listed))
            ActionReminderSent.objects.bulk_create(
                [ActionReminderSent(action=action, key=key, recipient=recipient) for action, key in new],
                ignore_conflicts=True,
            )
    except IntegrityError:
        return False
    first_school = listed[0].incident.school
    paths = {}
    rows = []
    for action in listed:
        school = action.incident.school
        if school.pk not in paths:
            paths[school.pk] = reverse("incidents:my_actions", args=[school.slug])
        rows.append(
            {
                "label": action.get_kind_display(),
                "due_on": action.due_on,
                "overdue": action.due_on < day,
                "school": school.name,
            }
        )
    try:
        send_templated_email(
            "incident_action_reminder",
            to=[user.email],
            language=_language(user, first_school),
            context={
                "school": first_school,
                "actions": rows,
                "count": len(rows),
                "overdue": any(row["overdue"] for row in rows),
                "several_schools": len(paths) > 1,
                "path": paths[first_school.pk],
            },
        )
    except MAIL_ERRORS:
        ActionDigestSent.objects.filter(recipient=user, day=day).delete()
        claimed = Q()
        for action, key in new:
            claimed |= Q(action=action, key=key)
        ActionReminderSent.objects.filter(claimed, recipient=recipient).delete()
        raise
    return True


@shared_task(ignore_result=True)
def send_action_reminder(action_id, key):
    """Reminders queued one per action before the daily list (still in an outbox after an upgrade): sent as the
    assignee's list of the day, so they too arrive once. Returns True if sent."""
    action = Action.objects.select_related("incident__school").filter(pk=action_id).first()
    if action is None:
        return False
    return send_action_digest(action.assignee_id, action.incident.school.today().isoformat())


def _alerts_for_digest():
    """Alerts waiting for a daily digest: not yet e-mailed nor opened, of live incidents that are not safeguarding
    concerns (those are e-mailed at once), to an active person with an e-mail address who chose the digest."""
    return (
        Alert.objects.filter(
            emailed_at__isnull=True,
            read_at__isnull=True,
            incident__voided_at__isnull=True,
            incident__is_safeguarding=False,
            recipient__is_active=True,
            recipient__notification_preference__delivery=Delivery.DIGEST,
        )
        .exclude(reason=Alert.Reason.DSL_TEAM)
        .exclude(recipient__email="")
    )


@shared_task(ignore_result=True)
def send_notification_digests(today=None):
    """Daily sweep (beat, 07:10 Europe/London: ``notifications/migrations/0002``): queue one digest e-mail
    (``send_notification_digest``) for each person who chose the daily digest and has an alert they have not opened
    or an action whose reminder is due (``action_reminder_key``) — unless their digest of the day is already claimed.
    ``today``: ISO date to act as today (tests); otherwise the date in Europe/London. Returns the number of people
    queued.

    Set-based: one query for the people with alerts waiting, one for the actions due, one for the reminders already
    sent, one for the digests already claimed, and one insert per person queued."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    people = set(_alerts_for_digest().order_by().values_list("recipient_id", flat=True).distinct())
    for action, _key in _unsent(_for_sweep(_open_actions_due(day, delivery=Delivery.DIGEST)), lambda action: day):
        people.add(action.assignee_id)
    claimed = set(
        DigestSent.objects.filter(day=day, recipient_id__in=list(people)).values_list("recipient_id", flat=True)
    )
    queued = 0
    for user_id in sorted(people - claimed):
        enqueue(send_notification_digest, user_id, day.isoformat())
        queued += 1
    return queued


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_notification_digest(self, user_id, day):
    """E-mail one person (int pk) who chose the daily digest their alerts not yet opened (safeguarding concerns
    aside: those went at once) and their open actions due on or before ``day`` (ISO date) — once a day: the day is
    claimed by a ``notifications.DigestSent`` row (unique per person and day) before sending, the alerts it lists by
    ``Alert.emailed_at`` and the action reminders it carries by ``ActionReminderSent``, so nothing is listed twice and
    an overdue action comes back only a week later. Nothing is sent when there is no alert and no reminder due, or
    when the person has since chosen immediate e-mails. Names no pupil: the category group, who recorded it and the
    kind of action. Returns True if sent."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or delivery_for(user) != Delivery.DIGEST:
        return False
    day = datetime.date.fromisoformat(day)
    waiting = list(_alerts_for_digest().filter(recipient=user).values_list("pk", flat=True))
    listed = list(_open_actions_due(day).filter(assignee=user))
    new = _unsent(listed, lambda action: day)
    if not waiting and not new:
        return False
    stamp = timezone.now()
    recipient = user.email.lower()
    try:
        with transaction.atomic():
            claim = DigestSent.objects.create(recipient=user, day=day, actions=len(listed))
            claim.alerts = Alert.objects.filter(pk__in=waiting, emailed_at__isnull=True).update(emailed_at=stamp)
            claim.save(update_fields=["alerts", "updated_at"])
            ActionReminderSent.objects.bulk_create(
                [ActionReminderSent(action=action, key=key, recipient=recipient) for action, key in new],
                ignore_conflicts=True,
            )
    except IntegrityError:
        return False
    alerts = list(
        Alert.objects.filter(recipient=user, emailed_at=stamp)
        .select_related("incident__school", "incident__recorded_by")
        .order_by("created_at", "pk")
    )

    def undo_claim():
        DigestSent.objects.filter(recipient=user, day=day).delete()
        Alert.objects.filter(pk__in=[alert.pk for alert in alerts], emailed_at=stamp).update(emailed_at=None)
        if new:
            claimed = Q()
            for action, key in new:
                claimed |= Q(action=action, key=key)
            ActionReminderSent.objects.filter(claimed, recipient=recipient).delete()

    if not alerts and not new:  # the alerts went another way meanwhile (the person chose immediate e-mails)
        undo_claim()
        return False
    schools = {}
    alert_rows = []
    for alert in alerts:
        incident = alert.incident
        schools.setdefault(incident.school.pk, incident.school)
        alert_rows.append(
            {
                "group_label": CategoryGroup((incident.groups() or [CategoryGroup.BEHAVIOUR])[0]).label,
                "recorder": incident.recorded_by.full_name,
                "recorded_on": incident.school.today(alert.created_at),
                "school": incident.school.name,
            }
        )
    action_rows = []
    for action in listed:
        school = action.incident.school
        schools.setdefault(school.pk, school)
        action_rows.append(
            {
                "label": action.get_kind_display(),
                "due_on": action.due_on,
                "overdue": action.due_on < day,
                "school": school.name,
            }
        )
    first_school = alerts[0].incident.school if alerts else listed[0].incident.school
    language = _language(user, first_school)
    alerts_path = with_language(reverse("incidents:alerts", args=[first_school.slug]), language)
    actions_path = with_language(reverse("incidents:my_actions", args=[first_school.slug]), language)
    try:
        send_templated_email(
            "notifications_digest",
            to=[user.email],
            language=language,
            context={
                "school": first_school,
                "alerts": alert_rows,
                "alert_count": len(alert_rows),
                "actions": action_rows,
                "action_count": len(action_rows),
                "several_schools": len(schools) > 1,
                "alerts_path": alerts_path,
                "actions_path": actions_path,
                "path": reverse("notifications:settings"),  # the settings page, to change the choice
            },
        )
    except MAIL_ERRORS:
        undo_claim()
        raise
    return True


def school_days_between(school, start, end):
    """School days of ``school`` after ``start`` up to and including ``end`` (``datetime.date`` in the school's time
    zone; an int ≥ 0), from the school's own calendar — its terms and breaks (half-terms, holidays, closure days) —
    by ``safeguard.directory.calendar`` (issue 16 item 11); a day outside every recorded academic year counts when it
    is Monday to Friday. Where that module is not installed, weekdays are counted. Two queries a call."""
    if _calendar_days_between is not None:
        return _calendar_days_between(school, start, end)
    days, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


@shared_task(ignore_result=True)
def warn_unconfirmed_transfers(today=None):
    """Daily sweep: warn the DSL team of the sending school when a child protection file sent 5 school days ago — by
    the school's calendar, half-terms and holidays left out (``school_days_between``) — has no confirmation of
    receipt (once per transfer). Returns the number of transfers warned about."""
    warned = 0
    for transfer in FileTransfer.objects.filter(
        receipt_confirmed_at__isnull=True, warned_at__isnull=True
    ).select_related("school"):
        day = datetime.date.fromisoformat(today) if today else transfer.school.today()
        sent_on = transfer.school.today(transfer.sent_at)  # the school's date, not UTC's
        if school_days_between(transfer.school, sent_on, day) < TRANSFER_CONFIRMATION_SCHOOL_DAYS:
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
