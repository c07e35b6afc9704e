"""Reads of the policy review register: a school's register, a trust's schools side by side, what waits for the
governing body's approval, and the policies of a person's iCalendar feed.

Each policy gets its register status from ``aup.reviews.review_status`` (the one rule), on the school's local date;
its open review (in review or submitted) comes from a subquery, its owner from a join and its review team from one
prefetch, so the query count does not grow with the number of policies (pinned by ``tests/test_register.py``).
"""

import collections
import dataclasses

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from safeguard import permissions
from safeguard.accounts.models import User

from .models import CalendarFeedToken, Policy, PolicyReview, PolicyReviewStep
from .reviews import review_status
from .selectors_library import policies_for_school


class RegisterStatus:
    """A policy's place in the register (computed by ``reviews.review_status``, never stored)."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    IN_REVIEW = "in_review"
    UP_TO_DATE = "up_to_date"
    NOT_SCHEDULED = "not_scheduled"

    # Most urgent first: the order of the summary and of the status filter.
    choices = [
        (OVERDUE, _("Overdue")),
        (DUE_SOON, _("Due within 30 days")),
        (IN_REVIEW, _("In review")),
        (UP_TO_DATE, _("Up to date")),
        (NOT_SCHEDULED, _("Not scheduled")),
    ]
    labels = dict(choices)
    # Bootstrap colours of the badges.
    colours = {
        OVERDUE: "danger",
        DUE_SOON: "warning",
        IN_REVIEW: "info",
        UP_TO_DATE: "success",
        NOT_SCHEDULED: "secondary",
    }


OPEN_REVIEW = [PolicyReview.Status.IN_REVIEW, PolicyReview.Status.SUBMITTED]

# Whose approval a governor follows: the full governing body, one of its committees, or the trust board.
GOVERNANCE_BODIES = [
    Policy.ApprovingBody.FULL_GOVERNING_BODY,
    Policy.ApprovingBody.COMMITTEE,
    Policy.ApprovingBody.TRUST_BOARD,
]


def review_cycle_label(policy):
    """The review cycle in words: "Every year", "Every 3 years", "Every 6 months", "Every September", "Every term"."""
    count = max(int(policy.review_interval or 1), 1)
    if policy.review_cycle == Policy.ReviewCycle.EVERY_N_MONTHS:
        return ngettext("Every month", "Every %(count)d months", count) % {"count": count}
    if policy.review_cycle == Policy.ReviewCycle.EVERY_N_YEARS:
        return ngettext("Every year", "Every %(count)d years", count) % {"count": count}
    if policy.review_cycle == Policy.ReviewCycle.FIXED_MONTH:
        if policy.review_month in MONTHS:
            return gettext("Every %(month)s") % {"month": MONTHS[policy.review_month]}
        return str(policy.get_review_cycle_display())
    if policy.review_cycle == Policy.ReviewCycle.TERMLY:
        return gettext("Every term")
    return str(policy.get_review_cycle_display())


def _register_queryset(policies):
    """``policies`` with what a register row shows: owner, school, trust, review team, and the open review's status
    (``open_review_status``: "in_review", "submitted" or None) and ``open_review_id`` (its public id). Two queries
    for any number of policies."""
    open_review = PolicyReview.objects.filter(policy=OuterRef("pk"), status__in=OPEN_REVIEW)
    return (
        policies.select_related("owner", "school", "organisation")
        .prefetch_related(
            Prefetch("review_team", queryset=User.objects.order_by("full_name", "email"), to_attr="review_team_list")
        )
        .annotate(
            open_review_status=Subquery(open_review.values("status")[:1]),
            open_review_id=Subquery(open_review.values("public_id")[:1]),
        )
    )


def _filtered(policies, *, category=None, owner=None, approving_body=None):
    if category:
        policies = policies.filter(category=category)
    if owner is not None:
        policies = policies.filter(owner=owner)
    if approving_body:
        policies = policies.filter(approving_body=approving_body)
    return policies


def _set_status(policy, today):
    """Set ``register_status``, its label and colour, and ``cycle_label`` on ``policy``."""
    policy.register_status = review_status(
        next_review_on=policy.next_review_on, today=today, in_review=policy.open_review_status is not None
    )
    policy.status_label = RegisterStatus.labels[policy.register_status]
    policy.status_colour = RegisterStatus.colours[policy.register_status]
    policy.submitted_for_approval = policy.open_review_status == PolicyReview.Status.SUBMITTED
    policy.cycle_label = review_cycle_label(policy)
    return policy


def _summary(policies):
    """``[(status, label, count)]`` in the order of ``RegisterStatus.choices``, zeros included."""
    counts = collections.Counter(policy.register_status for policy in policies)
    return [(status, label, counts[status]) for status, label in RegisterStatus.choices]


@dataclasses.dataclass
class Register:
    """A school's register: ``rows`` (policies, filtered), ``summary`` (counts per status of the policies the
    other filters leave, so each count is what choosing that status shows) and ``today`` (the school's date)."""

    rows: list
    summary: list
    today: object

    @property
    def total(self):
        return sum(count for _status, _label, count in self.summary)


def school_register(*, school, category=None, owner=None, approving_body=None, status=None, now=None):
    """Every policy ``school`` uses (its own and its trust's) with its register status on the school's local date.

    Args:
        school: a ``directory.School``.
        category, approving_body: ``Policy.Category`` / ``Policy.ApprovingBody`` values, or None for any.
        owner: a ``User``, or None for any.
        status: a ``RegisterStatus`` value, or None for any.
        now: an aware datetime for "today" (tests fix the clock).

    Returns a ``Register``. Two queries whatever the number of policies.
    """
    today = school.today(now)
    policies = _filtered(
        _register_queryset(policies_for_school(school)), category=category, owner=owner, approving_body=approving_body
    )
    rows = [_set_status(policy, today) for policy in policies.order_by("title", "pk")]
    summary = _summary(rows)
    if status:
        rows = [policy for policy in rows if policy.register_status == status]
    return Register(rows=rows, summary=summary, today=today)


def register_owners(school):
    """The owners of the policies ``school`` uses, by name: the choices of the register's owner filter."""
    return User.objects.filter(pk__in=policies_for_school(school).values("owner_id")).order_by("full_name", "email")


def awaiting_governance_approval(school):
    """Reviews of policies ``school`` uses that were submitted and wait for the full governing body, a committee or
    the trust board, oldest submission first; each with ``submitted_at`` (when it was last submitted) and its
    policy. Two queries."""
    submitted_at = (
        PolicyReviewStep.objects.filter(review=OuterRef("pk"), action=PolicyReviewStep.Action.SUBMITTED)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return list(
        PolicyReview.objects.filter(
            policy__in=policies_for_school(school),
            status=PolicyReview.Status.SUBMITTED,
            policy__approving_body__in=GOVERNANCE_BODIES,
        )
        .select_related("policy__owner", "draft_version")
        .annotate(submitted_at=Subquery(submitted_at))
        .order_by("submitted_at", "pk")
    )


# The trust register -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class SchoolCounts:
    """One row of the trust register: a school (None for the trust's own, whole-trust policies) and its counts."""

    school: object
    label: str
    counts: list  # [(status, label, count)] in the order of RegisterStatus.choices

    @property
    def total(self):
        return sum(count for _status, _label, count in self.counts)


WHOLE_TRUST = "~trust"  # the trust register's "school" filter value for whole-trust policies (never a slug)

LISTED_BY_DEFAULT = (RegisterStatus.OVERDUE, RegisterStatus.DUE_SOON)


def trust_schools(organisation):
    """The schools of ``organisation`` by name (one query): the columns of its register and its school filter."""
    return list(organisation.schools.order_by("name", "pk"))


def trust_register(*, organisation, schools, school=None, category=None, approving_body=None, status=None, now=None):
    """A trust's (or district's) schools side by side, and the policies that need attention.

    Args:
        organisation: a ``directory.Organisation``.
        schools: ``trust_schools(organisation)``.
        school: a ``School`` of it, ``WHOLE_TRUST`` for the trust's whole-trust policies only, or None for all.
        category, approving_body: as for ``school_register``.
        status: a ``RegisterStatus`` value listed below the table; None lists overdue and due-soon policies.
        now: an aware datetime for "today".

    Returns ``{"schools": [SchoolCounts], "policies": [Policy]}``: one row per school
    (its own policies) plus one for whole-trust policies when it has any; the listed policies (most overdue first)
    carry ``register_school_label`` and ``link_school`` (the school whose page shows them: their own, or for a
    whole-trust policy the trust's first school). Each school's status uses its own local date; whole-trust
    policies use the site's. Two queries whatever the number of schools and policies.
    """
    schools_all = list(schools)
    policies = Policy.objects.filter(Q(school__organisation=organisation) | Q(organisation=organisation))
    if school == WHOLE_TRUST:
        policies, schools = policies.filter(organisation=organisation), []
    elif school is not None:
        policies, schools = policies.filter(school=school), [school]
    policies = _filtered(_register_queryset(policies), category=category, approving_body=approving_body)

    by_id = {each.pk: each for each in schools_all}
    site_today = timezone.localdate(now)
    todays = {each.pk: each.today(now) for each in schools_all}
    rows = []
    for policy in policies.order_by("title", "pk"):
        _set_status(policy, todays.get(policy.school_id, site_today))
        if policy.school_id:
            policy.link_school = by_id.get(policy.school_id)
            policy.register_school_label = policy.link_school.name
        else:
            policy.link_school = schools_all[0] if schools_all else None
            policy.register_school_label = gettext("Whole trust")
        rows.append(policy)

    table = [
        SchoolCounts(school=each, label=each.name, counts=_summary(p for p in rows if p.school_id == each.pk))
        for each in schools
    ]
    trust_wide = [policy for policy in rows if policy.school_id is None]
    if trust_wide:
        table.append(SchoolCounts(school=None, label=gettext("Whole-trust policies"), counts=_summary(trust_wide)))

    wanted = (status,) if status else LISTED_BY_DEFAULT
    listed = [policy for policy in rows if policy.register_status in wanted]
    listed.sort(key=lambda p: (p.next_review_on is None, p.next_review_on, p.register_school_label, p.title))
    return {"schools": table, "policies": listed}


# The iCalendar feed -----------------------------------------------------------------------------------------------


def calendar_feed_token(user):
    """``user``'s ``CalendarFeedToken``, or None before they asked for a link."""
    return CalendarFeedToken.objects.filter(user=user).first()


def calendar_feed_for_token(token):
    """The ``CalendarFeedToken`` whose token is ``token`` (with its user), or None.

    Looked up by the token itself through its unique index: the token is 256 random bits, so the look-up reveals
    nothing an attacker could use to guess one, and no comparison loop leaks timing.
    """
    if not token or len(token) > CalendarFeedToken._meta.get_field("token").max_length:
        return None
    return CalendarFeedToken.objects.select_related("user").filter(token=token).first()


def calendar_schools(user):
    """The schools whose policy review dates ``user``'s calendar feed shows now: every school where they hold a
    current role or administer the trust, and may read the policy library (``VIEW_POLICIES``), by name."""
    schools = permissions.schools_for(user).select_related("organisation").order_by("name", "pk")
    return [school for school in schools if permissions.can(user, permissions.VIEW_POLICIES, school)]


def calendar_policies(user):
    """The policies with a next review date in ``user``'s feed, soonest first, each once (a whole-trust policy is
    used by several schools but has one review). Each carries ``calendar_school`` (the school whose page links it)
    and ``calendar_label`` (that school's name, or the trust's for a whole-trust policy). Three or four queries
    whatever the number of schools and policies; empty when the user's roles have ended."""
    schools = calendar_schools(user)
    if not schools:
        return []
    by_id = {school.pk: school for school in schools}
    first_of_organisation = {}
    for school in schools:
        if school.organisation_id:
            first_of_organisation.setdefault(school.organisation_id, school)
    policies = (
        Policy.objects.filter(Q(school__in=schools) | Q(organisation_id__in=first_of_organisation.keys()))
        .filter(next_review_on__isnull=False)
        .select_related("organisation")
        .order_by("next_review_on", "title", "pk")
    )
    found = []
    for policy in policies:
        if policy.school_id:
            policy.calendar_school = by_id[policy.school_id]
            policy.calendar_label = policy.calendar_school.name
        else:
            policy.calendar_school = first_of_organisation[policy.organisation_id]
            policy.calendar_label = policy.organisation.name
        found.append(policy)
    return found


def register_people(policy):
    """Who may own ``policy`` or sit on its review team (a ``User`` queryset, by name): the active staff of its school
    (governors are not: the review team drafts the policy the governing body approves); for a trust-wide policy,
    the trust's administrators and the staff of its schools."""
    from safeguard.directory.models import OrganisationRole, OrganisationRoleKind, Role, StaffRole

    staff = StaffRole.objects.current().exclude(role=Role.GOVERNOR)
    if policy.school_id is not None:
        people = Q(pk__in=staff.filter(school_id=policy.school_id).values("user_id"))
    else:
        admins = OrganisationRole.objects.current().filter(
            organisation_id=policy.organisation_id, role=OrganisationRoleKind.TRUST_ADMIN
        )
        people = Q(pk__in=admins.values("user_id")) | Q(
            pk__in=staff.filter(school__organisation_id=policy.organisation_id).values("user_id")
        )
    return User.objects.filter(people, is_active=True).order_by("full_name", "email")
