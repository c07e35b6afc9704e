"""Acting on several incidents at once from the incident list (issue 16 item 9): close them, give their open actions
to another member of staff, or export them as CSV.

Each record is checked and changed on its own, by the same service as on its page (``incident_close``,
``action_reassign``), so it is audited per record exactly as a change there is, and one record refused never holds
the others back. Records are looked up only among those of the school that the person may read
(``permissions.incidents_visible_to``): another school's record, or one they may not read, is skipped as not found,
never touched. Safeguarding concerns are acted on only by the DSL team after the second factor (``verified``), as
the list names their pupils only then.
"""

import dataclasses
import datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log_each
from safeguard.base import DomainError

from . import services
from .models import Action, Incident, IncidentPupil

MAX_SELECTED = 200

# Why a record was skipped (codes; ``incidents.views_bulk`` says each in words).
NOT_FOUND = "not_found"  # another school's, one the person may not read, or no such record
NOT_ALLOWED = "not_allowed"  # they may read it but not do this to it
SECOND_FACTOR = "second_factor"  # a safeguarding concern, second factor not confirmed within the hour
VOIDED = "voided"
ALREADY_CLOSED = "already_closed"
RATIONALE = "rationale"  # a concern is closed only with the rationale (why a referral was, or was not, made)
NO_OPEN_ACTIONS = "no_open_actions"
DSL_ONLY = "dsl_only"  # actions on a concern go to the DSL team
TOO_MANY = "too_many"  # beyond the first ``MAX_SELECTED`` selected: left as they are, never silently dropped


# The order the reasons are said in.
REASONS = [
    TOO_MANY,
    NOT_FOUND,
    SECOND_FACTOR,
    NOT_ALLOWED,
    VOIDED,
    ALREADY_CLOSED,
    RATIONALE,
    NO_OPEN_ACTIONS,
    DSL_ONLY,
]


@dataclasses.dataclass
class BulkResult:
    """What a bulk action did: ``done`` the incidents changed (or exported), ``skipped`` ``{reason code: count}``,
    ``changes`` how many rows changed (actions reassigned; incidents closed)."""

    done: list = dataclasses.field(default_factory=list)
    skipped: dict = dataclasses.field(default_factory=dict)
    changes: int = 0

    def skip(self, reason, count=1):
        self.skipped[reason] = self.skipped.get(reason, 0) + count

    def skipped_in_order(self):
        """``[(reason code, count)]`` in the order of ``REASONS``."""
        return [(reason, self.skipped[reason]) for reason in REASONS if reason in self.skipped]


def selected_incidents(*, user, school, public_ids, result=None):
    """The incidents among ``public_ids`` (strings or UUIDs; at most ``MAX_SELECTED`` read) of ``school`` that
    ``user`` may read, in the list's order, with their school; and how many of the ids matched none (int). Two
    queries. ``result``: a ``BulkResult`` told how many ids beyond ``MAX_SELECTED`` were left (``TOO_MANY``)."""
    import uuid

    ids = []
    unreadable = 0
    public_ids = list(public_ids)
    if result is not None and len(public_ids) > MAX_SELECTED:
        result.skip(TOO_MANY, len(public_ids) - MAX_SELECTED)
    for raw in public_ids[:MAX_SELECTED]:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            unreadable += 1
    ids = list(dict.fromkeys(ids))
    incidents = list(
        permissions.incidents_visible_to(user, school)
        .filter(public_id__in=ids)
        .select_related("school", "recorded_by")
        .order_by("-occurred_at", "-pk")
    )
    return incidents, unreadable + len(ids) - len(incidents)


def _concern_refused(actor, incident, verified, result):
    """Skip a concern unless ``actor`` is of the DSL team and ``verified``; True when skipped."""
    if not incident.is_safeguarding:
        return False
    if not permissions.can(actor, permissions.VIEW_SAFEGUARDING, incident.school):
        result.skip(NOT_FOUND)
        return True
    if not verified:
        result.skip(SECOND_FACTOR)
        return True
    return False


def incidents_close(*, actor, school, public_ids, outcome, rationale="", verified=False, now=None):
    """Close each selected incident with the same ``outcome`` (and ``rationale``, which a concern needs), as
    ``services.incident_close`` does one: whoever manages it. Returns a ``BulkResult``. Raises ``DomainError``
    (code "outcome") when no outcome is given — nothing is closed then."""
    outcome, rationale = (outcome or "").strip(), (rationale or "").strip()
    if not outcome:
        raise DomainError(_("Write the outcome."), code="outcome")
    result = BulkResult()
    incidents, missing = selected_incidents(user=actor, school=school, public_ids=public_ids, result=result)
    if missing:
        result.skip(NOT_FOUND, missing)
    for incident in incidents:
        if _concern_refused(actor, incident, verified, result):
            continue
        if not permissions.can_manage_incident(actor, incident):
            result.skip(NOT_ALLOWED)
        elif incident.is_void:
            result.skip(VOIDED)
        elif incident.status == Incident.Status.CLOSED:
            result.skip(ALREADY_CLOSED)
        elif incident.is_safeguarding and not rationale:
            result.skip(RATIONALE)
        else:
            services.incident_close(actor=actor, incident=incident, outcome=outcome, rationale=rationale, now=now)
            result.done.append(incident)
            result.changes += 1
    return result


def incidents_reassign_actions(*, actor, school, public_ids, assignee, from_assignee=None, verified=False):
    """Give the open actions of each selected incident — all of them, or only those of ``from_assignee`` (a
    ``User``) — to ``assignee``, as ``services.action_reassign`` does one: whoever manages the incident; a concern's
    actions only to the DSL team. Returns a ``BulkResult`` (``changes``: actions reassigned)."""
    result = BulkResult()
    incidents, missing = selected_incidents(user=actor, school=school, public_ids=public_ids, result=result)
    if missing:
        result.skip(NOT_FOUND, missing)
    open_actions = Action.objects.filter(incident__in=incidents, completed_at__isnull=True).order_by("due_on", "pk")
    if from_assignee is not None:
        open_actions = open_actions.filter(assignee=from_assignee)
    by_incident = {}
    for action in open_actions:
        by_incident.setdefault(action.incident_id, []).append(action)
    for incident in incidents:
        if _concern_refused(actor, incident, verified, result):
            continue
        if not permissions.can_manage_incident(actor, incident):
            result.skip(NOT_ALLOWED)
            continue
        if incident.is_void:
            result.skip(VOIDED)
            continue
        actions = [action for action in by_incident.get(incident.pk, []) if action.assignee_id != assignee.pk]
        if not actions:
            result.skip(NO_OPEN_ACTIONS)
            continue
        try:
            changed = 0
            for action in actions:
                action.incident = incident
                changed += services.action_reassign(actor=actor, action=action, assignee=assignee)
        except DomainError:
            result.skip(DSL_ONLY)
            continue
        result.done.append(incident)
        result.changes += changed
    return result


EXPORT_HEADER = [
    "reference",
    "occurred_at",
    "location",
    "location_detail",
    "lesson_or_period",
    "subject",
    "groups",
    "categories",
    "behaviour_level",
    "pupils",
    "description",
    "immediate_action",
    "status",
    "outcome",
    "recorded_by",
]


def incidents_export(*, actor, school, public_ids, verified=False, ip_address=None):
    """The selected incidents as CSV rows: behaviour records for whoever may export behaviour
    (``EXPORT_BEHAVIOUR``: SLT, the head, the DSL team), concerns for the DSL team after the second factor.

    Returns ``(header, rows, BulkResult)``: ``header`` is ``EXPORT_HEADER``; each row a list of str (times in the
    school's time zone, ISO 8601; pupils "Name (role); …"; values as the record shows them in the active language).
    Every record exported is audited (``incidents.incident.downloaded``, one event each, naming its pupils by public
    id so a pupil's record shows who took it away).
    """
    result = BulkResult()
    incidents, missing = selected_incidents(user=actor, school=school, public_ids=public_ids, result=result)
    if missing:
        result.skip(NOT_FOUND, missing)
    for incident in incidents:
        if _concern_refused(actor, incident, verified, result):
            continue
        if not permissions.can_export_incident(actor, incident):
            result.skip(NOT_ALLOWED)
        elif incident.is_void:
            result.skip(VOIDED)
        else:
            result.done.append(incident)
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        result.done,
        Prefetch(
            "involvements",
            queryset=IncidentPupil.objects.select_related("pupil").order_by("pk"),
            to_attr="involvement_list",
        ),
        "categories",
        "period",
        "subject",
    )
    rows = [_export_row(incident, school) for incident in result.done]
    if result.done:
        audit_log_each(
            actor=actor,
            action="incidents.incident.downloaded",
            school=school,
            subjects=[
                (incident, {"pupils": [str(i.pupil.public_id) for i in incident.involvement_list]})
                for incident in result.done
            ],
            ip_address=ip_address,
        )
    return EXPORT_HEADER, rows, result


def _export_row(incident, school):
    import zoneinfo

    zone = zoneinfo.ZoneInfo(school.time_zone)
    occurred = timezone.localtime(incident.occurred_at, zone).replace(tzinfo=None)
    pupils = "; ".join(
        f"{involvement.pupil.display_name} ({involvement.get_role_display()})"
        for involvement in incident.involvement_list
    )
    return [
        str(incident.public_id),
        occurred.isoformat(timespec="minutes") if isinstance(occurred, datetime.datetime) else "",
        incident.get_location_display(),
        incident.location_detail,
        incident.period.name if incident.period else "",
        incident.subject.name if incident.subject else "",
        ", ".join(str(group.label) for group in incident.groups()),
        ", ".join(sorted(category.name for category in incident.categories.all())),
        "" if incident.behaviour_level is None else str(incident.behaviour_level),
        pupils,
        incident.description,
        incident.immediate_action,
        incident.get_status_display(),
        incident.outcome,
        str(incident.recorded_by),
    ]
