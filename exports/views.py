"""The exports page, each list as CSV, and the full school export (issue 14 item 5: "nothing is locked in").

Who gets what (``safeguard.permissions``): the roster and carers — office and head (``EXPORT_ROSTER``); consent
answers and signatures — office, SLT and head; behaviour incidents — SLT, head and the DSL team; safeguarding
concerns — the DSL team and head after the second factor, as every concern page; the policy register — whoever reads
the register (its own CSV, ``aup:register_csv``, is linked rather than repeated); the full school export — the
headteacher only. Anything else answers 404, like a school that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.accounts import otp
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import School

from . import selectors, services
from .models import SchoolExport
from .writing import csv_response

# The downloads in the order the page lists them.
KINDS = ["roster", "carers", "consent", "signatures", "behaviour", "concerns"]


def _allowed(user, school, kind):
    return permissions.can(user, services.LIST_CAPABILITIES[kind], school)


def _exports_school(request, slug):
    """The school, if the viewer may download at least one of its exports; 404 otherwise."""
    school = School.objects.select_related("organisation").filter(slug=slug).first()
    if school is None:
        raise Http404
    if not any(_allowed(request.user, school, kind) for kind in KINDS) and not permissions.can(
        request.user, permissions.EXPORT_SCHOOL, school
    ):
        raise Http404
    return school


@login_required
@require_GET
@never_cache
def index(request, slug):
    """Each download the viewer may have, with what its columns hold; and the full school export for the head."""
    school = _exports_school(request, slug)
    downloads = []
    for kind in KINDS:
        if _allowed(request.user, school, kind):
            title, description = selectors.DESCRIPTIONS[kind]
            downloads.append({"kind": kind, "title": title, "description": description})
    can_export_school = permissions.can(request.user, permissions.EXPORT_SCHOOL, school)
    context = {
        "school": school,
        "downloads": downloads,
        "policies": selectors.DESCRIPTIONS["policies"] if _allowed(request.user, school, "policies") else None,
        "can_manage_consent": permissions.can(request.user, permissions.MANAGE_CONSENT, school),
        "verified": otp.is_recently_verified(request),
        "can_export_school": can_export_school,
        "exports": selectors.school_exports(school) if can_export_school else [],
        "can_view_safeguarding": permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school),
    }
    with timezone.override(school.time_zone):
        return render(request, "exports/index.html", context)


def _table(school, kind, now):
    if kind == "roster":
        return selectors.roster_table(school=school), None
    if kind == "carers":
        return selectors.carers_table(school=school), None
    if kind == "consent":
        return selectors.consent_table(school=school, now=now), None
    if kind == "signatures":
        return selectors.signatures_table(school=school), None
    incidents = selectors.incidents_for_export(school=school, concerns=kind == "concerns")
    return selectors.incidents_table(school=school, concerns=kind == "concerns", incidents=incidents), incidents


@login_required
@require_GET
@never_cache
def download(request, slug, kind):
    """One list as CSV (``kind``: one of ``KINDS``), logged. Safeguarding concerns ask for the second factor first,
    and their download is logged against each pupil named in them."""
    if kind not in KINDS:
        raise Http404
    school = permissions.get_school_for_user(request.user, slug, services.LIST_CAPABILITIES[kind])
    if kind == "concerns":
        response = otp.second_factor_redirect(request)
        if response is not None:
            return response
    now = timezone.now()
    table, incidents = _table(school, kind, now)
    services.list_export_log(
        actor=request.user, school=school, kind=kind, table=table, incidents=incidents, ip_address=client_ip(request)
    )
    return csv_response(table, f"{table.name}-{school.slug}-{school.today(now).isoformat()}.csv")


@login_required
@require_POST
def school_export_request(request, slug):
    """Ask for the full school export (headteacher). Built in the background; an e-mail says when it is ready."""
    school = permissions.get_school_for_user(request.user, slug, permissions.EXPORT_SCHOOL)
    try:
        export, created = services.school_export_request(
            actor=request.user, school=school, verified=otp.is_recently_verified(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("exports:index", slug=school.slug)
    if not created:
        messages.info(request, _("An export of this school is already being prepared."))
    elif export.include_concerns:
        messages.success(
            request, _("The export is being prepared, with the safeguarding concerns. We will e-mail you.")
        )
    else:
        messages.success(
            request,
            _(
                "The export is being prepared, without the safeguarding concerns (confirm the second factor first to "
                "include them). We will e-mail you."
            ),
        )
    return redirect("exports:index", slug=school.slug)


@login_required
@require_GET
@never_cache
def school_export_download(request, slug, public_id):
    """A ready full export as an attachment (headteacher only; with the concerns, after the second factor)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.EXPORT_SCHOOL)
    export = SchoolExport.objects.filter(school=school, public_id=public_id, status=SchoolExport.Status.READY).first()
    if export is None or not export.file:
        raise Http404
    if export.include_concerns:
        if not permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school):
            raise Http404
        response = otp.second_factor_redirect(request)
        if response is not None:
            return response
    services.school_export_downloaded(actor=request.user, export=export, ip_address=client_ip(request))
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"{school.slug}-export-{export.created_at.date().isoformat()}.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("school/<slug:slug>/exports/", index, name="index"),
    path("school/<slug:slug>/exports/full/", school_export_request, name="school_export_request"),
    path("school/<slug:slug>/exports/full/<uuid:public_id>/", school_export_download, name="school_export_download"),
    path("school/<slug:slug>/exports/<slug:kind>.csv", download, name="download"),
]
