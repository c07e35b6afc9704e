"""Reads of the directory. Every select_related/prefetch_related lives here; list pages have pinned query counts."""

from django.db.models import Count, Prefetch, Q

from safeguard import permissions

from .models import Guardian, Pupil, PupilGuardian, StaffRole

# Governors see figures, never individuals: counts below this are shown as "fewer than 5".
SMALL_NUMBER_THRESHOLD = 5


def navigation_for(user):
    """Where ``user`` can go: ``{"schools": [(School, [role labels])], "organisations": [...], "is_parent": bool}``."""
    cached = getattr(user, "_safeguard_navigation", None)
    if cached is not None:
        return cached
    schools = {}
    for role in StaffRole.objects.current().filter(user=user).select_related("school").order_by("school__name"):
        schools.setdefault(role.school, []).append(role.get_role_display())
    organisations = list(permissions.organisations_for(user).prefetch_related("schools"))
    for organisation in organisations:
        for school in organisation.schools.all():
            schools.setdefault(school, [])
    navigation = {
        "schools": sorted(schools.items(), key=lambda item: item[0].name),
        "organisations": organisations,
        "is_parent": Guardian.objects.filter(user=user).exists(),
    }
    user._safeguard_navigation = navigation
    return navigation


def pupil_list(*, school, search="", year_group=None, school_class=None, include_left=False):
    """Pupils of ``school`` for the roster page, with year group and class loaded (one query)."""
    pupils = Pupil.objects.for_school(school).select_related("year_group", "school_class")
    if not include_left:
        pupils = pupils.on_roll(school.today())
    if search:
        for word in search.split():
            pupils = pupils.filter(
                Q(legal_first_name__icontains=word)
                | Q(legal_last_name__icontains=word)
                | Q(preferred_first_name__icontains=word)
                | Q(preferred_last_name__icontains=word)
                | Q(upn__iexact=word)
                | Q(mis_id__iexact=word)
            )
    if year_group is not None:
        pupils = pupils.filter(year_group=year_group)
    if school_class is not None:
        pupils = pupils.filter(school_class=school_class)
    return pupils.order_by("year_group__order", "school_class__name", "legal_last_name", "legal_first_name")


def pupil_guardian_links(pupil):
    """The pupil's current guardian links in contact order, with each guardian's account and open invitations."""
    from safeguard.accounts.models import Invitation

    return (
        PupilGuardian.objects.current()
        .filter(pupil=pupil)
        .select_related("guardian__user")
        .prefetch_related(
            Prefetch(
                "guardian__invitations",
                queryset=Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True),
                to_attr="open_invitations",
            )
        )
        .order_by("contact_order")
    )


def children_for_parent(user):
    """Pupils linked to ``user``'s parent account, with school, class and the link itself."""
    links = (
        PupilGuardian.objects.current()
        .filter(guardian__user=user)
        .select_related("pupil__school", "pupil__school_class", "pupil__year_group", "guardian")
        .order_by("pupil__date_of_birth")
    )
    return links


def _suppress(number):
    return number if number == 0 or number >= SMALL_NUMBER_THRESHOLD else None


def school_figures(school):
    """Aggregate roll figures for governors and trust staff — no names, small numbers suppressed (None).

    Returns ``{"on_roll": int, "by_year_group": [(name, count|None)], "sen": …, "eal": …, "pupil_premium": …,
    "looked_after": …}``.
    """
    on_roll = Pupil.objects.for_school(school).on_roll(school.today())
    totals = on_roll.aggregate(
        total=Count("pk"),
        sen=Count("pk", filter=Q(has_sen=True)),
        eal=Count("pk", filter=Q(is_eal=True)),
        pupil_premium=Count("pk", filter=Q(is_pupil_premium=True)),
        looked_after=Count("pk", filter=Q(is_looked_after=True) | Q(is_previously_looked_after=True)),
    )
    by_year = (
        on_roll.values("year_group__name", "year_group__order")
        .annotate(count=Count("pk"))
        .order_by("year_group__order")
    )
    return {
        "on_roll": totals["total"],
        "by_year_group": [(row["year_group__name"], _suppress(row["count"])) for row in by_year],
        "sen": _suppress(totals["sen"]),
        "eal": _suppress(totals["eal"]),
        "pupil_premium": _suppress(totals["pupil_premium"]),
        "looked_after": _suppress(totals["looked_after"]),
    }


def vulnerable_pupils(school):
    """Looked-after and previously looked-after pupils on roll: the DSL's starting list for photo measures."""
    return (
        Pupil.objects.for_school(school)
        .on_roll(school.today())
        .filter(Q(is_looked_after=True) | Q(is_previously_looked_after=True))
        .select_related("year_group", "school_class")
        .order_by("legal_last_name", "legal_first_name")
    )


def classes_taught_by(user, school):
    """Classes of ``school`` that ``user`` teaches, with how many pupils are on roll in each."""
    return (
        user.classes_taught.filter(school=school)
        .select_related("year_group")
        .annotate(pupil_count=Count("pupils", filter=Q(pupils__left_on__isnull=True)))
        .order_by("year_group__order", "name")
    )
