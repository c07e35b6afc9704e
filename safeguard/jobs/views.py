"""The page of a file being prepared by the worker, and its download (``safeguard.jobs.prepared``).

Only the person who asked may open either, and only while they may still have the file (the kind's rule, asked
again each time); anyone else — another member of staff, another school — gets 404, as for a file that does not
exist. Safeguarding files (a child protection file) need the second factor as their own pages do.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safeguard.accounts import otp
from safeguard.audit.services import client_ip

from . import prepared as service
from .models import PreparedFile


def _get_prepared_for_user(request, slug, public_id):
    """The ``PreparedFile`` of school ``slug`` that the signed-in person asked for and may still have; 404 else."""
    prepared = (
        PreparedFile.objects.select_related("school", "requested_by")
        .filter(school__slug=slug, public_id=public_id)
        .first()
    )
    if prepared is None or not service.may_open(request.user, prepared):
        raise Http404
    return prepared


def _second_factor(request, prepared):
    if service.get_kind(prepared.kind).second_factor:
        return otp.second_factor_redirect(request)
    return None


@login_required
@require_GET
@never_cache
def prepared_file(request, slug, public_id):
    """Where a requested file stands: "being prepared" (the page reloads itself every few seconds with an HTTP
    ``Refresh`` header, and has a reload link — no JavaScript needed), ready (a download link), or failed (what to
    do). The status text is in a ``role="status"`` region so screen readers announce it."""
    prepared = _get_prepared_for_user(request, slug, public_id)
    response = _second_factor(request, prepared)
    if response is not None:
        return response
    response = render(
        request,
        "jobs/prepared_file.html",
        {"school": prepared.school, "prepared": prepared, "refresh_seconds": service.REFRESH_SECONDS},
    )
    if prepared.in_progress:
        response["Refresh"] = str(service.REFRESH_SECONDS)
    return response


@login_required
@require_GET
@never_cache
def prepared_file_download(request, slug, public_id):
    """The ready file as an attachment, named after its title; audited with the kind's download action."""
    prepared = _get_prepared_for_user(request, slug, public_id)
    if prepared.status != PreparedFile.Status.READY or not prepared.file:
        raise Http404
    response = _second_factor(request, prepared)
    if response is not None:
        return response
    spec = service.get_kind(prepared.kind)
    try:
        handle = prepared.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    service.downloaded(actor=request.user, prepared=prepared, ip_address=client_ip(request))
    filename = f"{slugify(prepared.title, allow_unicode=True)[:120].strip('-_') or 'file'}.{spec.extension}"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=spec.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("school/<slug:slug>/files/<uuid:public_id>/", prepared_file, name="prepared_file"),
    path("school/<slug:slug>/files/<uuid:public_id>/download/", prepared_file_download, name="prepared_file_download"),
]
