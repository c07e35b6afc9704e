"""Pages of the policy review round: start a review, draft the new version (or confirm "no changes"), submit it to
the approving body, and record its decision — approve, or return with comments.

Thin views: permission helper → form → service → redirect with a message. Reading a review needs ``VIEW_POLICIES``
(governors and trust staff read it, with no forms); starting, drafting and submitting, the people
``permissions.can_work_on_policy_review`` names (owner, review team, office, SLT, headteacher); approving and
returning, ``APPROVE_POLICY_VERSIONS``. A POST by anyone else, and any review of another school, answers 404.
A refused step (``DomainError``) shows its message on the form it came from, with what the user typed kept.
"""

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError
from safeguard.country_words import local_date

from . import selectors_library as selectors
from . import services_reviews as services
from .forms_reviews import ReviewApproveForm, ReviewDraftForm, ReviewNoteForm, ReviewReturnForm, ReviewStartForm
from .models import PolicyReview, PolicyReviewStep, PolicyVersion

OPEN = (PolicyReview.Status.IN_REVIEW, PolicyReview.Status.SUBMITTED)

# Each form of the review page has its own prefix: several carry a "note" field.
PREFIXES = {"no_changes": "no_changes", "submit": "submit", "approve": "approve", "return": "return"}


def _steps():
    return Prefetch(
        "steps",
        queryset=PolicyReviewStep.objects.select_related("actor").order_by("created_at", "id"),
        to_attr="step_list",
    )


def _review(school, public_id):
    """The review ``public_id`` of one of ``school``'s own policies, with its steps; 404 otherwise (trust-wide
    policies are reviewed by the trust, so a school never has their reviews)."""
    review = (
        PolicyReview.objects.filter(public_id=public_id, policy__school=school)
        .select_related("policy__school", "policy__owner", "draft_version")
        .prefetch_related(_steps())
        .first()
    )
    if review is None:
        raise Http404
    return review


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.VIEW_POLICIES)


def _may_work(user, review):
    return permissions.can_work_on_policy_review(user, review.policy)


def _may_approve(user, school):
    return permissions.can(user, permissions.APPROVE_POLICY_VERSIONS, school)


def _current_version(policy):
    return policy.versions.filter(status=PolicyVersion.Status.APPROVED).first()


def _base_version(review):
    """The version the draft was written from: the latest approved (now perhaps superseded) version before it."""
    draft = review.draft_version
    return (
        PolicyVersion.objects.filter(
            policy_id=review.policy_id, approved_on__isnull=False, created_at__lt=draft.created_at
        )
        .exclude(pk=draft.pk)
        .order_by("-approved_on", "-created_at")
        .first()
    )


def _changes(base, draft):
    """Line changes from ``base``'s Markdown to ``draft``'s as ``[(kind, text)]`` with kind "added", "removed",
    "same" or "gap"; None when either is an uploaded document (there is no text to compare)."""
    if base is None or not base.body_markdown or not draft.body_markdown:
        return None
    lines = list(
        difflib.unified_diff(base.body_markdown.splitlines(), draft.body_markdown.splitlines(), lineterm="", n=1)
    )
    rows = []
    for line in lines[2:]:  # past the "---" and "+++" headers
        if line.startswith("@@"):
            if rows:
                rows.append(("gap", ""))
        elif line.startswith("+"):
            rows.append(("added", line[1:]))
        elif line.startswith("-"):
            rows.append(("removed", line[1:]))
        else:
            rows.append(("same", line[1:]))
    return rows


def _page(request, school, review, forms=None, status=200):
    """The review page; ``forms`` are bound forms (by the keys of ``PREFIXES``) to show with their errors."""
    forms = forms or {}
    policy = review.policy
    can_work = _may_work(request.user, review)
    can_approve = _may_approve(request.user, school)
    in_review = review.status == PolicyReview.Status.IN_REVIEW
    submitted = review.status == PolicyReview.Status.SUBMITTED
    current = _current_version(policy)
    draft = review.draft_version
    base = _base_version(review) if draft is not None else None

    def form(key, form_class, show, **kwargs):
        if not show:
            return None
        return forms.get(key) or form_class(prefix=PREFIXES[key], **kwargs)

    context = {
        "school": school,
        "policy": policy,
        "review": review,
        "steps": review.step_list,
        "current": current,
        "draft": draft,
        "base": base,
        "changes": _changes(base, draft) if draft is not None else None,
        "can_work": can_work,
        "can_approve": can_approve,
        "is_latest": not policy.reviews.filter(created_at__gt=review.created_at).exists(),
        "can_draft": in_review and can_work,
        "no_changes_form": form("no_changes", ReviewNoteForm, in_review and can_work and current is not None),
        "submit_form": form("submit", ReviewNoteForm, in_review and can_work),
        "approve_form": form("approve", ReviewApproveForm, submitted and can_approve, policy=policy),
        "return_form": form("return", ReviewReturnForm, submitted and can_approve),
        "approval_preview": (
            selectors.approval_preview(version=draft, carry_over=True) if submitted and can_approve and draft else None
        ),
    }
    return render(request, "aup/review_detail.html", context, status=status)


def _refused(request, school, review, error, form, key, field=None):
    """Show a refused step: on its form when the review is still at that stage, else as a message."""
    if error.code == "status":
        messages.error(request, error.message)
        return redirect("aup:review_detail", school.slug, review.public_id)
    form.add_error(field, error.message)
    return _page(request, school, _review(school, review.public_id), forms={key: form})


def _body(policy):
    return policy.approving_body_label()


# Pages ------------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def review_start(request, slug, public_id):
    """Start a review of a policy (with an optional note), then go to the review page."""
    school = _school(request, slug)
    policy = selectors.policy_for_school(school, public_id)
    if (
        policy is None
        or policy.school_id != school.pk
        or not permissions.can_work_on_policy_review(request.user, policy)
    ):
        raise Http404
    form = ReviewStartForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        review = services.review_start(actor=request.user, policy=policy, note=note)
    except PermissionError as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        existing = services.open_review(policy)
        if existing is not None:
            return redirect("aup:review_detail", school.slug, existing.public_id)
        return redirect("aup:policy_detail", school.slug, policy.public_id)
    messages.success(
        request, _("The review has started. Draft the new version, or confirm that nothing needs to change.")
    )
    return redirect("aup:review_detail", school.slug, review.public_id)


@login_required
@require_GET
def review_detail(request, slug, public_id):
    """A review: the policy, due date, status, the recorded steps, the draft and what changed, and the forms the
    viewer may use at this stage."""
    school = _school(request, slug)
    return _page(request, school, _review(school, public_id))


@login_required
def review_draft(request, slug, public_id):
    """Write the new version for a review in progress: prefilled from the earlier draft of this review or from the
    current version, the next number suggested and the author defaulting to the user."""
    school = _school(request, slug)
    review = _review(school, public_id)
    if not _may_work(request.user, review):
        raise Http404
    if review.status != PolicyReview.Status.IN_REVIEW:
        messages.error(request, _("This review is not open for changes."))
        return redirect("aup:review_detail", school.slug, review.public_id)
    policy = review.policy
    current = _current_version(policy)
    source = review.draft_version or current
    initial = {
        "number": ReviewDraftForm.suggested_number(
            current.number if current else "", taken=policy.versions.values_list("number", flat=True)
        ),
        "author": request.user.full_name,
        "summary_of_changes": review.draft_version.summary_of_changes if review.draft_version else "",
        "body_markdown": source.body_markdown if source else "",
    }
    form = ReviewDraftForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.review_draft(actor=request.user, review=review, **form.cleaned_data)
        except PermissionError as error:
            raise Http404 from error
        except DomainError as error:
            form.add_error("number" if error.code == "number" else None, error.message)
        else:
            messages.success(
                request,
                _("Version %(number)s is drafted. Submit it to %(body)s when it is ready.")
                % {"number": version.number, "body": _body(policy)},
            )
            return redirect("aup:review_detail", school.slug, review.public_id)
    context = {"school": school, "policy": policy, "review": review, "form": form, "current": current}
    return render(request, "aup/review_draft.html", context)


@login_required
@require_POST
def review_no_changes(request, slug, public_id):
    """Confirm that the reviewers found nothing to change (with a note)."""
    school = _school(request, slug)
    review = _review(school, public_id)
    if not _may_work(request.user, review):
        raise Http404
    form = ReviewNoteForm(request.POST, prefix=PREFIXES["no_changes"])
    if not form.is_valid():
        return _page(request, school, review, forms={"no_changes": form})
    try:
        services.review_confirm_no_changes(actor=request.user, review=review, **form.cleaned_data)
    except PermissionError as error:
        raise Http404 from error
    except DomainError as error:
        return _refused(request, school, review, error, form, "no_changes")
    messages.success(
        request,
        _("Recorded: the policy needs no changes. Submit the review to %(body)s.") % {"body": _body(review.policy)},
    )
    return redirect("aup:review_detail", school.slug, review.public_id)


@login_required
@require_POST
def review_submit(request, slug, public_id):
    """Submit the review to the policy's approving body (with a note)."""
    school = _school(request, slug)
    review = _review(school, public_id)
    if not _may_work(request.user, review):
        raise Http404
    form = ReviewNoteForm(request.POST, prefix=PREFIXES["submit"])
    if not form.is_valid():
        return _page(request, school, review, forms={"submit": form})
    try:
        services.review_submit(actor=request.user, review=review, **form.cleaned_data)
    except PermissionError as error:
        raise Http404 from error
    except DomainError as error:
        return _refused(request, school, review, error, form, "submit")
    messages.success(request, _("Submitted to %(body)s for approval.") % {"body": _body(review.policy)})
    return redirect("aup:review_detail", school.slug, review.public_id)


@login_required
@require_POST
def review_return(request, slug, public_id):
    """The approving body's decision to send the review back, with the comments to act on (required)."""
    school = _school(request, slug)
    review = _review(school, public_id)
    if not _may_approve(request.user, school):
        raise Http404
    form = ReviewReturnForm(request.POST, prefix=PREFIXES["return"])
    if not form.is_valid():
        return _page(request, school, review, forms={"return": form})
    try:
        services.review_return(actor=request.user, review=review, **form.cleaned_data)
    except PermissionError as error:
        raise Http404 from error
    except DomainError as error:
        return _refused(request, school, review, error, form, "return", field="note" if error.code == "note" else None)
    messages.success(request, _("The review is returned to the reviewers with your comments."))
    return redirect("aup:review_detail", school.slug, review.public_id)


@login_required
@require_POST
def review_approve(request, slug, public_id):
    """Record the approving body's approval: the new version becomes current (or, with no changes, the approval
    date is recorded), the next review date moves on, and a new signing round starts where the policy asks."""
    school = _school(request, slug)
    review = _review(school, public_id)
    if not _may_approve(request.user, school):
        raise Http404
    policy = review.policy
    form = ReviewApproveForm(request.POST, prefix=PREFIXES["approve"], policy=policy)
    if not form.is_valid():
        return _page(request, school, review, forms={"approve": form})
    try:
        review = services.review_approve(actor=request.user, review=review, **form.cleaned_data)
    except PermissionError as error:
        raise Http404 from error
    except DomainError as error:
        field = {"approved_on": "approved_on", "resign_by": "resign_by"}.get(error.code)
        return _refused(request, school, review, error, form, "approve", field=field)
    policy.refresh_from_db(fields=["next_review_on", "last_approved_on"])
    if review.draft_version is not None:
        done = _("Approved: version %(number)s is now the current version.") % {"number": review.draft_version.number}
    else:
        done = _("Approved with no changes.")
    if policy.next_review_on:
        done += " " + _("The next review is due on %(date)s.") % {"date": local_date(policy.next_review_on, "j F Y")}
    messages.success(request, done)
    if review.requests_queued:
        messages.info(
            request,
            ngettext(
                "%(count)d signature request sent for the new version.",
                "%(count)d signature requests sent for the new version.",
                review.requests_queued,
            )
            % {"count": review.requests_queued},
        )
    return redirect("aup:review_detail", school.slug, review.public_id)


# The Review card on the policy page ----------------------------------------------------------------------------


def review_card(user, school, policy):
    """Context for the Review card of ``templates/aup/policy_detail.html``: the review in progress with its steps,
    earlier reviews (newest first), and whether ``user`` may start one. Trust-wide policies have no card."""
    if policy.school_id != school.pk:
        return {"review_card": False}
    reviews = list(policy.reviews.select_related("draft_version").prefetch_related(_steps()).order_by("-created_at"))
    in_progress = next((review for review in reviews if review.status in OPEN), None)
    can_start = in_progress is None and permissions.can_work_on_policy_review(user, policy)
    return {
        "review_card": True,
        "open_review": in_progress,
        "past_reviews": [review for review in reviews if review is not in_progress],
        "can_start_review": can_start,
        "review_start_form": ReviewStartForm() if can_start else None,
    }


urlpatterns = [
    path("school/<slug:slug>/policies/<uuid:public_id>/review/start/", review_start, name="review_start"),
    path("school/<slug:slug>/reviews/<uuid:public_id>/", review_detail, name="review_detail"),
    path("school/<slug:slug>/reviews/<uuid:public_id>/draft/", review_draft, name="review_draft"),
    path("school/<slug:slug>/reviews/<uuid:public_id>/no-changes/", review_no_changes, name="review_no_changes"),
    path("school/<slug:slug>/reviews/<uuid:public_id>/submit/", review_submit, name="review_submit"),
    path("school/<slug:slug>/reviews/<uuid:public_id>/return/", review_return, name="review_return"),
    path("school/<slug:slug>/reviews/<uuid:public_id>/approve/", review_approve, name="review_approve"),
]
