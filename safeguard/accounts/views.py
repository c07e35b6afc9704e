"""Sign-in, invitations, language. Thin views: form → service → redirect with a message."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from . import services
from .forms import InvitationAcceptForm, LanguageForm
from .middleware import LANGUAGE_SESSION_KEY
from .models import Invitation
from .tokens import invitation_public_id_from_token


def _invitation_from_token(token):
    """The ``Invitation`` a link names, or None for an altered or unknown link."""
    try:
        public_id = invitation_public_id_from_token(token)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("guardian__school", "pupil__school").filter(public_id=public_id).first()


def invitation_accept(request, token):
    """The page a parent (or a pupil, where the school gives pupils accounts) reaches from their invitation e-mail: set
    a password, or learn why the link won't work."""
    invitation = _invitation_from_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_problem.html", {"status": "invalid"}, status=400)
    status = services.invitation_status(invitation)
    if status != "valid":
        return render(
            request,
            "accounts/invitation_problem.html",
            {"status": status, "token": token, "school": invitation.school},
            status=410,
        )
    form = InvitationAcceptForm(
        request.POST or None, email=invitation.email, initial={"full_name": invitation.invitee_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            # The service checks the password against the account it is about to save; show it on the form.
            form.add_error("password1", error)
        except DomainError as error:
            return render(
                request,
                "accounts/invitation_problem.html",
                {"status": error.code, "token": token, "school": invitation.school},
                status=410,
            )
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("home")
    # A pupil's own invitation has its own words (what a pupil's account is for).
    template = "directory/student_invitation_accept.html" if invitation.pupil_id else "accounts/invitation_accept.html"
    return render(request, template, {"form": form, "invitation": invitation})


@require_POST
def invitation_renew(request, token):
    """Send a fresh link to the address the school holds, for an expired or replaced invitation."""
    invitation = _invitation_from_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_problem.html", {"status": "invalid"}, status=400)
    try:
        services.invitation_renew(invitation=invitation, ip_address=client_ip(request))
    except DomainError as error:
        return render(
            request,
            "accounts/invitation_problem.html",
            {"status": error.code, "token": token, "school": invitation.school},
            status=410,
        )
    return render(request, "accounts/invitation_renewed.html", {"school": invitation.school})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page for choosing a new password from a reset link; afterwards the service lifts any lockout."""

    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_reset(user=form.user, ip_address=client_ip(self.request))
        return response


@login_required
def language(request):
    """Choose the language pages are shown in (POST changes it)."""
    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_language(user=request.user, language=form.cleaned_data["language"])
        except DomainError as error:
            form.add_error("language", error.message)
        else:
            request.session.pop(LANGUAGE_SESSION_KEY, None)
            next_url = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = "home"
            return redirect(next_url)
    return render(request, "accounts/language.html", {"form": form})
