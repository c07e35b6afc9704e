"""Reads for the front desk: visitors' signatures by day, and the counts coverage shows for a visitor agreement."""

import datetime
import zoneinfo
from collections import Counter

from .models import Signature, SignatureRequest


def visitor_signatures(school):
    """Unrevoked front-desk signatures of ``school``, newest first, with their request, agreement and the member
    of staff at the desk (a queryset to paginate or narrow with ``signed_between``)."""
    return (
        Signature.objects.filter(
            request__school=school,
            method=Signature.Method.FRONT_DESK,
            revoked_at__isnull=True,
        )
        .select_related("request__agreement", "front_desk_by")
        .order_by("-signed_at", "-pk")
    )


def school_day_bounds(school, day):
    """``(start, end)`` aware datetimes of ``day`` (a date) in the school's time zone."""
    zone = zoneinfo.ZoneInfo(school.time_zone)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, start + datetime.timedelta(days=1)


def visitor_signatures_on(school, day):
    """``visitor_signatures`` of one ``day`` (a date, school time)."""
    start, end = school_day_bounds(school, day)
    return visitor_signatures(school).filter(signed_at__gte=start, signed_at__lt=end)


def visitor_counts(*, agreement, school, now=None, days=14, months=12):
    """How many visitors and volunteers signed ``agreement`` at ``school`` — there is no fixed number who should
    have, so counts, not a percentage.

    Returns ``{"total": int, "by_role": [(label, n)], "by_day": [(date, n)], "by_month": [(date(first of month),
    n)]}``: the last ``days`` days and the last ``months`` months (school time), newest first, zero rows included.
    One query.
    """
    today = school.today(now)
    first_month = today.replace(day=1)
    for _i in range(months - 1):
        first_month = (first_month - datetime.timedelta(days=1)).replace(day=1)
    start, _end = school_day_bounds(school, min(first_month, today - datetime.timedelta(days=days - 1)))
    rows = list(
        Signature.objects.filter(
            request__agreement=agreement,
            request__school=school,
            method=Signature.Method.FRONT_DESK,
            revoked_at__isnull=True,
        ).values_list("signed_at", "request__visitor_role")
    )
    by_day, by_month, by_role = Counter(), Counter(), Counter()
    for signed_at, role in rows:
        by_role[role] += 1
        if signed_at >= start:
            day = school.today(signed_at)
            by_day[day] += 1
            by_month[day.replace(day=1)] += 1
    labels = dict(SignatureRequest._meta.get_field("visitor_role").choices)
    month = today.replace(day=1)
    month_rows = []
    for _i in range(months):
        month_rows.append((month, by_month[month]))
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return {
        "total": len(rows),
        "by_role": [(labels.get(role, role), n) for role, n in sorted(by_role.items())],
        "by_day": [(day, by_day[day]) for day in (today - datetime.timedelta(days=i) for i in range(days))],
        "by_month": month_rows,
    }
