"""The front desk (issue 13 item 7): the office's list of visitors' and volunteers' signatures, and the kiosk page a
tablet shows while the office member is signed in.

Thin views: ``permissions.get_school_for_user`` (``FRONT_DESK``: office, SLT, head; anyone else 404) → form →
``services_front_desk.visitor_sign_in`` → back to a blank kiosk. The kiosk's responses are never cached, and it
redirects after each signature, so the browser's Back button does not bring the previous visitor's details back.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safeguard import permissions
from safeguard.audit.services import client_ip

from . import selectors, selectors_front_desk, services
from .forms_front_desk import VisitorSigningForm
from .models import Signature
from .services_front_desk import front_desk_agreements, visitor_sign_in

PAGE_SIZE = 50


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.FRONT_DESK)


@login_required
@require_GET
def front_desk(request, slug):
    """The school's visitor and volunteer agreements, each with its kiosk, and who signed on a day (today unless
    ``?day=YYYY-MM-DD``; ``?day=all`` lists every day), newest first, each with its signed PDF."""
    school = _school(request, slug)
    today = school.today()
    wanted = request.GET.get("day", "")
    day = today
    if wanted == "all":
        day = None
    elif wanted:
        try:
            day = datetime.date.fromisoformat(wanted)
        except ValueError:
            day = today
    signatures = (
        selectors_front_desk.visitor_signatures(school)
        if day is None
        else selectors_front_desk.visitor_signatures_on(school, day)
    )
    page = Paginator(signatures, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "aup/front_desk.html",
        {
            "school": school,
            "agreements": front_desk_agreements(school),
            "day": day,
            "today": today,
            "previous_day": (day or today) - datetime.timedelta(days=1),
            "next_day": (day + datetime.timedelta(days=1)) if day and day < today else None,
            "page": page,
        },
    )


@never_cache
@login_required
def kiosk(request, slug, agreement_id):
    """The tablet's page: the agreement and a blank form for the next visitor. After a signature: "Thank you", and
    the same page again, empty."""
    school = _school(request, slug)
    agreement = next((a for a in front_desk_agreements(school) if str(a.public_id) == str(agreement_id)), None)
    if agreement is None:
        raise Http404
    shown = selectors.agreement_as_shown(agreement)
    statements = shown["content"]["statements"]
    seat = selectors.Seat(Signature.Party.SIGNER)
    kiosk_url = reverse("aup:front_desk_kiosk", args=[school.slug, agreement.public_id])
    if request.method == "POST":
        form = VisitorSigningForm(request.POST, statements=statements, seat=seat)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visitor_sign_in(
                    actor=request.user,
                    agreement=agreement,
                    school=school,
                    name=data["typed_name"],
                    organisation=data["organisation"],
                    role=data["role"],
                    statements_confirmed=data["statements"],
                    shown_sha256=data["shown_sha256"],
                    drawn_signature=data["drawn_signature"],
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except services.SigningError as error:
                form.add_error(None, error.message)
                if error.code == "changed":
                    form.show_changed_agreement(shown["sha256"])
            else:
                # No name in the message: the next visitor reads this page.
                messages.success(request, _("Thank you — you are signed in. Please hand the tablet back."))
                return redirect(kiosk_url)
    else:
        form = VisitorSigningForm(initial={"shown_sha256": shown["sha256"]}, statements=statements, seat=seat)
    return render(
        request,
        "aup/front_desk_kiosk.html",
        {
            "school": school,
            "agreement": agreement,
            "shown": shown,
            "seat": seat,
            "form": form,
            "signature_pad_available": settings.SIGNATURE_PAD_AVAILABLE,
            "staff_member": request.user,
        },
    )


urlpatterns = [
    path("school/<slug:slug>/front-desk/", front_desk, name="front_desk"),
    path("school/<slug:slug>/front-desk/<uuid:agreement_id>/", kiosk, name="front_desk_kiosk"),
]
