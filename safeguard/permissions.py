"""Who may do what: the one place that decides.

Roles are data (``directory.StaffRole`` per school, ``directory.OrganisationRole`` per trust or district);
capabilities are code, listed in ``CAPABILITIES``. Views, services, tasks and commands all ask ``can()``; object
look-ups go through the ``get_*_for_user`` helpers, which answer 404 for a record the user may not see exactly as for
one that does not exist (healthchecks' ``_get_check_for_user``; pretix and Zulip do the same so existence never
leaks).
"""

import functools

from django.db import connections, router
from django.db.models import BooleanField, F, Func
from django.http import Http404

from safeguard.directory.models import (
    Organisation,
    OrganisationRole,
    OrganisationRoleKind,
    Pupil,
    PupilGuardian,
    Role,
    School,
    StaffRole,
)

# Capabilities -------------------------------------------------------------------------------------------------

VIEW_SCHOOL = "school.view"  # open the school's home page
VIEW_ROSTER = "directory.view_roster"  # see pupils' names and details
MANAGE_ROSTER = "directory.manage_roster"  # import the roster, mark pupils left
INVITE_GUARDIAN = "directory.invite_guardian"
VIEW_SAFEGUARDING = "safeguarding.view"  # the DSL team's pages (KCSIE: DSL team and head only)
VIEW_GOVERNANCE = "governance.view"  # reports and the policy register, never a pupil's identity
VIEW_TRUST = "trust.view"  # the trust or district overview
VIEW_POLICIES = "aup.view_policies"  # read the policy library
MANAGE_AGREEMENTS = "aup.manage"  # write policies, send signature requests, record paper returns
SUPERVISE_PUPIL_SIGNING = "aup.supervise_pupil_signing"  # pupils sign in class under this person's session
APPROVE_POLICY_VERSIONS = "aup.approve_versions"  # record a version's approval (head, or SLT for a committee)
SUPERVISE_ANY_CLASS = "aup.supervise_any_class"  # supervise pupil signing in every class, not only one's own
MANAGE_POLICY_REVIEWS = "aup.manage_reviews"  # start a policy review, draft, submit (owners and review teams too)
COUNTERSIGN_STAFF = "aup.countersign_staff"  # the headteacher's authorisation of a staff agreement
VIEW_CONSENT = "consent.view"  # the class grid, "may I photograph?", do-not-photograph lists
MANAGE_CONSENT = "consent.manage"  # consent forms, paper and phone answers, requests, events
SET_PHOTO_MEASURES = "consent.set_measures"  # the DSL team's measures for vulnerable pupils
RECORD_INCIDENT = "incidents.record"  # any member of staff records an incident or raises a concern
VIEW_ALL_BEHAVIOUR = "incidents.view_all_behaviour"  # every behaviour incident of the school, not only one's pupils
MANAGE_INCIDENTS = "incidents.manage"  # close and void behaviour incidents, set actions and sanctions for any of them
SUSPEND_PUPIL = "incidents.suspend"  # record a suspension or permanent exclusion (the headteacher's decision)
DRAFT_GOVERNOR_REPORT = "reports.draft_governor_report"  # draft a termly report and read drafts
PUBLISH_GOVERNOR_REPORT = "reports.publish_governor_report"  # the headteacher's commentary, and publishing
VIEW_INCIDENT_DASHBOARD = "incidents.dashboard"  # incident figures and drill-down lists (SLT, head, DSL team)
SERIOUS_BEHAVIOUR_ALERTS = "incidents.serious_behaviour_alerts"  # alerted to level 4–5 (and requested level 3)
SETUP_SCHOOL = "school.setup"  # academic years, terms, year groups, classes, roll-over (issue 13)
INVITE_STAFF = "staff.invite"  # invite staff, give and end their roles (which roles: ``roles_grantable``)
MANAGE_SCHOOLS = "organisation.manage_schools"  # a trust or district adds and edits its schools (issue 13)
EXPORT_ROSTER = "exports.roster"  # download the roster and carers as CSV (issue 14 item 5)
EXPORT_CONSENT = "exports.consent"  # download every consent answer as CSV
EXPORT_SIGNATURES = "exports.signatures"  # download every signature as CSV
EXPORT_BEHAVIOUR = "exports.behaviour"  # download every behaviour incident as CSV (concerns: VIEW_SAFEGUARDING + 2FA)
EXPORT_SCHOOL = "exports.school"  # request and download the full school export (zip of CSVs and PDFs)
FRONT_DESK = "aup.front_desk"  # visitors and volunteers sign their agreement on the office's tablet (issue 13 item 7)
MANAGE_POLICY_REGISTER = "aup.manage_register"  # owner, review team, approving body, review cycle (issue 13 item 6)
MANAGE_TRUST_POLICIES = "aup.manage_trust_policies"  # a trust admin writes and approves trust-wide policies (issue 13)
SSO_CONFIGURE = "sso.configure"  # a school's (head) or trust's (trust admin) single sign-on provider (issue 14)
RECORD_ACHIEVEMENT = "achievements.record"  # praise and achievement points, recorded by any member of staff (issue 16)

STAFF = {Role.OFFICE, Role.TEACHER, Role.DSL, Role.DEPUTY_DSL, Role.SLT, Role.HEADTEACHER}

# Which school roles grant each capability. Trust admins are handled in ``_trust_grants``.
CAPABILITIES = {
    VIEW_SCHOOL: STAFF | {Role.GOVERNOR},
    VIEW_ROSTER: STAFF,
    MANAGE_ROSTER: {Role.OFFICE, Role.HEADTEACHER},
    INVITE_GUARDIAN: {Role.OFFICE, Role.HEADTEACHER},
    VIEW_SAFEGUARDING: {Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER},
    VIEW_GOVERNANCE: {Role.GOVERNOR, Role.SLT, Role.HEADTEACHER},
    VIEW_POLICIES: STAFF | {Role.GOVERNOR},
    MANAGE_AGREEMENTS: {Role.OFFICE, Role.SLT, Role.HEADTEACHER},
    SUPERVISE_PUPIL_SIGNING: {Role.TEACHER, Role.DSL, Role.DEPUTY_DSL, Role.SLT, Role.HEADTEACHER},
    COUNTERSIGN_STAFF: {Role.HEADTEACHER},
    # The headteacher, or a senior leader recording the governing body's or a committee's decision ("Approved as
    # Chair's actions out of committee" — Sigma photography policy, history table).
    APPROVE_POLICY_VERSIONS: {Role.HEADTEACHER, Role.SLT},
    SUPERVISE_ANY_CLASS: {Role.SLT, Role.HEADTEACHER},
    MANAGE_POLICY_REVIEWS: {Role.OFFICE, Role.SLT, Role.HEADTEACHER},
    VIEW_CONSENT: STAFF,
    MANAGE_CONSENT: {Role.OFFICE, Role.SLT, Role.HEADTEACHER},
    SET_PHOTO_MEASURES: {Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER},
    RECORD_INCIDENT: STAFF,
    # Westminster behaviour policy: "Level 3 may involve SLT. Level 4 and 5 must involve SLT."
    VIEW_ALL_BEHAVIOUR: {Role.SLT, Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL},
    MANAGE_INCIDENTS: {Role.SLT, Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL},
    # Only the headteacher may suspend or permanently exclude (DfE suspension and permanent exclusion guidance).
    SUSPEND_PUPIL: {Role.HEADTEACHER},
    VIEW_INCIDENT_DASHBOARD: {Role.SLT, Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL},
    # Westminster behaviour steps: "Level 3 may involve SLT. Level 4 and 5 must involve SLT."
    SERIOUS_BEHAVIOUR_ALERTS: {Role.SLT, Role.HEADTEACHER},
    DRAFT_GOVERNOR_REPORT: {Role.SLT, Role.HEADTEACHER},
    # The headteacher adds a commentary before publishing the termly report to governors (issue 7).
    PUBLISH_GOVERNOR_REPORT: {Role.HEADTEACHER},
    # Set-up "by the head or office" (issue 13 item 3); trust and district admins too (``_TRUST_GRANTS``).
    SETUP_SCHOOL: {Role.OFFICE, Role.HEADTEACHER},
    INVITE_STAFF: {Role.OFFICE, Role.HEADTEACHER},
    # Exports (issue 14 item 5): each list to whoever keeps it — the roster to the office and head (as
    # MANAGE_ROSTER), consent and signatures to those who manage them, behaviour to SLT and the DSL team. The full
    # school export is school data leaving the school: the headteacher only, not a trust admin.
    EXPORT_ROSTER: {Role.OFFICE, Role.HEADTEACHER},
    EXPORT_CONSENT: {Role.OFFICE, Role.SLT, Role.HEADTEACHER},
    EXPORT_SIGNATURES: {Role.OFFICE, Role.SLT, Role.HEADTEACHER},
    EXPORT_BEHAVIOUR: {Role.SLT, Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL},
    EXPORT_SCHOOL: {Role.HEADTEACHER},
    # Whoever sets the provider can sign in as any member of staff it vouches for: the headteacher for a school;
    # for a trust's own configuration the trust admin (``can`` with an ``Organisation``).
    SSO_CONFIGURE: {Role.HEADTEACHER},
    # The office runs the front desk; the head and SLT cover it (issue 13 item 7).
    FRONT_DESK: {Role.OFFICE, Role.SLT, Role.HEADTEACHER},
    # Who owns a policy, who reviews it, who approves it and how often: the head and SLT (issue 13 item 6).
    MANAGE_POLICY_REGISTER: {Role.SLT, Role.HEADTEACHER},
    # The behaviour policy rewards as well as sanctions: whoever may record an incident may record praise (issue 16).
    RECORD_ACHIEVEMENT: STAFF,
}

# A trust or district admin sees every school of the organisation, its roster and its reports, but no
# safeguarding detail and no write access to a school's roster (BRIEF: "never see safeguarding detail").
# A trust or district admin also sets a school up (calendar, year groups, classes) and invites its headteacher
# (``roles_grantable``), so a new campus can start before it has a head (issue 13).
_TRUST_GRANTS = {VIEW_SCHOOL, VIEW_ROSTER, VIEW_GOVERNANCE, VIEW_TRUST, VIEW_POLICIES, SETUP_SCHOOL, INVITE_STAFF}


# Roles ----------------------------------------------------------------------------------------------------------


@functools.cache
def _roles_sql():
    """The statement of ``_cache``, written once per process from the models' own table and column names."""
    quote = connections["default"].ops.quote_name

    def part(model, kind, place):
        meta = model._meta
        table, column = quote(meta.db_table), (lambda name: quote(meta.get_field(name).column))
        return (
            f"SELECT {kind}, {column(place)}, {column('role')} FROM {table} "  # noqa: S608 — names, not values
            f"WHERE {column('user')} = %s AND {column('ended_on')} IS NULL"
        )

    trust = (
        part(OrganisationRole, 1, "organisation")
        + f" AND {quote(OrganisationRole._meta.get_field('role').column)} = %s"
    )
    return f"{part(StaffRole, 0, 'school')} UNION ALL {trust}"


def _cache(user):
    """``user``'s current roles, kept on ``user`` for the request: ``{"school_roles": {school id: {role, …}},
    "organisation_ids": {id of each organisation they are a trust admin of}}``. "Current": not ended
    (``StaffRoleQuerySet.current``, which both role models use: ``ended_on`` is null).

    One statement for both kinds of role (every signed-in page asks it; two ORM queries cost about 0.9 ms of CPU,
    this 0.1 ms — issue 18 item 6); every value is a parameter."""
    cache = getattr(user, "_safeguard_roles", None)
    if cache is None:
        roles, organisation_ids = {}, set()
        with connections[router.db_for_read(StaffRole)].cursor() as cursor:
            cursor.execute(_roles_sql(), [user.pk, user.pk, OrganisationRoleKind.TRUST_ADMIN.value])
            for kind, place_id, role in cursor.fetchall():
                if kind == 0:
                    roles.setdefault(place_id, set()).add(role)
                else:
                    organisation_ids.add(place_id)
        cache = {"school_roles": roles, "organisation_ids": organisation_ids}
        user._safeguard_roles = cache
    return cache


def holders(school, capability):
    """The ids (set of int) of the users whose current roles in ``school`` grant ``capability`` — who is alerted or
    reminded (the DSL team, SLT, staff). Trust admins are not included: they hold no role in the school."""
    return set(
        StaffRole.objects.current()
        .filter(school=school, role__in=CAPABILITIES[capability])
        .values_list("user_id", flat=True)
    )


def forget_roles(user):
    """Drop the per-request cache of ``user``'s roles (after granting or ending a role)."""
    if hasattr(user, "_safeguard_roles"):
        del user._safeguard_roles


def roles_in(user, school):
    """The set of ``Role`` values ``user`` currently holds in ``school`` (empty for anonymous users)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(_cache(user)["school_roles"].get(school.pk, set()))


def is_trust_admin_for(user, school_or_organisation):
    """True if ``user`` administers the trust or district of a ``School`` (or the ``Organisation`` itself)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if isinstance(school_or_organisation, Organisation):
        organisation_id = school_or_organisation.pk
    else:
        organisation_id = school_or_organisation.organisation_id
    return organisation_id is not None and organisation_id in _cache(user)["organisation_ids"]


def _school_of(obj):
    if isinstance(obj, School):
        return obj
    school = getattr(obj, "school", None)
    if school is None:
        raise TypeError(f"Cannot tell which school {obj!r} belongs to.")
    return school


def can(user, capability, obj):
    """Whether ``user`` may use ``capability`` on ``obj``.

    Args:
        user: a ``User`` (or AnonymousUser — always False).
        capability: one of the capability constants of this module.
        obj: a ``School``, an ``Organisation`` (for ``VIEW_TRUST``), or any record with a ``school``.

    A ``Pupil`` is also visible to a parent or carer linked to it (``can_view_pupil``).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if capability in (VIEW_TRUST, MANAGE_SCHOOLS, MANAGE_TRUST_POLICIES):
        return isinstance(obj, Organisation) and is_trust_admin_for(user, obj)
    if capability == SSO_CONFIGURE and isinstance(obj, Organisation):
        return is_trust_admin_for(user, obj)
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}")
    school = _school_of(obj)
    if roles_in(user, school) & CAPABILITIES[capability]:
        return True
    return capability in _TRUST_GRANTS and is_trust_admin_for(user, school)


def roles_importable(user, school):
    """The staff roles a roster file (OneRoster) imported by ``user`` may give and end in ``school`` (a set of
    ``Role``): teacher and office staff, and headteacher only when ``roles_grantable`` lets the user appoint one. Never
    a DSL, SLT or governor role: those are chosen in the product, not by a file (issue 14)."""
    return {Role.TEACHER, Role.OFFICE} | ({Role.HEADTEACHER} & roles_grantable(user, school))


def may_administer_organisation(user, organisation):
    """Whether ``user`` runs ``organisation`` (a trust or district): holds ``MANAGE_SCHOOLS`` there, or is the
    installation's superuser (who created it on the first-run page). Used to appoint and end its administrators."""
    return user.is_superuser or can(user, MANAGE_SCHOOLS, organisation)


def roles_grantable(user, school):
    """The ``Role`` values ``user`` may give (and end) in ``school`` (a set; empty if they may not invite staff).

    The headteacher gives any role; office staff give the everyday ones (office, teacher, governor) but not the
    roles that open safeguarding records or lead the school; a trust or district admin appoints the headteacher only,
    so they never give themselves or anyone else a way into safeguarding detail (BRIEF: trust staff "never see
    safeguarding detail they are not entitled to").
    """
    if not can(user, INVITE_STAFF, school):
        return set()
    roles = roles_in(user, school)
    granted = set()
    if Role.HEADTEACHER in roles:
        granted |= set(Role)
    if Role.OFFICE in roles:
        granted |= {Role.OFFICE, Role.TEACHER, Role.GOVERNOR}
    if is_trust_admin_for(user, school):
        granted.add(Role.HEADTEACHER)
    return granted


def may_start_installation(user):
    """Whether ``user`` may use the first-run set-up page: a platform operator (superuser) on an installation with no
    trust, district or school yet (issue 13 item 1). Once anything exists the page is gone for everyone."""
    if not user.is_authenticated or not user.is_active or not user.is_superuser:
        return False
    return not Organisation.objects.exists() and not School.objects.exists()


def is_parent_of(user, pupil):
    """True if ``user``'s parent account is linked to ``pupil`` by a current guardian link."""
    if not user.is_authenticated or not user.is_active:
        return False
    return PupilGuardian.objects.current().filter(pupil=pupil, guardian__user=user).exists()


def has_parental_responsibility_for(user, pupil):
    """True if ``user`` is linked to ``pupil`` as a guardian with parental responsibility (may sign and consent)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        PupilGuardian.objects.current()
        .filter(pupil=pupil, guardian__user=user, has_parental_responsibility=True)
        .exists()
    )


# Scoped look-ups: 404 for "not yours" exactly as for "not there" --------------------------------------------------


def place_ids_for(user):
    """``(school ids, organisation ids)`` (two sets of int) behind ``schools_for`` and ``organisations_for``: the
    schools where ``user`` holds a current role, and the organisations they administer. ``schools_for`` is those
    schools and every school of those organisations. For a reader that cannot use a queryset (the navigation bar
    reads its places in one plain statement); no query once the request's roles are read."""
    if not user.is_authenticated:
        return set(), set()
    cache = _cache(user)
    return set(cache["school_roles"]), set(cache["organisation_ids"])


def schools_for(user):
    """Schools where ``user`` holds a current role, or that belong to a trust they administer."""
    school_ids, organisation_ids = place_ids_for(user)
    if not school_ids and not organisation_ids:
        return School.objects.none()
    return School.objects.filter(pk__in=school_ids) | School.objects.filter(organisation_id__in=organisation_ids)


def organisations_for(user):
    """Organisations ``user`` administers."""
    _school_ids, organisation_ids = place_ids_for(user)
    return Organisation.objects.filter(pk__in=organisation_ids) if organisation_ids else Organisation.objects.none()


def get_school_for_user(user, slug, capability=VIEW_SCHOOL):
    """The ``School`` with ``slug`` if ``user`` has ``capability`` there; raises ``Http404`` otherwise."""
    school = School.objects.select_related("organisation").filter(slug=slug).first()
    if school is None or not can(user, capability, school):
        raise Http404
    return school


def get_organisation_for_user(user, slug):
    """The ``Organisation`` with ``slug`` if ``user`` administers it; raises ``Http404`` otherwise."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not can(user, VIEW_TRUST, organisation):
        raise Http404
    return organisation


def get_pupil_for_user(user, school, public_id):
    """A pupil of ``school`` that ``user`` may see on the roster; raises ``Http404`` otherwise.

    The pupil must belong to ``school`` (the URL's school): a pupil of another school is "not found".
    """
    if not can(user, VIEW_ROSTER, school):
        raise Http404
    pupil = Pupil.objects.filter(school=school, public_id=public_id).first()
    if pupil is None:
        raise Http404
    return pupil


def get_child_for_parent(user, public_id):
    """A pupil linked to ``user``'s parent account by a current guardian link; raises ``Http404`` otherwise."""
    pupil = Pupil.objects.select_related("school", "year_group", "school_class").filter(public_id=public_id).first()
    if pupil is None or not is_parent_of(user, pupil):
        raise Http404
    return pupil


def can_work_on_policy_review(user, policy):
    """Whether ``user`` may start, draft and submit a review of ``policy`` (an ``aup.Policy`` of one school).

    Office staff, SLT and the headteacher may (``MANAGE_POLICY_REVIEWS``), and so may the policy's owner and the
    members of its review team while they can read the school's policies — the seeds name a review team ("reviewed
    by the Online Safety Group") and an owner (the DSL owns the child protection policy).
    """
    if policy.school_id is None or not can(user, VIEW_POLICIES, policy.school):
        return False
    if can(user, MANAGE_POLICY_REVIEWS, policy.school):
        return True
    return policy.owner_id == user.pk or policy.review_team.filter(pk=user.pk).exists()


# Incidents --------------------------------------------------------------------------------------------------------
#
# Safeguarding concerns: the DSL, deputies and the headteacher only (KCSIE; issue 6). The member of staff who raised
# one sees that they raised it and its status — never the DSL's notes, actions or chronology. Behaviour incidents
# (every other group): SLT, the head and the DSL team; the recorder; the class teachers of the pupils involved; anyone
# alerted to it; and anyone given an action on it. Governors, parents and trust admins see no incident (governors
# get counts in reports).


def _taught_class_ids(user, school):
    cache = _cache(user).setdefault("taught_classes", {})
    if school.pk not in cache:
        # No ordering: a set of ids needs none, and the model's ordering would join the school and year group.
        cache[school.pk] = set(user.classes_taught.filter(school=school).order_by().values_list("pk", flat=True))
    return cache[school.pk]


def incidents_visible_to(user, school, *, since=None):
    """The incidents of ``school`` whose full record ``user`` may read, as a queryset (voided ones included: callers
    hide them from lists). Safeguarding concerns only for the DSL team; raisers read them through
    ``can_see_concern_status``. Any other member of staff reads the behaviour incidents they recorded, of pupils in
    classes they teach, they were alerted to, or that carry an action assigned to them.

    ``since``: an aware ``datetime`` or None; when given, only the incidents that happened at or after it
    (``occurred_at``). For a reader of their own records each part of their set is narrowed before it is gathered,
    so the work follows the records since then rather than every year's (issue 18 item 4)."""
    from incidents.models import Incident

    incidents = Incident.objects.filter(school=school)
    if since is not None:
        incidents = incidents.filter(occurred_at__gte=since)
    if not can(user, RECORD_INCIDENT, school):
        return incidents.none()
    if can(user, VIEW_SAFEGUARDING, school):
        return incidents  # the DSL team and the head see everything, behaviour included
    behaviour = incidents.filter(is_safeguarding=False)
    if can(user, VIEW_ALL_BEHAVIOUR, school):
        return behaviour
    ids = _incident_ids_of_a_teacher(user, _taught_class_ids(user, school), since=since)
    if connections[behaviour.db].vendor != "postgresql":
        return behaviour.filter(pk__in=ids)
    from django.contrib.postgres.expressions import ArraySubquery

    return behaviour.filter(IsOneOf(F("pk"), ArraySubquery(ids)))


def reads_own_incidents_only(user, school):
    """Whether what ``user`` may read of ``school``'s incidents is only their own few (recorded, of their classes'
    pupils, alerted to, with an action for them: ``_incident_ids_of_a_teacher``) rather than every behaviour
    incident or every incident of the school (bool)."""
    return (
        can(user, RECORD_INCIDENT, school)
        and not can(user, VIEW_SAFEGUARDING, school)
        and not can(user, VIEW_ALL_BEHAVIOUR, school)
    )


def _incident_ids_of_a_teacher(user, class_ids, *, since=None):
    """The ids of the incidents ``user`` recorded, of pupils in ``class_ids`` (a set of ``SchoolClass`` ids), they
    were alerted to or have an action on, as one ``UNION ALL`` of four indexed look-ups — any school's, and an id may
    come twice: the caller narrows to its school. ``since`` (an aware ``datetime`` or None): the incidents the user
    recorded, were alerted to or have an action on, only from then (read by the indexes on (recorded_by,
    occurred_at) and on the alert's and the action's (recipient or assignee, incident_occurred_at)); the pupils'
    incidents of any date, as the caller narrows to ``occurred_at >= since`` when it fetches them.

    Not an ``OR`` of four ``EXISTS`` on each incident, which PostgreSQL can only test incident by incident across the
    whole school. On PostgreSQL the caller gathers these ids into an array once (``= ANY(ARRAY(…))``) and fetches
    them by primary key, so the cost follows the reader's few hundred incidents rather than the school's ten
    thousand. For a class teacher of the bench trust (production settings, warm cache) the list's count and page
    queries took about 0.7 ms each this way, 2 ms each with ``IN (… UNION ALL …)`` (a hash join over the school's
    incidents), and 2.5–3.5 ms for the count with the ``EXISTS``."""
    from incidents.models import Action, Alert, Incident, IncidentPupil

    # A teacher's alerts and actions pile up year after year, so each carries its incident's time. The pupils' part
    # is not joined to the incidents for ``since``: with no index of its own holding when the incident happened,
    # each row would cost a look-up of its incident there, and the caller's fetch by primary key
    # (``occurred_at >= since``) looks each gathered id up once anyway; joined, a row of this year was looked up
    # twice (bench trust, a class teacher: 3,000 buffers instead of 2,200 at 600,000 incidents). A class's pupils
    # are this year's, so that part grows with their years in the school only.
    alerts = Alert.objects.filter(recipient=user)
    actions = Action.objects.filter(assignee=user)
    if since is not None:
        alerts = alerts.filter(incident_occurred_at__gte=since)
        actions = actions.filter(incident_occurred_at__gte=since)
    parts = [alerts.values("incident_id"), actions.values("incident_id")]
    if class_ids:
        parts.append(IncidentPupil.objects.filter(pupil__school_class_id__in=class_ids).values("incident_id"))
    # A compound statement allows no ORDER BY in its parts (SQLite refuses one): the models' orderings go.
    recorded = Incident.objects.filter(recorded_by=user)
    if since is not None:
        recorded = recorded.filter(occurred_at__gte=since)
    recorded = recorded.values("pk").order_by()
    return recorded.union(*(part.order_by() for part in parts), all=True)


class IsOneOf(Func):
    """``value = ANY(array)`` (PostgreSQL), true when ``value`` is an element of ``array``."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection):
        (value, value_params), (array, array_params) = map(compiler.compile, self.get_source_expressions())
        return f"{value} = ANY({array})", (*value_params, *array_params)


def can_view_incident(user, incident):
    """Whether ``user`` may read ``incident``'s full record (see ``incidents_visible_to``)."""
    return incidents_visible_to(user, incident.school).filter(pk=incident.pk).exists()


def can_see_concern_status(user, incident):
    """The member of staff who raised a safeguarding concern sees that they raised it and its status."""
    return incident.is_safeguarding and incident.recorded_by_id == user.pk and can(user, RECORD_INCIDENT, incident)


def get_incident_for_user(user, school, public_id):
    """An incident of ``school`` that ``user`` may read in full; raises ``Http404`` otherwise (another school's, a
    concern the user may not read and a missing one all answer the same)."""
    incident = incidents_visible_to(user, school).filter(public_id=public_id).select_related("school").first()
    if incident is None:
        raise Http404
    return incident


def can_manage_incident(user, incident):
    """Close, void, set actions and sanctions: the DSL team for concerns; SLT, head and DSL team for behaviour (and
    the recorder may add actions and parent contacts — ``can_follow_up_incident``)."""
    if incident.is_safeguarding:
        return can(user, VIEW_SAFEGUARDING, incident)
    return can(user, MANAGE_INCIDENTS, incident)


def can_follow_up_incident(user, incident):
    """Add actions and parent contacts: whoever manages it, or the member of staff who recorded a behaviour
    incident."""
    if can_manage_incident(user, incident):
        return True
    return not incident.is_safeguarding and incident.recorded_by_id == user.pk and can(user, RECORD_INCIDENT, incident)


def can_view_chronology(user, school, pupil):
    """Whether ``user`` may open ``pupil``'s chronology: SLT and the DSL team (every pupil), or a class teacher of
    the pupil's class. Office staff, other teachers, governors, parents and trust admins may not. The chronology
    lists only incidents of ``incidents_visible_to`` either way (Westminster §11: each pupil's own sheet)."""
    if not can(user, RECORD_INCIDENT, school) or pupil.school_id != school.pk:
        return False
    if can(user, VIEW_SAFEGUARDING, school) or can(user, VIEW_ALL_BEHAVIOUR, school):
        return True
    return pupil.school_class_id is not None and pupil.school_class_id in _taught_class_ids(user, school)


def can_write_dsl_note(user, incident):
    """DSL notes are written on safeguarding concerns, by the DSL team only."""
    return incident.is_safeguarding and can(user, VIEW_SAFEGUARDING, incident.school)


def can_attach_to_incident(user, incident):
    """Whoever may follow an incident up, or the member of staff who recorded it (the raiser of a concern adds
    evidence as they raise it, without being able to read it back)."""
    if can_follow_up_incident(user, incident):
        return True
    return incident.recorded_by_id == user.pk and can(user, RECORD_INCIDENT, incident)


# Sections added by this session's parallel work: each is written by one hand only, below its own heading.

# Agreements: declining, expiry, chasing, sending to a selection (issue 17 items 2-5) ------------------------------

# Agreement templates and parents' history (issue 17 items 6-7) ---------------------------------------------------
#
# Templates are read on the agreement pages, so whoever writes agreements (MANAGE_AGREEMENTS) uses them. A parent's
# history lists what they gave — signatures and consent answers — for the children their account is still linked to;
# of another parent or carer it says only whether they have answered, never what (consent is each person's own act).
# A copy of a signed agreement is the signed document (``aup.documents.can_download_signed_document``); a copy of a
# consent response is for the parent who gave it.


def may_download_consent_copy(user, response):
    """Whether ``user`` may download the PDF copy of ``response`` (a ``consent.ConsentResponse``): the parent or carer
    who gave it, through their own guardian record, while that record is still linked to the pupil. The office and
    the pupil's other parents are not given it here (the office reads the pupil's consent record)."""
    if not user.is_authenticated or not user.is_active or response.guardian_id is None:
        return False
    if response.guardian.user_id != user.pk:
        return False
    return PupilGuardian.objects.current().filter(pupil_id=response.pupil_id, guardian_id=response.guardian_id).exists()


# Cases and linked incidents (issue 16 item 3) --------------------------------------------------------------------
#
# A case groups safeguarding concerns about a child or a family: the DSL team's only (KCSIE), behind the second factor
# as every concern is (the views ask for it). A link between two incidents is made and undone by whoever manages both
# (``can_manage_incident``), and is shown only to someone who may read both (``incidents_visible_to``).


def can_work_on_cases(user, school):
    """Open, read and change the cases of ``school``: the DSL team and the headteacher (``VIEW_SAFEGUARDING``)."""
    return can(user, VIEW_SAFEGUARDING, school)


def get_case_for_user(user, school, public_id):
    """A case of ``school`` for a member of its DSL team; raises ``Http404`` otherwise (another school's case, a
    missing one and anyone outside the DSL team all answer the same)."""
    from cases.models import Case

    if not can_work_on_cases(user, school):
        raise Http404
    case = Case.objects.filter(school=school, public_id=public_id).select_related("school", "owner").first()
    if case is None:
        raise Http404
    return case


def can_link_incidents(user, incident, other):
    """Link (or unlink) two incidents: both of one school, and ``user`` manages both (``can_manage_incident``: SLT,
    the head and the DSL team for behaviour; the DSL team for concerns)."""
    if incident.school_id != other.school_id or incident.pk == other.pk:
        return False
    return can_manage_incident(user, incident) and can_manage_incident(user, other)


# Positive behaviour (issue 16 item 6) ----------------------------------------------------------------------------
#
# Praise is recorded by any member of staff (RECORD_ACHIEVEMENT). It is read as the behaviour record is: SLT, the head
# and the DSL team see all of the school's; any other member of staff sees the praise they gave and that of pupils in
# classes they teach. Governors, parents and trust admins see none (the trust's dashboard counts it, naming nobody).


def achievements_visible_to(user, school):
    """The praise (``achievements.Achievement``) of ``school`` that ``user`` may read, as a queryset — withdrawn
    praise included (callers choose whether to list it). See the rule above this function."""
    from achievements.models import Achievement

    achievements = Achievement.objects.filter(school=school)
    if not can(user, RECORD_ACHIEVEMENT, school):
        return achievements.none()
    if can(user, VIEW_ALL_BEHAVIOUR, school) or can(user, VIEW_SAFEGUARDING, school):
        return achievements
    from django.db.models import Q

    return achievements.filter(Q(recorded_by=user) | Q(pupil__school_class_id__in=_taught_class_ids(user, school)))


def get_achievement_for_user(user, school, public_id):
    """Praise of ``school`` that ``user`` may read; raises ``Http404`` otherwise (another school's, someone else's
    pupil's and a missing one answer the same)."""
    achievement = (
        achievements_visible_to(user, school)
        .filter(public_id=public_id)
        .select_related("school", "pupil", "category", "recorded_by", "withdrawn_by")
        .first()
    )
    if achievement is None:
        raise Http404
    return achievement


def can_withdraw_achievement(user, achievement):
    """Withdraw praise given in error: the member of staff who gave it (while still staff of the school), or whoever
    manages the school's behaviour records (``MANAGE_INCIDENTS``: SLT, the head, the DSL team)."""
    if can(user, MANAGE_INCIDENTS, achievement.school):
        return True
    return achievement.recorded_by_id == user.pk and can(user, RECORD_ACHIEVEMENT, achievement.school)


# Saved filters and bulk actions on the incident log (issue 16 items 7, 9) -----------------------------------------


def can_keep_lesson_lists(user, school):
    """Add and remove the school's lesson periods and subjects: whoever sets the school up (``SETUP_SCHOOL``: the
    office, the headteacher, a trust admin) — they are the school's timetable, kept with its calendar, year groups
    and classes (issue 13), and hold nothing about a pupil."""
    return can(user, SETUP_SCHOOL, school)


def can_export_incident(user, incident):
    """Download ``incident`` in a spreadsheet (the incident list's selected records): a safeguarding concern for the
    DSL team only (the caller also requires the second factor, as for reading it); any other record for those who
    export behaviour (``EXPORT_BEHAVIOUR``), provided they may read it (``incidents_visible_to``, checked by the
    caller's look-up)."""
    if incident.is_safeguarding:
        return can(user, VIEW_SAFEGUARDING, incident.school)
    return can(user, EXPORT_BEHAVIOUR, incident.school)


def get_saved_filter_for_user(user, school, public_id):
    """``user``'s own saved filter ``public_id`` of ``school``'s incident list (not removed); raises ``Http404`` for
    anyone else's, exactly as for a missing one (saved filters are private)."""
    from incidents.models import SavedIncidentFilter

    saved = SavedIncidentFilter.objects.filter(
        public_id=public_id, school=school, owner=user, removed_at__isnull=True
    ).first()
    if saved is None or not can(user, RECORD_INCIDENT, school):
        raise Http404
    return saved


# Notification preferences (issue 16 item 8) ----------------------------------------------------------------------

# Alerts and action reminders go to members of staff only, so only they choose how those reach them — each their own
# choice (the page has no one else's). Parents, governors and trust admins get neither: the page is "not found".


def may_choose_notifications(user):
    """Whether ``user`` may open their own notification settings: they hold a current staff role (``STAFF``) in at
    least one school. No query beyond the per-request cache of roles."""
    if not user.is_authenticated or not user.is_active:
        return False
    return any(roles & STAFF for roles in _cache(user)["school_roles"].values())


# Pupils' own accounts (issue 14 item 1) --------------------------------------------------------------------------
#
# Where the school turns it on (``directory.PupilAccountSetting``), a pupil old enough gets an account by invitation.
# The account opens the pupil's own home and their own agreements, nothing else: a pupil holds no role, so every
# staff, roster and incident page already answers 404 (``get_school_for_user``). A pupil who has left, or whose
# school turned accounts off, keeps the account row but it opens nothing and cannot sign in.


def pupil_of_user(user, *, day=None):
    """The ``Pupil`` whose own account ``user`` is, while it gives access; None otherwise.

    Access holds while the user is active, the pupil is on roll on ``day`` (the school's today by default; a pupil
    whose ``left_on`` has come has left) and the pupil is still eligible under the school's setting
    (``safeguard.directory.pupil_accounts.pupil_is_eligible``: turned off means no access). Cached per request.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    cache = _cache(user)
    if "pupil_of_user" not in cache or day is not None:
        from safeguard.directory.pupil_accounts import pupil_is_eligible

        pupil = Pupil.objects.select_related("school", "year_group", "school_class").filter(user=user).first()
        if pupil is not None:
            today = day or pupil.school.today()
            if not pupil.is_on_roll(today) or not pupil_is_eligible(pupil, day=today):
                pupil = None
        if day is not None:
            return pupil
        cache["pupil_of_user"] = pupil
    return cache["pupil_of_user"]


def has_pupil_account(user):
    """True if ``user`` is linked to a pupil record as the pupil's own account (whether or not it gives access)."""
    return user.is_authenticated and Pupil.objects.filter(user=user).exists()


def pupil_account_closed(user):
    """True for a pupil's own account that opens nothing any more (the pupil left, or the school turned pupil
    accounts off) and that is nothing else: no role, no trust role, no parent record. Sign-in refuses it."""
    if not has_pupil_account(user) or pupil_of_user(user) is not None:
        return False
    cache = _cache(user)
    if cache["school_roles"] or cache["organisation_ids"]:
        return False
    return not PupilGuardian.objects.filter(guardian__user=user).exists()


def may_set_pupil_accounts(user, school):
    """Whether ``user`` may turn pupils' own accounts on or off for ``school``: the headteacher or office staff
    (``MANAGE_ROSTER``), on the set-up pages. Not a trust admin: whether a school's children have accounts is the
    school's decision."""
    return can(user, MANAGE_ROSTER, school)


def may_invite_pupil(user, pupil):
    """Whether ``user`` may send ``pupil`` an account invitation: whoever invites parents (``INVITE_GUARDIAN``:
    office staff and the headteacher) in the pupil's school."""
    return can(user, INVITE_GUARDIAN, pupil)


# Files prepared by the worker: large PDFs and class zips (issue 18 item 2, issue 17 item 8) ------------------------
