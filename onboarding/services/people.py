"""Staff and their roles: invite with one or more roles and a job title, end a role (issue 13 item 4).

Roles are ``directory.StaffRole`` rows; ending one sets ``ended_on`` and keeps the row (and its history).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import Role, School, StaffRole

from .invitations import account_for, staff_invitation_issue

# The words a country uses for a role, where they differ from England's (issue 13 item 4 and item 9).
_COUNTRY_ROLE_LABELS = {
    School.Country.UNITED_STATES: {
        Role.HEADTEACHER: gettext_lazy("Principal"),
        Role.GOVERNOR: gettext_lazy("Board member"),
        Role.SLT: gettext_lazy("Administration team"),
    },
    School.Country.TURKEY: {
        Role.HEADTEACHER: gettext_lazy("Principal"),
        Role.SLT: gettext_lazy("Deputy principals"),
    },
}


def role_label(role, country):
    """The name of ``role`` (a ``Role`` value) in a school of ``country`` (a ``School.Country`` value), e.g.
    "Principal" for a US headteacher and "Board member" for a US governor; England's words otherwise."""
    return _COUNTRY_ROLE_LABELS.get(country, {}).get(role) or Role(role).label


def role_choices(roles, country):
    """``(value, label)`` pairs for ``roles`` (Role values) in the order of ``Role``, named for ``country``."""
    return [(role.value, role_label(role, country)) for role in Role if role in roles]


def staff_invite(*, actor, school, email, full_name, roles, job_title="", now=None, ip_address=None):
    """Give a person one or more roles in ``school`` and, if they have no password yet, e-mail them an invitation.

    Args:
        actor: the ``User`` inviting; each role must be in ``permissions.roles_grantable(actor, school)``.
        school: the ``School``.
        email, full_name: the person (str); an existing account with that e-mail address is used as it is.
        roles: an iterable of ``Role`` values (at least one).
        job_title: str, set on the roles given now.
        now: aware datetime for tests.

    Returns ``(user, created_roles)`` — the roles the person did not hold already (a repeat changes nothing and
    sends nothing; a repeat with a different job title changes the title on the roles named). Raises
    ``PermissionError`` for a role the actor may not give, ``DomainError`` for no role.
    """
    roles = {Role(role) for role in roles}
    if not roles:
        raise DomainError(_("Choose at least one role."), code="no_role")
    if not roles <= permissions.roles_grantable(actor, school):
        raise PermissionError("actor may not give these roles in this school")
    now = now or timezone.now()
    with transaction.atomic():
        user, _created = account_for(email=email, full_name=full_name)
        held = set(StaffRole.objects.current().filter(user=user, school=school).values_list("role", flat=True))
        created_roles = []
        for role in sorted(roles - held):
            StaffRole.objects.create(user=user, school=school, role=role, job_title=job_title.strip())
            created_roles.append(role)
        retitled = []
        if job_title.strip():
            # Inviting someone again with a new job title changes it on the roles named (item 4: job title).
            for staff_role in StaffRole.objects.current().filter(user=user, school=school, role__in=roles & held):
                if staff_role.job_title != job_title.strip():
                    staff_role.job_title = job_title.strip()
                    staff_role.save(update_fields=["job_title", "updated_at"])
                    retitled.append(staff_role.role)
        if retitled:
            audit_log(
                actor=actor,
                action="onboarding.staff.job_title_changed",
                school=school,
                subject=user,
                data={"roles": sorted(retitled), "job_title": job_title.strip()},
                ip_address=ip_address,
            )
        if created_roles:
            audit_log(
                actor=actor,
                action="onboarding.staff.roles_given",
                school=school,
                subject=user,
                data={"roles": created_roles, "job_title": job_title.strip()},
                ip_address=ip_address,
            )
            staff_invitation_issue(user=user, actor=actor, school=school, now=now, ip_address=ip_address)
        permissions.forget_roles(user)
    return user, created_roles


def staff_invitation_resend(*, actor, school, user, now=None, ip_address=None):
    """Send a new invitation link to a member of staff of ``school`` who has not set a password yet.

    Raises ``PermissionError`` if the actor may not invite staff there or the person holds no current role there,
    ``DomainError`` if they can already sign in.
    """
    if not permissions.can(actor, permissions.INVITE_STAFF, school):
        raise PermissionError("actor may not invite staff in this school")
    with transaction.atomic():
        if not StaffRole.objects.current().filter(user=user, school=school).exists():
            raise PermissionError("not a member of staff of this school")
        invitation = staff_invitation_issue(user=user, actor=actor, school=school, now=now, ip_address=ip_address)
        if invitation is None:
            raise DomainError(
                _("%(name)s has already set a password and can sign in.") % {"name": user}, code="has_password"
            )
    return invitation


def staff_role_end(*, actor, school, user, role, ended_on=None, now=None, ip_address=None):
    """End ``user``'s current ``role`` (a ``Role`` value) in ``school`` on ``ended_on`` (a date; the school's today).

    The row stays, with its history; the rights go at once. Returns the ended ``StaffRole``, or None if the person
    did not hold the role (a repeat changes nothing). Raises ``PermissionError`` for a role the actor may not give,
    ``DomainError`` when someone tries to end their own role (ask a colleague: nobody locks themselves out).
    """
    role = Role(role)
    if role not in permissions.roles_grantable(actor, school):
        raise PermissionError("actor may not end this role in this school")
    if actor.pk == user.pk:
        raise DomainError(_("You cannot end your own role. Ask a colleague to do it."), code="own_role")
    ended_on = ended_on or school.today(now)
    with transaction.atomic():
        staff_role = StaffRole.objects.current().select_for_update().filter(user=user, school=school, role=role).first()
        if staff_role is None:
            return None
        staff_role.ended_on = ended_on
        staff_role.save(update_fields=["ended_on", "updated_at"])
        audit_log(
            actor=actor,
            action="onboarding.staff.role_ended",
            school=school,
            subject=user,
            data={"role": role.value, "ended_on": ended_on.isoformat()},
            ip_address=ip_address,
        )
        permissions.forget_roles(user)
    return staff_role


def staff_member_update(*, actor, school, user, full_name, job_title, ip_address=None):
    """Change a member of staff's name and the job title of their current roles in ``school``; return the names of
    what changed (``["full_name", "job_title"]``, empty on a repeat).

    Args:
        actor: the ``User`` changing it; they must be able to give every current role the person holds in ``school``
            (``permissions.roles_grantable``): office staff may rename a teacher but not the DSL.
        user: the person (a ``User`` with a current role in ``school``). The name is their account's, shown in every
            school where they work.
        full_name: str, not empty; job_title: str ("" for none), set on each of their current roles in ``school``.

    Raises ``PermissionError`` (no current role here, or a role the actor may not give), ``DomainError`` for an
    empty name.
    """
    full_name, job_title = full_name.strip(), job_title.strip()
    if not full_name:
        raise DomainError(_("Give the person's full name."), code="name")
    with transaction.atomic():
        roles = list(StaffRole.objects.current().select_for_update().filter(user=user, school=school))
        if not roles:
            raise PermissionError("not a member of staff of this school")
        if not {Role(role.role) for role in roles} <= permissions.roles_grantable(actor, school):
            raise PermissionError("actor may not change a person who holds these roles")
        changed = {}
        if user.full_name != full_name:
            changed["full_name"] = [user.full_name, full_name]
            user.full_name = full_name
            user.save(update_fields=["full_name", "updated_at"])
        retitled = [role for role in roles if role.job_title != job_title]
        if retitled:
            changed["job_title"] = [retitled[0].job_title, job_title]
            for role in retitled:
                role.job_title = job_title
                role.save(update_fields=["job_title", "updated_at"])
        if changed:
            audit_log(
                actor=actor,
                action="onboarding.staff.details_changed",
                school=school,
                subject=user,
                data={"changed": changed},
                ip_address=ip_address,
            )
    return sorted(changed)
