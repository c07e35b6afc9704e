"""When a policy's next review is due, and its register status. Pure date rules, tested for every cycle.

Cycles (seed policies): annual review (most policies; "every N years" with N = 1), "every September" (the Turkish
AUP is reviewed each September — a fixed month), every two or three years (accessibility plan), every N months, and
termly. A review is due on the date the cycle gives after the last approval.
"""

import datetime

from dateutil.relativedelta import relativedelta

DUE_SOON_DAYS = 30


def next_review_date(*, cycle, interval, month, approved_on, term_starts=()):
    """The date the next review is due, or None without an approval date.

    Args:
        cycle: a ``Policy.ReviewCycle`` value — "months", "years", "fixed_month" or "termly".
        interval: N for "every N months / years" (int ≥ 1).
        month: 1–12 for "fixed_month" (e.g. 9: reviewed every September; due on the 1st of that month).
        approved_on: ``datetime.date`` of the last approval.
        term_starts: for "termly", the start dates of the school's terms (any order); the review is due at the start
            of the first term after the approval; without term dates, four months later.

    Month arithmetic keeps the day where it can and otherwise uses the month's last day (29 February + 1 year →
    28 February). A "fixed month" review is due on the first of that month strictly after the approval month, so a
    policy approved in September is next due the following September.
    """
    if approved_on is None:
        return None
    interval = max(int(interval or 1), 1)
    if cycle == "months":
        return approved_on + relativedelta(months=interval)
    if cycle == "years":
        return approved_on + relativedelta(years=interval)
    if cycle == "fixed_month":
        if not month or not 1 <= month <= 12:
            raise ValueError("a fixed-month review needs a month from 1 to 12")
        year = approved_on.year if approved_on.month < month else approved_on.year + 1
        return datetime.date(year, month, 1)
    if cycle == "termly":
        later = sorted(day for day in term_starts if day > approved_on)
        return later[0] if later else approved_on + relativedelta(months=4)
    raise ValueError(f"unknown review cycle {cycle!r}")


def review_status(*, next_review_on, today, in_review=False):
    """The register status: "in_review", "overdue", "due_soon" (within 30 days), "up_to_date" or "not_scheduled"."""
    if in_review:
        return "in_review"
    if next_review_on is None:
        return "not_scheduled"
    if next_review_on < today:
        return "overdue"
    if next_review_on <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "up_to_date"


REMINDER_OFFSETS = (60, 30, 7)  # days before the due date (issue 5: "default 60, 30 and 7 days")
ESCALATION_EVERY_DAYS = 7  # an overdue review is escalated weekly until it is approved


def reminder_due(*, next_review_on, today, offsets=REMINDER_OFFSETS):
    """Which review e-mail is due on ``today``, as ``(kind, offset_days)`` or None.

    Args:
        next_review_on: ``datetime.date`` the review is due (None: never reminded).
        today: ``datetime.date``, the school's local date.
        offsets: days before the due date at which the owner and review team are reminded.

    Before the due date: ``("reminder", offset)`` for the nearest offset that has come due — so a sweep that missed
    a week (beat down) sends the one reminder that is due now, not every offset it missed. From the day after the due
    date: ``("escalation", -7 × n)`` for the n-th overdue week (1–7 days overdue → -7, 8–14 → -14, …), one escalation
    a week until the review is approved. The offset is the key of the unique "sent" record, so each e-mail goes at
    most once per policy, due date, offset and recipient.
    """
    if next_review_on is None:
        return None
    days_left = (next_review_on - today).days
    if days_left < 0:
        weeks = (-days_left - 1) // ESCALATION_EVERY_DAYS + 1
        return ("escalation", -ESCALATION_EVERY_DAYS * weeks)
    come_due = [offset for offset in offsets if days_left <= offset]
    if not come_due:
        return None
    return ("reminder", min(come_due))
