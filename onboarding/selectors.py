"""Reads for the set-up pages. Every ``select_related``/``prefetch_related`` lives here."""

from django.db.models import Count, Prefetch, Q

from safeguard.directory.models import (
    AcademicYear,
    PupilGuardian,
    Role,
    SchoolClass,
    StaffRole,
    TermBreak,
    YearGroup,
)

from .models import StaffInvitation


def schools_with_heads(organisation):
    """``[(school, [head StaffRole, …])]`` for every school of ``organisation``, by name (two queries)."""
    heads = StaffRole.objects.current().filter(role=Role.HEADTEACHER).select_related("user")
    schools = organisation.schools.order_by("name").prefetch_related(
        Prefetch("staff_roles", queryset=heads, to_attr="heads")
    )
    return [(school, school.heads) for school in schools]


def academic_years(school):
    """The school's academic years, newest first, each with its current terms and breaks (three queries)."""
    return list(
        AcademicYear.objects.filter(school=school)
        .order_by("-starts_on")
        .prefetch_related("terms", Prefetch("breaks", queryset=TermBreak.objects.order_by("starts_on")))
    )


def year_groups(school):
    """The school's year groups in order, each with ``pupil_count`` (pupils on roll)."""
    return list(
        YearGroup.objects.filter(school=school)
        .annotate(pupil_count=Count("pupils", filter=Q(pupils__left_on__isnull=True)))
        .order_by("order", "name")
    )


def classes(school, academic_year):
    """The classes of ``academic_year`` with their year group, teachers and ``pupil_count``."""
    if academic_year is None:
        return []
    return list(
        SchoolClass.objects.filter(school=school, academic_year=academic_year)
        .select_related("year_group")
        .prefetch_related("teachers")
        .annotate(pupil_count=Count("pupils", filter=Q(pupils__left_on__isnull=True)))
        .order_by("year_group__order", "name")
    )


def staff(school):
    """``[(user, [current StaffRole, …], [ended StaffRole, …], open invitation or None)]`` for everyone who holds or
    held a role in ``school``, by name."""
    roles = list(StaffRole.objects.filter(school=school).select_related("user").order_by("user__full_name", "role"))
    open_invitations = {
        invitation.user_id: invitation
        for invitation in StaffInvitation.objects.filter(
            user_id__in={role.user_id for role in roles}, accepted_at__isnull=True, revoked_at__isnull=True
        ).order_by("created_at")
    }
    people = {}
    for role in roles:
        entry = people.setdefault(role.user_id, (role.user, [], [], open_invitations.get(role.user_id)))
        (entry[1] if role.ended_on is None else entry[2]).append(role)
    return sorted(people.values(), key=lambda entry: (entry[0].full_name.lower(), entry[0].email))


def teachers(school):
    """Users with a current teaching role in ``school`` (teacher, SLT, head, DSL team), for choosing class teachers."""
    from safeguard.accounts.models import User

    return (
        User.objects.filter(
            staff_roles__school=school,
            staff_roles__ended_on__isnull=True,
            staff_roles__role__in=[Role.TEACHER, Role.SLT, Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL],
        )
        .distinct()
        .order_by("full_name")
    )


def pupil_links(pupil):
    """All of ``pupil``'s contact links, current first, with their guardian (one query)."""
    return list(
        PupilGuardian.objects.filter(pupil=pupil).select_related("guardian").order_by("ended_on", "contact_order")
    )


def change_history(records, limit=30):
    """``[(when, who, what, changed field names)]`` from the simple-history rows of ``records`` (model instances with
    ``history``), newest first: who changed a pupil's details and contact links, and which fields."""
    entries = []
    for record in records:
        rows = list(record.history.select_related("history_user").order_by("history_date"))
        previous = None
        for row in rows:
            changes = row.diff_against(previous).changes if previous is not None else []
            fields = [str(record._meta.get_field(change.field).verbose_name) for change in changes]
            entries.append((row.history_date, row.history_user, str(record), row.history_type, fields))
            previous = row
    entries.sort(key=lambda entry: entry[0], reverse=True)
    return entries[:limit]


def organisation_admins(organisation):
    """The current administrators of ``organisation`` (``OrganisationRole`` rows with their user), by name."""
    return list(organisation.roles.current().select_related("user").order_by("user__full_name", "user__email"))


def organisation_admins_ended(organisation):
    """The ended administrator roles of ``organisation`` (history), latest ended first, with their user."""
    return list(organisation.roles.filter(ended_on__isnull=False).select_related("user").order_by("-ended_on", "pk"))
