"""Writing external referrals of safeguarding concerns (issue 16 item 5): to children's social care or the MASH,
the police, Prevent (Channel), the LADO or early help, with the agency's reference, the date, the outcome and a
follow-up date. The DSL team's work (``VIEW_SAFEGUARDING``), on a concern's record; nothing is deleted.

The follow-up reuses the incident log's actions: a "follow up a referral" action on the concern, assigned to the DSL
team member who made the referral and due on the follow-up date, so the daily sweep (``incidents.tasks``) e-mails it
when it is due and each week it is overdue, and "My actions" lists it. KCSIE: the DSL "should ... follow up" a
referral whose outcome is not known, and record the outcome.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import Action, Referral
from .services_search import search_document_refresh

# The "refer to …" action an agency's referral completes, when one is open on the concern.
REFERRAL_ACTIONS = {
    Referral.Agency.SOCIAL_CARE: Action.Kind.REFER_SOCIAL_CARE,
    Referral.Agency.POLICE: Action.Kind.REFER_POLICE,
    Referral.Agency.PREVENT: Action.Kind.REFER_PREVENT,
    Referral.Agency.EARLY_HELP: Action.Kind.REFER_EARLY_HELP,
}


def _check(actor, incident):
    if not incident.is_safeguarding or not permissions.can(actor, permissions.VIEW_SAFEGUARDING, incident.school):
        raise PermissionError("only the DSL team records referrals, on a safeguarding concern")
    if incident.is_void:
        raise DomainError(_("This incident was voided; it cannot be changed."), code="void")


def _follow_up_action(*, actor, referral, due_on):
    return Action.objects.create(
        incident=referral.incident,
        kind=Action.Kind.FOLLOW_UP_REFERRAL,
        description=(
            _("Follow up the referral to %(agency)s (%(reference)s): is the outcome known?")
            if referral.reference
            else _("Follow up the referral to %(agency)s: is the outcome known?")
        )
        % {"agency": referral.get_agency_display(), "reference": referral.reference},
        assignee=actor,
        due_on=due_on,
        created_by=actor,
    )


def referral_record(
    *, actor, incident, agency, referred_on, reference="", contact="", summary="", follow_up_on=None, now=None
):
    """Record a referral of the concern ``incident`` to an outside agency. Returns the ``Referral``.

    Args:
        actor: a member of the DSL team of the incident's school.
        agency: a ``Referral.Agency`` value. referred_on: ``datetime.date``, not after today (the school's date).
        reference, contact, summary: the agency's reference, who took the referral, what was referred (text).
        follow_up_on: ``datetime.date`` on or after ``referred_on``, or None: when to chase the outcome — an action
            for ``actor`` due that day (reminded by e-mail when due and overdue).

    An open "refer to …" action of the same agency on the concern is completed ("Referral made: reference").
    Audit ``incidents.referral.recorded``. Raises ``PermissionError``; ``DomainError`` (code ``agency``,
    ``referred_on``, ``follow_up_on``).
    """
    _check(actor, incident)
    now = now or timezone.now()
    today = incident.school.today(now)
    if agency not in Referral.Agency.values:
        raise DomainError(_("Choose who it was referred to."), code="agency")
    if not isinstance(referred_on, datetime.date):
        raise DomainError(_("Say when it was referred."), code="referred_on")
    if referred_on > today:
        raise DomainError(_("The date of the referral cannot be in the future."), code="referred_on")
    if follow_up_on is not None and follow_up_on < referred_on:
        raise DomainError(_("The follow-up cannot be before the referral."), code="follow_up_on")
    reference = (reference or "").strip()
    with transaction.atomic():
        referral = Referral.objects.create(
            incident=incident,
            agency=agency,
            referred_on=referred_on,
            reference=reference,
            contact=(contact or "").strip(),
            summary=(summary or "").strip(),
            follow_up_on=follow_up_on,
            referred_by=actor,
        )
        if follow_up_on is not None:
            referral.follow_up_action = _follow_up_action(actor=actor, referral=referral, due_on=follow_up_on)
            referral.save(update_fields=["follow_up_action", "updated_at"])
        kind = REFERRAL_ACTIONS.get(agency)
        if kind is not None:
            note = (
                _("Referral made on %(date)s, reference %(reference)s.")
                if reference
                else _("Referral made on %(date)s.")
            ) % {"date": referred_on.isoformat(), "reference": reference}
            for action in Action.objects.filter(incident=incident, kind=kind, completed_at__isnull=True):
                action.completed_at, action.completed_by, action.completion_note = now, actor, note
                action.save(update_fields=["completed_at", "completed_by", "completion_note", "updated_at"])
        search_document_refresh(incident)  # the follow-up and completed actions are searchable
        audit_log(
            actor=actor,
            action="incidents.referral.recorded",
            school=incident.school,
            subject=incident,
            data={
                "referral": str(referral.public_id),
                "agency": agency,
                "referred_on": referred_on.isoformat(),
                "follow_up_on": follow_up_on.isoformat() if follow_up_on else None,
            },
        )
    return referral


def referral_update(*, actor, referral, outcome="", outcome_on=None, follow_up_on=None, now=None):
    """Record a referral's outcome, or move its follow-up date. Returns the ``Referral``.

    Args:
        outcome: what the agency decided (text); with it, ``outcome_on`` (``datetime.date``, defaults to today) —
            the open follow-up action is then completed with the outcome.
        follow_up_on: a new follow-up date (``datetime.date``) while the outcome is not known: the open follow-up
            action moves to it (one is made if there was none).

    A call that changes nothing writes nothing. Audit ``incidents.referral.updated``. Raises ``PermissionError``;
    ``DomainError`` (code ``outcome``, ``outcome_on``, ``follow_up_on``).
    """
    incident = referral.incident
    _check(actor, incident)
    now = now or timezone.now()
    today = incident.school.today(now)
    outcome = (outcome or "").strip()
    if not outcome and follow_up_on is None:
        raise DomainError(_("Write the outcome, or a new follow-up date."), code="outcome")
    if outcome_on is not None and (outcome_on > today or outcome_on < referral.referred_on):
        raise DomainError(_("The outcome's date is between the referral and today."), code="outcome_on")
    if follow_up_on is not None and follow_up_on < referral.referred_on:
        raise DomainError(_("The follow-up cannot be before the referral."), code="follow_up_on")
    changed = []
    with transaction.atomic():
        # Locked alone: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        action = referral.follow_up_action
        if outcome and outcome != referral.outcome:
            referral.outcome, referral.outcome_on = outcome, outcome_on or today
            changed += ["outcome", "outcome_on"]
            if action is not None and action.completed_at is None:
                action.completed_at, action.completed_by, action.completion_note = now, actor, outcome
                action.save(update_fields=["completed_at", "completed_by", "completion_note", "updated_at"])
        elif not outcome and follow_up_on is not None and follow_up_on != referral.follow_up_on:
            referral.follow_up_on = follow_up_on
            changed.append("follow_up_on")
            if action is not None and action.completed_at is None:
                action.due_on = follow_up_on
                action.save(update_fields=["due_on", "updated_at"])
            else:
                referral.follow_up_action = _follow_up_action(actor=actor, referral=referral, due_on=follow_up_on)
                changed.append("follow_up_action")
        if not changed:
            return referral
        referral.save(update_fields=[*changed, "updated_at"])
        search_document_refresh(incident)
        audit_log(
            actor=actor,
            action="incidents.referral.updated",
            school=incident.school,
            subject=incident,
            data={"referral": str(referral.public_id), "fields": [f for f in changed if f != "follow_up_action"]},
        )
    return referral
