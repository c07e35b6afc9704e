"""Writes of the policy review register: a policy's register fields (owner, review team, approving body, review
cycle), and a person's secret calendar-feed link.

The feed (``aup:calendar_ics``) is read by calendar apps that cannot sign in, so the random token in its address
stands for the person (issue 5: "the feed protected by a secret per-user token that can be reset").
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import CalendarFeedToken, Policy
from .selectors_register import calendar_schools, register_people


def new_feed_token():
    """A fresh random token: 32 bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def calendar_feed_token_reset(*, actor, now=None):
    """Give ``actor`` a calendar-feed token, or replace the one they have (the old feed address then answers 404).

    Args:
        actor: the signed-in ``User`` whose link it is; they must be able to read the policy library of at least one
            school (``VIEW_POLICIES`` — staff, governors, trust admins).
        now: an aware datetime recorded as ``rotated_at`` on a reset (defaults to the current time).

    Returns the ``CalendarFeedToken``. Each call makes a new token: resetting is how a leaked link is withdrawn.
    Raises ``PermissionError`` for anyone else (parents, people whose roles have ended). Audited as
    ``aup.calendar_feed.created`` or ``aup.calendar_feed.reset`` — never with the token itself.
    """
    if not calendar_schools(actor):
        raise PermissionError("only people who can read a school's policy library have a policy calendar")
    now = now or timezone.now()
    with transaction.atomic():
        feed = CalendarFeedToken.objects.select_for_update().filter(user=actor).first()
        if feed is None:
            feed = CalendarFeedToken.objects.create(user=actor, token=new_feed_token())
            action = "aup.calendar_feed.created"
        else:
            feed.token = new_feed_token()
            feed.rotated_at = now
            feed.save(update_fields=["token", "rotated_at", "updated_at"])
            action = "aup.calendar_feed.reset"
        audit_log(actor=actor, action=action, subject=feed)
    return feed


# A policy's register fields -----------------------------------------------------------------------------------------

REGISTER_FIELDS = ("owner", "approving_body", "approving_committee", "review_cycle", "review_interval", "review_month")


def can_manage_register(user, policy):
    """Whether ``user`` may change ``policy``'s register fields: the head or SLT of its school
    (``MANAGE_POLICY_REGISTER``); for a trust-wide policy, the trust's administrators (``MANAGE_TRUST_POLICIES``)."""
    if policy.school_id is None:
        return permissions.can(user, permissions.MANAGE_TRUST_POLICIES, policy.organisation)
    return permissions.can(user, permissions.MANAGE_POLICY_REGISTER, policy.school)


def check_register_values(*, approving_body, approving_committee, review_cycle, review_interval, review_month):
    """Raise ``DomainError`` (``code`` names the field) for a combination the register cannot use: a committee with
    no name, a fixed-month review without its month (1–12) or a month with another cycle, an interval outside 1–10."""
    if approving_body == Policy.ApprovingBody.COMMITTEE and not (approving_committee or "").strip():
        raise DomainError(_("Please name the committee that approves this policy."), code="approving_committee")
    if review_cycle == Policy.ReviewCycle.FIXED_MONTH and not (review_month and 1 <= review_month <= 12):
        raise DomainError(
            _("Please choose the month of the yearly review, for example September."), code="review_month"
        )
    if review_cycle != Policy.ReviewCycle.FIXED_MONTH and review_month:
        raise DomainError(
            _("A review month is only for a review every year in a fixed month. Leave it blank."), code="review_month"
        )
    if not isinstance(review_interval, int) or not 1 <= review_interval <= 10:
        raise DomainError(_("The interval is a whole number from 1 to 10."), code="review_interval")


def policy_register_update(
    *,
    actor,
    policy,
    owner,
    review_team,
    approving_body,
    review_cycle,
    review_interval,
    approving_committee="",
    review_month=None,
    now=None,
):
    """Change ``policy``'s register fields and move its next review date by the new cycle; return
    ``(policy, changed)`` with ``changed`` the sorted names of the fields that changed (empty: nothing saved).

    Args:
        actor: ``can_manage_register`` — the head or SLT of the policy's school, or the trust's administrator for a
            trust-wide policy.
        owner: a ``User`` of ``register_people(policy)`` or None; review_team: an iterable of such users.
        approving_body, review_cycle: ``Policy.ApprovingBody`` / ``Policy.ReviewCycle`` values; approving_committee:
            the committee's name (needed for a committee).
        review_interval: N (1–10) for "every N months / years"; review_month: 1–12, only for a fixed-month review.

    The next review date follows ``aup.reviews.next_review_date`` from the last approval (unchanged when the policy
    was never approved). History keeps the old values (simple-history, review team included); audited as
    ``aup.policy.register_changed`` with what changed. Raises ``PermissionError``; ``DomainError`` for a bad
    combination (``check_register_values``) or someone who may not own or review it.
    """
    from .services_library import policy_next_review_on

    if not can_manage_register(actor, policy):
        raise PermissionError("actor may not change this policy's register fields")
    approving_committee = (approving_committee or "").strip()
    review_month = review_month or None
    check_register_values(
        approving_body=approving_body,
        approving_committee=approving_committee,
        review_cycle=review_cycle,
        review_interval=review_interval,
        review_month=review_month,
    )
    team = {user.pk for user in review_team}
    wanted = team | ({owner.pk} if owner is not None else set())
    eligible = set(register_people(policy).filter(pk__in=wanted).values_list("pk", flat=True))
    if (owner is not None and owner.pk not in eligible) or not team <= eligible:
        raise DomainError(_("The owner and the review team must be staff who use this policy."), code="owner")
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        values = {
            "owner": owner.pk if owner is not None else None,
            "approving_body": approving_body,
            "approving_committee": approving_committee,
            "review_cycle": review_cycle,
            "review_interval": review_interval,
            "review_month": review_month,
        }
        current = {name: getattr(policy, "owner_id" if name == "owner" else name) for name in REGISTER_FIELDS}
        changed = sorted(name for name in REGISTER_FIELDS if current[name] != values[name])
        old_team = set(policy.review_team.values_list("pk", flat=True))
        if old_team != team:
            changed.append("review_team")
        if not changed:
            return policy, []
        for name in REGISTER_FIELDS:
            setattr(policy, "owner_id" if name == "owner" else name, values[name])
        old_next = policy.next_review_on
        if policy.last_approved_on is not None:
            policy.next_review_on = policy_next_review_on(policy, approved_on=policy.last_approved_on)
        policy.save()
        if old_team != team:
            policy.review_team.set(team)
        audit_log(
            actor=actor,
            action="aup.policy.register_changed",
            school=policy.school,
            subject=policy,
            data={
                "changed": changed,
                **({"organisation": policy.organisation.slug} if policy.school_id is None else {}),
                "next_review_on": policy.next_review_on.isoformat() if policy.next_review_on else None,
                "previous_next_review_on": old_next.isoformat() if old_next else None,
            },
        )
    return policy, changed
