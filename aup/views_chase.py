"""The office's "remind now" page (issue 17 item 4): remind one person, the people ticked, a class, a year group or
everyone who has not signed, with an optional message.

Thin view: permission helper (``MANAGE_AGREEMENTS``; another school's agreement answers 404) → ``ChaseForm`` →
``services_chase.chase_send`` → back to the coverage page with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from safeguard import permissions
from safeguard.base import DomainError

from . import selectors_library as selectors
from .forms_chase import ChaseForm
from .models import AgreementChase
from .selectors_chase import waiting_choices
from .services_chase import chase_send


@login_required
@require_http_methods(["GET", "POST"])
def chase(request, slug, agreement_id):
    """Remind now. ``?request=<public id>`` (the coverage list's "Remind now" link) ticks that one person."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)
    agreement = selectors.agreement_for_school(school, agreement_id)
    if agreement is None:
        raise Http404
    pupils = selectors.is_pupil_audience(agreement)
    waiting = waiting_choices(agreement=agreement, school=school)
    initial = {}
    if request.GET.get("request"):
        initial = {"who": AgreementChase.Scope.SELECTED, "requests": [request.GET["request"]]}
    form = ChaseForm(request.POST or None, initial=initial, school=school, pupils=pupils, waiting=waiting)
    if request.method == "POST" and form.is_valid():
        try:
            sent = chase_send(actor=request.user, agreement=agreement, school=school, **form.chase_kwargs())
        except DomainError as error:
            form.add_error("message" if error.code == "message" else None, error.message)
        else:
            count = sent.requests.count()
            messages.success(
                request,
                ngettext(
                    "A reminder is on its way for %(count)s request. Anyone already reminded today is not "
                    "e-mailed again.",
                    "Reminders are on their way for %(count)s requests. Anyone already reminded today is not "
                    "e-mailed again.",
                    count,
                )
                % {"count": count},
            )
            return redirect("aup:coverage", school.slug, agreement.public_id)
    context = {"school": school, "agreement": agreement, "pupils": pupils, "form": form}
    return render(request, "aup/chase.html", context)


urlpatterns = [
    path("school/<slug:slug>/agreements/<uuid:agreement_id>/remind/", chase, name="chase"),
]
