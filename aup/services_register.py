"""Writes of the policy review register: a person's secret calendar-feed link.

The feed (``aup:calendar_ics``) is read by calendar apps that cannot sign in, so the random token in its address
stands for the person (issue 5: "the feed protected by a secret per-user token that can be reset").
"""

import secrets

from django.db import transaction
from django.utils import timezone

from safeguard.audit.services import audit_log

from .models import CalendarFeedToken
from .selectors_register import calendar_schools


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
