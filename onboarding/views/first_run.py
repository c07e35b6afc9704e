"""The first run: a superuser on an empty installation creates the first trust, district or school."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from ..forms import FirstRunForm, SchoolForm
from ..services.schools import installation_start


@login_required
def first_run(request):
    """GET: the set-up form. POST: create the trust, district or school and invite its administrator.

    Only a superuser, and only while there is no trust, district or school: anyone else, or afterwards, "not found".
    """
    if not permissions.may_start_installation(request.user):
        raise Http404
    form = FirstRunForm(request.POST or None)
    # Needed only for a stand-alone school: the browser must not refuse a district's form for its empty fields.
    school_form = SchoolForm(request.POST or None, prefix="school", use_required_attribute=False)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if kind != "school" or school_form.is_valid():
            try:
                place = installation_start(
                    actor=request.user,
                    kind=kind,
                    name=form.cleaned_data["organisation_name"],
                    admin_email=form.cleaned_data["admin_email"],
                    admin_name=form.cleaned_data["admin_name"],
                    school_fields=school_form.cleaned_data if kind == "school" else None,
                    ip_address=client_ip(request),
                )
            except (DomainError, ValidationError) as error:
                form.add_error(None, getattr(error, "message", None) or " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("%(place)s is set up. An e-mail has gone to %(email)s to choose a password, if needed.")
                    % {"place": place.name, "email": form.cleaned_data["admin_email"]},
                )
                return redirect("home")
    return render(
        request,
        "onboarding/first_run.html",
        {"form": form, "school_form": school_form, "school_needed": form.data.get("kind") == "school"},
    )
