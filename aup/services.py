"""Acceptable use agreements: opening requests, recording signatures, paper returns, revoking.

Rules live here. Each service checks the actor (views, tasks and commands all call it), validates, writes inside a
transaction with its audit event, and queues side effects (PDF, e-mail) with ``transaction.on_commit`` so a crash in a
task never loses a signature: the signature is committed first, the PDF follows.
"""

import base64
import binascii
import contextlib
import contextvars
import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import AcademicYear, PupilGuardian, Role, StaffRole
from safeguard.jobs.services import enqueue

from .evidence import agreement_content, content_sha256
from .models import Agreement, Audience, Policy, PolicyVersion, Signature, SignatureRequest

MAX_DRAWN_SIGNATURE_BYTES = 300_000
PNG_DATA_URL_PREFIX = "data:image/png;base64,"

# Which school roles make up each staff-like audience.
AUDIENCE_ROLES = {
    Audience.STAFF: {Role.OFFICE, Role.TEACHER, Role.DSL, Role.DEPUTY_DSL, Role.SLT, Role.HEADTEACHER},
    Audience.GOVERNOR: {Role.GOVERNOR},
}


# Bulk loads (the demo) set this so hundreds of completions do not each queue a PDF; the PDF is then rendered on
# first download (aup.documents.signed_document_for_download), as it is for any completion whose task has not run.
_documents_on_demand = contextvars.ContextVar("aup_documents_on_demand", default=False)


@contextlib.contextmanager
def signed_documents_on_demand():
    """Within this block, completing a request queues no PDF task; the PDF is made when first downloaded."""
    token = _documents_on_demand.set(True)
    try:
        yield
    finally:
        _documents_on_demand.reset(token)


class SigningError(DomainError):
    """A signature cannot be recorded; ``message`` says why in the signer's language."""


# Reading the rules ------------------------------------------------------------------------------------------------


def required_parties(agreement):
    """The parties whose signatures complete a request for ``agreement``, in signing order (list of str).

    Pupil agreements are signed by the pupil; parent agreements by a parent with parental responsibility; staff,
    governor, volunteer and visitor agreements by the person. ``countersignature`` adds a second party.
    """
    first = {
        Audience.PUPIL: Signature.Party.PUPIL,
        Audience.PARENT: Signature.Party.PARENT,
    }.get(agreement.audience, Signature.Party.SIGNER)
    parties = [first]
    second = {
        Agreement.Countersignature.PARENT: Signature.Party.PARENT,
        Agreement.Countersignature.PUPIL: Signature.Party.PUPIL,
        Agreement.Countersignature.HEADTEACHER: Signature.Party.HEADTEACHER,
    }.get(agreement.countersignature)
    if second and second not in parties:
        parties.append(second)
    return parties


def parent_may_sign_for(agreement, pupil):
    """Whether a parent may sign ``agreement`` on behalf of ``pupil``: the agreement allows it and the pupil is in a
    year group up to ``parent_signs_up_to_year`` (e.g. Reception to Year 2 — St James AUP: younger pupils)."""
    if not agreement.parent_may_sign_for_pupil:
        return False
    limit = agreement.parent_signs_up_to_year
    if limit is None:
        return True
    year_group = pupil.year_group if pupil is not None else None
    return year_group is not None and year_group.order <= limit


def current_academic_year(school, *, now=None):
    """The school's ``AcademicYear`` containing today (school time), or None if none is set up."""
    today = school.today(now)
    return AcademicYear.objects.filter(school=school, starts_on__lte=today, ends_on__gte=today).first()


def current_agreements(school, audience):
    """Agreements for ``audience`` on the current (approved) version of every policy of ``school`` or its trust."""
    scope = Q(version__policy__school=school)
    if school.organisation_id:
        scope |= Q(version__policy__organisation_id=school.organisation_id)
    return (
        Agreement.objects.filter(scope, audience=audience, version__status=PolicyVersion.Status.APPROVED)
        .select_related("version__policy")
        .order_by("version__policy__title")
    )


def grace_agreement(agreement, school, now=None):
    """The agreement of the version ``agreement``'s version replaced, for the same audience, whose completed
    signatures still count today; None when there is none or its re-sign date (``PolicyVersion.resign_by``,
    inclusive, in the school's time) has passed. Policies signed once on joining need none (any version counts)."""
    version = agreement.version
    if version.previous_version_id is None or version.resign_by is None:
        return None
    if version.policy.signing_frequency == Policy.SigningFrequency.ON_JOINING:
        return None
    if school.today(now) > version.resign_by:
        return None
    return Agreement.objects.filter(version_id=version.previous_version_id, audience=agreement.audience).first()


def _signed_parties(request):
    return set(request.signatures.filter(revoked_at__isnull=True).values_list("party", flat=True))


# Requests -------------------------------------------------------------------------------------------------------


def signature_request_open(*, actor, agreement, school, pupil=None, user=None, now=None):
    """Open (or find) the request for one pupil or one person to sign ``agreement``; return ``(request, created)``.

    Args:
        actor: the ``User`` opening it — office staff (``MANAGE_AGREEMENTS``), the person themself (sign-in gate),
            or None for the system (a task).
        agreement: the ``Agreement``; its version must be approved.
        school: the ``School`` the signer belongs to.
        pupil / user: exactly one — the pupil (pupil and parent agreements) or the person (staff-like audiences).

    How often (the policy's ``signing_frequency``): every academic year → one request per academic year; once on
    joining → a completed request for any version of the policy's agreement for this audience is enough; each new
    version → one request per agreement (i.e. per version).
    Raises ``PermissionError`` for an actor who may not, ``DomainError`` if the version is not approved.
    """
    if (pupil is None) == (user is None):
        raise ValueError("give exactly one of pupil or user")
    if actor is not None and actor != user and not permissions.can(actor, permissions.MANAGE_AGREEMENTS, school):
        raise PermissionError("actor may not open signature requests in this school")
    if agreement.version.status != PolicyVersion.Status.APPROVED:
        raise DomainError(_("Only the current approved version of a policy can be sent for signature."))
    policy = agreement.version.policy
    academic_year = None
    if policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR:
        academic_year = current_academic_year(school, now=now)
    subject = {"pupil": pupil} if pupil is not None else {"user": user}
    live = SignatureRequest.objects.filter(school=school, **subject).exclude(status=SignatureRequest.Status.CANCELLED)
    if policy.signing_frequency == Policy.SigningFrequency.ON_JOINING:
        earlier = live.filter(
            agreement__version__policy=policy,
            agreement__audience=agreement.audience,
            status=SignatureRequest.Status.COMPLETED,
        ).first()
        if earlier is not None:
            return earlier, False
    existing = live.filter(agreement=agreement, academic_year=academic_year).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            request = SignatureRequest.objects.create(
                agreement=agreement, school=school, academic_year=academic_year, created_by=actor, **subject
            )
            audit_log(
                actor=actor,
                action="aup.request.opened",
                school=school,
                subject=request,
                data={"agreement": str(agreement.public_id)},
            )
    except IntegrityError:
        # Two requests opened at once: the constraint kept one; return it.
        return live.get(agreement=agreement, academic_year=academic_year), False
    return request, True


def signature_request_mark_viewed(*, request, party=None, now=None):
    """Record when the request was first opened by a signer (UTC) and, with ``party`` (a ``Signature.Party``),
    when that party first opened it (``first_viewed_by_party``); later views change nothing."""
    now = now or timezone.now()
    SignatureRequest.objects.filter(pk=request.pk, first_viewed_at__isnull=True).update(first_viewed_at=now)
    if request.first_viewed_at is None:
        request.first_viewed_at = now
    if party is not None and party not in (request.first_viewed_by_party or {}):
        with transaction.atomic():
            locked = SignatureRequest.objects.select_for_update().get(pk=request.pk)
            views = dict(locked.first_viewed_by_party or {})
            if party not in views:
                views[party] = now.astimezone(datetime.UTC).isoformat()
                SignatureRequest.objects.filter(pk=request.pk).update(first_viewed_by_party=views)
            request.first_viewed_by_party = views
    return request


def _party_first_viewed(request, party, *, on_behalf_of_pupil=False):
    """When ``party`` first opened ``request``'s signing page (aware datetime), or None if it was never recorded.
    A parent signing for the pupil viewed it as the parent."""
    views = request.first_viewed_by_party or {}
    value = views.get(party) or (views.get(Signature.Party.PARENT) if on_behalf_of_pupil else None)
    return datetime.datetime.fromisoformat(value) if value else None


# Signing --------------------------------------------------------------------------------------------------------


def _check_drawn_signature(drawn_signature):
    if not drawn_signature:
        return ""
    if not drawn_signature.startswith(PNG_DATA_URL_PREFIX):
        raise SigningError(_("The drawn signature could not be read. Please draw it again or leave it blank."))
    try:
        data = base64.b64decode(drawn_signature[len(PNG_DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningError(_("The drawn signature could not be read. Please draw it again or leave it blank.")) from exc
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) > MAX_DRAWN_SIGNATURE_BYTES:
        raise SigningError(_("The drawn signature could not be read. Please draw it again or leave it blank."))
    return drawn_signature


def _guardian_with_responsibility(guardian, pupil):
    return (
        PupilGuardian.objects.current()
        .filter(guardian=guardian, pupil=pupil, has_parental_responsibility=True)
        .exists()
    )


def _check_signer(
    request,
    *,
    party,
    method,
    signer_user,
    signer_guardian,
    teacher_present,
    on_behalf_of_pupil,
    front_desk_by=None,
    class_code=None,
    now=None,
):
    """Raise ``SigningError`` unless this signer may sign ``request`` as ``party`` by ``method``."""
    agreement = request.agreement
    not_allowed = SigningError(_("You cannot sign this agreement."), code="not_allowed")
    if party not in required_parties(agreement):
        raise not_allowed
    if method == Signature.Method.PAPER_RETURN:
        return  # checked in paper_return_record: office staff record it
    # A visitor or volunteer signs at the front desk, under the office's session (issue 13 item 7): a visitor's own
    # signature only that way, with a member of staff who runs the front desk; that way signs nothing else. (A
    # headteacher's countersignature of a visitor agreement, if one is asked for, goes the usual way below.)
    if method == Signature.Method.FRONT_DESK and (party != Signature.Party.SIGNER or not request.visitor_name):
        raise not_allowed
    if request.visitor_name and party == Signature.Party.SIGNER:
        if method != Signature.Method.FRONT_DESK or front_desk_by is None:
            raise not_allowed
        if not permissions.can(front_desk_by, permissions.FRONT_DESK, request.school):
            raise not_allowed
        return
    if party == Signature.Party.SIGNER:
        if signer_user is None or signer_user != request.user or method != Signature.Method.PASSWORD_SESSION:
            raise not_allowed
    elif party == Signature.Party.HEADTEACHER:
        if signer_user is None or not permissions.can(signer_user, permissions.COUNTERSIGN_STAFF, request.school):
            raise not_allowed
        if Signature.Party.SIGNER not in _signed_parties(request):
            raise SigningError(
                _("The headteacher authorises a staff agreement after the member of staff has signed it."),
                code="out_of_order",
            )
    elif party == Signature.Party.PARENT or (party == Signature.Party.PUPIL and on_behalf_of_pupil):
        if party == Signature.Party.PUPIL and not parent_may_sign_for(agreement, request.pupil):
            raise not_allowed
        if signer_guardian is None or signer_guardian.school_id != request.school_id:
            raise not_allowed
        if not _guardian_with_responsibility(signer_guardian, request.pupil):
            raise SigningError(
                _(
                    "Only a parent or carer with parental responsibility can sign for this child. "
                    "Please contact the school office if our records are wrong."
                ),
                code="no_parental_responsibility",
            )
        if method == Signature.Method.PASSWORD_SESSION and (
            signer_user is None or signer_guardian.user_id != signer_user.pk
        ):
            raise not_allowed
        if method not in (Signature.Method.PASSWORD_SESSION, Signature.Method.INVITATION_LINK):
            raise not_allowed
    elif party == Signature.Party.PUPIL and method == Signature.Method.PASSWORD_SESSION:
        # A pupil signing with their own account, where the school gives pupils accounts (issue 14 item 1): the
        # account must be this pupil's and still open (on roll, covered by the school's setting).
        if signer_user is None or request.pupil_id is None:
            raise not_allowed
        own = permissions.pupil_of_user(signer_user)
        if own is None or own.pk != request.pupil_id:
            raise not_allowed
    elif party == Signature.Party.PUPIL:
        if method not in (Signature.Method.TEACHER_PRESENT, Signature.Method.CLASS_CODE) or teacher_present is None:
            raise not_allowed
        if not permissions.can(teacher_present, permissions.SUPERVISE_PUPIL_SIGNING, request.school):
            raise not_allowed
        if method == Signature.Method.CLASS_CODE:
            _check_class_code(request, class_code=class_code, teacher_present=teacher_present, now=now)
    elif method == Signature.Method.CLASS_CODE:
        raise not_allowed


def _check_class_code(request, *, class_code, teacher_present, now):
    """Raise ``SigningError`` unless ``class_code`` opens ``request`` for its pupil at ``now``: open, of the request's
    school, agreement and pupil's class, and opened by ``teacher_present`` (issue 13 item 8). The pupil's age is
    checked by ``services_class_codes.class_code_sign``, which is the only caller."""
    if class_code is None or not class_code.is_open(now):
        raise SigningError(_("This class code is closed. Ask your teacher."), code="code_closed")
    pupil = request.pupil
    if (
        class_code.school_id != request.school_id
        or class_code.agreement_id != request.agreement_id
        or pupil is None
        or pupil.school_class_id != class_code.school_class_id
        or class_code.opened_by_id != teacher_present.pk
    ):
        raise SigningError(_("You cannot sign this agreement."), code="not_allowed")


def _complete_if_done(request, *, now):
    signed = _signed_parties(request)
    required = required_parties(request.agreement)
    if all(party in signed for party in required):
        status = SignatureRequest.Status.COMPLETED
    elif signed:
        status = SignatureRequest.Status.PARTLY_SIGNED
    else:
        status = SignatureRequest.Status.PENDING
    if status != request.status:
        request.status = status
        request.completed_at = now if status == SignatureRequest.Status.COMPLETED else None
        request.save(update_fields=["status", "completed_at", "updated_at"])
        if status == SignatureRequest.Status.COMPLETED and not _documents_on_demand.get():
            from .tasks import render_signed_document

            request_id = request.pk
            enqueue(render_signed_document, request_id)
    return status


def signature_record(
    *,
    request,
    party,
    method,
    typed_name,
    statements_confirmed,
    shown_sha256,
    signer_user=None,
    signer_guardian=None,
    teacher_present=None,
    front_desk_by=None,
    class_code=None,
    on_behalf_of_pupil=False,
    drawn_signature="",
    ip_address=None,
    user_agent="",
    now=None,
):
    """Record one party's signature on ``request``; return ``(signature, created)``.

    Args:
        party: a ``Signature.Party`` value; method: a ``Signature.Method`` value (not paper — see
            ``paper_return_record``).
        typed_name: the signer's full name as typed (str, required).
        statements_confirmed: numbers (ints) of the statements ticked; every statement must be confirmed.
        shown_sha256: the hash of the content the page showed (from ``content_sha256``); if the agreement changed
            since, nothing is recorded.
        signer_user / signer_guardian / teacher_present: who signs, and the teacher present for a pupil in class.
        front_desk_by: the member of staff whose session a visitor signs under at the front desk (method
            ``FRONT_DESK``, a visitor's request only — ``services_front_desk.visitor_sign_in``).
        class_code: the ``ClassSigningCode`` a pupil signs with (method ``CLASS_CODE``, the pupil's own party only,
            with ``teacher_present`` the teacher who opened it — ``services_class_codes.class_code_sign``).
        drawn_signature: optional PNG data URL from the signature pad (≤ 300 kB).
        ip_address, user_agent: from the signer's request.

    A repeat submission by the same party returns the existing signature with ``created`` False (a double tap
    never makes two). When every required party has signed, the request completes and its PDF is rendered after
    commit. Raises ``SigningError`` saying what is wrong.
    """
    now = now or timezone.now()
    typed_name = (typed_name or "").strip()
    with transaction.atomic():
        request = (
            SignatureRequest.objects.select_for_update()
            .select_related("agreement__version__policy", "school")
            .get(pk=request.pk)
        )
        existing = request.signatures.filter(party=party, revoked_at__isnull=True).first()
        if existing is not None:
            return existing, False
        if request.status == SignatureRequest.Status.CANCELLED:
            raise SigningError(_("This request was cancelled by the school."), code="cancelled")
        if request.status == SignatureRequest.Status.DECLINED:
            # A decline is an answer (issue 17 item 2): the office reopens the request before anyone signs it.
            raise SigningError(
                _("This agreement was declined. The school office can reopen it if you have changed your mind."),
                code="declined",
            )
        if request.agreement.version.status != PolicyVersion.Status.APPROVED:
            raise SigningError(
                _("A newer version of this policy has been approved. Please read and sign that one."), code="superseded"
            )
        _check_signer(
            request,
            party=party,
            method=method,
            signer_user=signer_user,
            signer_guardian=signer_guardian,
            teacher_present=teacher_present,
            on_behalf_of_pupil=on_behalf_of_pupil,
            front_desk_by=front_desk_by,
            class_code=class_code,
            now=now,
        )
        content = agreement_content(request.agreement)
        digest = content_sha256(content)
        if shown_sha256 != digest:
            raise SigningError(
                _("The agreement changed while you were reading it. Please read it again and sign."), code="changed"
            )
        numbers = sorted(s["number"] for s in content["statements"])
        if sorted(set(statements_confirmed)) != numbers:
            raise SigningError(_("Please confirm every statement before signing."), code="statements")
        if not typed_name:
            raise SigningError(_("Please type your full name to sign."), code="name")
        signature = Signature.objects.create(
            request=request,
            party=party,
            method=method,
            signer_user=signer_user,
            signer_guardian=signer_guardian,
            signer_pupil=request.pupil if party == Signature.Party.PUPIL else None,
            teacher_present=teacher_present,
            front_desk_by=front_desk_by,
            class_code=class_code if method == Signature.Method.CLASS_CODE else None,
            on_behalf_of_pupil=on_behalf_of_pupil,
            typed_name=typed_name,
            drawn_signature=_check_drawn_signature(drawn_signature),
            statements_confirmed=numbers,
            content=content,
            content_sha256=digest,
            # Each time is the real one or left out (issue 12 #25): the e-mail's time if one was sent, this party's
            # own first view of the page.
            request_sent_at=request.sent_at,
            first_viewed_at=_party_first_viewed(request, party, on_behalf_of_pupil=on_behalf_of_pupil),
            signed_at=now,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:1000],
        )
        if party == Signature.Party.PARENT and signer_guardian is not None and request.pupil_id is not None:
            _feed_consent_answers(
                request,
                content=content,
                digest=digest,
                guardian=signer_guardian,
                method=method,
                typed_name=typed_name,
                signer_user=signer_user,
                ip_address=ip_address,
                user_agent=user_agent,
                now=now,
            )
        status = _complete_if_done(request, now=now)
        audit_log(
            actor=signer_user or teacher_present or front_desk_by,
            action="aup.signature.recorded",
            school=request.school,
            subject=signature,
            ip_address=ip_address,
            data={
                "request": str(request.public_id),
                "party": party,
                "method": method,
                "status": status,
                **({"class_code": str(class_code.public_id)} if method == Signature.Method.CLASS_CODE else {}),
            },
        )
    return signature, True


def _feed_consent_answers(request, *, content, digest, guardian, method, typed_name, signer_user, **evidence):
    """A parent's signature answers yes to the photo consent questions its permission statements name (issue 13 item
    10), through ``consent.services.consent_answers_from_agreement`` in the signature's transaction. Online
    signatures only: a paper return names no guardian record, so the office records a paper consent form itself."""
    answers = {s["consent_purpose"]: True for s in content["statements"] if s.get("consent_purpose")}
    if not answers:
        return None
    from consent.services import consent_answers_from_agreement  # consent builds on aup: imported here

    return consent_answers_from_agreement(
        pupil=request.pupil,
        guardian=guardian,
        answers=answers,
        method=method,  # password session or e-mailed link: the same values in both apps
        typed_name=typed_name,
        agreement_content=content,
        agreement_sha256=digest,
        signer_user=signer_user,
        **evidence,
    )


def paper_return_record(*, actor, request, returned_on, returned_by, names, scan=None, now=None):
    """Record a paper form returned to the office: one signature per party still unsigned, method "paper return".

    Args:
        actor: office staff (``MANAGE_AGREEMENTS`` in the request's school).
        returned_on: ``datetime.date`` the form came back, as the office states it (kept as a date: the form says
            no time); the signature's ``signed_at`` is when the office recorded it (``now``).
            returned_by: who handed it in (str).
        names: ``{party: name as written on the form}`` for each party that signed the paper.
        scan: optional uploaded file (the scanned form), stored privately.

    Returns the list of new ``Signature`` rows. Raises ``PermissionError``, or ``SigningError`` if nothing is left
    to sign or a name is missing.
    """
    if not permissions.can(actor, permissions.MANAGE_AGREEMENTS, request.school):
        raise PermissionError("actor may not record paper returns in this school")
    now = now or timezone.now()
    if returned_on > request.school.today(now):
        raise SigningError(_("The return date cannot be in the future."), code="future")
    with transaction.atomic():
        request = (
            SignatureRequest.objects.select_for_update()
            .select_related("agreement__version__policy", "school")
            .get(pk=request.pk)
        )
        if request.status == SignatureRequest.Status.CANCELLED:
            raise SigningError(_("This request was cancelled."), code="cancelled")
        if request.status == SignatureRequest.Status.DECLINED:
            raise SigningError(
                _("This request was declined: reopen it before recording a paper form."), code="declined"
            )
        missing = [p for p in required_parties(request.agreement) if p not in _signed_parties(request)]
        parties = [p for p in missing if (names.get(p) or "").strip()]
        if not parties:
            raise SigningError(_("Everyone has already signed, or no signer's name was given."), code="nothing")
        content = agreement_content(request.agreement)
        digest = content_sha256(content)
        created = []
        for party in parties:
            signature = Signature(
                request=request,
                party=party,
                method=Signature.Method.PAPER_RETURN,
                typed_name=names[party].strip(),
                signer_pupil=request.pupil if party == Signature.Party.PUPIL else None,
                statements_confirmed=[s["number"] for s in content["statements"]],
                content=content,
                content_sha256=digest,
                # The office states the day the form came back (a date, kept as a date); the time stamped is when
                # the office recorded it. No time of day is invented and nobody "viewed" a paper form online.
                request_sent_at=request.sent_at,
                first_viewed_at=None,
                signed_at=now,
                paper_returned_on=returned_on,
                paper_returned_by=returned_by.strip(),
                paper_recorded_by=actor,
            )
            if scan is not None and not created:
                signature.paper_scan = scan
            elif created and created[0].paper_scan:
                signature.paper_scan = created[0].paper_scan.name
            signature.save()
            created.append(signature)
        status = _complete_if_done(request, now=now)
        audit_log(
            actor=actor,
            action="aup.paper_return.recorded",
            school=request.school,
            subject=request,
            data={"parties": parties, "status": status, "returned_on": returned_on.isoformat()},
        )
    return created


def signature_revoke(*, actor, signature, reason, now=None):
    """Revoke a mistaken signature with a reason; the request goes back to waiting. Nothing is deleted.

    Args:
        actor: office staff or the headteacher (``MANAGE_AGREEMENTS`` in the school).
        reason: why (str, required) — kept in history.
    Raises ``PermissionError``; ``DomainError`` without a reason. Revoking twice changes nothing.
    """
    request = signature.request
    if not permissions.can(actor, permissions.MANAGE_AGREEMENTS, request.school):
        raise PermissionError("actor may not revoke signatures in this school")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for revoking this signature."), code="reason")
    now = now or timezone.now()
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if signature.revoked_at is not None:
            return signature
        signature.revoked_at, signature.revoked_by, signature.revoked_reason = now, actor, reason
        signature.save(update_fields=["revoked_at", "revoked_by", "revoked_reason", "updated_at"])
        request = SignatureRequest.objects.select_for_update().get(pk=request.pk)
        request.documents.filter(superseded_at__isnull=True).update(superseded_at=now)
        status = _complete_if_done(request, now=now)
        audit_log(
            actor=actor,
            action="aup.signature.revoked",
            school=request.school,
            subject=signature,
            data={"reason": reason, "status": status},
        )
    return signature


def _previous_signature_valid(agreement, school, user, *, now=None):
    """Whether ``user`` completed the replaced version's agreement (``grace_agreement``) and it still counts today
    (this academic year's request for a policy signed every year)."""
    previous = grace_agreement(agreement, school, now)
    if previous is None:
        return False
    done = SignatureRequest.objects.filter(
        agreement=previous, school=school, user=user, status=SignatureRequest.Status.COMPLETED
    )
    if previous.version.policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR:
        done = done.filter(academic_year=current_academic_year(school, now=now))
    return done.exists()


def staff_agreements_status(user, *, now=None):
    """``(outstanding, to_resign)``: the staff or governor agreements of every school where ``user`` holds a
    current role, opened now if needed (new staff sign at induction), whose own party (``signer``) is unsigned —
    as two lists of ``SignatureRequest``. ``to_resign`` holds those of a new version whose previous version
    ``user`` signed and whose re-sign date has not passed: they do not hold the person at the gate yet
    (issue 12 #13); ``outstanding`` holds the rest, which do.
    """
    outstanding, to_resign = [], []
    roles = StaffRole.objects.current().filter(user=user).select_related("school__organisation")
    by_school = {}
    for role in roles:
        by_school.setdefault(role.school, set()).add(role.role)
    for school, school_roles in by_school.items():
        for audience, audience_roles in AUDIENCE_ROLES.items():
            if not school_roles & audience_roles:
                continue
            for agreement in current_agreements(school, audience):
                request, _created = signature_request_open(
                    actor=user, agreement=agreement, school=school, user=user, now=now
                )
                if Signature.Party.SIGNER in _signed_parties(request):
                    continue
                if _previous_signature_valid(agreement, school, user, now=now):
                    to_resign.append(request)
                else:
                    outstanding.append(request)
    return outstanding, to_resign


def staff_agreements_outstanding(user, *, now=None):
    """Requests ``user`` must sign before using the portal (the first list of ``staff_agreements_status``)."""
    return staff_agreements_status(user, now=now)[0]
