"""Reads for the office's sending tools: declines on the coverage page (issue 17 item 2), who may be reminded now
(item 4), and who may be chosen when sending to a selection (item 5).

Declined is an answer, not "not signed yet": ``coverage_people`` puts a person whose request was declined in the
"not signed" bucket, so the coverage page subtracts these counts from it and shows them apart.
"""

from django.db.models import Count, Exists, OuterRef, Q

from safeguard.directory.models import StaffRole

from .models import SignatureRequest
from .selectors_library import CoverageStatus, coverage_asked, coverage_people, is_pupil_audience
from .services_chase import chaseable_requests


def declined_requests(*, agreement, school, requests):
    """The declined requests that are each person's answer to ``agreement`` (their best request is declined), with
    the person (a pupil with their class) and who declined loaded, most recent first (a list). ``requests``:
    ``coverage_requests(…)``. One query when no one declined, two otherwise.

    A person's best request is the one ``coverage_people`` ranks first: signed in full, then partly signed, then the
    most recently made (the later row of two made at once). A declined request is therefore the best when the same
    person has no request signed in full or in part and none made after it — asked of the few declined requests
    (``EXISTS``), rather than ranking every request of everyone asked to sign, which cost the coverage page more than
    its list (issue 18 item 6)."""
    people = coverage_asked(agreement=agreement, school=school, requests=requests)
    person = "pupil" if is_pupil_audience(agreement) else "user"
    better = requests.filter(**{person: OuterRef(person)}).filter(
        Q(status__in=[SignatureRequest.Status.COMPLETED, SignatureRequest.Status.PARTLY_SIGNED])
        | Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))  # made together: the later row, as ranked
    )
    answers = list(
        requests.filter(status=SignatureRequest.Status.DECLINED, **{f"{person}__in": people.values("pk")})
        .exclude(Exists(better))
        .values_list("pk", flat=True)
    )
    if not answers:
        # Most of the time: one small query, not the join of six tables below (whose planning alone cost 7 ms).
        return []
    return list(
        SignatureRequest.objects.filter(pk__in=answers)
        .select_related("pupil__school_class", "user", "declined_by", "declined_by_guardian")
        .order_by("-declined_at", "pk")
    )


def declined_counts(*, agreement, school, declined):
    """``{group key: count}`` of ``declined`` (from ``declined_requests``) for the coverage summary: ``"total"``,
    ``("class", id)`` and ``("year", id)`` for pupils, ``("role", role)`` for staff (one query for staff)."""
    counts = {"total": len(declined)}
    if is_pupil_audience(agreement):
        for request in declined:
            for key in (("class", request.pupil.school_class_id), ("year", request.pupil.year_group_id)):
                counts[key] = counts.get(key, 0) + 1
        return counts
    user_ids = [request.user_id for request in declined]
    if user_ids:
        for values in (
            StaffRole.objects.current()
            .filter(school=school, user_id__in=user_ids)
            .values("role")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[("role", values["role"])] = values["n"]
    return counts


def apply_declines(summary, counts, *, pupils):
    """Set ``declined`` and ``waiting`` (not signed and not declined) on each ``CoverageRow`` of ``summary``
    (``coverage_summary``'s result), from ``declined_counts``."""
    summary["total"].declined = counts["total"]
    summary["total"].waiting = summary["total"].not_signed - counts["total"]
    for index, (_title, rows) in enumerate(summary["groups"]):
        kind = ("class" if index == 0 else "year") if pupils else "role"
        for row in rows:
            row.declined = counts.get((kind, row.key), 0)
            row.waiting = row.not_signed - row.declined
    return summary


def waiting_choices(*, agreement, school, now=None):
    """``[(request public id, label)]`` of the requests that may be reminded now (``chaseable_requests``), in
    roster order: a pupil's name and class, or a person's name. One query."""
    requests = chaseable_requests(agreement=agreement, school=school, now=now).select_related(
        "pupil__school_class", "user"
    )
    if is_pupil_audience(agreement):
        requests = requests.order_by("pupil__school_class__name", "pupil__legal_last_name", "pupil__legal_first_name")
        return [
            (
                str(request.public_id),
                f"{request.pupil.display_name} ({request.pupil.school_class})"
                if request.pupil.school_class
                else request.pupil.display_name,
            )
            for request in requests
        ]
    requests = requests.order_by("user__full_name", "user__email")
    return [(str(request.public_id), request.user.full_name or request.user.email) for request in requests]


def unsigned_choices(*, agreement, school, now=None):
    """``[(public id, label)]`` of the pupils (pupil and parent agreements) or people who have not signed
    ``agreement`` — the names the office may choose from when sending to a selection. One query."""
    people = coverage_people(agreement=agreement, school=school, now=now).exclude(coverage__in=CoverageStatus.VALID)
    if is_pupil_audience(agreement):
        people = people.select_related("school_class").order_by(
            "school_class__name", "legal_last_name", "legal_first_name", "pk"
        )
        return [
            (
                str(pupil.public_id),
                f"{pupil.display_name} ({pupil.school_class})" if pupil.school_class else pupil.display_name,
            )
            for pupil in people
        ]
    return [(str(user.public_id), user.full_name or user.email) for user in people.order_by("full_name", "email")]
