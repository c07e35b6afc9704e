"""The DSL team's pupil flags and external referrals (issue 16 items 4 and 5).

- A pupil's flags (CP plan, CIN, early help, young carer, open to social care): listed with their history, started
  and ended on the pupil's flags page, reached from the discreet marker on the pupil's page.
- A concern's referrals (children's social care/MASH, police, Prevent, LADO, early help): recorded and updated on the
  concern's record, and printed as a PDF summary.

All of it is the DSL team's (``VIEW_SAFEGUARDING``) and behind the second factor; anyone else gets 404, as for a page
that does not exist. Every view and print is audited with the pupil as subject, so "who viewed" lists it.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard import permissions
from safeguard.accounts import otp
from safeguard.audit.services import audit_log, client_ip
from safeguard.base import DomainError

from . import documents, selectors
from .forms_safeguarding import PupilFlagEndForm, PupilFlagForm, ReferralForm, ReferralUpdateForm
from .models import PupilFlag, Referral
from .services_flags import pupil_flag_end, pupil_flag_start
from .services_referrals import referral_record, referral_update


def _dsl_pupil(request, slug, public_id):
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_SAFEGUARDING)
    return school, permissions.get_pupil_for_user(request.user, school, public_id)


def _flags_url(school, pupil):
    return reverse("incidents:pupil_flags", args=[school.slug, pupil.public_id])


# Pupil flags --------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def pupil_flags(request, slug, public_id):
    """A pupil's safeguarding flags, current and ended, with the form to start one (DSL team, second factor). The
    view is audited (``incidents.pupil_flags.viewed``, subject the pupil)."""
    school, pupil = _dsl_pupil(request, slug, public_id)
    refused = otp.second_factor_redirect(request)
    if refused is not None:
        return refused
    with timezone.override(school.time_zone):
        form = PupilFlagForm(request.POST or None, initial={"starts_on": school.today()})
        if request.method == "POST" and form.is_valid():
            try:
                _flag, created = pupil_flag_start(actor=request.user, pupil=pupil, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.code if error.code in form.fields else None, error.message)
            else:
                if created:
                    messages.success(request, _("The flag is added."))
                else:
                    messages.info(request, _("This flag is already current."))
                return redirect(_flags_url(school, pupil))
        audit_log(
            actor=request.user,
            action="incidents.pupil_flags.viewed",
            school=school,
            subject=pupil,
            data={},
            ip_address=client_ip(request),
        )
        context = {
            "school": school,
            "pupil": pupil,
            "form": form,
            "flags": selectors.pupil_flags(pupil),
            "end_form": PupilFlagEndForm(initial={"ends_on": school.today()}),
        }
        return render(request, "incidents/pupil_flags.html", context)


@login_required
@require_POST
def pupil_flag_end_view(request, slug, public_id, flag_id):
    """End a current flag, with the date and an optional reason (DSL team, second factor)."""
    school, pupil = _dsl_pupil(request, slug, public_id)
    if not otp.is_recently_verified(request):
        return otp.second_factor_redirect_to(request, _flags_url(school, pupil))
    flag = PupilFlag.objects.filter(pupil=pupil, public_id=flag_id).select_related("school", "pupil").first()
    if flag is None:
        raise Http404
    with timezone.override(school.time_zone):
        form = PupilFlagEndForm(request.POST)
        valid = form.is_valid()
    if not valid:
        messages.error(request, _("Say when it ended."))
    else:
        try:
            pupil_flag_end(actor=request.user, flag=flag, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The flag is ended. It stays in the pupil's history."))
    return redirect(_flags_url(school, pupil))


# Referrals ----------------------------------------------------------------------------------------------------------


def _dsl_concern(request, slug, public_id):
    """The concern of the URL for a member of the DSL team, or 404 (a behaviour incident, another school's, or
    anyone else). The caller asks for the second factor."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_SAFEGUARDING)
    incident = permissions.get_incident_for_user(request.user, school, public_id)
    if not incident.is_safeguarding:
        raise Http404
    return school, incident


def _referral(incident, referral_id):
    referral = (
        Referral.objects.filter(incident=incident, public_id=referral_id)
        .select_related("incident__school", "incident__recorded_by", "referred_by", "follow_up_action")
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def _detail_url(incident):
    return reverse("incidents:incident_detail", args=[incident.school.slug, incident.public_id]) + "#referrals"


@login_required
@require_POST
def referral_add(request, slug, public_id):
    """Record a referral of the concern to an outside agency (DSL team, second factor); errors show on the record."""
    from .views_incidents import _render_detail

    school, incident = _dsl_concern(request, slug, public_id)
    if not otp.is_recently_verified(request):
        messages.error(request, _("Confirm your second factor, then try again."))
        return redirect(_detail_url(incident))
    with timezone.override(school.time_zone):
        form = ReferralForm(request.POST)
        valid = form.is_valid()
    if valid:
        try:
            referral_record(actor=request.user, incident=incident, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.code if error.code in form.fields else None, error.message)
        else:
            messages.success(request, _("The referral is recorded."))
            return redirect(_detail_url(incident))
    return _render_detail(request, school, incident, referral_form=form)


@login_required
@require_POST
def referral_update_view(request, slug, public_id, referral_id):
    """Record a referral's outcome or move its follow-up date (DSL team, second factor)."""
    school, incident = _dsl_concern(request, slug, public_id)
    referral = _referral(incident, referral_id)
    if not otp.is_recently_verified(request):
        messages.error(request, _("Confirm your second factor, then try again."))
        return redirect(_detail_url(incident))
    with timezone.override(school.time_zone):
        form = ReferralUpdateForm(request.POST)
        valid = form.is_valid()
    if not valid:
        messages.error(request, _("Check the dates."))
        return redirect(_detail_url(incident))
    try:
        referral_update(actor=request.user, referral=referral, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The referral is updated."))
    return redirect(_detail_url(incident))


@login_required
@require_GET
@never_cache
def referral_pdf(request, slug, public_id, referral_id):
    """The referral's printable summary as a PDF (DSL team, second factor). Audited as printed, with the pupils
    named and the file's SHA-256, so each pupil's "who viewed" lists it."""
    school, incident = _dsl_concern(request, slug, public_id)
    referral = _referral(incident, referral_id)
    refused = otp.second_factor_redirect(request)
    if refused is not None:
        return refused
    pdf = documents.referral_pdf(referral=referral, actor=request.user)
    pupils = [str(public_id) for public_id in incident.involvements.values_list("pupil__public_id", flat=True)]
    audit_log(
        actor=request.user,
        action="incidents.referral.printed",
        school=school,
        subject=incident,
        data={"referral": str(referral.public_id), "pupils": pupils, "sha256": hashlib.sha256(pdf).hexdigest()},
        ip_address=client_ip(request),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(f"{_('referral')}-{referral.get_agency_display()}-{referral.referred_on.isoformat()}") or "referral"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


PUPIL = "school/<slug:slug>/pupils/<uuid:public_id>/"
REFERRALS = "school/<slug:slug>/incidents/<uuid:public_id>/referrals/"

urlpatterns = [
    path(f"{PUPIL}flags/", pupil_flags, name="pupil_flags"),
    path(f"{PUPIL}flags/<uuid:flag_id>/end/", pupil_flag_end_view, name="pupil_flag_end"),
    path(REFERRALS, referral_add, name="referral_add"),
    path(f"{REFERRALS}<uuid:referral_id>/", referral_update_view, name="referral_update"),
    path(f"{REFERRALS}<uuid:referral_id>/summary.pdf", referral_pdf, name="referral_pdf"),
]
