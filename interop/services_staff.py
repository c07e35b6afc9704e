"""Staff from a OneRoster file: who is added, who gets a role, whose role ends, and the writes (issue 14 item 1).

The reader (``interop.readers.oneroster.staff_facts``) lists the school's staff in the file. Here each is matched to
an account — by the ``sourcedId`` remembered from an earlier import (``ExternalId`` kind staff), then by e-mail
address (any case) — and given the role their OneRoster role maps to (``STAFF_ROLE_MAP``). A missing account is
created with no usable password (``onboarding.services.invitations.account_for``); the person can sign in once they
accept the staff invitation, which the importing person chooses to send in the preview.

Rules:
* A role from the file is never a DSL, deputy DSL, SLT or governor role: the DSL is chosen in the product, by the
  headteacher (KCSIE: the governing body appoints the DSL; the file's SIS knows nothing of it).
* ``principal`` gives the headteacher role only when the importing person may appoint a headteacher
  (``permissions.roles_grantable``: the headteacher, or the trust or district admin); otherwise the preview names
  the principal as not appointed and nothing is given.
* Teachers, aides, counselors and proctors become teachers (the job title says which); ``administrator`` and
  ``siteAdministrator`` become office staff. Whoever may import the roster (``MANAGE_ROSTER`` in the school, or
  ``MANAGE_SCHOOLS`` for the district import) may give these two roles from the file; ``allowed_roles`` says so.
* A member of staff ``tobedeleted`` (the user, or every staff role row of theirs at the school) has the roles the
  file could have given ended on confirmation, never at preview; other roles (DSL, SLT, governor …) stay and are
  named, for a person to end on the staff page. Nobody's own role is ended by their own import.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from onboarding.services.invitations import account_for, staff_invitation_issue
from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.directory.models import Role, SchoolClass, StaffRole
from safeguard.directory.roster import _fold

from .models import ExternalId

# OneRoster 1.2 role → (our role, job title). Job titles are the file's own words, stored as data.
STAFF_ROLE_MAP = {
    "teacher": (Role.TEACHER, ""),
    "aide": (Role.TEACHER, "Aide"),
    "counselor": (Role.TEACHER, "Counselor"),
    "proctor": (Role.TEACHER, "Proctor"),
    "administrator": (Role.OFFICE, "Administrator"),
    "siteAdministrator": (Role.OFFICE, "Administrator"),
    "principal": (Role.HEADTEACHER, ""),
}
FILE_ROLES = {Role.TEACHER, Role.OFFICE}  # given by whoever may import the roster


def allowed_roles(actor, school):
    """The roles a OneRoster file imported by ``actor`` may give (and end) in ``school``: teacher and office staff,
    and headteacher when ``permissions.roles_grantable`` lets the actor appoint one. A set of ``Role``."""
    return permissions.roles_importable(actor, school)


@dataclass
class StaffChange:
    """One person of the file: ``user`` (the account, None when it will be created), ``roles`` to give or end
    (``Role`` values), ``job_title``, and where they are in the file (``sourced_id``, ``line`` of users.csv)."""

    sourced_id: str
    line: int
    name: str
    email: str
    user: object = None
    roles: list = field(default_factory=list)
    job_title: str = ""
    kept_roles: list = field(default_factory=list)

    @property
    def role_labels(self):
        return [Role(role).label for role in self.roles]


@dataclass
class StaffPlan:
    """What the file does to the school's staff: ``created`` (new accounts), ``updated`` (existing people given a
    role here), ``ending`` (roles to end on confirmation), ``unchanged`` (a count), ``not_added`` (names with the
    reason), and ``matched`` (sourcedId → ``StaffChange`` of every active person, for remembering sourcedIds and
    class teachers)."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    ending: list = field(default_factory=list)
    unchanged: int = 0
    not_added: list = field(default_factory=list)
    matched: dict = field(default_factory=dict)

    def counts(self):
        return {
            "staff_created": len(self.created),
            "staff_updated": len(self.updated),
            "staff_ending": len(self.ending),
            "staff_unchanged": self.unchanged,
        }

    @property
    def has_changes(self):
        return bool(self.created or self.updated or self.ending)


def build_staff_plan(*, school, facts, allowed):
    """Match the file's staff ``facts`` (``oneroster.staff_facts``) to accounts of ``school``; reads only.

    ``allowed``: the roles the import may give (``allowed_roles``). Returns a ``StaffPlan``. Two queries plus one
    per person not yet known by sourcedId (an e-mail look-up).
    """
    User = get_user_model()
    plan = StaffPlan()
    known = {
        link.source_id: link.user
        for link in ExternalId.objects.filter(
            school=school, source=ExternalId.Source.ONEROSTER, kind=ExternalId.Kind.STAFF
        ).select_related("user")
    }
    held = {}
    for staff_role in StaffRole.objects.current().filter(school=school):
        held.setdefault(staff_role.user_id, set()).add(staff_role.role)
    for fact in facts:
        name = f"{fact['given']} {fact['family']}".strip()
        user = known.get(fact["sourced_id"])
        if user is None and fact["email"]:
            user = User.objects.filter(email__iexact=fact["email"]).first()
        change = StaffChange(fact["sourced_id"], fact["line"], name, fact["email"], user=user)
        mapped = [STAFF_ROLE_MAP[role] for role in fact["roles"] if role in STAFF_ROLE_MAP]
        wanted = {role for role, _title in mapped}
        current = held.get(user.pk, set()) if user is not None else set()
        if fact["leaving"]:
            if user is None:
                continue
            change.roles = sorted(current & allowed)
            change.kept_roles = sorted(current - allowed)
            if change.roles:
                plan.ending.append(change)
            continue
        if Role.HEADTEACHER in wanted and Role.HEADTEACHER not in allowed:
            wanted.discard(Role.HEADTEACHER)
            if Role.HEADTEACHER not in current:
                plan.not_added.append(
                    (name, _("principal: only the headteacher or the district may appoint a headteacher"))
                )
        if user is None and not fact["email"]:
            if wanted:
                plan.not_added.append((name, _("no e-mail address in users.csv")))
            continue
        change.roles = sorted(wanted - current)
        change.job_title = next((title for role, title in mapped if title and role in wanted), "")
        plan.matched[fact["sourced_id"]] = change
        if user is None:
            if change.roles:
                plan.created.append(change)
            else:
                plan.matched.pop(fact["sourced_id"])
        elif change.roles:
            plan.updated.append(change)
        else:
            plan.unchanged += 1
    return plan


def class_teachers_to_add(*, school, plan, teacher_classes, academic_year):
    """``(class name, StaffChange)`` pairs of the file's teacher enrollments (``teacher_classes``: (class title,
    user sourcedId)) not already class teachers of that class in ``academic_year``. New classes count too."""
    if academic_year is None:
        return []
    existing = {
        (_fold(school_class.name), teacher.pk)
        for school_class in SchoolClass.objects.filter(school=school, academic_year=academic_year).prefetch_related(
            "teachers"
        )
        for teacher in school_class.teachers.all()
    }
    pairs, seen = [], set()
    for title, sourced_id in teacher_classes:
        change = plan.matched.get(sourced_id)
        if change is None or (title, sourced_id) in seen:
            continue
        seen.add((title, sourced_id))
        if change.user is not None and (_fold(title), change.user.pk) in existing:
            continue
        pairs.append((title, change))
    return pairs


def write_staff_plan(*, plan, school, actor, today, invite, class_teachers, academic_year):
    """Save ``plan`` for ``school`` (inside the caller's transaction): accounts, roles given and ended, sourcedIds,
    class teachers; and, when ``invite``, the staff invitation (``staff_invitation_issue``, e-mailed after commit)
    to every person given a role here who has no password yet. Audits ``interop.staff.roles_given`` and
    ``interop.staff.roles_ended`` per person. Returns ``{"invitations": n, "roles_ended": n}``."""
    invitations = ended = 0
    for change in plan.created + plan.updated:
        if change.user is None:
            change.user, _created = account_for(email=change.email, full_name=change.name)
        held = set(StaffRole.objects.current().filter(user=change.user, school=school).values_list("role", flat=True))
        given = [role for role in change.roles if role not in held]
        for role in given:
            staff_role = StaffRole(user=change.user, school=school, role=role, job_title=change.job_title)
            staff_role._history_user = actor
            staff_role.save()
        if given:
            audit_log(
                actor=actor,
                action="interop.staff.roles_given",
                school=school,
                subject=change.user,
                data={"roles": given, "sourced_id": change.sourced_id},
            )
        if invite and staff_invitation_issue(user=change.user, actor=actor, school=school) is not None:
            invitations += 1
        permissions.forget_roles(change.user)
    for change in plan.ending:
        if actor is not None and change.user.pk == actor.pk:
            continue  # nobody ends their own role (as ``staff_role_end``)
        roles = list(
            StaffRole.objects.current().filter(user=change.user, school=school, role__in=change.roles).order_by("role")
        )
        for staff_role in roles:
            staff_role.ended_on = today
            staff_role._history_user = actor
            staff_role.save(update_fields=["ended_on", "updated_at"])
        if roles:
            ended += len(roles)
            audit_log(
                actor=actor,
                action="interop.staff.roles_ended",
                school=school,
                subject=change.user,
                data={"roles": [r.role for r in roles], "ended_on": today.isoformat(), "sourced_id": change.sourced_id},
            )
        permissions.forget_roles(change.user)
    _remember(school, plan)
    if academic_year is not None and class_teachers:
        classes = {_fold(c.name): c for c in SchoolClass.objects.filter(school=school, academic_year=academic_year)}
        for title, change in class_teachers:
            school_class = classes.get(_fold(title))
            if school_class is not None and change.user is not None:
                school_class.teachers.add(change.user)
    return {"invitations": invitations, "roles_ended": ended}


def _remember(school, plan):
    """Record the sourcedId of every matched or created member of staff not yet recorded for ``school``."""
    known = set(
        ExternalId.objects.filter(
            school=school, source=ExternalId.Source.ONEROSTER, kind=ExternalId.Kind.STAFF
        ).values_list("source_id", flat=True)
    )
    new = [
        ExternalId(
            school=school,
            source=ExternalId.Source.ONEROSTER,
            kind=ExternalId.Kind.STAFF,
            source_id=sourced_id,
            user=change.user,
        )
        for sourced_id, change in plan.matched.items()
        if sourced_id not in known and change.user is not None
    ]
    ExternalId.objects.bulk_create(new)
