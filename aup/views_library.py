"""Pages of the policy library: the list, a policy with its version history, new policies and versions, approval,
the uploaded document, and a draft version's agreements.

Thin views: permission helper → form → service → redirect with a message. Reading needs ``VIEW_POLICIES``; writing
``MANAGE_AGREEMENTS``; recording an approval, the headteacher or SLT. A policy the school does not use answers 404
exactly like a missing one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError
from safeguard.downloads import file_download

from . import selectors_library as selectors
from . import services_library as services
from .agreement_templates import TEMPLATES
from .forms_library import (
    AgreementForm,
    AgreementTemplateForm,
    PolicyFilterForm,
    PolicyForm,
    PolicyVersionForm,
    VersionApproveForm,
)
from .models import PolicyVersion
from .selectors_register import review_cycle_label
from .services_register import can_manage_register
from .views_reviews import review_card


def _policy(school, public_id):
    policy = selectors.policy_for_school(school, public_id)
    if policy is None:
        raise Http404
    return policy


def _version(school, public_id):
    version = selectors.version_for_school(school, public_id)
    if version is None:
        raise Http404
    return version


def _refuse(request, error, policy, slug):
    messages.error(request, error.message)
    return redirect("aup:policy_detail", slug, policy.public_id)


@login_required
@require_GET
def policy_list(request, slug):
    """The school's policies and its trust's, with category, owner, approving body, current version and status."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_POLICIES)
    form = PolicyFilterForm(request.GET or None)
    category = form.cleaned_data["category"] if form.is_valid() else ""
    context = {
        "school": school,
        "form": form,
        "policies": selectors.policy_list(school=school, category=category or None),
        "can_manage": services.can_manage_library(request.user, school),
    }
    return render(request, "aup/policy_list.html", context)


@login_required
@require_GET
def policy_detail(request, slug, public_id):
    """A policy: its details, the version history (as on the first page of a school policy), one version's text
    (the current one unless ``?version=`` names another) and that version's agreements."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_POLICIES)
    policy = _policy(school, public_id)
    wanted = request.GET.get("version", "")
    shown = next((v for v in policy.version_list if str(v.public_id) == wanted), None)
    shown = shown or policy.current_version or (policy.version_list[-1] if policy.version_list else None)
    own = policy.school_id == school.pk
    can_approve = own and services.can_approve_versions(request.user, school)
    context = {
        "school": school,
        "policy": policy,
        "versions": policy.version_list,
        "shown": shown,
        "agreements": selectors.version_agreements(shown) if shown else [],
        "can_manage": own and services.can_manage_library(request.user, school),
        "can_send": services.can_manage_library(request.user, school),
        "can_approve": can_approve,
        "approve_form": VersionApproveForm(school=school) if can_approve else None,
        "approval_preview": (
            selectors.approval_preview(version=shown)
            if can_approve and shown is not None and shown.status == PolicyVersion.Status.DRAFT
            else None
        ),
        "can_edit_register": own and can_manage_register(request.user, policy),
        "cycle_label": review_cycle_label(policy),
        "trust_policy_url": (
            reverse("aup:trust_policy_detail", args=[policy.organisation.slug, policy.public_id])
            if not own and permissions.can(request.user, permissions.MANAGE_TRUST_POLICIES, policy.organisation)
            else ""
        ),
        **review_card(request.user, school, policy),
    }
    return render(request, "aup/policy_detail.html", context)


@login_required
def policy_create(request, slug):
    """Add a policy to the school's library."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)
    form = PolicyForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, school=school, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Policy added. Now add its first version."))
            return redirect("aup:version_create", school.slug, policy.public_id)
    return render(request, "aup/policy_form.html", {"school": school, "form": form})


@login_required
def version_create(request, slug, public_id):
    """Add a draft version: its text in Markdown, or an uploaded PDF or Word document."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)
    policy = _policy(school, public_id)
    if policy.school_id != school.pk:
        messages.error(
            request, _("This policy belongs to the whole trust. It is changed by the trust, not by one school.")
        )
        return redirect("aup:policy_detail", school.slug, policy.public_id)
    form = PolicyVersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.policy_version_create(actor=request.user, policy=policy, **form.cleaned_data)
        except DomainError as error:
            form.add_error("number" if error.code == "number" else None, error.message)
        else:
            messages.success(
                request,
                _("Version %(number)s saved as a draft. Add the agreements people sign, then record its approval.")
                % {"number": version.number},
            )
            return redirect(f"{_detail_url(school, policy)}?version={version.public_id}")
    return render(request, "aup/version_form.html", {"school": school, "policy": policy, "form": form})


def _detail_url(school, policy):
    return reverse("aup:policy_detail", args=[school.slug, policy.public_id])


@login_required
@require_POST
def version_approve(request, slug, public_id):
    """Record a draft version's approval (headteacher or SLT); it becomes current and the previous one superseded."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)
    if not services.can_approve_versions(request.user, school):
        raise Http404
    version = _version(school, public_id)
    policy = version.policy
    form = VersionApproveForm(request.POST, school=school)
    if not form.is_valid():
        errors = "; ".join(message for messages_ in form.errors.values() for message in messages_)
        messages.error(request, _("The approval was not recorded: %(errors)s") % {"errors": errors})
        return redirect(f"{_detail_url(school, policy)}?version={version.public_id}")
    try:
        services.policy_version_approve(actor=request.user, version=version, **form.cleaned_data)
    except DomainError as error:
        return _refuse(request, error, policy, school.slug)
    messages.success(
        request, _("Version %(number)s is approved and is now the current version.") % {"number": version.number}
    )
    return redirect("aup:policy_detail", school.slug, policy.public_id)


@login_required
@require_GET
def version_document(request, slug, public_id):
    """The uploaded PDF or Word document of a version, as an attachment, to people who may read the library."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_POLICIES)
    version = _version(school, public_id)
    if not version.document:
        raise Http404
    # The name is ours and the type is read from the bytes: never the uploader's name or extension (issue 12 #9).
    return file_download(version.document, title=f"{version.policy.title} v{version.number}")


def _agreement_page(request, school, version, form, agreement=None, template_form=None, template=None):
    context = {
        "school": school,
        "version": version,
        "policy": version.policy,
        "form": form,
        "agreement": agreement,
        "template_form": template_form or AgreementTemplateForm(),
        "template": template,
        "templates": TEMPLATES,
    }
    return render(request, "aup/agreement_edit.html", context)


def _template_initial(request, school, version, initial):
    """``(template form, chosen template or None, initial)``: on a GET with ``?template=<key>`` the agreement form
    starts from that shipped template (``aup.agreement_templates``), in the policy's language as the school's country
    writes it; the office changes what it likes before saving. Links from statements to consent questions are
    dropped, since the numbers they name now hold other statements."""
    if request.method != "GET" or "template" not in request.GET:
        return AgreementTemplateForm(), None, initial
    template_form = AgreementTemplateForm(request.GET)
    template = template_form.chosen()
    if template is None:
        return template_form, None, initial
    kept = {key: value for key, value in (initial or {}).items() if not key.startswith("consent_link_")}
    return template_form, template, {**kept, **template.filled(school=school, language=version.policy.language)}


def _refuse_if_not_draft(request, school, version):
    if version.policy.school_id != school.pk:
        error = DomainError(_("This policy belongs to the whole trust. It is changed by the trust, not by one school."))
    elif version.status != PolicyVersion.Status.DRAFT:
        error = DomainError(
            _(
                "Version %(number)s has been approved, so its agreements can no longer be changed: people may "
                "already have signed them. Add a new version to change the agreement."
            )
            % {"number": version.number}
        )
    else:
        return None
    return _refuse(request, error, version.policy, school.slug)


def _save_agreement(request, school, version, agreement=None):
    refused = _refuse_if_not_draft(request, school, version)
    if refused is not None:
        return refused
    initial = AgreementForm.initial_for(agreement) if agreement is not None else None
    template_form, template, initial = _template_initial(request, school, version, initial)
    consent_purposes = services.consent_questions_for(version)
    form = AgreementForm(request.POST or None, initial=initial, consent_purposes=consent_purposes)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_save(actor=request.user, version=version, agreement=agreement, **form.cleaned_data)
        except DomainError as error:
            field = {"audience": "audience", "countersignature": "countersignature", "behalf": None}.get(error.code)
            form.add_error(field, error.message)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect(f"{_detail_url(school, version.policy)}?version={version.public_id}")
    return _agreement_page(request, school, version, form, agreement, template_form, template)


@login_required
def agreement_create(request, slug, public_id):
    """Add an agreement (one audience's statements) to a draft version, written afresh or started from a shipped
    template (``?template=<key>``)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)
    return _save_agreement(request, school, _version(school, public_id))


@login_required
def agreement_edit(request, slug, public_id):
    """Change an agreement of a draft version (``?template=<key>`` refills it from a shipped template, unsaved until
    the office saves). Agreements of approved versions are never changed."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)
    agreement = selectors.agreement_for_school(school, public_id)
    if agreement is None:
        raise Http404
    return _save_agreement(request, school, agreement.version, agreement)


urlpatterns = [
    path("school/<slug:slug>/policies/", policy_list, name="policy_list"),
    path("school/<slug:slug>/policies/new/", policy_create, name="policy_create"),
    path("school/<slug:slug>/policies/<uuid:public_id>/", policy_detail, name="policy_detail"),
    path("school/<slug:slug>/policies/<uuid:public_id>/versions/new/", version_create, name="version_create"),
    path("school/<slug:slug>/policies/versions/<uuid:public_id>/approve/", version_approve, name="version_approve"),
    path("school/<slug:slug>/policies/versions/<uuid:public_id>/document/", version_document, name="version_document"),
    path(
        "school/<slug:slug>/policies/versions/<uuid:public_id>/agreements/new/",
        agreement_create,
        name="agreement_create",
    ),
    path("school/<slug:slug>/policies/agreements/<uuid:public_id>/edit/", agreement_edit, name="agreement_edit"),
]
