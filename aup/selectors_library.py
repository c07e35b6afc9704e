"""Reads of the policy library and of agreement coverage. Every select_related/prefetch_related lives here; the
coverage page's query count is pinned by a test (the same for a class of 3 and of 30)."""

import dataclasses

from django.db.models import Case, CharField, Count, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.directory.models import Pupil, Role, StaffRole

from .models import Agreement, Audience, Policy, PolicyVersion, Signature, SignatureRequest
from .services import AUDIENCE_ROLES, current_academic_year
from .services_library import can_approve_versions, can_manage_library

PUPIL_AUDIENCES = {Audience.PUPIL, Audience.PARENT}


class CoverageStatus:
    """How far one pupil or person is with an agreement (a coverage bucket, not a stored status)."""

    COMPLETED = "completed"
    PARTLY_SIGNED = "partly_signed"
    NOT_SIGNED = "not_signed"

    choices = [
        (COMPLETED, _("Signed")),
        (PARTLY_SIGNED, _("Partly signed")),
        (NOT_SIGNED, _("Not signed")),
    ]
    labels = dict(choices)


# The policy library -----------------------------------------------------------------------------------------------


def policies_for_school(school):
    """Policies ``school`` uses: its own and its trust's (or district's) trust-wide ones (chainable queryset)."""
    scope = Q(school=school)
    if school.organisation_id:
        scope |= Q(organisation_id=school.organisation_id)
    return Policy.objects.filter(scope)


def _with_versions(policies):
    """Set ``current_version`` (approved), ``draft_version`` (the latest draft) and ``version_list`` on each."""
    for policy in policies:
        policy.current_version = next(
            (v for v in policy.version_list if v.status == PolicyVersion.Status.APPROVED), None
        )
        drafts = [v for v in policy.version_list if v.status == PolicyVersion.Status.DRAFT]
        policy.draft_version = drafts[-1] if drafts else None
    return policies


def policy_list(*, school, category=None):
    """``school``'s library (its policies and its trust's) for the list page, each with its versions loaded and
    ``current_version`` / ``draft_version`` set. Three queries whatever the number of policies."""
    policies = (
        policies_for_school(school)
        .select_related("owner", "organisation")
        .prefetch_related(
            Prefetch("versions", queryset=PolicyVersion.objects.order_by("created_at"), to_attr="version_list")
        )
        .order_by("title")
    )
    if category:
        policies = policies.filter(category=category)
    return _with_versions(list(policies))


def policy_for_school(school, public_id):
    """The policy ``public_id`` if ``school`` uses it, with its versions (oldest first) loaded; else None."""
    policies = (
        policies_for_school(school)
        .filter(public_id=public_id)
        .select_related("owner", "organisation", "school")
        .prefetch_related(
            Prefetch("versions", queryset=PolicyVersion.objects.order_by("created_at"), to_attr="version_list")
        )
    )
    found = _with_versions(list(policies))
    return found[0] if found else None


def version_for_school(school, public_id):
    """The policy version ``public_id`` if its policy is one ``school`` uses; else None."""
    return (
        PolicyVersion.objects.filter(policy__in=policies_for_school(school), public_id=public_id)
        .select_related("policy__school", "policy__organisation")
        .first()
    )


def agreement_for_school(school, public_id):
    """The agreement ``public_id`` if its policy is one ``school`` uses; else None."""
    return (
        Agreement.objects.filter(version__policy__in=policies_for_school(school), public_id=public_id)
        .select_related("version__policy__school", "version__policy__organisation")
        .first()
    )


def version_agreements(version):
    """The agreements of ``version`` with their statements (two queries)."""
    return list(version.agreements.prefetch_related("statements").order_by("audience"))


def library_panel(*, user, school):
    """The school home panel linking to the policy library: ``(template, context)``, or None for people who may not
    read it. Context: counts of policies, of drafts waiting for approval, and of current agreements."""
    if not permissions.can(user, permissions.VIEW_POLICIES, school):
        return None
    policies = policies_for_school(school)
    counts = policies.aggregate(
        total=Count("pk", distinct=True),
        drafts=Count("versions", filter=Q(versions__status=PolicyVersion.Status.DRAFT), distinct=True),
    )
    agreements = Agreement.objects.filter(
        version__policy__in=policies, version__status=PolicyVersion.Status.APPROVED
    ).count()
    return (
        "aup/panels/library.html",
        {
            "school": school,
            "policy_count": counts["total"],
            "draft_count": counts["drafts"],
            "agreement_count": agreements,
            "can_manage": can_manage_library(user, school),
            "can_approve": can_approve_versions(user, school),
        },
    )


# Coverage ---------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class CoverageRow:
    """Counts for one group (a class, a year group, a staff role, or everyone)."""

    label: str
    total: int = 0
    completed: int = 0
    partly_signed: int = 0
    key: object = None

    @property
    def not_signed(self):
        return self.total - self.completed - self.partly_signed

    @property
    def percent(self):
        """Share signed in full, as a whole-number percentage (0 for an empty group)."""
        return round(100 * self.completed / self.total) if self.total else 0


def is_pupil_audience(agreement):
    return agreement.audience in PUPIL_AUDIENCES


def coverage_requests(*, agreement, school, now=None):
    """The signature requests that count towards ``agreement`` in ``school`` (a queryset).

    Follows the policy's signing frequency as ``signature_request_open`` does: every academic year → this year's
    requests; once on joining → also a completed request on any version of the policy for the same audience;
    each new version → this agreement's requests. Cancelled requests never count.
    """
    policy = agreement.version.policy
    requests = SignatureRequest.objects.filter(school=school).exclude(status=SignatureRequest.Status.CANCELLED)
    if policy.signing_frequency == Policy.SigningFrequency.ON_JOINING:
        return requests.filter(
            Q(agreement=agreement)
            | Q(
                agreement__version__policy=policy,
                agreement__audience=agreement.audience,
                status=SignatureRequest.Status.COMPLETED,
            )
        )
    requests = requests.filter(agreement=agreement)
    if policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR:
        requests = requests.filter(academic_year=current_academic_year(school, now=now))
    return requests


def _best_request(requests, field, outer="pk"):
    """A subquery over ``requests`` whose ``field`` is the outer row's ``outer``, best status first."""
    return (
        requests.filter(**{field: OuterRef(outer)})
        .annotate(
            rank=Case(
                When(status=SignatureRequest.Status.COMPLETED, then=Value(0)),
                When(status=SignatureRequest.Status.PARTLY_SIGNED, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("rank", "-created_at")
    )


def _coverage_case(field):
    return Case(
        When(**{field: SignatureRequest.Status.COMPLETED}, then=Value(CoverageStatus.COMPLETED)),
        When(**{field: SignatureRequest.Status.PARTLY_SIGNED}, then=Value(CoverageStatus.PARTLY_SIGNED)),
        default=Value(CoverageStatus.NOT_SIGNED),
        output_field=CharField(),
    )


def _counts():
    return {
        "total": Count("pk"),
        "completed_n": Count("pk", filter=Q(coverage=CoverageStatus.COMPLETED)),
        "partly_n": Count("pk", filter=Q(coverage=CoverageStatus.PARTLY_SIGNED)),
    }


def coverage_people(*, agreement, school, now=None):
    """Everyone ``agreement`` asks to sign in ``school``, annotated with ``coverage`` (a ``CoverageStatus``) and
    ``request_pk`` (the best request, or None).

    Pupil and parent agreements: pupils on roll (one request per pupil). Staff and governor agreements: people with
    a current matching role (``services.AUDIENCE_ROLES``). Volunteers and visitors: people who were sent a request.
    """
    requests = coverage_requests(agreement=agreement, school=school, now=now)
    if is_pupil_audience(agreement):
        best = _best_request(requests, "pupil")
        people = Pupil.objects.for_school(school).on_roll(school.today(now))
    else:
        best = _best_request(requests, "user")
        roles = AUDIENCE_ROLES.get(agreement.audience)
        if roles:
            holders = StaffRole.objects.current().filter(school=school, role__in=roles).values("user_id")
        else:
            holders = requests.filter(user__isnull=False).values("user_id")
        people = User.objects.filter(pk__in=holders)
    return people.annotate(
        request_status=Subquery(best.values("status")[:1]),
        request_pk=Subquery(best.values("pk")[:1]),
    ).annotate(coverage=_coverage_case("request_status"))


def _rows(queryset, label_of, key_field):
    rows = []
    for values in queryset:
        rows.append(
            CoverageRow(
                label=label_of(values),
                total=values["total"],
                completed=values["completed_n"],
                partly_signed=values["partly_n"],
                key=values[key_field],
            )
        )
    return rows


def coverage_summary(*, agreement, school, now=None):
    """Counts and percentages for ``agreement`` in ``school``: ``{"total": CoverageRow, "groups": [(title,
    [CoverageRow])]}`` — by class and by year group for pupils, by staff role for staff and governors. A fixed
    number of queries, whatever the size of the school."""
    people = coverage_people(agreement=agreement, school=school, now=now)
    totals = people.aggregate(**_counts())
    total = CoverageRow(
        label=str(_("Everyone")),
        total=totals["total"],
        completed=totals["completed_n"],
        partly_signed=totals["partly_n"],
    )
    if is_pupil_audience(agreement):
        no_class, no_year = str(_("No class")), str(_("No year group"))
        by_class = _rows(
            people.values("school_class_id", "school_class__name", "school_class__year_group__order")
            .annotate(**_counts())
            .order_by("school_class__year_group__order", "school_class__name"),
            lambda v: v["school_class__name"] or no_class,
            "school_class_id",
        )
        by_year = _rows(
            people.values("year_group_id", "year_group__name", "year_group__order")
            .annotate(**_counts())
            .order_by("year_group__order", "year_group__name"),
            lambda v: v["year_group__name"] or no_year,
            "year_group_id",
        )
        groups = [(_("By class"), by_class), (_("By year group"), by_year)]
    else:
        roles = AUDIENCE_ROLES.get(agreement.audience) or set()
        best = _best_request(coverage_requests(agreement=agreement, school=school, now=now), "user", "user_id")
        role_rows = (
            StaffRole.objects.current()
            .filter(school=school, role__in=roles)
            .alias(request_status=Subquery(best.values("status")[:1]))
            .alias(coverage=_coverage_case("request_status"))
            .values("role")
            .annotate(**_counts())
            .order_by("role")
        )
        labels = dict(Role.choices)
        groups = [(_("By staff role"), _rows(role_rows, lambda v: str(labels.get(v["role"], v["role"])), "role"))]
    return {"total": total, "groups": groups}


def coverage_list(*, agreement, school, school_class=None, year_group=None, role=None, status=None, now=None):
    """The people of ``coverage_people`` narrowed by the filters, in roster order (a queryset to paginate).

    Pupils: by year group, class and name; people: by name. Call ``coverage_attach_requests`` on the page's rows.
    """
    people = coverage_people(agreement=agreement, school=school, now=now)
    if status:
        people = people.filter(coverage=status)
    if is_pupil_audience(agreement):
        if school_class is not None:
            people = people.filter(school_class=school_class)
        if year_group is not None:
            people = people.filter(year_group=year_group)
        return people.select_related("year_group", "school_class").order_by(
            "year_group__order", "school_class__name", "legal_last_name", "legal_first_name", "pk"
        )
    if role:
        people = people.filter(pk__in=StaffRole.objects.current().filter(school=school, role=role).values("user_id"))
    return people.prefetch_related(
        Prefetch(
            "staff_roles", queryset=StaffRole.objects.current().filter(school=school).order_by("role"), to_attr="roles"
        )
    ).order_by("full_name", "email", "pk")


def coverage_attach_requests(rows):
    """Set ``coverage_request`` (the ``SignatureRequest`` with its unrevoked signatures as ``live_signatures``, or
    None) and ``coverage_label`` on each row of ``coverage_list``. Two queries for any number of rows."""
    rows = list(rows)
    pks = [row.request_pk for row in rows if row.request_pk]
    requests = {}
    if pks:
        requests = (
            SignatureRequest.objects.filter(pk__in=pks)
            .prefetch_related(
                Prefetch(
                    "signatures",
                    queryset=Signature.objects.filter(revoked_at__isnull=True).order_by("signed_at"),
                    to_attr="live_signatures",
                )
            )
            .in_bulk()
        )
    for row in rows:
        row.coverage_request = requests.get(row.request_pk)
        row.coverage_label = CoverageStatus.labels[row.coverage]
        request = row.coverage_request
        signatures = request.live_signatures if request is not None else []
        # When the last party signed (for a paper return: the day the form came back, not the day it was keyed in).
        row.signed_at = max((s.signed_at for s in signatures), default=None)
        row.methods = sorted({s.get_method_display() for s in signatures}, key=str)
    return rows


# One request ------------------------------------------------------------------------------------------------------


def request_for_school(school, public_id):
    """The signature request ``public_id`` of ``school`` with every signature (revoked ones too) and who was
    involved; None if it is not this school's."""
    return (
        SignatureRequest.objects.filter(school=school, public_id=public_id)
        .select_related(
            "agreement__version__policy", "pupil__school_class", "pupil__year_group", "user", "academic_year", "school"
        )
        .prefetch_related(
            Prefetch(
                "signatures",
                queryset=Signature.objects.select_related(
                    "signer_user",
                    "signer_guardian",
                    "signer_pupil",
                    "teacher_present",
                    "revoked_by",
                    "paper_recorded_by",
                ).order_by("signed_at"),
                to_attr="signature_list",
            )
        )
        .first()
    )


def signature_for_school(school, public_id):
    """The signature ``public_id`` on a request of ``school``; None otherwise."""
    return (
        Signature.objects.filter(request__school=school, public_id=public_id)
        .select_related("request__agreement__version__policy", "request__pupil", "request__user", "request__school")
        .first()
    )
