"""Signing pages: by a signed-in person, by a parent's e-mailed link, by a pupil in class under a teacher's session;
the staff sign-in gate and the headteacher's countersigning queue.

Thin views: look-up helper (404 for what the viewer may not see) → ``SigningForm`` → ``services.signature_record``
→ redirect to a page saying what happens next. Who signs is decided by who views (``selectors.signing_seat``); the
service checks it again.
"""

import dataclasses

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import Guardian, Pupil

from . import selectors, services
from .forms_signing import DeclineForm, SigningForm
from .middleware import gate_clear, gate_reopen
from .models import Audience, Signature, SignatureRequest
from .services_decline import fresh_link_request, may_decline, signature_request_decline
from .tokens import parse_signing_token

Party = Signature.Party


# Shared by every route --------------------------------------------------------------------------------------------


def _signing(
    request,
    *,
    signature_request,
    seat,
    method,
    success_url,
    signer_user=None,
    teacher_present=None,
    template="aup/sign.html",
    pupil_page=False,
    success_message=None,
    extra=None,
):
    """Show the agreement and the form for ``seat``; on POST record the signature and redirect to ``success_url``.

    A ``SigningError`` becomes a form error and the page comes back with the name, ticks and drawing as sent.
    """
    shown = selectors.agreement_as_shown(signature_request.agreement)
    form_kwargs = {
        "statements": shown["content"]["statements"],
        "seat": seat,
        "pupil_page": pupil_page,
        # The typed name must be the signer's (issue 12 #26): a clear form error, nothing saved.
        "expected_names": selectors.expected_signer_names(signature_request, seat, signer_user=signer_user),
    }
    if request.method == "POST":
        form = SigningForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            party = Party.PUPIL if (seat.must_sign_for_pupil or data.get("on_behalf_of_pupil")) else seat.party
            try:
                services.signature_record(
                    request=signature_request,
                    party=party,
                    method=method,
                    typed_name=data["typed_name"],
                    statements_confirmed=data["statements"],
                    shown_sha256=data["shown_sha256"],
                    signer_user=signer_user,
                    signer_guardian=seat.guardian,
                    teacher_present=teacher_present,
                    on_behalf_of_pupil=party == Party.PUPIL and seat.guardian is not None,
                    drawn_signature=data["drawn_signature"],
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except services.SigningError as error:
                form.add_error(None, error.message)
                if error.code == "changed":
                    form.show_changed_agreement(shown["sha256"])
            else:
                gate_reopen(request)
                if success_message:
                    messages.success(request, success_message)
                return redirect(success_url)
    else:
        form = SigningForm(initial={"shown_sha256": shown["sha256"]}, **form_kwargs)
        if signature_request.first_viewed_at is None or seat.party not in signature_request.first_viewed_by_party:
            services.signature_request_mark_viewed(request=signature_request, party=seat.party)
    context = {
        "signature_request": signature_request,
        "agreement": signature_request.agreement,
        "school": signature_request.school,
        "pupil": signature_request.pupil,
        "seat": seat,
        "shown": shown,
        "form": form,
        "signature_pad_available": settings.SIGNATURE_PAD_AVAILABLE,
        **(extra or {}),
    }
    return render(request, template, context)


def _already_done(signature_request, signed, seat):
    """True when the viewer has nothing to sign now: their party is signed, the request was cancelled, or the
    headteacher must wait for the member of staff."""
    if signature_request.status in (SignatureRequest.Status.CANCELLED, SignatureRequest.Status.DECLINED):
        return True
    if seat.party in signed:
        return True
    return seat.party == Party.HEADTEACHER and Party.SIGNER not in signed


def _waiting_for(signature_request, signed, seat):
    """Sentences saying whose signature is still missing, from the viewer's point of view."""
    lines = []
    for party in services.required_parties(signature_request.agreement):
        if party in signed:
            continue
        if party == Party.PUPIL:
            if seat is not None and seat.guardian is not None:
                lines.append(_("Waiting for your child to sign in class, with a teacher present."))
            else:
                lines.append(_("Waiting for the pupil to sign in class, with a teacher present."))
        elif party == Party.PARENT:
            lines.append(_("Waiting for a parent or carer to sign."))
        elif party == Party.HEADTEACHER:
            lines.append(_("Waiting for the headteacher to authorise it."))
        else:
            name = signature_request.user.get_full_name() if signature_request.user else ""
            lines.append(_("Waiting for %(name)s to sign.") % {"name": name})
    return lines


def _download_url(signature_request):
    """The signed PDF's address once the request is complete (None before, or while that page does not exist)."""
    if signature_request.status != SignatureRequest.Status.COMPLETED:
        return None
    try:
        return reverse("aup:document_download", args=[signature_request.school.slug, signature_request.public_id])
    except NoReverseMatch:
        return None


def _status_page(request, *, signature_request, signed, seat, sign_url, status=200):
    """What the viewer signed, what happens next and, when complete, the signed PDF."""
    order = [*services.required_parties(signature_request.agreement), *Party.values]
    signatures = sorted(signed.values(), key=lambda signature: order.index(signature.party))
    context = {
        "signature_request": signature_request,
        "agreement": signature_request.agreement,
        "school": signature_request.school,
        "pupil": signature_request.pupil,
        "signatures": signatures,
        "completed": signature_request.status == SignatureRequest.Status.COMPLETED,
        "cancelled": signature_request.status == SignatureRequest.Status.CANCELLED,
        "declined": signature_request.status == SignatureRequest.Status.DECLINED,
        # The reason is the decliner's own words: another parent or carer is told it was declined, never why.
        "declined_by_viewer": _declined_by(signature_request, seat, request.user),
        "waiting": _waiting_for(signature_request, signed, seat),
        "download_url": _download_url(signature_request),
        "sign_again_url": sign_url if seat is not None and not _already_done(signature_request, signed, seat) else None,
        "needs_staff_signature": seat is not None and seat.party == Party.HEADTEACHER and Party.SIGNER not in signed,
        "continue_url": reverse("home") if request.user.is_authenticated else None,
    }
    return render(request, "aup/signed.html", context, status=status)


def _declined_by(signature_request, seat, user):
    """True when the viewer in ``seat`` is the one who declined ``signature_request`` (their guardian record, or
    the account asked), so the status page may show their reason back to them."""
    if signature_request.status != SignatureRequest.Status.DECLINED or seat is None:
        return False
    if signature_request.declined_by_guardian_id is not None:
        return seat.guardian is not None and seat.guardian.pk == signature_request.declined_by_guardian_id
    return seat.guardian is None and user.is_authenticated and signature_request.declined_by_id == user.pk


def _expiry_applies(seat):
    """Expiry is of the request sent out and its links (issue 17 item 3): the headteacher authorising a staff
    agreement the member of staff has already signed was never sent a link, so a lapsed request does not stop it."""
    return seat.party != Party.HEADTEACHER


# Signed in --------------------------------------------------------------------------------------------------------


def _request_and_seat(request, public_id):
    signature_request = selectors.request_for_signing(public_id)
    if signature_request is None:
        raise Http404
    signed = selectors.live_signatures(signature_request)
    seat = selectors.signing_seat(request.user, signature_request, signed)
    if seat is None:
        raise Http404
    return signature_request, signed, seat


@login_required
def sign(request, public_id):
    """Sign a request as whoever the viewer is on it: the person, a parent with parental responsibility (or for the
    pupil on their behalf), or the headteacher authorising a staff agreement. Anyone else: 404."""
    signature_request, signed, seat = _request_and_seat(request, public_id)
    done_url = reverse("aup:signed", args=[public_id])
    if _already_done(signature_request, signed, seat) or request.POST.get("party") in signed:
        if request.method == "POST":
            messages.info(request, _("This was already signed; nothing was changed."))
        return redirect(done_url)
    if _expiry_applies(seat) and signature_request.is_expired(timezone.now()):
        return _expired_page(request, signature_request, fresh_url=reverse("aup:fresh_link", args=[public_id]))
    return _signing(
        request,
        signature_request=signature_request,
        seat=seat,
        method=Signature.Method.PASSWORD_SESSION,
        signer_user=request.user,
        success_url=done_url,
        extra=_decline_offer(signature_request, signed, seat, reverse("aup:decline", args=[public_id])),
    )


@login_required
def signed(request, public_id):
    """After signing (account route): what was signed and what happens next."""
    signature_request, signed_now, seat = _request_and_seat(request, public_id)
    return _status_page(
        request,
        signature_request=signature_request,
        signed=signed_now,
        seat=seat,
        sign_url=reverse("aup:sign", args=[public_id]),
    )


# A parent's e-mailed link -----------------------------------------------------------------------------------------


def _from_link(request, token):
    """``(signature_request, signed, seat)`` named by a signing link, or a response refusing it."""
    try:
        request_id, guardian_id = parse_signing_token(token)
        signature_request = selectors.request_for_signing(request_id)
        guardian = Guardian.objects.filter(public_id=guardian_id).first()
    except (signing.BadSignature, ValidationError, ValueError, KeyError, TypeError):
        signature_request = guardian = None
    if signature_request is None or guardian is None or guardian.school_id != signature_request.school_id:
        return render(request, "aup/sign_link_invalid.html", status=400)
    if not selectors.guardian_has_responsibility(guardian, signature_request):
        return render(
            request,
            "aup/sign_refused.html",
            {"school": signature_request.school, "pupil": signature_request.pupil},
            status=403,
        )
    signed = selectors.live_signatures(signature_request)
    seat = selectors.signing_seat(request.user, signature_request, signed, guardian=guardian)
    if seat is None:
        return render(request, "aup/sign_link_invalid.html", status=400)
    return signature_request, signed, seat


def _link_expired(token, signature_request):
    """True when a link's request has expired, or the link is older than the request's validity (``expiry_days``):
    after a fresh link is e-mailed, the old one stays expired (issue 17 item 3)."""
    if signature_request.is_expired(timezone.now()):
        return True
    if signature_request.expiry_days and signature_request.status in selectors.OPEN_STATUSES:
        try:
            parse_signing_token(token, max_age_days=signature_request.expiry_days)
        except signing.SignatureExpired:
            return True
    return False


def _expired_page(request, signature_request, *, fresh_url):
    """The page an expired request or link shows: what happened, and a button that e-mails a fresh link to the
    address the school has on record (410: the link is gone, the page says what to do)."""
    context = {
        "signature_request": signature_request,
        "agreement": signature_request.agreement,
        "school": signature_request.school,
        "pupil": signature_request.pupil,
        "fresh_url": fresh_url,
    }
    return render(request, "aup/sign_expired.html", context, status=410)


def _decline_offer(signature_request, signed, seat, decline_url):
    """The sign page's "decline" link, for whoever may decline (``services_decline.may_decline``)."""
    return {"decline_url": decline_url if may_decline(seat, signature_request, signed) else None}


def sign_by_link(request, token):
    """Sign from the link in the request e-mail, without an account. The link binds one request (so one pupil) to
    one parent or carer; a changed link is refused with 400 and nothing is recorded."""
    found = _from_link(request, token)
    if not isinstance(found, tuple):
        return found
    signature_request, signed, seat = found
    done_url = reverse("aup:signed_by_link", args=[token])
    if _already_done(signature_request, signed, seat) or request.POST.get("party") in signed:
        if request.method == "POST":
            messages.info(request, _("This was already signed; nothing was changed."))
        return redirect(done_url)
    if _link_expired(token, signature_request):
        return _expired_page(request, signature_request, fresh_url=reverse("aup:fresh_link_by_link", args=[token]))
    return _signing(
        request,
        signature_request=signature_request,
        seat=seat,
        method=Signature.Method.INVITATION_LINK,
        success_url=done_url,
        extra=_decline_offer(signature_request, signed, seat, reverse("aup:decline_by_link", args=[token])),
    )


def signed_by_link(request, token):
    """After signing from the e-mailed link: what was signed and what happens next."""
    found = _from_link(request, token)
    if not isinstance(found, tuple):
        return found
    signature_request, signed_now, seat = found
    return _status_page(
        request,
        signature_request=signature_request,
        signed=signed_now,
        seat=seat,
        sign_url=reverse("aup:sign_by_link", args=[token]),
    )


# Declining, and fresh links for expired requests (issue 17 items 2 and 3) -----------------------------------------


def _decline(request, *, signature_request, signed, seat, signer_user, done_url, sign_url):
    """Show the decline form (a reason is required); on POST record the decline and go to the status page."""
    if not may_decline(seat, signature_request, signed):
        if signature_request.is_expired(timezone.now()):
            return redirect(sign_url)
        return redirect(done_url)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signature_request_decline(
                request=signature_request,
                seat=seat,
                reason=form.cleaned_data["reason"],
                signer_user=signer_user,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except DomainError as error:
            form.add_error("reason" if error.code == "reason" else None, error.message)
        else:
            messages.success(request, _("You have declined. The school has your reason."))
            return redirect(done_url)
    context = {
        "signature_request": signature_request,
        "agreement": signature_request.agreement,
        "school": signature_request.school,
        "pupil": signature_request.pupil,
        "form": form,
        "sign_url": sign_url,
    }
    return render(request, "aup/decline.html", context)


@login_required
def decline(request, public_id):
    """Decline a request with a reason, as the person asked or a parent with parental responsibility (signed in)."""
    signature_request, signed, seat = _request_and_seat(request, public_id)
    return _decline(
        request,
        signature_request=signature_request,
        signed=signed,
        seat=seat,
        signer_user=request.user,
        done_url=reverse("aup:signed", args=[public_id]),
        sign_url=reverse("aup:sign", args=[public_id]),
    )


def decline_by_link(request, token):
    """Decline from the personal link in the request e-mail, with a reason; an expired link cannot decline."""
    found = _from_link(request, token)
    if not isinstance(found, tuple):
        return found
    signature_request, signed, seat = found
    if _link_expired(token, signature_request):
        return redirect("aup:sign_by_link", token)
    return _decline(
        request,
        signature_request=signature_request,
        signed=signed,
        seat=seat,
        signer_user=request.user if request.user.is_authenticated else None,
        done_url=reverse("aup:signed_by_link", args=[token]),
        sign_url=reverse("aup:sign_by_link", args=[token]),
    )


def _fresh_link_sent(request, signature_request, *, sign_url, signed_in=False, **who):
    """Ask for a fresh link (``services_decline.fresh_link_request``) and say so; a link that still works goes
    back to the signing page. ``signed_in``: the viewer is identified by their session (the account route), so once
    the request is open again they sign straight away — a member of staff held at the sign-in gate is not left
    waiting for an e-mail."""
    try:
        renewed = fresh_link_request(request=signature_request, **who)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if not renewed:
            return redirect(sign_url)
        if signed_in:
            messages.success(
                request, _("The request is open again and you can sign it now. We have also e-mailed you a link.")
            )
            return redirect(sign_url)
        messages.success(
            request,
            _(
                "A new link is on its way to the e-mail address the school has for you. It can take a few minutes; "
                "one new link is sent a day."
            ),
        )
    context = {
        "signature_request": signature_request,
        "agreement": signature_request.agreement,
        "school": signature_request.school,
        "pupil": signature_request.pupil,
        "fresh_url": None,
    }
    return render(request, "aup/sign_expired.html", context)


@login_required
@require_POST
def fresh_link(request, public_id):
    """E-mail a fresh link for an expired request to the signed-in person's own address on record."""
    signature_request, _signed, seat = _request_and_seat(request, public_id)
    sign_url = reverse("aup:sign", args=[public_id])
    if seat.guardian is not None:
        return _fresh_link_sent(request, signature_request, sign_url=sign_url, signed_in=True, guardian=seat.guardian)
    return _fresh_link_sent(request, signature_request, sign_url=sign_url, signed_in=True, user=request.user)


@require_POST
def fresh_link_by_link(request, token):
    """E-mail a fresh link for an expired request to the address on record of the parent the link names — never to
    an address typed on a page. At most one a day per request and address (``FreshLinkSent``)."""
    found = _from_link(request, token)
    if not isinstance(found, tuple):
        return found
    signature_request, _signed, seat = found
    sign_url = reverse("aup:sign_by_link", args=[token])
    # A link older than the request's validity while the request is open again (another parent or carer renewed
    # it) still earns its holder a new link, rather than a page that sends them round in a circle.
    return _fresh_link_sent(
        request,
        signature_request,
        sign_url=sign_url,
        guardian=seat.guardian,
        link_stale=_link_expired(token, signature_request),
    )


# Pupils in class, under the teacher's session ---------------------------------------------------------------------


def _class_signing_url(school, agreement, school_class):
    query = urlencode({"agreement": agreement.public_id, "class": school_class.pk if school_class else ""})
    return reverse("aup:class_signing", args=[school.slug]) + "?" + query


@login_required
def class_signing(request, slug):
    """The teacher picks a pupil agreement and one of their classes (any class for SLT and the headteacher) and
    sees each pupil's status, with a button to sign on the shared device."""
    school = permissions.get_school_for_user(request.user, slug, permissions.SUPERVISE_PUPIL_SIGNING)
    agreements = list(services.current_agreements(school, Audience.PUPIL))
    classes = list(selectors.classes_for_supervision(request.user, school))
    agreement = _pick(agreements, request.GET.get("agreement"), key=lambda a: str(a.public_id))
    school_class = _pick(classes, request.GET.get("class"), key=lambda c: str(c.pk))
    rows = None
    if agreement is not None and school_class is not None:
        rows = _mark_declined(
            selectors.class_signing_rows(school=school, agreement=agreement, school_class=school_class),
            school=school,
            agreement=agreement,
        )
    return render(
        request,
        "aup/class_signing.html",
        {
            "school": school,
            "agreements": agreements,
            "classes": classes,
            "agreement": agreement,
            "school_class": school_class,
            "rows": rows,
            "signed_count": sum(1 for row in rows if row.status in ("signed", "waiting_for_parent")) if rows else 0,
            "class_code_url": _class_code_url(school, agreement, school_class),
        },
    )


def _mark_declined(rows, *, school, agreement):
    """``rows`` (``selectors.PupilRow``) with status ``"declined"`` for each pupil whose request was declined and not
    yet reopened (issue 17 item 2: a decline is an answer, not "not signed"; the office reopens it). One query."""
    if not rows:
        return rows
    declined = set(
        selectors._requests_counting_for(school, agreement)
        .filter(pupil__in=[row.pupil for row in rows], status=SignatureRequest.Status.DECLINED)
        .values_list("pupil_id", flat=True)
    )
    return [
        dataclasses.replace(row, status="declined") if row.pupil.pk in declined and row.status != "signed" else row
        for row in rows
    ]


def _class_code_url(school, agreement, school_class):
    """The class codes page with this agreement and class already chosen (issue 13 item 8)."""
    query = {}
    if agreement is not None:
        query["agreement"] = agreement.public_id
    if school_class is not None:
        query["class"] = school_class.pk
    url = reverse("aup:class_codes", args=[school.slug])
    return url + ("?" + urlencode(query) if query else "")


def _pick(options, wanted, *, key):
    """The option whose key is ``wanted``; the only option when there is one and none was asked for."""
    if wanted:
        return next((option for option in options if key(option) == wanted), None)
    return options[0] if len(options) == 1 else None


@login_required
def pupil_sign(request, slug, agreement_id, pupil_id):
    """A pupil signs in class on the shared device; the record names the teacher present. The device stays under
    the teacher's session and returns to the class list afterwards."""
    school = permissions.get_school_for_user(request.user, slug, permissions.SUPERVISE_PUPIL_SIGNING)
    agreement = services.current_agreements(school, Audience.PUPIL).filter(public_id=agreement_id).first()
    if agreement is None:
        raise Http404
    classes = selectors.classes_for_supervision(request.user, school)
    pupil = (
        Pupil.objects.for_school(school)
        .on_roll(school.today())
        .filter(public_id=pupil_id, school_class__in=classes)
        .select_related("school_class")
        .first()
    )
    if pupil is None:
        raise Http404
    signature_request, _created = services.signature_request_open(
        actor=None, agreement=agreement, school=school, pupil=pupil
    )
    back = _class_signing_url(school, agreement, pupil.school_class)
    signed = selectors.live_signatures(signature_request)
    if signature_request.status == SignatureRequest.Status.DECLINED:
        messages.info(
            request,
            _("This agreement was declined for %(name)s. The school office can reopen it.")
            % {"name": pupil.display_name},
        )
        return redirect(back)
    if signature_request.status == SignatureRequest.Status.CANCELLED or Party.PUPIL in signed:
        messages.info(request, _("%(name)s has already signed this agreement.") % {"name": pupil.display_name})
        return redirect(back)
    return _signing(
        request,
        signature_request=signature_request,
        seat=selectors.Seat(Party.PUPIL),
        method=Signature.Method.TEACHER_PRESENT,
        teacher_present=request.user,
        success_url=back,
        template="aup/class_signing_pupil.html",
        pupil_page=True,
        success_message=_("Well done, %(name)s! Your agreement is signed.")
        % {"name": pupil.preferred_first_name or pupil.legal_first_name},
        extra={"back_url": back, "teacher": request.user},
    )


# Staff at sign-in, and the headteacher ----------------------------------------------------------------------------


@login_required
def staff_gate(request):
    """What a member of staff or governor must sign before using Safeguard; once nothing is left, on they go."""
    outstanding = services.staff_agreements_outstanding(request.user)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    if not outstanding:
        gate_clear(request)
        return redirect(next_url or reverse("home"))
    return render(request, "aup/staff_gate.html", {"outstanding": outstanding})


@login_required
def countersign_queue(request, slug):
    """Staff agreements signed by the member of staff that await the headteacher's authorisation."""
    school = permissions.get_school_for_user(request.user, slug, permissions.COUNTERSIGN_STAFF)
    return render(
        request,
        "aup/countersign_queue.html",
        {"school": school, "requests": list(selectors.countersign_queue(school))},
    )


urlpatterns = [
    path("agreements/sign/<uuid:public_id>/", sign, name="sign"),
    path("agreements/sign/<uuid:public_id>/signed/", signed, name="signed"),
    path("agreements/sign/link/<str:token>/", sign_by_link, name="sign_by_link"),
    path("agreements/sign/link/<str:token>/signed/", signed_by_link, name="signed_by_link"),
    path("agreements/sign/<uuid:public_id>/decline/", decline, name="decline"),
    path("agreements/sign/link/<str:token>/decline/", decline_by_link, name="decline_by_link"),
    path("agreements/sign/<uuid:public_id>/new-link/", fresh_link, name="fresh_link"),
    path("agreements/sign/link/<str:token>/new-link/", fresh_link_by_link, name="fresh_link_by_link"),
    path("agreements/required/", staff_gate, name="staff_gate"),
    path("school/<slug:slug>/agreements/class-signing/", class_signing, name="class_signing"),
    path(
        "school/<slug:slug>/agreements/pupil-sign/<uuid:agreement_id>/<uuid:pupil_id>/",
        pupil_sign,
        name="pupil_sign",
    ),
    path("school/<slug:slug>/agreements/countersign/", countersign_queue, name="countersign_queue"),
]
