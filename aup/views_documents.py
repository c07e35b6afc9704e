"""PDFs of agreements: downloading a signed copy, printing blank forms, and the public verification page.

Thin views: permission helper → form → document service → response. A signed PDF is served only here, as an
attachment, after a permission check; anyone not entitled gets the same 404 as for a record that does not exist.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import School, SchoolClass, YearGroup
from safeguard.jobs.models import PreparedFile
from safeguard.sealing import verify_seal

from .documents import (
    BLANK_FORMS,
    MAX_BLANK_FORMS,
    blank_forms_pupils,
    blank_forms_request,
    can_download_signed_document,
    short_reference,
    signed_document_for_download,
    signed_document_verify,
)
from .forms_documents import VerifyForm
from .models import Agreement, Audience, SignatureRequest


def _attachment_name(*parts):
    return (slugify(" ".join(str(p) for p in parts if p), allow_unicode=True) or "document") + ".pdf"


# Downloading a signed copy ------------------------------------------------------------------------------------------


def _get_request_for_download(user, slug, public_id):
    """The ``SignatureRequest`` of the school ``slug`` whose signed PDF ``user`` may download; ``Http404`` otherwise.

    Parents are not staff of the school, so the school is looked up by slug without a staff capability and the
    right is checked on the request itself (``can_download_signed_document``); "not yours" is "not found".
    """
    school = School.objects.filter(slug=slug).first()
    if school is None:
        raise Http404
    signature_request = (
        SignatureRequest.objects.select_related("agreement__version__policy", "school", "pupil", "user")
        .filter(school=school, public_id=public_id)
        .first()
    )
    if signature_request is None or not can_download_signed_document(user, signature_request):
        raise Http404
    return signature_request


@login_required
@require_GET
def document_download(request, slug, public_id):
    """The signed PDF of a completed request, as an attachment (rendered now if the task has not run yet)."""
    signature_request = _get_request_for_download(request.user, slug, public_id)
    try:
        document = signed_document_for_download(
            actor=request.user, request=signature_request, ip_address=client_ip(request)
        )
    except DomainError:
        raise Http404  # not completed: there is no signed document to give
    if signature_request.pupil_id:
        subject = signature_request.pupil.display_name
    else:
        subject = signature_request.visitor_name or signature_request.user.full_name
    return FileResponse(
        document.pdf.open("rb"),
        as_attachment=True,
        filename=_attachment_name(signature_request.agreement.title, subject),
        content_type="application/pdf",
    )


# Blank forms ------------------------------------------------------------------------------------------------------


def _problem(request, school, message, status=400):
    return render(request, "aup/document_problem.html", {"school": school, "message": message}, status=status)


def _int_param(request, name):
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


@login_required
@require_http_methods(["GET", "POST"])
def blank_forms(request, slug, agreement_id):
    """Printable blank forms (one page per pupil, with a QR code) for a class, a year group or the whole school,
    prepared by the worker (issue 18 item 2): GET says how many forms and offers the button; POST asks for them
    (``blank_forms_request``) and goes to the file's page ("being prepared", then the download).

    Query: ``school_class=<id>`` or ``year_group=<id>``; neither means every pupil on roll (at most
    ``MAX_BLANK_FORMS``).
    """
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)
    scope = Q(version__policy__school=school)
    if school.organisation_id:
        scope |= Q(version__policy__organisation_id=school.organisation_id)
    agreement = (
        Agreement.objects.select_related("version__policy")
        .filter(scope, public_id=agreement_id, audience__in=[Audience.PUPIL, Audience.PARENT])
        .first()
    )
    if agreement is None:
        raise Http404
    school_class = year_group = None
    class_id, year_group_id = _int_param(request, "school_class"), _int_param(request, "year_group")
    if class_id is not None:
        school_class = SchoolClass.objects.filter(school=school, pk=class_id).first()
        if school_class is None:
            raise Http404
    elif year_group_id is not None:
        year_group = YearGroup.objects.filter(school=school, pk=year_group_id).first()
        if year_group is None:
            raise Http404
    group_name = (school_class or year_group or school).name
    if request.method == "POST":
        try:
            prepared, _queued = blank_forms_request(
                agreement=agreement,
                school=school,
                actor=request.user,
                school_class=school_class,
                year_group=year_group,
                ip_address=client_ip(request),
            )
        except DomainError as error:
            return _problem(request, school, error.message)
        return redirect("jobs:prepared_file", school.slug, prepared.public_id)
    count = blank_forms_pupils(school=school, school_class=school_class, year_group=year_group).count()
    if count > MAX_BLANK_FORMS:
        return _problem(
            request,
            school,
            _(
                "There are more than %(max)d pupils here. Blank forms are printed for at most %(max)d pupils at a "
                "time: choose a class or a year group."
            )
            % {"max": MAX_BLANK_FORMS},
        )
    if not count:
        return _problem(request, school, _("There are no pupils on roll here, so there are no forms to print."))
    latest = (
        PreparedFile.objects.filter(
            kind=BLANK_FORMS, school=school, requested_by=request.user, params__agreement=str(agreement.public_id)
        )
        .order_by("-created_at")
        .first()
    )
    context = {
        "school": school,
        "heading": _("Blank forms: %(agreement)s, %(group)s") % {"agreement": agreement.title, "group": group_name},
        "description": ngettext(
            "One page for %(count)d pupil, with the statements, a line to sign for each party, the reference and a "
            "QR code that opens the online form.",
            "One page for each of %(count)d pupils, with the statements, a line to sign for each party, the "
            "reference and a QR code that opens the online form.",
            count,
        )
        % {"count": count},
        "button": _("Prepare the blank forms"),
        "back_url": reverse("aup:coverage", args=[school.slug, agreement.public_id]),
        "back_label": _("Who has signed"),
        "latest": latest,
    }
    return render(request, "jobs/prepare.html", context)


# Verification -----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verify(request):
    """Public: upload a PDF and learn whether it matches the record of a signed agreement.

    Says only "matches (completed on …, reference …)" or "does not match"; never a name or the content. It also checks
    the PDF's digital seal (``safeguard.sealing.verify_seal``: sealed by us, unaltered since, whole document covered).
    Someone entitled to the record (``can_download_signed_document``) also gets a link to the stored copy.
    """
    form = VerifyForm(request.POST or None, request.FILES or None)
    context = {"form": form, "checked": False}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        data = b"".join(upload.chunks())
        document = signed_document_verify(data)
        context["checked"] = True
        context["seal"] = verify_seal(data)
        if document is not None:
            signature_request = document.request
            context.update(
                document=document,
                completed_at=signature_request.completed_at if document.superseded_at is None else document.created_at,
                reference=short_reference(signature_request),
                download_request=signature_request
                if signature_request.status == SignatureRequest.Status.COMPLETED
                and can_download_signed_document(request.user, signature_request)
                else None,
            )
    return render(request, "aup/verify.html", context)


urlpatterns = [
    path(
        "school/<slug:slug>/agreements/requests/<uuid:public_id>/signed.pdf",
        document_download,
        name="document_download",
    ),
    path(
        "school/<slug:slug>/agreements/<uuid:agreement_id>/blank-forms/",
        blank_forms,
        name="blank_forms",
    ),
    path("agreements/verify/", verify, name="verify"),
]
