"""A pupil's own account (issue 14 item 1), where the school gives pupils accounts (``PupilAccountSetting``).

The pupil's home lists the agreements waiting for their own signature and what they have signed; the pupil signs
through the agreements app's services (``aup.services.signature_record``, method "signed in with e-mail and
password", party "pupil"). Nothing else opens for a pupil: every page here starts from
``permissions.pupil_of_user``, which gives only the pupil's own record (404 otherwise, and once they have left).

Also here, for the office: the button on the pupil page that invites a pupil (``student_invite``), drawn by the
"pupil_detail" panel ``pupil_account_panel`` (registered in ``DirectoryConfig.ready``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import permissions
from safeguard.accounts.services import pupil_invitation_create
from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from . import pupil_accounts, selectors_student
from .models import Pupil


def _own_pupil(request):
    """The signed-in pupil's own record while their account gives access; 404 for anyone else."""
    pupil = permissions.pupil_of_user(request.user)
    if pupil is None:
        raise Http404
    return pupil


def _open_current_agreements(pupil):
    """Open (or find) the pupil's request for each current pupil agreement of their school, through
    ``aup.services.signature_request_open`` — the service that knows which request counts for the policy's signing
    frequency, as the class-signing page does when a pupil signs in class. Writes only the first time."""
    from aup import services as aup_services
    from aup.models import Audience

    for agreement in aup_services.current_agreements(pupil.school, Audience.PUPIL):
        aup_services.signature_request_open(actor=None, agreement=agreement, school=pupil.school, pupil=pupil)


@login_required
def student_home(request):
    """The pupil's home: agreements waiting for their signature, and what they have signed."""
    pupil = _own_pupil(request)
    _open_current_agreements(pupil)
    return render(
        request,
        "directory/student_home.html",
        {
            "pupil": pupil,
            "school": pupil.school,
            "waiting": list(selectors_student.waiting_for_pupil(pupil)),
            "signed": list(selectors_student.signed_by_pupil(pupil)),
        },
    )


@login_required
def student_sign(request, public_id):
    """GET: the agreement and the signing form. POST: sign as the pupil (``aup.services.signature_record``), then
    back to the home page. Another pupil's request, or one not needing the pupil's signature, is 404."""
    from aup import selectors as aup_selectors
    from aup import services as aup_services
    from aup.forms_signing import SigningForm
    from aup.models import Signature, SignatureRequest

    pupil = _own_pupil(request)
    signature_request = selectors_student.pupil_request(pupil, public_id)
    if signature_request is None:
        raise Http404
    signed = aup_selectors.live_signatures(signature_request)
    if signature_request.status == SignatureRequest.Status.CANCELLED or Signature.Party.PUPIL in signed:
        if request.method == "POST":
            messages.info(request, _("This was already signed; nothing was changed."))
        return redirect("directory:student_signed", public_id)
    seat = aup_selectors.Seat(Signature.Party.PUPIL)
    shown = aup_selectors.agreement_as_shown(signature_request.agreement)
    form_kwargs = {
        "statements": shown["content"]["statements"],
        "seat": seat,
        "pupil_page": True,
        "expected_names": aup_selectors.expected_signer_names(signature_request, seat, signer_user=request.user),
    }
    if request.method == "POST":
        form = SigningForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                aup_services.signature_record(
                    request=signature_request,
                    party=Signature.Party.PUPIL,
                    method=Signature.Method.PASSWORD_SESSION,
                    typed_name=data["typed_name"],
                    statements_confirmed=data["statements"],
                    shown_sha256=data["shown_sha256"],
                    signer_user=request.user,
                    drawn_signature=data["drawn_signature"],
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except aup_services.SigningError as error:
                form.add_error(None, error.message)
                if error.code == "changed":
                    form.show_changed_agreement(shown["sha256"])
            else:
                messages.success(request, _("Your agreement is signed."))
                return redirect("directory:student_signed", public_id)
    else:
        form = SigningForm(initial={"shown_sha256": shown["sha256"]}, **form_kwargs)
        if Signature.Party.PUPIL not in (signature_request.first_viewed_by_party or {}):
            aup_services.signature_request_mark_viewed(request=signature_request, party=Signature.Party.PUPIL)
    return render(
        request,
        "directory/student_sign.html",
        {
            "signature_request": signature_request,
            "agreement": signature_request.agreement,
            "school": pupil.school,
            "pupil": pupil,
            "seat": seat,
            "shown": shown,
            "form": form,
            "signature_pad_available": settings.SIGNATURE_PAD_AVAILABLE,
        },
    )


@login_required
def student_signed(request, public_id):
    """One agreement the pupil signed: exactly what they were shown and ticked, when, and whether it still waits for
    another signature (a parent's). Their own requests only."""
    from aup import selectors as aup_selectors
    from aup.models import Signature, SignatureRequest

    pupil = _own_pupil(request)
    signature_request = selectors_student.pupil_request(pupil, public_id)
    if signature_request is None:
        raise Http404
    signatures = aup_selectors.live_signatures(signature_request)
    own = signatures.get(Signature.Party.PUPIL)
    return render(
        request,
        "directory/student_signed.html",
        {
            "pupil": pupil,
            "school": pupil.school,
            "signature_request": signature_request,
            "signature": own,
            "completed": signature_request.status == SignatureRequest.Status.COMPLETED,
            "cancelled": signature_request.status == SignatureRequest.Status.CANCELLED,
        },
    )


# The office: inviting one pupil from the pupil page ---------------------------------------------------------------


def pupil_account_panel(*, user, school, pupil):
    """The "pupil_detail" card about the pupil's own account: shown to whoever may invite pupils (office, head) in a
    school that gives pupils accounts. Returns ``(template, context)`` or None."""
    if not permissions.may_invite_pupil(user, pupil):
        return None
    setting = pupil_accounts.setting_for(school)
    if setting is None or not setting.is_on:
        return None
    today = school.today()
    invitations = pupil.account_invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    open_invitation = invitations.order_by("-created_at").first()
    return (
        "directory/student_account_panel.html",
        {
            "pupil": pupil,
            "school": school,
            "setting": setting,
            "eligible": pupil.is_on_roll(today) and pupil_accounts.pupil_is_eligible(pupil, setting=setting, day=today),
            "open_invitation": open_invitation,
        },
    )


@login_required
@require_POST
def student_invite(request, slug, public_id):
    """Invite the pupil to set up their own account, by e-mail to the address on record (sent in the background)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.INVITE_GUARDIAN)
    pupil = Pupil.objects.filter(school=school, public_id=public_id).select_related("school", "year_group").first()
    if pupil is None or not permissions.may_invite_pupil(request.user, pupil):
        raise Http404
    try:
        pupil_invitation_create(actor=request.user, pupil=pupil, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": pupil.email})
    return redirect(reverse("directory:pupil_detail", args=[school.slug, pupil.public_id]))


urlpatterns = [
    path("student/", student_home, name="student_home"),
    path("student/agreements/<uuid:public_id>/sign/", student_sign, name="student_sign"),
    path("student/agreements/<uuid:public_id>/", student_signed, name="student_signed"),
    path(
        "school/<slug:slug>/pupils/<uuid:public_id>/account-invitation/",
        student_invite,
        name="student_invite",
    ),
]
