"""The page an invited member of staff reaches from their e-mail: choose a password, or ask for a new link."""

from django.contrib import messages
from django.contrib.auth import login
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from ..forms import InvitationAcceptForm
from ..models import StaffInvitation
from ..services import invitations as services
from ..tokens import staff_invitation_public_id_from_token


def _invitation_from_token(token):
    """The ``StaffInvitation`` a link names, or None for an altered or unknown link."""
    try:
        public_id = staff_invitation_public_id_from_token(token)
    except signing.BadSignature:
        return None
    return StaffInvitation.objects.select_related("user", "school", "organisation").filter(public_id=public_id).first()


def _problem(request, status, token=None, invitation=None, http_status=410):
    context = {"status": status, "token": token, "place": invitation.place if invitation else None}
    return render(request, "onboarding/invitation_problem.html", context, status=http_status)


def invitation_accept(request, token):
    """GET: the password form (or why the link won't work). POST: set the password and sign in."""
    invitation = _invitation_from_token(token)
    if invitation is None:
        return _problem(request, "invalid", http_status=400)
    status = services.staff_invitation_status(invitation)
    if status != "valid":
        return _problem(request, status, token, invitation)
    form = InvitationAcceptForm(request.POST or None, initial={"full_name": invitation.user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            form.add_error("password1", error)
        except DomainError as error:
            return _problem(request, error.code, token, invitation)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your password is set and you are signed in."))
            return redirect("home")
    return render(request, "onboarding/invitation_accept.html", {"form": form, "invitation": invitation})


@require_POST
def invitation_renew(request, token):
    """Send a fresh link, to the address on record, for an expired or replaced invitation."""
    invitation = _invitation_from_token(token)
    if invitation is None:
        return _problem(request, "invalid", http_status=400)
    try:
        services.staff_invitation_renew(invitation=invitation, ip_address=client_ip(request))
    except DomainError as error:
        return _problem(request, error.code, token, invitation)
    return render(request, "onboarding/invitation_renewed.html", {"place": invitation.place})
