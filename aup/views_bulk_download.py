"""A class's signed agreements as one zip (issue 17 item 8), prepared by the worker (``safeguard.jobs.prepared``).

Who: whoever may export the school's signatures (``EXPORT_SIGNATURES`` — the office, SLT and the headteacher). A zip
of every signed copy of a class is the school's signatures leaving the portal in bulk, as the signatures CSV is, so
it follows the export right rather than ``MANAGE_AGREEMENTS`` (the right to send and record agreements): a school
that narrows who may export narrows this too. Anyone else, and any agreement or class of another school, gets 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import SchoolClass
from safeguard.jobs.models import PreparedFile

from .documents import CLASS_ZIP, class_signed_requests, class_zip_request
from .models import Audience
from .selectors_library import agreement_for_school


def _class_and_agreement(request, slug, agreement_id, class_id):
    school = permissions.get_school_for_user(request.user, slug, permissions.EXPORT_SIGNATURES)
    agreement = agreement_for_school(school, agreement_id)
    if agreement is None or agreement.audience not in (Audience.PUPIL, Audience.PARENT):
        raise Http404
    school_class = SchoolClass.objects.filter(school=school, pk=class_id).first()
    if school_class is None:
        raise Http404
    return school, agreement, school_class


@login_required
@require_http_methods(["GET", "POST"])
def class_zip(request, slug, agreement_id, class_id):
    """The signed PDFs of one class for one agreement, as one zip built by the worker: GET says how many signed
    copies it will hold and offers the button; POST asks for it (``class_zip_request``, audited
    ``aup.class_zip.requested``) and goes to the file's page, whose download is audited
    ``aup.class_zip.downloaded``."""
    school, agreement, school_class = _class_and_agreement(request, slug, agreement_id, class_id)
    heading = _("Signed agreements: %(agreement)s, %(class)s") % {
        "agreement": agreement.title,
        "class": school_class.name,
    }
    problem = ""
    if request.method == "POST":
        try:
            prepared, _queued = class_zip_request(
                agreement=agreement,
                school=school,
                school_class=school_class,
                actor=request.user,
                ip_address=client_ip(request),
            )
        except DomainError as error:
            problem = error.message
        else:
            return redirect("jobs:prepared_file", school.slug, prepared.public_id)
    count = len(class_signed_requests(agreement=agreement, school=school, school_class=school_class))
    if not count:
        problem = _("Nobody in this class has signed this agreement yet.")
    latest = (
        PreparedFile.objects.filter(
            kind=CLASS_ZIP,
            school=school,
            requested_by=request.user,
            params__agreement=str(agreement.public_id),
            params__school_class=school_class.pk,
        )
        .order_by("-created_at")
        .first()
    )
    context = {
        "school": school,
        "heading": heading,
        "problem": problem,
        "description": ngettext(
            "One zip file holding the signed PDF of %(count)d pupil of the class, named by pupil and agreement.",
            "One zip file holding the signed PDFs of %(count)d pupils of the class, each named by pupil and agreement.",
            count,
        )
        % {"count": count},
        "button": _("Prepare the zip file"),
        "back_url": reverse("aup:coverage", args=[school.slug, agreement.public_id]),
        "back_label": _("Who has signed"),
        "latest": latest,
    }
    return render(request, "jobs/prepare.html", context, status=400 if problem and request.method == "POST" else 200)


urlpatterns = [
    path(
        "school/<slug:slug>/agreements/<uuid:agreement_id>/classes/<int:class_id>/signed-zip/",
        class_zip,
        name="class_zip",
    ),
]
