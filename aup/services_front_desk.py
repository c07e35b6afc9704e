"""The front desk: visitors and volunteers sign the school's visitor agreement on arrival (issue 13 item 7).

The office (or the head, or SLT) opens the kiosk page on a tablet under their own session; each visitor types their
name and organisation, reads the statements, ticks and signs. A visitor is not a ``User``: each arrival opens one
``SignatureRequest`` naming the visitor (``visitor_name``, ``visitor_organisation``, ``visitor_role``) and records its
``Signature`` with the same evidence as every other signature (typed name, how authenticated — "front desk, signed in
by <office person>" — UTC time, IP, user agent, SHA-256 of what was shown); the signed PDF follows after commit.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log

from .models import Audience, Signature, SignatureRequest
from .services import SigningError, current_academic_year, current_agreements, signature_record

FRONT_DESK_AUDIENCES = (Audience.VISITOR, Audience.VOLUNTEER)


def front_desk_agreements(school):
    """The current (approved) agreements for visitors and for volunteers of ``school`` or its trust (a list), in
    policy-title order; the kiosk offers each of them."""
    agreements = []
    for audience in FRONT_DESK_AUDIENCES:
        agreements.extend(current_agreements(school, audience))
    return agreements


def visitor_sign_in(
    *,
    actor,
    agreement,
    school,
    name,
    organisation,
    role,
    statements_confirmed,
    shown_sha256,
    drawn_signature="",
    ip_address=None,
    user_agent="",
    now=None,
):
    """Record one visitor's or volunteer's signature at the front desk; return the ``Signature``.

    Args:
        actor: the member of staff whose session the tablet runs under (``FRONT_DESK`` in ``school``).
        agreement: a current visitor or volunteer ``Agreement`` of ``school`` (``front_desk_agreements``).
        name: the visitor's full name as typed — it is their signature (str, required).
        organisation: who they are with (str, required; "none" is an answer, blank is not).
        role: ``Audience.VISITOR`` or ``Audience.VOLUNTEER``.
        statements_confirmed, shown_sha256, drawn_signature, ip_address, user_agent: as ``signature_record``.

    Opens a new request per arrival (a visitor who comes back signs again) and signs it in the same transaction, so
    a refused signature leaves no request behind. Raises ``PermissionError`` for an actor who may not, and
    ``SigningError`` (codes ``not_front_desk``, ``name``, ``organisation``, ``role`` or ``signature_record``'s).
    """
    if not permissions.can(actor, permissions.FRONT_DESK, school):
        raise PermissionError("actor may not run the front desk in this school")
    if agreement.pk not in {a.pk for a in front_desk_agreements(school)}:
        raise SigningError(_("This agreement is not signed at the front desk."), code="not_front_desk")
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if not name:
        raise SigningError(_("Please type your full name to sign."), code="name")
    if not organisation:
        raise SigningError(_("Please type the organisation you are with."), code="organisation")
    if role not in FRONT_DESK_AUDIENCES:
        raise SigningError(_("Please say whether you are a visitor or a volunteer."), code="role")
    now = now or timezone.now()
    with transaction.atomic():
        request = SignatureRequest.objects.create(
            agreement=agreement,
            school=school,
            academic_year=current_academic_year(school, now=now),
            visitor_name=name[:200],
            visitor_organisation=organisation[:200],
            visitor_role=role,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="aup.request.opened",
            school=school,
            subject=request,
            data={"agreement": str(agreement.public_id), "front_desk": True, "role": role},
        )
        signature, _created = signature_record(
            request=request,
            party=Signature.Party.SIGNER,
            method=Signature.Method.FRONT_DESK,
            typed_name=name,
            statements_confirmed=statements_confirmed,
            shown_sha256=shown_sha256,
            front_desk_by=actor,
            drawn_signature=drawn_signature,
            ip_address=ip_address,
            user_agent=user_agent,
            now=now,
        )
    return signature
