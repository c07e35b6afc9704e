"""Pages of a trust's (or district's) own policies: the trust-wide policies its administrators write and approve
once for every school (issue 13 item 6) — the list, a policy with its versions, a new policy, a new version, the
agreements of a draft, recording the board's approval, the register fields and the uploaded document.

The library's forms and services do the work with the organisation as the owner (``services_library``); once a
version is approved, every school of the trust uses it (``selectors_library.policies_for_school``): it is in each
school's library read-only, its staff are asked to sign it at sign-in, and each school's office sends it for
signature and follows coverage as for its own. Every page is for the trust's administrators
(``MANAGE_TRUST_POLICIES``); anyone else — another trust's administrator included — and any policy of another trust
get 404.
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

from . import selectors_library
from . import selectors_trust_policies as selectors
from . import services_library as services
from .forms_library import AgreementForm, PolicyForm, PolicyVersionForm, VersionApproveForm
from .models import PolicyVersion
from .selectors_register import review_cycle_label
from .views_register import register_fields_page


def _organisation(request, org_slug):
    organisation = permissions.get_organisation_for_user(request.user, org_slug)
    if not permissions.can(request.user, permissions.MANAGE_TRUST_POLICIES, organisation):
        raise Http404
    return organisation


def _policy(organisation, public_id):
    policy = selectors.trust_policy(organisation, public_id)
    if policy is None:
        raise Http404
    return policy


def _version(organisation, public_id):
    version = selectors.trust_version(organisation, public_id)
    if version is None:
        raise Http404
    return version


def _breadcrumbs(organisation, policy=None):
    crumbs = [
        (reverse("directory:trust_home", args=[organisation.slug]), organisation.name),
        (reverse("aup:trust_policy_list", args=[organisation.slug]), _("Trust-wide policies")),
    ]
    if policy is not None:
        crumbs.append((_detail_url(organisation, policy), policy.title))
    return crumbs


def _detail_url(organisation, policy, version=None):
    url = reverse("aup:trust_policy_detail", args=[organisation.slug, policy.public_id])
    return f"{url}?version={version.public_id}" if version is not None else url


def _form_page(request, organisation, form, *, heading, submit_label, policy=None, intro="", multipart=False):
    cancel_url = _detail_url(organisation, policy) if policy is not None else _breadcrumbs(organisation)[1][0]
    context = {
        "organisation": organisation,
        "form": form,
        "heading": heading,
        "intro": intro,
        "breadcrumbs": _breadcrumbs(organisation, policy),
        "submit_label": submit_label,
        "cancel_url": cancel_url,
        "multipart": multipart,
    }
    return render(request, "aup/policy_page_form.html", context)


@login_required
@require_GET
def trust_policy_list(request, org_slug):
    """The trust's own policies, which every school of it uses, with their current version and status."""
    organisation = _organisation(request, org_slug)
    context = {
        "organisation": organisation,
        "policies": selectors.trust_policies(organisation),
        "schools": list(organisation.schools.order_by("name")),
    }
    return render(request, "aup/trust_policy_list.html", context)


@login_required
def trust_policy_create(request, org_slug):
    """Add a trust-wide policy (it applies to every school of the trust once a version is approved)."""
    organisation = _organisation(request, org_slug)
    form = PolicyForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, organisation=organisation, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Policy added. Now add its first version."))
            return redirect("aup:trust_version_create", organisation.slug, policy.public_id)
    return _form_page(
        request,
        organisation,
        form,
        heading=_("Add a trust-wide policy"),
        intro=_("Every school of the trust uses it once a version is approved; schools read it but cannot change it."),
        submit_label=_("Add the policy"),
    )


@login_required
@require_GET
def trust_policy_detail(request, org_slug, public_id):
    """A trust-wide policy: details, version history, one version's text and agreements, the approval form."""
    organisation = _organisation(request, org_slug)
    policy = _policy(organisation, public_id)
    wanted = request.GET.get("version", "")
    shown = next((v for v in policy.version_list if str(v.public_id) == wanted), None)
    shown = shown or policy.current_version or (policy.version_list[-1] if policy.version_list else None)
    earliest, _latest = services.policy_today_bounds(policy)
    draft_shown = shown is not None and shown.status == PolicyVersion.Status.DRAFT
    context = {
        "organisation": organisation,
        "policy": policy,
        "versions": policy.version_list,
        "shown": shown,
        "agreements": selectors_library.version_agreements(shown) if shown else [],
        "approve_form": VersionApproveForm(today=earliest) if draft_shown else None,
        "cycle_label": review_cycle_label(policy),
        "schools": list(organisation.schools.order_by("name")),
    }
    return render(request, "aup/trust_policy_detail.html", context)


@login_required
def trust_version_create(request, org_slug, public_id):
    """Add a draft version of a trust-wide policy: its text in Markdown, or an uploaded PDF or Word document."""
    organisation = _organisation(request, org_slug)
    policy = _policy(organisation, public_id)
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
            return redirect(_detail_url(organisation, policy, version))
    return _form_page(
        request,
        organisation,
        form,
        policy=policy,
        heading=_("New version of %(title)s") % {"title": policy.title},
        intro=_(
            "The version is saved as a draft. Once it is approved, its text and agreements can no longer be changed."
        ),
        submit_label=_("Save the draft"),
        multipart=True,
    )


@login_required
@require_POST
def trust_version_approve(request, org_slug, public_id):
    """Record the board's approval of a draft version: it becomes current in every school of the trust."""
    organisation = _organisation(request, org_slug)
    version = _version(organisation, public_id)
    policy = version.policy
    form = VersionApproveForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(message for messages_ in form.errors.values() for message in messages_)
        messages.error(request, _("The approval was not recorded: %(errors)s") % {"errors": errors})
        return redirect(_detail_url(organisation, policy, version))
    try:
        services.policy_version_approve(actor=request.user, version=version, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(organisation, policy, version))
    messages.success(
        request,
        _("Version %(number)s is approved and is now the current version in every school of the trust.")
        % {"number": version.number},
    )
    return redirect(_detail_url(organisation, policy))


@login_required
@require_GET
def trust_version_document(request, org_slug, public_id):
    """The uploaded PDF or Word document of a trust-wide version, as an attachment."""
    organisation = _organisation(request, org_slug)
    version = _version(organisation, public_id)
    if not version.document:
        raise Http404
    return file_download(version.document, title=f"{version.policy.title} v{version.number}")


def _save_agreement(request, organisation, version, agreement=None):
    if version.status != PolicyVersion.Status.DRAFT:
        messages.error(
            request,
            _(
                "Version %(number)s has been approved, so its agreements can no longer be changed: people may "
                "already have signed them. Add a new version to change the agreement."
            )
            % {"number": version.number},
        )
        return redirect(_detail_url(organisation, version.policy, version))
    initial = AgreementForm.initial_for(agreement) if agreement is not None else None
    form = AgreementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_save(actor=request.user, version=version, agreement=agreement, **form.cleaned_data)
        except DomainError as error:
            field = {"audience": "audience", "countersignature": "countersignature", "behalf": None}.get(error.code)
            form.add_error(field, error.message)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect(_detail_url(organisation, version.policy, version))
    return _form_page(
        request,
        organisation,
        form,
        policy=version.policy,
        heading=_("Change agreement") if agreement is not None else _("New agreement"),
        intro=_("For draft version %(number)s. People will confirm each statement when they sign.")
        % {"number": version.number},
        submit_label=_("Save the agreement"),
    )


@login_required
def trust_agreement_create(request, org_slug, public_id):
    """Add an agreement (one audience's statements) to a draft version of a trust-wide policy."""
    organisation = _organisation(request, org_slug)
    return _save_agreement(request, organisation, _version(organisation, public_id))


@login_required
def trust_agreement_edit(request, org_slug, public_id):
    """Change an agreement of a draft version of a trust-wide policy."""
    organisation = _organisation(request, org_slug)
    agreement = selectors.trust_agreement(organisation, public_id)
    if agreement is None:
        raise Http404
    return _save_agreement(request, organisation, agreement.version, agreement)


@login_required
def trust_policy_register(request, org_slug, public_id):
    """Change a trust-wide policy's register fields: owner, review team, approving body, review cycle."""
    organisation = _organisation(request, org_slug)
    policy = _policy(organisation, public_id)
    return register_fields_page(
        request,
        policy=policy,
        breadcrumbs=_breadcrumbs(organisation),
        done_url=_detail_url(organisation, policy),
    )


urlpatterns = [
    path("trust/<slug:org_slug>/policies/", trust_policy_list, name="trust_policy_list"),
    path("trust/<slug:org_slug>/policies/new/", trust_policy_create, name="trust_policy_create"),
    path("trust/<slug:org_slug>/policies/<uuid:public_id>/", trust_policy_detail, name="trust_policy_detail"),
    path(
        "trust/<slug:org_slug>/policies/<uuid:public_id>/register/",
        trust_policy_register,
        name="trust_policy_register",
    ),
    path(
        "trust/<slug:org_slug>/policies/<uuid:public_id>/versions/new/",
        trust_version_create,
        name="trust_version_create",
    ),
    path(
        "trust/<slug:org_slug>/policies/versions/<uuid:public_id>/approve/",
        trust_version_approve,
        name="trust_version_approve",
    ),
    path(
        "trust/<slug:org_slug>/policies/versions/<uuid:public_id>/document/",
        trust_version_document,
        name="trust_version_document",
    ),
    path(
        "trust/<slug:org_slug>/policies/versions/<uuid:public_id>/agreements/new/",
        trust_agreement_create,
        name="trust_agreement_create",
    ),
    path(
        "trust/<slug:org_slug>/policies/agreements/<uuid:public_id>/edit/",
        trust_agreement_edit,
        name="trust_agreement_edit",
    ),
]
