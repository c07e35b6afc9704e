"""Reads of the policy library and of agreement coverage. Every select_related/prefetch_related lives here; the
coverage page's query count is pinned by a test (the same for a class of 3 and of 30)."""

import dataclasses

from django.db.models import Case, CharField, Count, Min, OuterRef, Prefetch, Q, Subquery, Value, When, Window
from django.db.models.functions import Coalesce, DenseRank
from django.utils.translation import gettext_lazy as _

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.directory.models import Pupil, Role, StaffRole

from .models import Agreement, Audience, Policy, PolicyVersion, Signature, SignatureRequest
from .services import AUDIENCE_ROLES, current_academic_year, grace_agreement
from .services_library import can_approve_versions, can_manage_library

PUPIL_AUDIENCES = {Audience.PUPIL, Audience.PARENT}
PUPIL_NAME_FIELDS = ("legal_first_name", "legal_last_name", "preferred_first_name", "preferred_last_name")


class CoverageStatus:
    """How far one pupil or person is with an agreement (a coverage bucket, not a stored status)."""

    COMPLETED = "completed"
    # Signed the version this one replaced, and the re-sign date has not passed: still valid (``grace_agreement``).
    PREVIOUS_VERSION = "previous_version"
    PARTLY_SIGNED = "partly_signed"
    NOT_SIGNED = "not_signed"

    choices = [
        (COMPLETED, _("Signed")),
        (PREVIOUS_VERSION, _("Signed the previous version")),
        (PARTLY_SIGNED, _("Partly signed")),
        (NOT_SIGNED, _("Not signed")),
    ]
    labels = dict(choices)
    # Buckets whose signature counts as valid today.
    VALID = (COMPLETED, PREVIOUS_VERSION)


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
    """The agreement ``public_id`` if its policy is one ``school`` uses (``policies_for_school``: its own, or its
    trust's or district's); else None. Read by its unique id with its version and policy, whose owner is checked
    here: a subquery of the school's policies cost more CPU to build than the query took (issue 18 item 6)."""
    agreement = (
        Agreement.objects.filter(public_id=public_id)
        .select_related("version__policy__school", "version__policy__organisation")
        .first()
    )
    if agreement is None:
        return None
    policy = agreement.version.policy
    if policy.school_id == school.pk or (school.organisation_id and policy.organisation_id == school.organisation_id):
        return agreement
    return None


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
    previous_version: int = 0

    @property
    def not_signed(self):
        return self.total - self.completed - self.partly_signed - self.previous_version

    @property
    def valid(self):
        """Signed in full: this version, or the previous one until its re-sign date."""
        return self.completed + self.previous_version

    @property
    def percent(self):
        """Share with a valid signature (``valid``), as a whole-number percentage (0 for an empty group)."""
        return round(100 * self.valid / self.total) if self.total else 0


def is_pupil_audience(agreement):
    return agreement.audience in PUPIL_AUDIENCES


def coverage_requests(*, agreement, school, now=None):
    """The signature requests that count towards ``agreement`` in ``school`` (a queryset), each annotated with
    ``on_previous_version`` (True for a completed request of the replaced version still valid, see
    ``grace_agreement``).

    Follows the policy's signing frequency as ``signature_request_open`` does: every academic year → this year's
    requests; once on joining → also a completed request on any version of the policy for the same audience;
    each new version → this agreement's requests. Until a new version's re-sign date, completed requests of the
    version it replaced count too (issue 12 #13: a new version asks people to sign again; their previous signature
    stays valid until the date the approver set). Cancelled requests never count.
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
        ).annotate(on_previous_version=Value(False))
    previous = grace_agreement(agreement, school, now)
    wanted = Q(agreement=agreement)
    if previous is not None:
        wanted |= Q(agreement=previous, status=SignatureRequest.Status.COMPLETED)
    requests = requests.filter(wanted)
    if policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR:
        requests = requests.filter(academic_year=current_academic_year(school, now=now))
    if previous is None:
        return requests.annotate(on_previous_version=Value(False))
    return requests.annotate(on_previous_version=Case(When(agreement=previous, then=Value(True)), default=Value(False)))


def _best_request(requests, field, outer="pk"):
    """A subquery over ``requests`` whose ``field`` is the outer row's ``outer``, best status first."""
    return (
        requests.filter(**{field: OuterRef(outer)})
        .annotate(
            rank=Case(
                When(status=SignatureRequest.Status.COMPLETED, on_previous_version=False, then=Value(0)),
                When(status=SignatureRequest.Status.COMPLETED, then=Value(1)),
                When(status=SignatureRequest.Status.PARTLY_SIGNED, then=Value(2)),
                default=Value(3),
            )
        )
        .order_by("rank", "-created_at", "-pk")
    )


def _coverage_of(best):
    """The ``CoverageStatus`` of the best request of ``best`` (``_best_request``): signed in full, partly signed, or
    not signed — also when there is no request at all. One subquery per row: the bucket is worked out inside it,
    where the request's status is at hand, rather than by comparing the status subquery's result twice outside."""
    bucket = best.annotate(
        coverage=Case(
            When(
                status=SignatureRequest.Status.COMPLETED,
                on_previous_version=False,
                then=Value(CoverageStatus.COMPLETED),
            ),
            When(status=SignatureRequest.Status.COMPLETED, then=Value(CoverageStatus.PREVIOUS_VERSION)),
            When(status=SignatureRequest.Status.PARTLY_SIGNED, then=Value(CoverageStatus.PARTLY_SIGNED)),
            default=Value(CoverageStatus.NOT_SIGNED),
            output_field=CharField(),
        )
    )
    return Coalesce(Subquery(bucket.values("coverage")[:1]), Value(CoverageStatus.NOT_SIGNED))


def _asked(*, agreement, school, now=None, requests=None):
    """``(people, best)``: everyone ``agreement`` asks to sign in ``school`` (a queryset) and the subquery of each
    one's best request among ``requests`` (default ``coverage_requests``; see ``coverage_people``)."""
    if requests is None:
        requests = coverage_requests(agreement=agreement, school=school, now=now)
    if is_pupil_audience(agreement):
        return Pupil.objects.for_school(school).on_roll(school.today(now)), _best_request(requests, "pupil")
    roles = AUDIENCE_ROLES.get(agreement.audience)
    if roles:
        holders = StaffRole.objects.current().filter(school=school, role__in=roles).values("user_id")
    else:
        holders = requests.filter(user__isnull=False).values("user_id")
    return User.objects.filter(pk__in=holders), _best_request(requests, "user")


def coverage_asked(*, agreement, school, now=None, requests=None):
    """Everyone ``agreement`` asks to sign in ``school``, as ``coverage_people`` lists them, without their coverage:
    a queryset of ``Pupil`` (pupil and parent agreements) or of ``User``."""
    return _asked(agreement=agreement, school=school, now=now, requests=requests)[0]


def coverage_people(*, agreement, school, now=None, requests=None):
    """Everyone ``agreement`` asks to sign in ``school``, annotated with ``coverage`` (a ``CoverageStatus``) and
    ``request_pk`` (the best request, or None).

    Pupil and parent agreements: pupils on roll (one request per pupil). Staff and governor agreements: people with
    a current matching role (``services.AUDIENCE_ROLES``). Volunteers and visitors: people who were sent a request.
    ``requests``: ``coverage_requests(agreement=…, school=…, now=…)`` when the caller has it (saves a query).
    """
    people, best = _asked(agreement=agreement, school=school, now=now, requests=requests)
    return people.annotate(request_pk=Subquery(best.values("pk")[:1]), coverage=_coverage_of(best))


def _add(row, coverage, count):
    """Count ``count`` people of bucket ``coverage`` into the ``CoverageRow`` ``row``."""
    row.total += count
    if coverage == CoverageStatus.COMPLETED:
        row.completed += count
    elif coverage == CoverageStatus.PREVIOUS_VERSION:
        row.previous_version += count
    elif coverage == CoverageStatus.PARTLY_SIGNED:
        row.partly_signed += count


def _pupil_groups(people):
    """``(total, by class, by year group)`` of pupils from one query grouped by class, year group and bucket.

    Classes come in the database's order of (their year group's order, name); year groups in its order of (order,
    name), as a rank over the grouped rows — the orders (and collation) the database gave when each was counted by a
    query of its own. The rank orders by ``Min`` of columns that are constant in each group: a window over grouped
    rows may only order by grouped columns or aggregates, and Django would otherwise group by the window itself."""
    grouped = (
        people.values("school_class_id", "school_class__name", "year_group_id", "year_group__name", "coverage")
        .annotate(
            n=Count("pk"),
            year_rank=Window(DenseRank(), order_by=[Min("year_group__order").asc(), Min("year_group__name").asc()]),
        )
        .order_by("school_class__year_group__order", "school_class__name", "school_class_id")
    )
    no_class, no_year = str(_("No class")), str(_("No year group"))
    total = CoverageRow(label=str(_("Everyone")))
    by_class, by_year, year_rank = {}, {}, {}
    for values in grouped:
        class_id, year_id = values["school_class_id"], values["year_group_id"]
        if class_id not in by_class:
            by_class[class_id] = CoverageRow(label=values["school_class__name"] or no_class, key=class_id)
        if year_id not in by_year:
            by_year[year_id] = CoverageRow(label=values["year_group__name"] or no_year, key=year_id)
            year_rank[year_id] = values["year_rank"]
        for row in (total, by_class[class_id], by_year[year_id]):
            _add(row, values["coverage"], values["n"])
    years = sorted(by_year.values(), key=lambda row: year_rank[row.key])
    return total, list(by_class.values()), years


def coverage_summary(*, agreement, school, now=None, requests=None):
    """Counts and percentages for ``agreement`` in ``school``: ``{"total": CoverageRow, "groups": [(title,
    [CoverageRow])]}`` — by class and by year group for pupils, by staff role for staff and governors. One query for
    pupils, two for staff, whatever the size of the school, plus ``coverage_requests``' academic year unless the
    caller passes ``requests`` (as for ``coverage_people``)."""
    if requests is None:
        requests = coverage_requests(agreement=agreement, school=school, now=now)
    people, best = _asked(agreement=agreement, school=school, now=now, requests=requests)
    people = people.annotate(coverage=_coverage_of(best))
    if is_pupil_audience(agreement):
        total, by_class, by_year = _pupil_groups(people)
        return {"total": total, "groups": [(_("By class"), by_class), (_("By year group"), by_year)]}
    total = CoverageRow(label=str(_("Everyone")))
    for values in people.values("coverage").annotate(n=Count("pk")).order_by():
        _add(total, values["coverage"], values["n"])
    roles = AUDIENCE_ROLES.get(agreement.audience) or set()
    best_of_holder = _best_request(requests, "user", "user_id")
    labels = dict(Role.choices)
    by_role = {}
    for values in (
        StaffRole.objects.current()
        .filter(school=school, role__in=roles)
        .annotate(coverage=_coverage_of(best_of_holder))
        .values("role", "coverage")
        .annotate(n=Count("pk"))
        .order_by("role")
    ):
        role = values["role"]
        if role not in by_role:
            by_role[role] = CoverageRow(label=str(labels.get(role, role)), key=role)
        _add(by_role[role], values["coverage"], values["n"])
    return {"total": total, "groups": [(_("By staff role"), list(by_role.values()))]}


def coverage_list(
    *, agreement, school, school_class=None, year_group=None, role=None, status=None, now=None, requests=None
):
    """The people of ``coverage_people`` narrowed by the filters, in roster order (a queryset to paginate).

    Pupils: by year group, class and name; people: by name. Call ``coverage_attach_requests`` on the page's rows.
    """
    people = coverage_people(agreement=agreement, school=school, now=now, requests=requests)
    if status:
        people = people.filter(coverage=status)
    if is_pupil_audience(agreement):
        if school_class is not None:
            people = people.filter(school_class=school_class)
        if year_group is not None:
            people = people.filter(year_group=year_group)
        return (
            people.select_related("year_group", "school_class")
            # What the list and its CSV show: a page of whole pupils would load every column of three tables.
            .only(*PUPIL_NAME_FIELDS, "year_group__name", "school_class__name")
            .order_by("year_group__order", "school_class__name", "legal_last_name", "legal_first_name", "pk")
        )
    if role:
        people = people.filter(pk__in=StaffRole.objects.current().filter(school=school, role=role).values("user_id"))
    return people.prefetch_related(
        Prefetch(
            "staff_roles", queryset=StaffRole.objects.current().filter(school=school).order_by("role"), to_attr="roles"
        )
    ).order_by("full_name", "email", "pk")


def coverage_attach_requests(rows, school=None):
    """Set ``coverage_request`` (the ``SignatureRequest``, or None) and ``coverage_label`` on each row of
    ``coverage_list``, with ``signed_at`` and ``signed_on`` (when the last party signed: an aware datetime, and a
    date in school time — for a paper form, the day it came back) from its unrevoked signatures, and ``methods``
    (their labels, sorted). Two queries for any number of rows.

    ``school``: the rows' school, when the caller has it (the page and the CSV do): its time zone dates the
    signatures without loading it again with every request. Each request has what the coverage page and its CSV
    show (public id, status, when sent and declined, the reason); other fields load when read. The signatures are
    read as values, not as models: a page of fifty rows has about eighty (issue 18 item 6)."""
    rows = list(rows)
    pks = [row.request_pk for row in rows if row.request_pk]
    requests, signatures = {}, {}
    if pks:
        queryset = SignatureRequest.objects.filter(pk__in=pks)
        queryset = queryset.only(*COVERAGE_REQUEST_FIELDS) if school is not None else queryset.select_related("school")
        requests = {request.pk: request for request in queryset}
        # When and how each was signed: not the signed content and drawn signature, which are large.
        for request_id, signed_at, method, paper_returned_on in (
            Signature.objects.filter(request_id__in=pks, revoked_at__isnull=True)
            .order_by()
            .values_list("request_id", "signed_at", "method", "paper_returned_on")
        ):
            signatures.setdefault(request_id, []).append((signed_at, method, paper_returned_on))
    methods = {value: str(label) for value, label in Signature.Method.choices}  # translated once, not per signature
    for row in rows:
        row.coverage_request = request = requests.get(row.request_pk)
        row.coverage_label = CoverageStatus.labels[row.coverage]
        signed = signatures.get(row.request_pk, ()) if request is not None else ()
        request_school = school if school is not None or request is None else request.school
        # When the last party signed (for a paper return: the day the form came back, not the day it was keyed in).
        row.signed_at = max((signed_at for signed_at, _method, _returned_on in signed), default=None)
        row.signed_on = max(
            (
                returned_on
                if method == Signature.Method.PAPER_RETURN and returned_on
                else request_school.today(signed_at)
                for signed_at, method, returned_on in signed
            ),
            default=None,
        )
        row.methods = sorted({methods.get(method, method) for _signed_at, method, _returned_on in signed})
    return rows


# What ``coverage_attach_requests`` loads of each request when given the school.
COVERAGE_REQUEST_FIELDS = ("public_id", "school_id", "status", "sent_at", "declined_at", "decline_reason")


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
                    "front_desk_by",
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


# Approving a new version -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ApprovalPreviewLine:
    """What approving will do for one audience: ``signed`` people signed ``previous`` (an ``Agreement``); with
    ``asks_again`` they are asked to sign the new version's agreement by the re-sign date."""

    audience_label: str
    title: str
    signed: int
    asks_again: bool
    dropped: bool = False


def approval_preview(*, version, carry_over=False, now=None):
    """What approving the draft ``version`` will do to signatures, for the approval page, before it happens
    (issue 12 #13): ``{"previous": PolicyVersion or None, "lines": [ApprovalPreviewLine], "on_joining": bool}``.

    ``carry_over``: the review path copies the previous version's agreements onto the draft for audiences it does
    not cover (``services_reviews``); the library path does not, so such an audience is no longer asked (``dropped``).
    ``signed`` counts the people (or pupils) whose signature of the current version counts today (this academic
    year's for a policy signed every year). A few queries per agreement of the current version.
    """
    policy = version.policy
    school = policy.school
    previous = (
        PolicyVersion.objects.filter(policy=policy, status=PolicyVersion.Status.APPROVED).exclude(pk=version.pk).first()
    )
    result = {"previous": previous, "lines": [], "on_joining": False}
    if previous is None or school is None:
        return result
    result["on_joining"] = policy.signing_frequency == Policy.SigningFrequency.ON_JOINING
    new_audiences = set(Agreement.objects.filter(version=version).values_list("audience", flat=True))
    labels = dict(Audience.choices)
    for agreement in Agreement.objects.filter(version=previous).select_related("version__policy"):
        people = coverage_people(agreement=agreement, school=school, now=now)
        signed = people.filter(coverage__in=CoverageStatus.VALID).count()
        kept = agreement.audience in new_audiences or carry_over
        result["lines"].append(
            ApprovalPreviewLine(
                audience_label=str(labels.get(agreement.audience, agreement.audience)),
                title=agreement.title,
                signed=signed,
                asks_again=kept and not result["on_joining"],
                dropped=not kept,
            )
        )
    return result
