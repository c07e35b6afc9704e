"""Sending an agreement's requests to everyone who has not signed it, or to a selection of them (a class, a year
group, chosen pupils or chosen staff — issue 17 item 5), valid for a period the sender sets (item 3).

The e-mails themselves go out from ``aup.tasks`` after commit; each recipient's e-mail is claimed by a unique row
(``ReminderSent``), so sending twice, or a task retried, e-mails nobody twice.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import datacache, permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.jobs.services import enqueue

from .models import PolicyVersion, SignatureRequest
from .selectors_library import CoverageStatus, coverage_people, is_pupil_audience, policies_for_school
from .services import AUDIENCE_ROLES, signature_request_open
from .services_decline import DEFAULT_EXPIRY_DAYS, _check_expiry_days, _queue_fresh_link, expiry_for


def requests_send(
    *,
    actor,
    agreement,
    school,
    now=None,
    only_coverage=None,
    school_class=None,
    year_group=None,
    pupil_ids=None,
    user_ids=None,
    expiry_days=DEFAULT_EXPIRY_DAYS,
):
    """Open a request for everyone who has not signed ``agreement`` in ``school`` and queue its e-mail.

    Args:
        actor: office staff, SLT or the headteacher (``MANAGE_AGREEMENTS`` in ``school``); None for the system
            (approving a trust-wide policy's new version asks its previous signers in every school).
        agreement: an ``Agreement`` on the current approved version of a policy ``school`` uses.
        now: aware datetime (tests fix the clock).
        only_coverage: a set of ``CoverageStatus`` values, or None for everyone who has not signed: only people in
            these buckets are sent a request (approving a new version asks those who signed the previous one).
        school_class / year_group: only pupils of this ``SchoolClass`` / ``YearGroup`` (pupil and parent
            agreements).
        pupil_ids / user_ids: only these pupils / people (iterables of public ids), or None for no such limit.
        expiry_days: how long each request e-mailed now (and its signing links) stays valid, in days (1–365,
            default 30): ``expires_at`` is set when it is queued. A request already sent keeps its own.

    Who: every pupil on roll (pupil and parent agreements — the parents with parental responsibility are
    e-mailed), or every person with a current matching role (staff: office, teachers, DSL team, SLT, headteacher;
    governors). People who have completed it are skipped, and so are requests already e-mailed: sending again
    sends nothing new; declined requests are not sent again (the office reopens them; the audit event counts them);
    a request sent before whose validity has lapsed unanswered is opened again for ``expiry_days`` and a new link
    e-mailed (counted in ``queued``; the audit event says how many were ``renewed``).
    Returns ``{"opened": int, "queued": int, "already_sent": int, "signed": int}``.
    Raises ``PermissionError``; ``DomainError`` if the version is not the current one or the audience is one that
    is asked one by one (volunteers, visitors).
    """
    from .tasks import send_signature_request

    if actor is not None and not permissions.can(actor, permissions.MANAGE_AGREEMENTS, school):
        raise PermissionError("actor may not send agreement requests in this school")
    if not policies_for_school(school).filter(pk=agreement.version.policy_id).exists():
        raise PermissionError("this agreement is not one of the school's")
    if agreement.version.status != PolicyVersion.Status.APPROVED:
        raise DomainError(_("Only the current approved version of a policy can be sent for signature."))
    if not is_pupil_audience(agreement) and agreement.audience not in AUDIENCE_ROLES:
        raise DomainError(
            _("Volunteers and visitors sign when they arrive; there is no list to send this agreement to."),
            code="audience",
        )
    _check_expiry_days(expiry_days)
    counts = {"opened": 0, "queued": 0, "already_sent": 0, "signed": 0}
    people = coverage_people(agreement=agreement, school=school, now=now)
    selection = {}
    if school_class is not None:
        people, selection["class"] = people.filter(school_class=school_class), school_class.pk
    if year_group is not None:
        people, selection["year_group"] = people.filter(year_group=year_group), year_group.pk
    if pupil_ids is not None:
        pupil_ids = [str(value) for value in pupil_ids]
        people, selection["pupils"] = people.filter(public_id__in=pupil_ids), len(pupil_ids)
    if user_ids is not None:
        user_ids = [str(value) for value in user_ids]
        people, selection["people"] = people.filter(public_id__in=user_ids), len(user_ids)
    sent_now = now or timezone.now()
    declined = renewed = 0
    # One figures-version bump per topic as the loop ends (``datacache.bumps_at_end``), not one on the first of
    # hundreds of saves holding the school's row while the rest are written.
    with transaction.atomic(), datacache.bumps_at_end():
        for person in people.order_by("pk"):
            if person.coverage == CoverageStatus.COMPLETED:
                counts["signed"] += 1
                continue
            if only_coverage is not None and person.coverage not in only_coverage:
                continue
            subject = {"pupil": person} if is_pupil_audience(agreement) else {"user": person}
            request, created = signature_request_open(
                actor=actor, agreement=agreement, school=school, now=now, **subject
            )
            counts["opened"] += int(created)
            if request.status == SignatureRequest.Status.COMPLETED:
                counts["signed"] += 1
            elif request.status == SignatureRequest.Status.DECLINED:
                declined += 1  # declined is an answer: the office reopens it from the request's page
            elif request.is_expired(sent_now):
                # Sent, never answered and lapsed: sending again opens it for the days chosen and e-mails a new
                # link (the old ones stay expired), rather than counting it "already sent" for ever (item 3).
                request.expiry_days, request.expires_at = expiry_days, expiry_for(sent_now, expiry_days)
                request.save(update_fields=["expiry_days", "expires_at", "updated_at"])
                _queue_fresh_link(request, reason="reopened")
                counts["queued"] += 1
                renewed += 1
            elif request.sent_at is not None:
                counts["already_sent"] += 1
            else:
                request.expiry_days, request.expires_at = expiry_days, expiry_for(sent_now, expiry_days)
                request.save(update_fields=["expiry_days", "expires_at", "updated_at"])
                request_id = request.pk
                enqueue(send_signature_request, request_id)
                counts["queued"] += 1
        audit_log(
            actor=actor,
            action="aup.requests.sent",
            school=school,
            subject=agreement,
            data={
                "agreement": str(agreement.public_id),
                **counts,
                "declined": declined,
                "renewed": renewed,
                "expiry_days": expiry_days,
                **selection,
            },
        )
    return counts
