"""Declining an agreement, the office reopening it, and fresh links for expired requests (issue 17 items 2 and 3).

Rules live here, as in ``services``: each function checks who acts, writes in a transaction with its audit event and
queues its e-mail through ``safeguard.jobs.services.enqueue`` (sent after commit by ``aup.tasks_chase``).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.jobs.services import enqueue

from .models import Signature, SignatureRequest
from .services import _complete_if_done, _signed_parties

DEFAULT_EXPIRY_DAYS = 30
MIN_EXPIRY_DAYS = 1
MAX_EXPIRY_DAYS = 365
MAX_REASON_CHARS = 2000
OPEN = (SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED)
# The parties who may decline: the person asked, and a parent with parental responsibility (also where they would
# sign for a younger pupil). Neither the headteacher's countersignature nor a pupil in class declines here.
DECLINING_PARTIES = (Signature.Party.SIGNER, Signature.Party.PARENT, Signature.Party.PUPIL)


def expiry_for(now, days):
    """``now`` plus ``days`` (int) days: when a request sent (or renewed) at ``now`` expires."""
    return now + datetime.timedelta(days=days)


def may_decline(seat, signature_request, signed):
    """Whether the viewer in ``seat`` (``selectors.Seat``) may decline ``signature_request`` now: it is open, not
    expired, their party has not signed, and they are the person asked or a parent (``DECLINING_PARTIES``; a pupil
    seat only for a parent signing on the pupil's behalf). ``signed``: ``{party: Signature}`` already given."""
    if seat is None or signature_request.status not in OPEN or signature_request.is_expired(timezone.now()):
        return False
    if seat.party not in DECLINING_PARTIES or seat.party in signed:
        return False
    return seat.party != Signature.Party.PUPIL or seat.guardian is not None


def signature_request_decline(*, request, seat, reason, signer_user=None, ip_address=None, user_agent="", now=None):
    """Record that the person in ``seat`` declines ``request``, with their reason; return the request.

    Args:
        seat: the decliner's ``selectors.Seat`` (from ``selectors.signing_seat``): the person asked (``SIGNER``,
            who must be ``request.user`` and signed in as ``signer_user``) or a parent with parental responsibility
            (``seat.guardian``, by session or by personal link).
        reason: why (str, required, at most 2,000 characters) — shown to the office.
        signer_user: the signed-in account, or None on the link route.
    Declining twice changes nothing. Raises ``DomainError`` (code ``reason``, ``closed`` or ``not_allowed``).
    """
    from .selectors import guardian_has_responsibility

    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please say why you are declining, so the school can follow it up."), code="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise DomainError(_("Please keep the reason to 2,000 characters or fewer."), code="reason")
    with transaction.atomic():
        request = SignatureRequest.objects.select_for_update().select_related("school").get(pk=request.pk)
        if request.status == SignatureRequest.Status.DECLINED:
            return request
        signed = _signed_parties(request)
        if request.status not in OPEN or request.is_expired(now):
            raise DomainError(_("This request can no longer be declined."), code="closed")
        if seat.party not in DECLINING_PARTIES or seat.party in signed:
            raise DomainError(_("You cannot decline this agreement."), code="not_allowed")
        if seat.guardian is not None:
            if not guardian_has_responsibility(seat.guardian, request):
                raise DomainError(_("You cannot decline this agreement."), code="not_allowed")
        elif seat.party != Signature.Party.SIGNER or signer_user is None or request.user_id != signer_user.pk:
            raise DomainError(_("You cannot decline this agreement."), code="not_allowed")
        request.status = SignatureRequest.Status.DECLINED
        request.declined_at = now
        request.declined_by = signer_user if signer_user is not None and signer_user.is_authenticated else None
        request.declined_by_guardian = seat.guardian
        request.decline_reason = reason
        request.save(
            update_fields=[
                "status",
                "declined_at",
                "declined_by",
                "declined_by_guardian",
                "decline_reason",
                "updated_at",
            ]
        )
        audit_log(
            actor=request.declined_by,
            action="aup.request.declined",
            school=request.school,
            subject=request,
            data={
                "party": seat.party,
                "guardian": str(seat.guardian.public_id) if seat.guardian else None,
                "reason": reason,
                "ip_address": ip_address,
                "user_agent": (user_agent or "")[:300],
            },
        )
    return request


def signature_request_reopen(*, actor, request, expiry_days=DEFAULT_EXPIRY_DAYS, now=None):
    """The office reopens a declined request and sends it again; return the request.

    Args:
        actor: office staff, SLT or the headteacher (``MANAGE_AGREEMENTS`` in the request's school).
        expiry_days: how long the new e-mail's link is valid (int days, 1–365; default 30).
    The request goes back to waiting (partly signed if a party had signed), the last decline stays on the row, and
    a fresh link is e-mailed to the person, or to the pupil's parents with parental responsibility, after commit.
    Raises ``PermissionError``; ``DomainError`` if the request is not declined.
    """
    if not permissions.can(actor, permissions.MANAGE_AGREEMENTS, request.school):
        raise PermissionError("actor may not reopen agreement requests in this school")
    _check_expiry_days(expiry_days)
    now = now or timezone.now()
    with transaction.atomic():
        request = SignatureRequest.objects.select_for_update().select_related("school", "agreement").get(pk=request.pk)
        if request.status != SignatureRequest.Status.DECLINED:
            raise DomainError(_("Only a declined request can be reopened."), code="not_declined")
        request.status = SignatureRequest.Status.PENDING  # _complete_if_done sets partly signed where it applies
        request.reopened_at, request.reopened_by = now, actor
        request.expiry_days, request.expires_at = expiry_days, expiry_for(now, expiry_days)
        request.save(update_fields=["status", "reopened_at", "reopened_by", "expiry_days", "expires_at", "updated_at"])
        _complete_if_done(request, now=now)
        audit_log(
            actor=actor,
            action="aup.request.reopened",
            school=request.school,
            subject=request,
            data={"expiry_days": expiry_days, "previous_reason": request.decline_reason},
        )
        _queue_fresh_link(request, reason="reopened")
    return request


def fresh_link_request(*, request, guardian=None, user=None, link_stale=False, now=None):
    """Someone holding an expired link (or signed in) asks for a new one: move ``expires_at`` on by the request's
    ``expiry_days`` and e-mail a fresh link to the address the school has on record — the guardian's (link route)
    or the person's account (``user``, who must be ``request.user``). Never to an address typed on a page.

    ``link_stale``: the guardian's own link is older than the request's validity although the request itself is
    still open (another parent or carer asked for a new link first, which moved ``expires_at`` on): they are
    e-mailed a new link too, and ``expires_at`` stays where it is.

    At most one fresh link per request, address and school day is sent (``FreshLinkSent``, claimed by the task);
    asking again the same day changes nothing. Returns True when a new link was queued. Raises ``DomainError``
    (code ``closed``) when the request is not waiting for a signature, ``not_allowed`` for anyone else.
    """
    from .selectors import guardian_has_responsibility

    now = now or timezone.now()
    with transaction.atomic():
        request = SignatureRequest.objects.select_for_update().select_related("school").get(pk=request.pk)
        if request.status not in OPEN:
            raise DomainError(_("This request is no longer waiting for a signature."), code="closed")
        if guardian is not None:
            if not guardian_has_responsibility(guardian, request) or not guardian.email:
                raise DomainError(_("The school has no e-mail address on record for you."), code="not_allowed")
            recipient = guardian.email
        elif user is not None and request.user_id == user.pk and user.email:
            recipient = user.email
        else:
            raise DomainError(_("The school has no e-mail address on record for you."), code="not_allowed")
        days = request.expiry_days or DEFAULT_EXPIRY_DAYS
        renewed = request.is_expired(now)
        if renewed:
            request.expires_at = expiry_for(now, days)
            request.save(update_fields=["expires_at", "updated_at"])
        elif not (link_stale and guardian is not None):
            return False
        audit_log(
            actor=user,
            action="aup.request.fresh_link",
            school=request.school,
            subject=request,
            data={
                "guardian": str(guardian.public_id) if guardian else None,
                "valid_days": days,
                "renewed": renewed,
            },
        )
        _queue_fresh_link(request, reason="expired", only=recipient)
    return True


def _queue_fresh_link(request, *, reason, only=None):
    from .tasks_chase import send_fresh_link

    request_id = request.pk
    enqueue(send_fresh_link, request_id, reason=reason, only=only)


def _check_expiry_days(days):
    if not isinstance(days, int) or not MIN_EXPIRY_DAYS <= days <= MAX_EXPIRY_DAYS:
        raise DomainError(_("A request is valid for 1 to 365 days."), code="expiry_days")
