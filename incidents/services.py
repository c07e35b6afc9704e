"""Writing the incident log: recording an incident (with its alerts), actions, parent contacts, sanctions, the DSL's
notes, closing and voiding.

Each service checks the permissions module, validates, writes in one transaction with an audit event, and queues
e-mails through the outbox (``safeguard.jobs.services.enqueue``) so nothing is sent for a change that rolled back and
nothing is lost when the broker is down. Nothing is deleted: a mistaken incident is voided with a reason.
"""

import datetime
import decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import AcademicYear, Pupil
from safeguard.jobs.services import enqueue

from .models import (
    GROUP_FLAGS,
    Action,
    Alert,
    BodyMap,
    CategoryGroup,
    DSLNote,
    Incident,
    IncidentAmendment,
    IncidentCategory,
    IncidentPupil,
    LessonPeriod,
    Location,
    ParentContact,
    PhysicalIntervention,
    Sanction,
    Subject,
)
from .services_search import search_document_refresh
from .signals import incident_corrected, incident_voided

SUSPENSION_LIMIT_DAYS = decimal.Decimal(45)  # School Discipline (Pupil Exclusions and Reviews) Regulations 2012
VICTIM_FOLLOW_UP_DAYS = 14  # issue 6: "a bullying incident gets a follow-up with the victim two weeks later"


# Alert routing ----------------------------------------------------------------------------------------------------


def alert_reasons(*, level, groups, slt_requested=False):
    """Which groups of people are alerted to a new incident — a pure rule, tested as a table.

    Args:
        level: the behaviour level 1–5, or None.
        groups: the incident's ``CategoryGroup`` values (iterable).
        slt_requested: the recorder asked SLT to look at a level 3 incident.

    Returns a set of ``Alert.Reason`` values besides the people the recorder chose:
    - a safeguarding concern: the DSL team only — class teachers and others are not told of it (KCSIE: the DSL
      team decides who needs to know);
    - otherwise the class teachers of every pupil involved; SLT for level 4 and 5, and for level 3 when the
      recorder asks (Westminster behaviour steps: "Level 3 may involve SLT. Level 4 and 5 must involve SLT").
    """
    groups = set(groups)
    if CategoryGroup.SAFEGUARDING in groups:
        return {Alert.Reason.DSL_TEAM}
    reasons = {Alert.Reason.CLASS_TEACHER}
    if level is not None and (level >= 4 or (level == 3 and slt_requested)):
        reasons.add(Alert.Reason.SLT)
    return reasons


def alert_recipients(incident, *, chosen_user_ids=()):
    """``{user_id: reason}`` for a saved incident: chosen staff, then the routes of ``alert_reasons``. The recorder
    is never alerted to their own record. For a safeguarding concern only members of the DSL team are alerted, even
    if the recorder chose others."""
    reasons = alert_reasons(
        level=incident.behaviour_level, groups=incident.groups(), slt_requested=incident.slt_requested
    )
    school = incident.school
    staff_ids = permissions.holders(school, permissions.RECORD_INCIDENT)
    recipients = {}
    if Alert.Reason.DSL_TEAM in reasons:
        dsl_team = permissions.holders(school, permissions.VIEW_SAFEGUARDING)
        for user_id in sorted(dsl_team):
            recipients.setdefault(user_id, Alert.Reason.DSL_TEAM)
        for user_id in chosen_user_ids:
            if user_id in dsl_team:
                recipients[user_id] = Alert.Reason.CHOSEN
    else:
        for user_id in chosen_user_ids:
            if user_id in staff_ids:
                recipients.setdefault(user_id, Alert.Reason.CHOSEN)
        if Alert.Reason.CLASS_TEACHER in reasons:
            from safeguard.directory.models import SchoolClass

            teacher_ids = (
                SchoolClass.teachers.through.objects.filter(
                    schoolclass__pupils__incident_involvements__incident=incident
                )
                .values_list("user_id", flat=True)
                .distinct()
            )
            for user_id in sorted(teacher_ids):
                if user_id in staff_ids:
                    recipients.setdefault(user_id, Alert.Reason.CLASS_TEACHER)
        if Alert.Reason.SLT in reasons:
            for user_id in sorted(permissions.holders(school, permissions.SERIOUS_BEHAVIOUR_ALERTS)):
                recipients.setdefault(user_id, Alert.Reason.SLT)
    recipients.pop(incident.recorded_by_id, None)
    return recipients


def _create_alerts(incident, chosen_user_ids):
    from .tasks import send_alert_email

    alerts = [
        Alert(incident=incident, incident_occurred_at=incident.occurred_at, recipient_id=user_id, reason=reason)
        for user_id, reason in alert_recipients(incident, chosen_user_ids=chosen_user_ids).items()
    ]
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    for alert in Alert.objects.filter(incident=incident, emailed_at__isnull=True):
        enqueue(send_alert_email, alert.pk)
    return alerts


def alerts_mark_read(*, user, incident, now=None):
    """Record that ``user`` has read their alerts for ``incident`` (the first reading counts). Returns the count."""
    return Alert.objects.filter(incident=incident, recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


# Who was shown a concern ------------------------------------------------------------------------------------------


def concerns_shown_log(*, actor, action, school, incidents, ip_address=None, data=None):
    """Audit that ``actor`` was shown the safeguarding concerns among ``incidents`` (an iterable of ``Incident``,
    with ``involvement_list`` loaded or not) on a page that lists many — the incident list, the dashboard's
    drill-down and its CSV, the online safety log: one event per pupil involved in them, whose subject is the pupil
    and whose data names the concerns (``{"incidents": [public id, …]}`` plus ``data``), so that "who viewed this
    pupil's record" lists it (KCSIE: access to safeguarding records is logged; issue 12 #10).

    ``action``: a dotted name ending in ``.viewed``, ``.downloaded`` or ``.printed``. Returns the number of events
    written (0 when no concern is among ``incidents``)."""
    from safeguard.audit.services import audit_log_each

    concerns = [incident for incident in incidents if incident.is_safeguarding]
    if not concerns:
        return 0
    loaded = {}  # the pupils of concerns without involvement_list, in one query
    missing = [incident.pk for incident in concerns if not hasattr(incident, "involvement_list")]
    if missing:
        for involvement in IncidentPupil.objects.filter(incident_id__in=missing).select_related("pupil"):
            loaded.setdefault(involvement.incident_id, []).append(involvement)
    listed = {}
    for incident in concerns:
        involvements = getattr(incident, "involvement_list", None)
        if involvements is None:
            involvements = loaded.get(incident.pk, [])
        for involvement in involvements:
            pupil, ids = listed.setdefault(involvement.pupil_id, (involvement.pupil, []))
            ids.append(str(incident.public_id))
    events = audit_log_each(
        actor=actor,
        action=action,
        school=school,
        subjects=[(pupil, {**(data or {}), "incidents": ids}) for pupil, ids in listed.values()],
        ip_address=ip_address,
    )
    return len(events)


# Recording --------------------------------------------------------------------------------------------------------


def _flags(categories):
    groups = {category.group for category in categories}
    return {flag: group in groups for group, flag in GROUP_FLAGS.items()}


def incident_record(
    *,
    actor,
    school,
    occurred_at,
    location,
    categories,
    pupils,
    description,
    location_detail="",
    behaviour_level=None,
    bullying_type="",
    protected_characteristic="",
    immediate_action="",
    reported_by="",
    slt_requested=False,
    alert_user_ids=(),
    physical_intervention=None,
    body_map=None,
    attachments=(),
    follow_up_assignee=None,
    period=None,
    subject=None,
    now=None,
):
    """Record an incident or raise a concern; alerts are created and e-mailed after commit. Returns the incident.

    Args:
        actor: any member of staff of ``school`` (``RECORD_INCIDENT``).
        occurred_at: aware datetime; may be in the past (backdated — it takes its true place in chronologies), not
            in the future.
        location: a ``Location`` value; categories: ``IncidentCategory`` rows of the school in use (at least one).
        pupils: list of ``(Pupil, IncidentPupil.Role value)`` — at least one, each a pupil of ``school``, once.
        behaviour_level: 1–5, required when a behaviour category is chosen (Westminster behaviour steps).
        bullying_type: a ``BullyingType`` value, required for a bullying category.
        physical_intervention: for a physical intervention category, a dict with ``staff_involved`` (str),
            ``staff_trained`` (bool), ``duration_minutes`` (int ≥ 1), ``method`` (str), ``parents_informed_at``
            (aware datetime or None).
        body_map: optional ``{"pupil": Pupil, "marks": [{"side", "x", "y", "description"}]}`` for a concern.
        alert_user_ids: staff the recorder chose to alert (ids).
        attachments: uploaded files (``UploadedFile``), added by ``incidents.services_files.attachment_add`` in the
            same transaction — a refused file leaves no incident behind and no alert is sent for it.

        follow_up_assignee: for bullying, the member of staff (``User``) the recorder chose to follow up with the
            victim, or None for the victim's class teacher (``victim_follow_up_assignee``).
        period, subject: a ``LessonPeriod`` / ``Subject`` of the school in use, or None (issue 16 item 7; optional
            even where the school keeps the lists).

    A bullying incident gets an action to follow up with the victim 14 days later (Westminster §12), assigned as
    ``victim_follow_up_assignee`` says.
    Raises ``PermissionError``; ``DomainError`` naming the first thing to put right.
    """
    if not permissions.can(actor, permissions.RECORD_INCIDENT, school):
        raise PermissionError("actor may not record incidents in this school")
    now = now or timezone.now()
    categories = list(categories)
    if not categories:
        raise DomainError(_("Choose at least one category."), code="categories")
    if any(category.school_id != school.pk or not category.is_active for category in categories):
        raise DomainError(_("Choose categories from this school's list."), code="categories")
    if occurred_at is None:
        raise DomainError(_("Say when it happened."), code="occurred_at")
    if occurred_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("When it happened cannot be in the future."), code="occurred_at")
    if not (description or "").strip():
        raise DomainError(_("Describe what happened."), code="description")
    pupils = list(pupils)
    if not pupils:
        raise DomainError(_("Add at least one pupil involved."), code="pupils")
    seen = set()
    for pupil, role in pupils:
        if pupil.school_id != school.pk:
            raise DomainError(_("Add pupils of this school only."), code="pupils")
        if pupil.pk in seen:
            raise DomainError(
                _("%(name)s is listed twice; give each pupil one role.") % {"name": pupil.display_name},
                code="pupils",
            )
        if role not in IncidentPupil.Role.values:
            raise DomainError(_("Choose each pupil's role."), code="pupils")
        seen.add(pupil.pk)
    _check_lesson_entries(school, period=period, subject=subject)
    flags = _flags(categories)
    if flags["is_behaviour"] and behaviour_level is None:
        raise DomainError(_("Choose the behaviour level (1 to 5)."), code="behaviour_level")
    if behaviour_level is not None and not 1 <= int(behaviour_level) <= 5:
        raise DomainError(_("The behaviour level is from 1 to 5."), code="behaviour_level")
    if flags["is_bullying"] and not bullying_type:
        raise DomainError(_("Choose the type of bullying."), code="bullying_type")
    if flags["is_physical_intervention"]:
        details = physical_intervention or {}
        if not (details.get("staff_involved") or "").strip():
            raise DomainError(_("Say who intervened."), code="physical_intervention")
        if not details.get("duration_minutes") or int(details["duration_minutes"]) < 1:
            raise DomainError(_("Say how long the intervention lasted, in minutes."), code="physical_intervention")
    with transaction.atomic():
        incident = Incident.objects.create(
            school=school,
            occurred_at=occurred_at,
            location=location,
            location_detail=(location_detail or "").strip(),
            recorded_by=actor,
            behaviour_level=int(behaviour_level) if behaviour_level is not None else None,
            bullying_type=bullying_type or "",
            protected_characteristic=protected_characteristic or "",
            description=description.strip(),
            immediate_action=(immediate_action or "").strip(),
            reported_by=(reported_by or "").strip(),
            slt_requested=bool(slt_requested),
            period=period,
            subject=subject,
            **flags,
        )
        incident.categories.set(categories)
        IncidentPupil.objects.bulk_create(
            IncidentPupil(incident=incident, pupil=pupil, role=role) for pupil, role in pupils
        )
        if flags["is_physical_intervention"]:
            details = physical_intervention
            PhysicalIntervention.objects.create(
                incident=incident,
                staff_involved=details["staff_involved"].strip(),
                staff_trained=bool(details.get("staff_trained")),
                method=(details.get("method") or "").strip(),
                duration_minutes=int(details["duration_minutes"]),
                parents_informed_at=details.get("parents_informed_at"),
            )
            if details.get("parents_informed_at") is None:
                # Parents are told of every physical intervention (Westminster behaviour policy): until a contact
                # with the family is recorded, telling them is an action due today for the recorder.
                Action.objects.create(
                    incident=incident,
                    kind=Action.Kind.CONTACT_PARENTS,
                    description=_("Tell the parents or carers about the physical intervention."),
                    assignee=actor,
                    due_on=school.today(now),
                    created_by=actor,
                )
        if body_map and body_map.get("marks"):
            body_map_record(actor=actor, incident=incident, pupil=body_map["pupil"], marks=body_map["marks"])
        if flags["is_bullying"]:
            victims = [pupil for pupil, role in pupils if role == IncidentPupil.Role.VICTIM]
            Action.objects.create(
                incident=incident,
                kind=Action.Kind.FOLLOW_UP_VICTIM,
                description=_("Check with %(names)s that the bullying has stopped.")
                % {"names": ", ".join(p.display_name for p in victims) or _("the victim")},
                assignee=victim_follow_up_assignee(
                    school=school, victims=victims, chosen=follow_up_assignee, recorder=actor
                ),
                due_on=school.today(now) + datetime.timedelta(days=VICTIM_FOLLOW_UP_DAYS),
                created_by=actor,
            )
        _create_alerts(incident, [int(user_id) for user_id in alert_user_ids])
        if attachments:
            from .services_files import attachment_add

            for uploaded in attachments:
                attachment_add(actor=actor, incident=incident, uploaded=uploaded)
        search_document_refresh(incident)
        audit_log(
            actor=actor,
            action="incidents.incident.recorded",
            school=school,
            subject=incident,
            data={
                "groups": incident.groups(),
                "level": incident.behaviour_level,
                "pupils": len(pupils),
                "backdated_hours": round((now - occurred_at).total_seconds() / 3600, 1),
            },
        )
    return incident


def victim_follow_up_assignee(*, school, victims, chosen=None, recorder):
    """Who follows up with the victim of bullying two weeks on (Westminster behaviour policy §12: the victim's class
    teacher is told and "the victim is followed up"): ``chosen`` when the recorder picked a member of staff of
    ``school``; otherwise a class teacher of the first victim (in the order given) who has one among the school's
    current staff (by name, then e-mail); otherwise the ``recorder``. ``victims``: ``Pupil`` rows.
    Returns a ``User``."""
    from safeguard.accounts.models import User

    staff_ids = permissions.holders(school, permissions.RECORD_INCIDENT)
    if chosen is not None and chosen.pk in staff_ids:
        return chosen
    for victim in victims:
        if victim.school_class_id is None:
            continue
        teacher = (
            User.objects.filter(classes_taught__pk=victim.school_class_id, pk__in=staff_ids, is_active=True)
            .order_by("full_name", "email", "pk")
            .first()
        )
        if teacher is not None:
            return teacher
    return recorder


def body_map_record(*, actor, incident, pupil, marks):
    """Attach a body map to an incident: ``marks`` as described on ``BodyMap``; x and y are clamped to 0–100.
    Raises ``DomainError`` for a mark without a description or a pupil not involved."""
    if not incident.involvements.filter(pupil=pupil).exists():
        raise DomainError(_("A body map is for a pupil involved in this incident."), code="pupil")
    clean = []
    for mark in marks:
        description = (mark.get("description") or "").strip()
        if not description:
            raise DomainError(_("Describe every mark on the body map."), code="marks")
        side = "back" if mark.get("side") == "back" else "front"
        x = min(max(float(mark.get("x", 0)), 0.0), 100.0)
        y = min(max(float(mark.get("y", 0)), 0.0), 100.0)
        clean.append({"side": side, "x": round(x, 1), "y": round(y, 1), "description": description[:500]})
    body_map = BodyMap.objects.create(incident=incident, pupil=pupil, marks=clean, recorded_by=actor)
    audit_log(
        actor=actor,
        action="incidents.body_map.recorded",
        school=incident.school,
        subject=incident,
        data={"marks": len(clean)},
    )
    return body_map


# Follow-up --------------------------------------------------------------------------------------------------------


def _check_follow_up(actor, incident):
    if not permissions.can_follow_up_incident(actor, incident):
        raise PermissionError("actor may not follow up this incident")
    if incident.is_void:
        raise DomainError(_("This incident was voided; it cannot be changed."), code="void")


def _check_manage(actor, incident):
    if not permissions.can_manage_incident(actor, incident):
        raise PermissionError("actor may not manage this incident")
    if incident.is_void:
        raise DomainError(_("This incident was voided; it cannot be changed."), code="void")


def action_add(*, actor, incident, kind, assignee, due_on, description=""):
    """Add an action with an assignee (a current member of staff of the school) and a due date. Returns it."""
    _check_follow_up(actor, incident)
    if kind not in Action.Kind.values:
        raise DomainError(_("Choose what needs doing."), code="kind")
    if not permissions.can(assignee, permissions.RECORD_INCIDENT, incident.school):
        raise DomainError(_("Choose a member of staff of this school."), code="assignee")
    if incident.is_safeguarding and not permissions.can(assignee, permissions.VIEW_SAFEGUARDING, incident.school):
        raise DomainError(_("Actions on a safeguarding concern go to the DSL team."), code="assignee")
    if not isinstance(due_on, datetime.date):
        raise DomainError(_("Choose the date it is due."), code="due_on")
    with transaction.atomic():
        action = Action.objects.create(
            incident=incident,
            kind=kind,
            assignee=assignee,
            due_on=due_on,
            description=(description or "").strip(),
            created_by=actor,
        )
        search_document_refresh(incident)
        audit_log(
            actor=actor,
            action="incidents.action.added",
            school=incident.school,
            subject=incident,
            data={"kind": kind, "due_on": due_on.isoformat()},
        )
    return action


def action_complete(*, actor, action, note, now=None):
    """Mark an action done with what was done (required). The assignee or whoever manages the incident."""
    incident = action.incident
    if action.assignee_id != actor.pk:
        _check_manage(actor, incident)
    elif not permissions.can(actor, permissions.RECORD_INCIDENT, incident.school):
        raise PermissionError("actor is no longer staff of this school")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what was done."), code="note")
    if action.completed_at is not None:
        return action
    action.completed_at = now or timezone.now()
    action.completed_by = actor
    action.completion_note = note
    with transaction.atomic():
        action.save(update_fields=["completed_at", "completed_by", "completion_note", "updated_at"])
        search_document_refresh(incident)
        audit_log(actor=actor, action="incidents.action.completed", school=incident.school, subject=incident, data={})
    return action


def parent_contact_record(
    *, actor, incident, pupil, contact_name, method, contacted_at, summary, guardian=None, now=None
):
    """Log a contact with a pupil's family. The pupil must be involved in the incident (for bullying, record one
    for each family — Westminster §12).

    For a physical intervention whose parents were not yet told, the contact is when they were told: it sets the
    intervention's ``parents_informed_at`` to ``contacted_at`` and completes the open "contact parents" actions that
    ``incident_record`` created for it (audit ``incidents.physical_intervention.parents_told``)."""
    _check_follow_up(actor, incident)
    if not incident.involvements.filter(pupil=pupil).exists():
        raise DomainError(_("Choose a pupil involved in this incident."), code="pupil")
    if method not in ParentContact.Method.values:
        raise DomainError(_("Choose how they were contacted."), code="method")
    if not (contact_name or "").strip() or not (summary or "").strip():
        raise DomainError(_("Say who was contacted and what was said."), code="summary")
    if contacted_at is None or contacted_at > timezone.now() + datetime.timedelta(minutes=5):
        raise DomainError(_("The contact cannot be in the future."), code="contacted_at")
    with transaction.atomic():
        contact = ParentContact.objects.create(
            incident=incident,
            pupil=pupil,
            guardian=guardian,
            contact_name=contact_name.strip(),
            method=method,
            contacted_at=contacted_at,
            summary=summary.strip(),
            recorded_by=actor,
        )
        audit_log(
            actor=actor,
            action="incidents.parent_contact.recorded",
            school=incident.school,
            subject=incident,
            data={"method": method},
        )
        intervention = PhysicalIntervention.objects.select_for_update().filter(incident=incident).first()
        if intervention is not None and intervention.parents_informed_at is None:
            intervention.parents_informed_at = contacted_at
            intervention.save(update_fields=["parents_informed_at", "updated_at"])
            note = _("Parents told: %(name)s, %(method)s.") % {
                "name": contact_name.strip(),
                "method": ParentContact.Method(method).label,
            }
            for action in Action.objects.filter(
                incident=incident, kind=Action.Kind.CONTACT_PARENTS, completed_at__isnull=True
            ):
                action.completed_at, action.completed_by, action.completion_note = now or timezone.now(), actor, note
                action.save(update_fields=["completed_at", "completed_by", "completion_note", "updated_at"])
            audit_log(
                actor=actor,
                action="incidents.physical_intervention.parents_told",
                school=incident.school,
                subject=incident,
                data={"contacted_at": contacted_at.isoformat()},
            )
        search_document_refresh(incident)
    return contact


def suspension_days_in_year(pupil, academic_year, *, exclude_pk=None):
    """Total suspension days (Decimal) recorded for ``pupil`` in ``academic_year``, withdrawn ones and voided
    incidents excluded."""
    sanctions = Sanction.objects.filter(
        pupil=pupil,
        academic_year=academic_year,
        kind=Sanction.Kind.SUSPENSION,
        voided_at__isnull=True,
        incident__voided_at__isnull=True,
    )
    if exclude_pk:
        sanctions = sanctions.exclude(pk=exclude_pk)
    return sanctions.aggregate(total=Sum("days"))["total"] or decimal.Decimal(0)


def _academic_year_on(school, day):
    year = AcademicYear.objects.filter(school=school, starts_on__lte=day, ends_on__gte=day).first()
    if year is None:
        raise DomainError(_("The school has no academic year covering this date."), code="academic_year")
    return year


def sanction_record(*, actor, incident, pupil, kind, starts_on, days=None, reasons=(), notes=""):
    """Record a sanction or outcome for a pupil involved in the incident. Returns the ``Sanction``.

    Args:
        kind: a ``Sanction.Kind`` value; starts_on: ``datetime.date``.
        days: for a suspension, school days (Decimal or str, in half days, > 0).
        reasons: for a suspension or permanent exclusion, one to three DfE reason codes (``SuspensionReason``).

    Suspensions and permanent exclusions are the headteacher's (``SUSPEND_PUPIL``). A pupil may be suspended for at
    most 45 school days in an academic year (School Discipline Regulations 2012): a suspension that would pass the
    limit is refused, saying how many days remain. Raises ``PermissionError``; ``DomainError``.
    """
    _check_manage(actor, incident)
    if kind not in Sanction.Kind.values:
        raise DomainError(_("Choose the sanction."), code="kind")
    if not incident.involvements.filter(pupil=pupil).exists():
        raise DomainError(_("Choose a pupil involved in this incident."), code="pupil")
    exclusion = kind in (Sanction.Kind.SUSPENSION, Sanction.Kind.PERMANENT_EXCLUSION)
    if exclusion and not permissions.can(actor, permissions.SUSPEND_PUPIL, incident.school):
        raise PermissionError("only the headteacher suspends or excludes")
    reasons = [code for code in reasons if code]
    if exclusion and not 1 <= len(reasons) <= 3:
        raise DomainError(_("Give one to three reasons from the DfE list."), code="reasons")
    if len(set(reasons)) != len(reasons):
        raise DomainError(_("Give each reason once."), code="reasons")
    if not isinstance(starts_on, datetime.date):
        raise DomainError(_("Choose the start date."), code="starts_on")
    year = _academic_year_on(incident.school, starts_on)
    amount = None
    if kind == Sanction.Kind.SUSPENSION:
        try:
            amount = decimal.Decimal(str(days))
        except (decimal.InvalidOperation, TypeError, ValueError):
            amount = None
        if amount is None or amount <= 0 or amount % decimal.Decimal("0.5"):
            raise DomainError(_("Give the number of school days, in half days (for example 1 or 2.5)."), code="days")
    with transaction.atomic():
        Pupil.objects.select_for_update().filter(pk=pupil.pk).first()  # one suspension at a time per pupil
        if amount is not None:
            used = suspension_days_in_year(pupil, year)
            if used + amount > SUSPENSION_LIMIT_DAYS:
                left = max(SUSPENSION_LIMIT_DAYS - used, decimal.Decimal(0))
                raise DomainError(
                    _(
                        "%(name)s has already been suspended for %(used)s school days this academic year. A pupil "
                        "may be suspended for at most 45 days in a year, so at most %(left)s more can be given."
                    )
                    % {"name": pupil.display_name, "used": used.normalize(), "left": left.normalize()},
                    code="suspension_limit",
                )
        sanction = Sanction.objects.create(
            incident=incident,
            pupil=pupil,
            academic_year=year,
            kind=kind,
            starts_on=starts_on,
            days=amount,
            reason_1=reasons[0] if len(reasons) > 0 else "",
            reason_2=reasons[1] if len(reasons) > 1 else "",
            reason_3=reasons[2] if len(reasons) > 2 else "",
            notes=(notes or "").strip(),
            recorded_by=actor,
        )
        audit_log(
            actor=actor,
            action="incidents.sanction.recorded",
            school=incident.school,
            subject=incident,
            data={"kind": kind, "days": str(amount) if amount is not None else None, "reasons": reasons},
        )
    return sanction


def dsl_note_add(*, actor, incident, text):
    """Add a DSL team note to a safeguarding concern (never shown to the member of staff who raised it)."""
    if not incident.is_safeguarding or not permissions.can(actor, permissions.VIEW_SAFEGUARDING, incident.school):
        raise PermissionError("only the DSL team writes notes on a concern")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the note."), code="text")
    with transaction.atomic():
        note = DSLNote.objects.create(incident=incident, author=actor, text=text)
        search_document_refresh(incident)
        audit_log(actor=actor, action="incidents.dsl_note.added", school=incident.school, subject=incident, data={})
    return note


def incident_close(*, actor, incident, outcome, rationale="", now=None):
    """Close an incident with its outcome; a safeguarding concern also needs the rationale (why a referral was or
    was not made). Open actions stay visible as open. Raises ``PermissionError``; ``DomainError``."""
    _check_manage(actor, incident)
    outcome, rationale = (outcome or "").strip(), (rationale or "").strip()
    if not outcome:
        raise DomainError(_("Write the outcome."), code="outcome")
    if incident.is_safeguarding and not rationale:
        raise DomainError(_("Explain why a referral was, or was not, made."), code="rationale")
    if incident.status == Incident.Status.CLOSED:
        raise DomainError(_("This incident is already closed."), code="closed")
    with transaction.atomic():
        incident.status = Incident.Status.CLOSED
        incident.outcome, incident.outcome_rationale = outcome, rationale
        incident.closed_at, incident.closed_by = now or timezone.now(), actor
        incident.save(update_fields=["status", "outcome", "outcome_rationale", "closed_at", "closed_by", "updated_at"])
        search_document_refresh(incident)
        audit_log(actor=actor, action="incidents.incident.closed", school=incident.school, subject=incident, data={})
    return incident


def incident_reopen(*, actor, incident, reason):
    """Reopen a closed incident (a reason is required and kept in the audit trail)."""
    _check_manage(actor, incident)
    if not (reason or "").strip():
        raise DomainError(_("Say why it is reopened."), code="reason")
    with transaction.atomic():
        incident.status = Incident.Status.OPEN
        incident.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.incident.reopened",
            school=incident.school,
            subject=incident,
            data={"reason": reason.strip()[:500]},
        )
    return incident


def incident_void(*, actor, incident, reason, now=None):
    """Void an incident recorded in error: kept with its history, hidden from lists, chronologies and reports.
    The reason is required; ``incidents.signals.incident_voided`` is sent (it leaves the behaviour thresholds'
    counts). Raises ``PermissionError``; ``DomainError``."""
    _check_manage(actor, incident)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this incident is being voided."), code="reason")
    with transaction.atomic():
        incident.voided_at, incident.voided_by, incident.void_reason = now or timezone.now(), actor, reason
        incident.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.incident.voided",
            school=incident.school,
            subject=incident,
            data={"reason": reason[:500]},
        )
        incident_voided.send(sender=Incident, incident=incident)
    return incident


AMENDED = "amended"  # the history_change_reason of an incident's save by incident_amend (see IncidentAmendment)


def _amendable_values(incident, categories):
    """The values of ``IncidentAmendment.AMENDABLE_FIELDS`` as JSON, for the record of a correction."""
    values = {field: getattr(incident, field) for field in IncidentAmendment.AMENDABLE_FIELDS if field != "categories"}
    values["occurred_at"] = values["occurred_at"].isoformat()
    for field in ("period", "subject"):
        values[field] = values[field].name if values[field] is not None else ""
    values["categories"] = sorted(category.name for category in categories)
    return values


def incident_amend(*, actor, incident, reason, now=None, **changes):
    """Correct an incident's record — a typo in what happened, the wrong category or level, when or where — keeping
    the previous version in its history with who, when and why (issue 16 item 2). A record made in error is voided
    (``incident_void``), not amended.

    Args:
        actor: someone who may manage the incident (``permissions.can_manage_incident``: the DSL team for a
            concern; SLT, the head and the DSL team for behaviour).
        reason: why it is corrected (required; kept on the ``IncidentAmendment`` and in the audit event).
        changes: any of ``occurred_at`` (aware datetime, not in the future), ``location`` (a ``Location`` value),
            ``location_detail``, ``categories`` (``IncidentCategory`` rows of the school: in use, or already on the
            incident), ``behaviour_level`` (1–5 or None), ``bullying_type``, ``protected_characteristic``,
            ``description``, ``immediate_action``, ``reported_by``, ``period`` and ``subject`` (a ``LessonPeriod`` /
            ``Subject`` of the school in use or already on the record, or None); fields not given keep their value.

    A correction cannot move a record into or out of the safeguarding concerns: that would change who may read it
    and who was told (a concern recorded as behaviour is recorded again as a concern, and the behaviour record
    voided). Nor can it add a physical intervention, whose details are recorded with the incident. When the level
    rises into the band SLT are alerted to (4–5, or 3 when SLT were asked — Westminster behaviour steps), SLT are
    alerted now, once each; no other alert is sent again. ``incidents.signals.incident_corrected`` is sent (the
    behaviour thresholds are checked again: a raised level may reach one).

    Returns ``(incident, amendment)``; ``amendment`` is None when nothing differs (nothing written). Raises
    ``PermissionError``; ``DomainError`` naming the field to put right.
    """
    _check_manage(actor, incident)
    unknown = set(changes) - set(IncidentAmendment.AMENDABLE_FIELDS)
    if unknown:
        raise TypeError(f"not amendable: {sorted(unknown)}")
    with transaction.atomic():
        # The row as it is now, locked: two corrections at once each see the other's result.
        incident = Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)
        _check_manage(actor, incident)
        return _amend_locked(actor=actor, incident=incident, reason=reason, now=now or timezone.now(), changes=changes)


def _amend_locked(*, actor, incident, reason, now, changes):
    reason = (reason or "").strip()
    school = incident.school
    old_categories = list(incident.categories.all())
    categories = list(changes.pop("categories", old_categories))
    if not categories:
        raise DomainError(_("Choose at least one category."), code="categories")
    kept = {category.pk for category in old_categories}
    if any(
        category.school_id != school.pk or not (category.is_active or category.pk in kept) for category in categories
    ):
        raise DomainError(_("Choose categories from this school's list."), code="categories")
    flags = _flags(categories)
    if flags["is_safeguarding"] != incident.is_safeguarding:
        raise DomainError(
            _(
                "A correction cannot move a record into or out of the safeguarding concerns. Void this record and "
                "record it again."
            ),
            code="categories",
        )
    if flags["is_physical_intervention"] and not incident.is_physical_intervention:
        raise DomainError(
            _("A physical intervention is recorded as a new incident, with its details."), code="categories"
        )
    for field in ("description", "immediate_action", "reported_by", "location_detail"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    for field in ("bullying_type", "protected_characteristic"):
        if field in changes:
            changes[field] = changes[field] or ""
    new = {field: changes.get(field, getattr(incident, field)) for field in changes}
    occurred_at = new.get("occurred_at", incident.occurred_at)
    level = new.get("behaviour_level", incident.behaviour_level)
    if occurred_at is None:
        raise DomainError(_("Say when it happened."), code="occurred_at")
    if occurred_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("When it happened cannot be in the future."), code="occurred_at")
    if not new.get("description", incident.description):
        raise DomainError(_("Describe what happened."), code="description")
    if new.get("location", incident.location) not in Location.values:
        raise DomainError(_("Choose where it happened."), code="location")
    if flags["is_behaviour"] and level is None:
        raise DomainError(_("Choose the behaviour level (1 to 5)."), code="behaviour_level")
    if level is not None and not 1 <= int(level) <= 5:
        raise DomainError(_("The behaviour level is from 1 to 5."), code="behaviour_level")
    if flags["is_bullying"] and not new.get("bullying_type", incident.bullying_type):
        raise DomainError(_("Choose the type of bullying."), code="bullying_type")
    if not reason:
        raise DomainError(_("Say why the record is corrected."), code="reason")
    _check_lesson_entries(
        school,
        period=new.get("period"),
        subject=new.get("subject"),
        kept={"period": incident.period_id, "subject": incident.subject_id},
    )
    before = _amendable_values(incident, old_categories)
    old_alerts = alert_reasons(
        level=incident.behaviour_level, groups=incident.groups(), slt_requested=incident.slt_requested
    )
    for field, value in new.items():
        setattr(incident, field, int(value) if field == "behaviour_level" and value is not None else value)
    for flag, value in flags.items():
        setattr(incident, flag, value)
    after = _amendable_values(incident, categories)
    differences = [
        {"field": field, "old": before[field], "new": after[field]}
        for field in IncidentAmendment.AMENDABLE_FIELDS
        if before[field] != after[field]
    ]
    if not differences:
        return incident, None
    incident._change_reason = AMENDED
    incident.save()
    if "occurred_at" in {difference["field"] for difference in differences}:
        # The copies that let a reader's list of this year find the incident's actions and alerts
        # (Action.incident_occurred_at, Alert.incident_occurred_at).
        Action.objects.filter(incident=incident).update(incident_occurred_at=incident.occurred_at)
        Alert.objects.filter(incident=incident).update(incident_occurred_at=incident.occurred_at)
    if "categories" in {difference["field"] for difference in differences}:
        incident.categories.set(categories)
    amendment = IncidentAmendment.objects.create(
        incident=incident, amended_by=actor, reason=reason, changes=differences
    )
    search_document_refresh(incident)
    audit_log(
        actor=actor,
        action="incidents.incident.amended",
        school=school,
        subject=incident,
        data={"fields": [difference["field"] for difference in differences], "reason": reason[:500]},
    )
    new_alerts = alert_reasons(
        level=incident.behaviour_level, groups=incident.groups(), slt_requested=incident.slt_requested
    )
    if Alert.Reason.SLT in new_alerts and Alert.Reason.SLT not in old_alerts:
        _alert_senior_leaders(incident)
    incident_corrected.send(sender=Incident, incident=incident, amendment=amendment)
    return incident, amendment


def _alert_senior_leaders(incident):
    """Alert SLT to ``incident`` now that its level is in their band (once each; e-mailed after commit)."""
    from .tasks import send_alert_email

    recipients = alert_recipients(incident)
    Alert.objects.bulk_create(
        [
            Alert(incident=incident, incident_occurred_at=incident.occurred_at, recipient_id=user_id, reason=reason)
            for user_id, reason in recipients.items()
            if reason == Alert.Reason.SLT
        ],
        ignore_conflicts=True,
    )
    for alert in Alert.objects.filter(incident=incident, reason=Alert.Reason.SLT, emailed_at__isnull=True):
        enqueue(send_alert_email, alert.pk)


def racist_report_sent(*, actor, incident, sent_on, now=None):
    """Record that the local authority's racist incident monitoring form for ``incident`` was sent to the LA on
    ``sent_on`` (``datetime.date``, not after today in the school's time zone), by ``actor`` — whoever manages the
    incident (Westminster behaviour policy §11: racist incidents are "reported to the Local Authority using the racist
    incident monitoring form").

    Returns the incident. A repeat with the date already recorded changes nothing; a different date corrects it (the
    history keeps both). Raises ``PermissionError``; ``DomainError`` for an incident the form is not for, a voided
    one, or a date in the future."""
    from .selectors_chronology import is_racist_incident

    _check_manage(actor, incident)
    if not is_racist_incident(incident):
        raise DomainError(_("The local authority's form is for racist and prejudice-related incidents."), code="kind")
    if not isinstance(sent_on, datetime.date):
        raise DomainError(_("Say when the form was sent."), code="sent_on")
    if sent_on > incident.school.today(now):
        raise DomainError(_("The date it was sent cannot be in the future."), code="sent_on")
    if incident.la_report_sent_on == sent_on:
        return incident
    with transaction.atomic():
        incident.la_report_sent_on, incident.la_report_sent_by = sent_on, actor
        incident.save(update_fields=["la_report_sent_on", "la_report_sent_by", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.racist_form.sent",
            school=incident.school,
            subject=incident,
            data={"sent_on": sent_on.isoformat()},
        )
    return incident


def categories_for_school(school):
    """The categories staff choose from, in use, ordered for the form."""
    return IncidentCategory.objects.filter(school=school, is_active=True).order_by("order", "name")


# Lesson periods and subjects (issue 16 item 7) ----------------------------------------------------------------------

LESSON_LISTS = {"periods": LessonPeriod, "subjects": Subject}
_AUDIT_NOUNS = {LessonPeriod: "lesson_period", Subject: "subject"}


def _check_lesson_entries(school, *, period, subject, kept=None):
    """``DomainError`` unless ``period`` and ``subject`` are None or entries of ``school``'s lists in use (or, for a
    correction, the entry already on the record: ``kept`` = ``{"period": id, "subject": id}``)."""
    kept = kept or {}
    for code, entry, model in (("period", period, LessonPeriod), ("subject", subject, Subject)):
        if entry is None:
            continue
        if not isinstance(entry, model) or entry.school_id != school.pk:
            raise DomainError(_("Choose from this school's list."), code=code)
        if entry.is_removed and entry.pk != kept.get(code):
            raise DomainError(_("That entry is no longer in use. Choose another."), code=code)


def lesson_entry_add(*, actor, school, kind, name):
    """Add a lesson period ("Period 1", "Lunch") or a subject to ``school``'s list, at its end.

    Args:
        actor: whoever sets the school up (``SETUP_SCHOOL``: the office, the headteacher, a trust admin) — periods
            and subjects are the school's timetable, kept with its calendar, year groups and classes (issue 13).
        kind: "periods" or "subjects" (``LESSON_LISTS``). name: up to 60 characters, not blank.

    Returns ``(entry, created)``: a name already in use is not added twice (``created`` False, nothing written).
    Raises ``PermissionError``; ``DomainError`` (code "name"). Audit: ``incidents.lesson_period.added`` /
    ``incidents.subject.added``.
    """
    if not permissions.can_keep_lesson_lists(actor, school):
        raise PermissionError("actor may not set this school up")
    model = LESSON_LISTS[kind]
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Enter a name."), code="name")
    if len(name) > 60:
        raise DomainError(_("Use at most 60 characters."), code="name")
    with transaction.atomic():
        existing = model.objects.filter(school=school, name__iexact=name, removed_at__isnull=True).first()
        if existing is not None:
            return existing, False
        last = model.objects.filter(school=school).order_by("-order").values_list("order", flat=True).first()
        entry = model.objects.create(school=school, name=name, order=(last or 0) + 1)
        audit_log(
            actor=actor,
            action=f"incidents.{_AUDIT_NOUNS[model]}.added",
            school=school,
            subject=entry,
            data={"name": name},
        )
    return entry, True


def lesson_entry_remove(*, actor, entry, now=None):
    """Stop offering ``entry`` (a ``LessonPeriod`` or ``Subject``) when recording and correcting incidents; it stays
    on the incidents recorded with it and in the list's history. Returns the entry; a repeat changes nothing.
    Raises ``PermissionError`` (``SETUP_SCHOOL`` of the entry's school). Audit: ``incidents.lesson_period.removed``
    / ``incidents.subject.removed``."""
    if not permissions.can_keep_lesson_lists(actor, entry.school):
        raise PermissionError("actor may not set this school up")
    if entry.removed_at is not None:
        return entry
    with transaction.atomic():
        entry.removed_at = now or timezone.now()
        entry.save(update_fields=["removed_at", "updated_at"])
        audit_log(
            actor=actor,
            action=f"incidents.{_AUDIT_NOUNS[type(entry)]}.removed",
            school=entry.school,
            subject=entry,
            data={"name": entry.name},
        )
    return entry


# Reassigning actions (issue 16 item 9) ------------------------------------------------------------------------------


def action_reassign(*, actor, action, assignee):
    """Give an open action to another member of staff (a head of year's actions while they are away, a DSL's
    follow-ups when their caseload changes).

    Args:
        actor: whoever manages the incident (``permissions.can_manage_incident``).
        assignee: a member of staff of the school (``RECORD_INCIDENT``); for a concern, of the DSL team.

    Returns True when the action changed hands; False when it was done already or is already ``assignee``'s (nothing
    written). Raises ``PermissionError``; ``DomainError`` (a voided incident, an assignee who may not take it).
    Audit: ``incidents.action.reassigned`` with the previous and the new assignee's ids.
    """
    incident = action.incident
    _check_manage(actor, incident)
    if not permissions.can(assignee, permissions.RECORD_INCIDENT, incident.school):
        raise DomainError(_("Choose a member of staff of this school."), code="assignee")
    if incident.is_safeguarding and not permissions.can(assignee, permissions.VIEW_SAFEGUARDING, incident.school):
        raise DomainError(_("Actions on a safeguarding concern go to the DSL team."), code="assignee")
    if action.completed_at is not None or action.assignee_id == assignee.pk:
        return False
    previous = action.assignee_id
    with transaction.atomic():
        action.assignee = assignee
        action.save(update_fields=["assignee", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.action.reassigned",
            school=incident.school,
            subject=incident,
            data={"action": str(action.public_id), "from": previous, "to": assignee.pk},
        )
    return True
