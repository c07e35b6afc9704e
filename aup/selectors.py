"""Reads for the signing pages and the home-page panels. Every select_related/prefetch_related lives here.

``signing_seat`` answers "who is this viewer on this request?" so a page knows which form to show; the signing
service checks the same rules again when the signature is recorded (``services._check_signer``).
"""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.utils.safestring import mark_safe

from safeguard import permissions
from safeguard.directory.models import Guardian, Pupil, PupilGuardian, SchoolClass
from safeguard.forms import person_names

from . import services
from .evidence import agreement_content, content_sha256
from .models import Agreement, Audience, Policy, Signature, SignatureRequest
from .services_library import render_markdown

OPEN_STATUSES = (SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED)


# The agreement as shown -------------------------------------------------------------------------------------------


def agreement_as_shown(agreement):
    """What the signing page shows for ``agreement``: the hashed content, its SHA-256 and the policy text as HTML.

    Returns ``{"content": dict, "sha256": str, "policy_html": SafeString, "document_sha256": str}``. The page
    renders ``content`` and nothing else from the agreement, so what is seen is exactly what is hashed.
    """
    content = agreement_content(agreement)
    policy_text = content["policy_text"]
    document_sha256 = ""
    if policy_text.startswith("document:"):
        document_sha256 = policy_text.removeprefix("document:")
        policy_html = ""
    else:
        # Rendered by the library's one helper (Markdown, then nh3), so it is safe to mark so.
        policy_html = mark_safe(render_markdown(policy_text))  # noqa: S308
    return {
        "content": content,
        "sha256": content_sha256(content),
        "policy_html": policy_html,
        "document_sha256": document_sha256,
    }


def request_for_signing(public_id):
    """The ``SignatureRequest`` with ``public_id`` and what its pages show, or None."""
    return (
        SignatureRequest.objects.select_related(
            "agreement__version__policy", "school", "pupil__school_class", "pupil__year_group", "user"
        )
        .filter(public_id=public_id)
        .first()
    )


def live_signatures(request):
    """``{party: Signature}`` of the request's signatures that are not revoked (one query)."""
    return {
        signature.party: signature
        for signature in request.signatures.filter(revoked_at__isnull=True).select_related("signer_user")
    }


# Who is signing ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """The viewer's place on a request: the party they sign as (``party``), the guardian record they sign with
    (parents), and whether they may (or, when only that is left, must) sign for the pupil on the pupil's behalf."""

    party: str
    guardian: Guardian | None = None
    may_sign_for_pupil: bool = False
    must_sign_for_pupil: bool = False


def expected_signer_names(request, seat, *, signer_user=None):
    """The names the person in ``seat`` may type to sign ``request`` (list of str; ``safeguard.forms.person_names``):
    staff and the headteacher their account's name; a parent or carer the school's record of them (and their
    account's name), plus the pupil's names when they may sign on the pupil's behalf; a pupil in class their own
    legal or preferred names."""
    if seat.party == Signature.Party.PUPIL and seat.guardian is None:
        return person_names(pupil=request.pupil)
    if seat.guardian is not None:
        names = person_names(guardian=seat.guardian, user=signer_user)
        if seat.may_sign_for_pupil or seat.must_sign_for_pupil:
            names += person_names(pupil=request.pupil)
        return names
    return person_names(user=signer_user)


def guardian_with_responsibility(user, request):
    """The guardian record of ``request``'s school that links ``user`` to the request's pupil with parental
    responsibility, or None."""
    if request.pupil_id is None or not user.is_authenticated:
        return None
    return (
        Guardian.objects.filter(
            user=user,
            school_id=request.school_id,
            pupil_links__pupil_id=request.pupil_id,
            pupil_links__ended_on__isnull=True,
            pupil_links__has_parental_responsibility=True,
        )
        .distinct()
        .first()
    )


def guardian_has_responsibility(guardian, request):
    """True if ``guardian`` (from a signing link) belongs to the request's school and has parental responsibility
    for its pupil."""
    if request.pupil_id is None or guardian.school_id != request.school_id:
        return False
    return (
        PupilGuardian.objects.current()
        .filter(guardian=guardian, pupil_id=request.pupil_id, has_parental_responsibility=True)
        .exists()
    )


def _parent_seats(request, guardian, signed):
    agreement = request.agreement
    required = services.required_parties(agreement)
    for_pupil = Signature.Party.PUPIL in required and services.parent_may_sign_for(agreement, request.pupil)
    seats = []
    if Signature.Party.PARENT in required:
        seats.append(
            Seat(
                Signature.Party.PARENT,
                guardian=guardian,
                may_sign_for_pupil=for_pupil and Signature.Party.PUPIL not in signed,
            )
        )
    if for_pupil:
        seats.append(Seat(Signature.Party.PUPIL, guardian=guardian, may_sign_for_pupil=True, must_sign_for_pupil=True))
    return seats


def signing_seat(user, request, signed, *, guardian=None):
    """The viewer's ``Seat`` on ``request`` (first one still to sign, else the first they had), or None.

    Args:
        user: the signed-in ``User`` (or AnonymousUser on the link route).
        signed: ``{party: Signature}`` already on the request (``live_signatures``).
        guardian: the guardian named by a signing link; when given, only parent seats are considered.
    """
    required = services.required_parties(request.agreement)
    seats = []
    if guardian is not None:
        seats += _parent_seats(request, guardian, signed)
    elif user.is_authenticated:
        if Signature.Party.SIGNER in required and request.user_id == user.pk:
            seats.append(Seat(Signature.Party.SIGNER))
        if Signature.Party.HEADTEACHER in required and permissions.can(
            user, permissions.COUNTERSIGN_STAFF, request.school
        ):
            seats.append(Seat(Signature.Party.HEADTEACHER))
        parent = guardian_with_responsibility(user, request)
        if parent is not None:
            seats += _parent_seats(request, parent, signed)
    for seat in seats:
        if seat.party not in signed:
            return seat
    return seats[0] if seats else None


# Class signing ----------------------------------------------------------------------------------------------------


def classes_for_supervision(user, school):
    """Classes whose pupils ``user`` may supervise signing: every class for SLT and the headteacher, otherwise the
    classes they teach; the current academic year's classes when the school has one set up."""
    classes = SchoolClass.objects.filter(school=school).select_related("year_group")
    if not permissions.can(user, permissions.SUPERVISE_ANY_CLASS, school):
        classes = classes.filter(teachers=user)
    year = services.current_academic_year(school)
    if year is not None:
        classes = classes.filter(academic_year=year)
    return classes.order_by("year_group__order", "name")


def _requests_counting_for(school, agreement):
    """Live requests that count for ``agreement`` in ``school`` under the policy's signing frequency (the same rule
    as ``services.signature_request_open``)."""
    policy = agreement.version.policy
    requests = SignatureRequest.objects.filter(school=school).exclude(status=SignatureRequest.Status.CANCELLED)
    if policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR:
        return requests.filter(agreement=agreement, academic_year=services.current_academic_year(school))
    if policy.signing_frequency == Policy.SigningFrequency.ON_JOINING:
        return requests.filter(
            Q(agreement=agreement)
            | Q(
                agreement__version__policy=policy,
                agreement__audience=agreement.audience,
                status=SignatureRequest.Status.COMPLETED,
            )
        )
    return requests.filter(agreement=agreement)


@dataclass(frozen=True)
class PupilRow:
    pupil: Pupil
    status: str  # "signed", "waiting_for_parent", "not_signed"
    parent_signed: bool


def class_signing_rows(*, school, agreement, school_class):
    """One ``PupilRow`` per pupil on roll in ``school_class`` for ``agreement`` (two queries, whatever the size)."""
    pupils = list(
        Pupil.objects.for_school(school)
        .on_roll(school.today())
        .filter(school_class=school_class)
        .order_by("legal_last_name", "legal_first_name")
    )
    requests = (
        _requests_counting_for(school, agreement)
        .filter(pupil__in=pupils)
        .prefetch_related(
            Prefetch("signatures", queryset=Signature.objects.filter(revoked_at__isnull=True), to_attr="live")
        )
    )
    by_pupil = {}
    for request in requests:
        parties = {signature.party for signature in request.live}
        best = by_pupil.get(request.pupil_id)
        if best is None or request.status == SignatureRequest.Status.COMPLETED:
            by_pupil[request.pupil_id] = (request.status, parties)
    rows = []
    for pupil in pupils:
        status, parties = by_pupil.get(pupil.pk, (SignatureRequest.Status.PENDING, set()))
        if status == SignatureRequest.Status.COMPLETED:
            label = "signed"
        elif Signature.Party.PUPIL in parties:
            label = "waiting_for_parent"
        else:
            label = "not_signed"
        rows.append(PupilRow(pupil=pupil, status=label, parent_signed=Signature.Party.PARENT in parties))
    return rows


# Countersigning ---------------------------------------------------------------------------------------------------


def _awaiting_headteacher(school):
    live = Signature.objects.filter(request=OuterRef("pk"), revoked_at__isnull=True)
    return (
        SignatureRequest.objects.filter(
            school=school,
            status=SignatureRequest.Status.PARTLY_SIGNED,
            agreement__countersignature=Agreement.Countersignature.HEADTEACHER,
        )
        .filter(Exists(live.filter(party=Signature.Party.SIGNER)))
        .exclude(Exists(live.filter(party=Signature.Party.HEADTEACHER)))
    )


def countersign_queue(school):
    """Staff agreements of ``school`` signed by the member of staff and awaiting the headteacher's authorisation,
    oldest first, each with ``staff_signature`` (the member of staff's ``Signature``)."""
    return (
        _awaiting_headteacher(school)
        .select_related("user", "agreement__version__policy")
        .prefetch_related(
            Prefetch(
                "signatures",
                queryset=Signature.objects.filter(revoked_at__isnull=True, party=Signature.Party.SIGNER),
                to_attr="staff_signatures",
            )
        )
        .order_by("updated_at")
    )


def countersign_count(school):
    """How many staff agreements of ``school`` await the headteacher's authorisation (one query)."""
    return _awaiting_headteacher(school).count()


# Parents ----------------------------------------------------------------------------------------------------------


def _requires(party):
    """Q matching agreements that ``required_parties`` says need ``party`` (parent or pupil)."""
    audience = {Signature.Party.PARENT: Audience.PARENT, Signature.Party.PUPIL: Audience.PUPIL}[party]
    return Q(agreement__audience=audience) | Q(agreement__countersignature=party)


def parent_pending_requests(user):
    """Open requests for pupils ``user`` has parental responsibility for (through a guardian record of the request's
    school) where the parent still has something to sign: the parent's own signature, or the pupil's on the pupil's
    behalf where the agreement allows it. One query."""
    responsibility = PupilGuardian.objects.current().filter(
        pupil=OuterRef("pupil"),
        guardian__user=user,
        guardian__school=OuterRef("school"),
        has_parental_responsibility=True,
    )
    live = Signature.objects.filter(request=OuterRef("pk"), revoked_at__isnull=True)
    parent_to_sign = _requires(Signature.Party.PARENT) & ~Exists(live.filter(party=Signature.Party.PARENT))
    pupil_to_sign = (
        _requires(Signature.Party.PUPIL)
        & Q(agreement__parent_may_sign_for_pupil=True)
        & (
            Q(agreement__parent_signs_up_to_year__isnull=True)
            | Q(pupil__year_group__order__lte=F("agreement__parent_signs_up_to_year"))
        )
        & ~Exists(live.filter(party=Signature.Party.PUPIL))
    )
    return (
        SignatureRequest.objects.filter(pupil__isnull=False, status__in=OPEN_STATUSES)
        .filter(Exists(responsibility))
        .filter(parent_to_sign | pupil_to_sign)
        .select_related("pupil", "school", "agreement__version__policy")
        .order_by("pupil__date_of_birth", "created_at")
    )


def parent_signed_requests(user):
    """Completed requests for pupils ``user`` has parental responsibility for, newest first — so a parent can find
    and download what was signed. One query."""
    responsibility = PupilGuardian.objects.current().filter(
        pupil=OuterRef("pupil"),
        guardian__user=user,
        guardian__school=OuterRef("school"),
        has_parental_responsibility=True,
    )
    return (
        SignatureRequest.objects.filter(pupil__isnull=False, status=SignatureRequest.Status.COMPLETED)
        .filter(Exists(responsibility))
        .select_related("pupil", "school", "agreement")
        .order_by("-completed_at")
    )
