"""The policy review round: start → draft a new version (or confirm "no changes") → submit to the approving body →
approve, or return with comments.

Each step is recorded as a ``PolicyReviewStep`` (who, when, a note) and an audit event, in the transaction that
changes the review. Approving a new version makes it current through ``policy_version_approve`` (the previous version
is superseded and the next review date moves on by the policy's cycle); approving "no changes" records the approval
date on the policy and moves the date on the same way. If the policy has agreements, the new version carries them
over and, for a policy signed "again whenever a new version is approved", the new signing round starts at once.

Who (``safeguard.permissions``): the policy's owner, its review team, office staff, SLT and the headteacher start,
draft and submit (``can_work_on_policy_review``); the headteacher or SLT record the approving body's decision
(``APPROVE_POLICY_VERSIONS``), as for any version.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import (
    Agreement,
    AgreementStatement,
    Policy,
    PolicyReview,
    PolicyReviewStep,
    PolicyVersion,
)
from .services_library import policy_schedule_next_review, policy_version_approve, policy_version_create


def _check_participant(actor, policy):
    if policy.school_id is None:
        raise DomainError(
            _("This policy belongs to the whole trust. It is reviewed by the trust, not by one school."),
            code="trust_policy",
        )
    if not permissions.can_work_on_policy_review(actor, policy):
        raise PermissionError("actor may not work on this policy's review")


def _check_approver(actor, policy):
    if not permissions.can(actor, permissions.APPROVE_POLICY_VERSIONS, policy.school):
        raise PermissionError("only the headteacher or a senior leader records the approving body's decision")


def _locked(review):
    return (
        PolicyReview.objects.select_for_update(of=("self",))
        .select_related("policy__school", "draft_version")
        .get(pk=review.pk)
    )


def _step(review, action, actor, note=""):
    step = PolicyReviewStep.objects.create(review=review, action=action, actor=actor, note=(note or "").strip())
    audit_log(
        actor=actor,
        action=f"aup.review.{action}",
        school=review.policy.school,
        subject=review,
        data={"policy": str(review.policy.public_id), "note": step.note[:500]},
    )
    return step


def open_review(policy):
    """The review of ``policy`` in progress (in review or submitted), or None."""
    return (
        PolicyReview.objects.filter(
            policy=policy, status__in=[PolicyReview.Status.IN_REVIEW, PolicyReview.Status.SUBMITTED]
        )
        .select_related("draft_version")
        .first()
    )


def review_start(*, actor, policy, note=""):
    """Start a review of ``policy`` and return it (status "in review", ``due_on`` = the policy's next review date).

    Raises ``PermissionError``; ``DomainError`` if a review is already in progress (the database allows one).
    """
    _check_participant(actor, policy)
    with transaction.atomic():
        Policy.objects.select_for_update().filter(pk=policy.pk).first()
        if open_review(policy) is not None:
            raise DomainError(_("A review of this policy is already in progress."), code="open")
        review = PolicyReview.objects.create(policy=policy, due_on=policy.next_review_on)
        _step(review, PolicyReviewStep.Action.STARTED, actor, note)
    return review


def review_draft(*, actor, review, number, author, summary_of_changes, body_markdown="", document=None, note=""):
    """Write the new version for a review in progress (a draft ``PolicyVersion``) and return it.

    Args: as ``policy_version_create`` — ``number`` unique within the policy, ``body_markdown`` or ``document``.
    A review returned with comments may be redrafted: the new draft replaces the earlier one on the review (which
    stays in the version history as a draft). Raises ``PermissionError``; ``DomainError`` if the review is not in
    progress, or for the version's own rules.
    """
    policy = review.policy
    _check_participant(actor, policy)
    with transaction.atomic():
        review = _locked(review)
        if review.status != PolicyReview.Status.IN_REVIEW:
            raise DomainError(_("This review is not open for changes."), code="status")
        version = policy_version_create(
            actor=actor,
            policy=policy,
            number=number,
            author=author,
            summary_of_changes=summary_of_changes,
            body_markdown=body_markdown,
            document=document,
            for_review=True,
        )
        review.draft_version = version
        review.no_changes = False
        review.save(update_fields=["draft_version", "no_changes", "updated_at"])
        _step(review, PolicyReviewStep.Action.DRAFTED, actor, note or summary_of_changes)
    return version


def review_confirm_no_changes(*, actor, review, note=""):
    """Record that the reviewers found nothing to change; the current version is submitted as it is.

    Raises ``PermissionError``; ``DomainError`` if the review is not in progress or the policy has no current
    version to keep.
    """
    _check_participant(actor, review.policy)
    with transaction.atomic():
        review = _locked(review)
        if review.status != PolicyReview.Status.IN_REVIEW:
            raise DomainError(_("This review is not open for changes."), code="status")
        if not review.policy.versions.filter(status=PolicyVersion.Status.APPROVED).exists():
            raise DomainError(
                _("This policy has no approved version to keep; draft a version instead."), code="no_current"
            )
        review.no_changes = True
        review.draft_version = None
        review.save(update_fields=["no_changes", "draft_version", "updated_at"])
        _step(review, PolicyReviewStep.Action.NO_CHANGES, actor, note)
    return review


def review_submit(*, actor, review, note=""):
    """Submit the review to the policy's approving body. Raises ``PermissionError``; ``DomainError`` if there is
    neither a draft nor a "no changes" confirmation, or the review is not in progress."""
    _check_participant(actor, review.policy)
    with transaction.atomic():
        review = _locked(review)
        if review.status != PolicyReview.Status.IN_REVIEW:
            raise DomainError(_("Only a review in progress can be submitted."), code="status")
        if review.draft_version_id is None and not review.no_changes:
            raise DomainError(
                _("Draft the new version, or confirm that nothing needs to change, before submitting."),
                code="nothing_to_submit",
            )
        review.status = PolicyReview.Status.SUBMITTED
        review.save(update_fields=["status", "updated_at"])
        _step(review, PolicyReviewStep.Action.SUBMITTED, actor, note)
    return review


def review_return(*, actor, review, note):
    """The approving body sends the review back with comments (required); it is in review again."""
    _check_approver(actor, review.policy)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Please write the comments the reviewers should act on."), code="note")
    with transaction.atomic():
        review = _locked(review)
        if review.status != PolicyReview.Status.SUBMITTED:
            raise DomainError(_("Only a submitted review can be returned."), code="status")
        review.status = PolicyReview.Status.IN_REVIEW
        review.save(update_fields=["status", "updated_at"])
        _step(review, PolicyReviewStep.Action.RETURNED, actor, note)
    return review


def _carry_agreements_over(previous, draft):
    """Copy the previous version's agreements and statements onto ``draft`` for audiences it does not yet cover."""
    covered = set(draft.agreements.values_list("audience", flat=True))
    for agreement in previous.agreements.prefetch_related("statements"):
        if agreement.audience in covered:
            continue
        copy = Agreement.objects.create(
            version=draft,
            audience=agreement.audience,
            title=agreement.title,
            introduction=agreement.introduction,
            countersignature=agreement.countersignature,
            parent_may_sign_for_pupil=agreement.parent_may_sign_for_pupil,
            parent_signs_up_to_year=agreement.parent_signs_up_to_year,
            reminder_days=agreement.reminder_days,
        )
        AgreementStatement.objects.bulk_create(
            AgreementStatement(agreement=copy, order=statement.order, text=statement.text)
            for statement in agreement.statements.all()
        )


def review_approve(*, actor, review, approved_on, approved_by="", note="", resign_by=None, now=None):
    """Record the approving body's decision on a submitted review; return the review (status "approved").

    Args:
        approved_on: ``datetime.date`` of the decision, not in the future.
        approved_by: as it should read in the version history; defaults to the approving body
            ("Headteacher", "Audit and Risk Committee").
        resign_by: ``datetime.date`` until which signatures of the previous version still count
            (``policy_version_approve``; default ``DEFAULT_RESIGN_DAYS`` from today).

    A new version becomes current (``policy_version_approve``); with "no changes" the policy's last approval date is
    recorded. Either way the next review date moves on by the cycle (``policy_schedule_next_review``). Agreements
    carry over to the new version, and a policy signed "again whenever a new version is approved" opens the new
    round of requests for each audience that is sent by list. Returns the review; ``review.requests_queued`` holds
    the number of signature requests queued. Raises ``PermissionError``; ``DomainError`` for a review that is not
    submitted, a future date, or the version's own rules.
    """
    from .selectors_library import CoverageStatus
    from .services_requests import requests_send

    policy = review.policy
    _check_approver(actor, policy)
    now = now or timezone.now()
    if not isinstance(approved_on, datetime.date) or approved_on > policy.school.today(now):
        raise DomainError(_("The approval date cannot be in the future."), code="approved_on")
    approved_by = (approved_by or "").strip() or policy.approving_body_label()
    queued = 0
    with transaction.atomic():
        review = _locked(review)
        if review.status != PolicyReview.Status.SUBMITTED:
            raise DomainError(_("Only a submitted review can be approved."), code="status")
        draft = review.draft_version
        if draft is not None:
            previous = policy.versions.filter(status=PolicyVersion.Status.APPROVED).first()
            if previous is not None:
                _carry_agreements_over(previous, draft)
            draft = policy_version_approve(
                actor=actor,
                version=draft,
                approved_by=str(approved_by),
                approved_on=approved_on,
                resign_by=resign_by,
                now=now,
            )
            queued += draft.requests_queued
        else:
            policy_schedule_next_review(policy=Policy.objects.get(pk=policy.pk), approved_on=approved_on)
        review.status = PolicyReview.Status.APPROVED
        review.save(update_fields=["status", "updated_at"])
        _step(review, PolicyReviewStep.Action.APPROVED, actor, note or str(approved_by))
        if draft is not None and policy.signing_frequency == Policy.SigningFrequency.EACH_NEW_VERSION:
            for agreement in draft.agreements.all():
                try:
                    # Those who signed the previous version were asked by the approval itself.
                    counts = requests_send(
                        actor=actor,
                        agreement=agreement,
                        school=policy.school,
                        now=now,
                        only_coverage={CoverageStatus.NOT_SIGNED, CoverageStatus.PARTLY_SIGNED},
                    )
                except (DomainError, PermissionError):
                    continue  # volunteers and visitors sign on arrival; there is no list to send to
                queued += counts["queued"]
    review.requests_queued = queued
    return review
