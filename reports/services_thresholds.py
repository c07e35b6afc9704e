"""Thresholds that raise an action: "5 behaviour incidents in 10 school days" for one pupil (issue 16 item 10).

A school's rules are ``BehaviourThreshold`` rows; SLT, the head and the DSL team (``MANAGE_INCIDENTS``) keep them
with ``threshold_save``. Every school starts with one default rule, 5 incidents in 10 school days at any level
(``threshold_rules`` makes it the first time the rules are asked for), which it may edit or turn off.

When an incident is recorded, ``reports.apps`` queues ``reports.tasks.behaviour_thresholds_check`` through the outbox
from a ``post_save`` receiver on ``Incident`` (in the recording's transaction, so it runs once the incident and its
pupils are committed, and never for a recording that rolled back). The task calls ``thresholds_check``, which raises
at most one action per rule and pupil through ``incidents.services.action_add`` and records it as a
``ThresholdAlert``: the same rule is never raised for the same pupil twice within its window of school days.

A corrected incident is checked again the same way (``incidents.signals.incident_corrected``: a raised level may reach a
rule). A voided incident leaves every count (only incidents not voided are counted), and an action raised on it leaves
the lists with it: ``thresholds_recheck_after_void`` checks its pupils again on their latest remaining incident, where
an alert raised on a voided incident no longer stops the rule being raised again.

School days: ``safeguard.directory.calendar.school_days_between`` (the school's terms and breaks) where it is
installed; otherwise Monday to Friday (``_weekdays_between``).
"""

import datetime
import logging
import zoneinfo

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from incidents.models import Action, Incident, IncidentPupil
from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import BehaviourThreshold, ThresholdAlert

try:  # the school's own calendar (terms and breaks), when present
    from safeguard.directory.calendar import school_days_between as _calendar_days_between
except ImportError:  # pragma: no cover — older trees count weekdays
    _calendar_days_between = None

logger = logging.getLogger(__name__)

DEFAULT_INCIDENTS = 5
DEFAULT_SCHOOL_DAYS = 10
ACTION_DUE_DAYS = 7  # the action raised is due a week after the rule is reached
# Calendar days looked back beyond the rule's school days, for holidays inside the window (a summer holiday is 6–7
# weeks): incidents further back can never be within the window.
LOOKBACK_SLACK_DAYS = 60
COUNTED_ROLES = (IncidentPupil.Role.ALLEGED_PERPETRATOR, IncidentPupil.Role.SUBJECT)
ONE_DAY = datetime.timedelta(days=1)


def _weekdays_between(school, start, end):
    """Monday-to-Friday days after ``start`` up to and including ``end`` (dates): the count used where the school's
    calendar module is not installed."""
    count, day = 0, start + ONE_DAY
    while day <= end:
        count += day.weekday() < 5
        day += ONE_DAY
    return count


def uses_school_calendar():
    """True when school days come from the school's calendar (terms and breaks), False when weekdays are counted."""
    return _calendar_days_between is not None


def school_days_between(school, start, end):
    """School days of ``school`` after ``start`` up to and including ``end`` (``datetime.date``; an int ≥ 0): the
    school's calendar when ``safeguard.directory.calendar`` is installed, otherwise weekdays."""
    if _calendar_days_between is not None:
        return _calendar_days_between(school, start, end)
    return _weekdays_between(school, start, end)


def _days_in_window(school, first, last):
    """School days from ``first`` to ``last`` inclusive (dates)."""
    return school_days_between(school, first - ONE_DAY, last)


# Rules ------------------------------------------------------------------------------------------------------------


def threshold_rules(school):
    """The school's rules (a list of ``BehaviourThreshold``, rules that are on first), making the default rule — 5
    incidents in 10 school days, any level, every pupil, a senior leader acts — the first time a school's rules are
    asked for. Turned-off rules are kept and listed."""
    rules = list(BehaviourThreshold.objects.filter(school=school).select_related("year_group", "assignee"))
    if rules:
        return rules
    try:
        with transaction.atomic():
            BehaviourThreshold.objects.create(
                school=school, incidents=DEFAULT_INCIDENTS, school_days=DEFAULT_SCHOOL_DAYS, is_default=True
            )
    except IntegrityError:  # made at the same moment by another request
        pass
    return list(BehaviourThreshold.objects.filter(school=school).select_related("year_group", "assignee"))


def threshold_save(
    *, actor, school, rule=None, incidents, school_days, min_level=1, year_group=None, assignee=None, is_active=True
):
    """Add a rule (``rule`` None) or change one of ``school``'s rules; turning a rule off is ``is_active=False``.

    Args:
        actor: SLT, the head or the DSL team of ``school`` (``MANAGE_INCIDENTS``).
        incidents: int 2–50; school_days: int 1–100; min_level: behaviour level 1–5.
        year_group: a ``YearGroup`` of the school, or None for every pupil.
        assignee: a member of staff of the school (``RECORD_INCIDENT``) who acts, or None for a senior leader.

    Returns the rule. A change that changes nothing writes nothing. Raises ``PermissionError``; ``DomainError`` for
    numbers out of range, another school's year group or someone who is not staff here. Audit:
    ``reports.threshold.added`` / ``reports.threshold.changed``.
    """
    if not permissions.can(actor, permissions.MANAGE_INCIDENTS, school):
        raise PermissionError("actor may not set behaviour thresholds in this school")
    if rule is not None and rule.school_id != school.pk:
        raise PermissionError("rule of another school")
    if not 2 <= int(incidents) <= 50:
        raise DomainError(_("Choose from 2 to 50 incidents."), code="incidents")
    if not 1 <= int(school_days) <= 100:
        raise DomainError(_("Choose from 1 to 100 school days."), code="school_days")
    if not 1 <= int(min_level) <= 5:
        raise DomainError(_("The behaviour level is from 1 to 5."), code="min_level")
    if year_group is not None and year_group.school_id != school.pk:
        raise DomainError(_("Choose a year group of this school."), code="year_group")
    if assignee is not None and not permissions.can(assignee, permissions.RECORD_INCIDENT, school):
        raise DomainError(_("Choose a member of staff of this school."), code="assignee")
    values = {
        "incidents": int(incidents),
        "school_days": int(school_days),
        "min_level": int(min_level),
        "year_group": year_group,
        "assignee": assignee,
        "is_active": bool(is_active),
    }
    if rule is None:
        with transaction.atomic():
            rule = BehaviourThreshold.objects.create(school=school, created_by=actor, **values)
            audit_log(actor=actor, action="reports.threshold.added", school=school, subject=rule, data=_data(rule))
        return rule
    changed = [name for name, value in values.items() if getattr(rule, name) != value]
    if not changed:
        return rule
    for name in changed:
        setattr(rule, name, values[name])
    with transaction.atomic():
        rule._change_reason = "changed by " + (actor.email or str(actor.pk))
        rule.save()
        audit_log(
            actor=actor,
            action="reports.threshold.changed",
            school=school,
            subject=rule,
            data={**_data(rule), "changed": changed},
        )
    return rule


def _data(rule):
    return {
        "incidents": rule.incidents,
        "school_days": rule.school_days,
        "min_level": rule.min_level,
        "year_group": rule.year_group.code if rule.year_group_id else "",
        "on": rule.is_active,
    }


# Checking an incident ---------------------------------------------------------------------------------------------


def _acting_assignee(rule, school, staff_ids):
    """Who the action goes to: the rule's ``assignee`` while they are staff of the school, otherwise the first senior
    leader (SLT or head, by name) — or None when the school has none."""
    from safeguard.accounts.models import User

    if rule.assignee_id and rule.assignee_id in staff_ids:
        return rule.assignee
    leaders = permissions.holders(school, permissions.SERIOUS_BEHAVIOUR_ALERTS)
    return User.objects.filter(pk__in=leaders, is_active=True).order_by("full_name", "email", "pk").first()


def thresholds_check(*, incident, now=None):
    """Raise an action for each pupil of ``incident`` who has now reached one of the school's rules that are on.

    A pupil reaches a rule when, counting the incidents in which they are the alleged perpetrator or the subject —
    not voided, not safeguarding concerns, with a behaviour level of the rule's lowest level or above — the
    ``rule.incidents`` most recent ones, ``incident`` among them, fall within ``rule.school_days`` school days up to
    the school's today. Nothing is raised for a rule already raised for the pupil within that window (its
    ``ThresholdAlert.raised_on`` is inside the last ``school_days`` school days), nor twice for the same window.

    The action (``Action.Kind.OTHER``, due in ``ACTION_DUE_DAYS`` days, written in the school's language) is added
    with ``incidents.services.action_add`` on ``incident`` by its recorder, for the rule's assignee or a senior
    leader. Audit: ``reports.threshold.reached`` (actor: the system). Returns the ``ThresholdAlert`` rows made.
    Queries do not depend on the number of incidents: one for the pupils' incidents, one for earlier alerts, and
    the calendar's per rule reached.
    """
    from incidents.services import action_add

    if incident.voided_at is not None or incident.is_safeguarding or incident.behaviour_level is None:
        return []
    school = incident.school
    rules = [rule for rule in threshold_rules(school) if rule.is_active and incident.behaviour_level >= rule.min_level]
    involved = list(IncidentPupil.objects.filter(incident=incident, role__in=COUNTED_ROLES).select_related("pupil"))
    if not rules or not involved:
        return []
    zone = zoneinfo.ZoneInfo(school.time_zone)
    today = school.today(now)
    incident_day = incident.occurred_at.astimezone(zone).date()
    longest = max(rule.school_days for rule in rules)
    lookback = today - datetime.timedelta(days=longest * 7 // 5 + LOOKBACK_SLACK_DAYS)
    pupils = {involvement.pupil_id: involvement.pupil for involvement in involved}
    rows = (
        Incident.objects.filter(
            school=school,
            voided_at__isnull=True,
            is_safeguarding=False,
            behaviour_level__isnull=False,
            occurred_at__gte=datetime.datetime.combine(lookback, datetime.time.min, tzinfo=zone),
            occurred_at__lt=datetime.datetime.combine(today + ONE_DAY, datetime.time.min, tzinfo=zone),
            involvements__pupil_id__in=list(pupils),
            involvements__role__in=COUNTED_ROLES,
        )
        .values_list("involvements__pupil_id", "occurred_at", "behaviour_level")
        .order_by()
    )
    history = {}  # pupil id → [(local date, level)], most recent first
    for pupil_id, occurred_at, level in rows:
        history.setdefault(pupil_id, []).append((occurred_at.astimezone(zone).date(), level))
    for days in history.values():
        days.sort(reverse=True)
    latest = {
        (row["rule_id"], row["pupil_id"]): row["last"]
        # An alert raised on an incident since voided no longer counts: its action left the lists with it.
        for row in ThresholdAlert.objects.filter(
            rule__in=rules, pupil_id__in=list(pupils), incident__voided_at__isnull=True
        )
        .values("rule_id", "pupil_id")
        .annotate(last=Max("raised_on"))
        .order_by()
    }
    staff_ids = permissions.holders(school, permissions.RECORD_INCIDENT)
    raised = []
    for rule in rules:
        for pupil_id, pupil in pupils.items():
            if rule.year_group_id and pupil.year_group_id != rule.year_group_id:
                continue
            counted = [day for day, level in history.get(pupil_id, []) if level >= rule.min_level]
            if len(counted) < rule.incidents:
                continue
            first = counted[rule.incidents - 1]
            if incident_day < first:  # the incident just recorded is not among those counted
                continue
            if _days_in_window(school, first, today) > rule.school_days:
                continue
            last = latest.get((rule.pk, pupil_id))
            if last is not None and _days_in_window(school, last, today) <= rule.school_days:
                continue
            alert = _raise(
                rule, pupil, incident, first, today, len([d for d in counted if d >= first]), staff_ids, action_add, now
            )
            if alert is not None:
                raised.append(alert)
    return raised


def thresholds_recheck_after_void(*, incident, now=None):
    """Check again each pupil counted on the voided ``incident`` (alleged perpetrator or subject): ``thresholds_check``
    on their latest remaining incident within the school's longest window, which counts without the voided one.

    A pupil still at a rule's threshold without it gets the action again (on that incident) when the action raised
    before was on the voided incident; a pupil no longer at the threshold gets nothing, and an action raised earlier
    on another incident stays (someone is already looking at it). Returns the ``ThresholdAlert`` rows made.
    """
    if incident.voided_at is None or incident.is_safeguarding:
        return []
    school = incident.school
    rules = [rule for rule in threshold_rules(school) if rule.is_active]
    if not rules:
        return []
    zone = zoneinfo.ZoneInfo(school.time_zone)
    today = school.today(now)
    longest = max(rule.school_days for rule in rules)
    lookback = today - datetime.timedelta(days=longest * 7 // 5 + LOOKBACK_SLACK_DAYS)
    pupil_ids = list(
        IncidentPupil.objects.filter(incident=incident, role__in=COUNTED_ROLES).values_list("pupil_id", flat=True)
    )
    raised, checked = [], set()
    for pupil_id in pupil_ids:
        latest = (
            Incident.objects.filter(
                school=school,
                voided_at__isnull=True,
                is_safeguarding=False,
                behaviour_level__isnull=False,
                occurred_at__gte=datetime.datetime.combine(lookback, datetime.time.min, tzinfo=zone),
                involvements__pupil_id=pupil_id,
                involvements__role__in=COUNTED_ROLES,
            )
            .select_related("school", "recorded_by")
            .order_by("-occurred_at", "-pk")
            .first()
        )
        if latest is None or latest.pk in checked:
            continue
        checked.add(latest.pk)
        raised += thresholds_check(incident=latest, now=now)
    return raised


def _raise(rule, pupil, incident, first, today, count, staff_ids, action_add, now):
    school = incident.school
    assignee = _acting_assignee(rule, school, staff_ids)
    if assignee is None:
        logger.warning("Behaviour threshold %s reached in %s but no senior leader to act", rule.pk, school.slug)
        return None
    actor = incident.recorded_by if incident.recorded_by_id in staff_ids else assignee
    with translation.override(school.default_language):
        description = _(
            "%(name)s has %(count)s behaviour incidents within %(days)s school days (since %(since)s): the school's "
            "rule “%(rule)s” is reached. Review their behaviour and decide on support or a sanction."
        ) % {
            "name": pupil.display_name,
            "count": count,
            "days": rule.school_days,
            "since": first.isoformat(),
            "rule": str(rule),
        }
    try:
        with transaction.atomic():
            # The same window raised before on an incident since voided: that raise is moved to this incident (the
            # one-per-window row stays one; the audit keeps both raises).
            alert = (
                ThresholdAlert.objects.select_for_update()
                .filter(rule=rule, pupil=pupil, window_starts_on=first, incident__voided_at__isnull=False)
                .select_related("incident")
                .first()
            )
            replaced = str(alert.incident.public_id) if alert is not None else None
            if alert is None:
                alert = ThresholdAlert.objects.create(
                    rule=rule,
                    pupil=pupil,
                    incident=incident,
                    window_starts_on=first,
                    raised_on=today,
                    incidents_counted=count,
                )
            else:
                alert.incident, alert.raised_on, alert.incidents_counted = incident, today, count
                alert.save(update_fields=["incident", "raised_on", "incidents_counted", "updated_at"])
            alert.action = action_add(
                actor=actor,
                incident=incident,
                kind=Action.Kind.OTHER,
                assignee=assignee,
                due_on=today + datetime.timedelta(days=ACTION_DUE_DAYS),
                description=description,
            )
            alert.save(update_fields=["action", "updated_at"])
            audit_log(
                actor=None,
                action="reports.threshold.reached",
                school=school,
                subject=pupil,
                data={
                    "rule": str(rule.public_id),
                    "incidents": count,
                    "school_days": rule.school_days,
                    **({"replaces_voided_incident": replaced} if replaced else {}),
                },
            )
    except IntegrityError:  # the same window raised at the same moment by another recording
        return None
    except (PermissionError, DomainError) as error:
        logger.warning("Behaviour threshold %s reached but no action could be added: %s", rule.pk, error)
        return None
    return alert


def recent_alerts(school, *, limit=20):
    """The school's latest ``ThresholdAlert`` rows (newest first, at most ``limit``) with their rule, pupil, incident
    and action — one query."""
    return list(
        ThresholdAlert.objects.filter(rule__school=school)
        .select_related("rule", "pupil", "incident", "action", "action__assignee")
        .order_by("-raised_on", "-pk")[:limit]
    )
