"""The first run of an installation and a trust's or district's schools (issue 13 items 1 and 2)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import Organisation, OrganisationRole, OrganisationRoleKind, Role, School, StaffRole

from .invitations import account_for, staff_invitation_issue

SCHOOL_FIELDS = (
    "name",
    "phase",
    "country",
    "time_zone",
    "default_language",
    "calendar_model",
    "urn",
    "laestab",
    "district_code",
)

# A new school's defaults by country: time zone, language, calendar (issue 13: "one product for England, Türkiye
# and the US"). The person setting up can change each of them.
COUNTRY_DEFAULTS = {
    School.Country.ENGLAND: {"time_zone": "Europe/London", "default_language": "en-gb", "calendar_model": "terms"},
    School.Country.WALES: {"time_zone": "Europe/London", "default_language": "en-gb", "calendar_model": "terms"},
    School.Country.SCOTLAND: {"time_zone": "Europe/London", "default_language": "en-gb", "calendar_model": "terms"},
    School.Country.NORTHERN_IRELAND: {
        "time_zone": "Europe/London",
        "default_language": "en-gb",
        "calendar_model": "terms",
    },
    School.Country.TURKEY: {"time_zone": "Europe/Istanbul", "default_language": "tr", "calendar_model": "semesters"},
    School.Country.UNITED_STATES: {
        "time_zone": "America/New_York",
        "default_language": "en-gb",
        "calendar_model": "semesters",
    },
}


def unique_slug(model, name):
    """A slug for ``name`` not yet used by ``model`` ("oak-primary", then "oak-primary-2", …)."""
    base = slugify(name)[:40] or "school"
    slug, number = base, 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _clean_school(school):
    """Validate ``school`` (unsaved or changed) and its codes; raise ``DomainError`` with every problem."""
    if school.country != School.Country.ENGLAND and (school.urn or school.laestab):
        # URN and LAESTAB are the DfE's numbers for schools in England; they mean nothing elsewhere.
        raise DomainError(_("URN and LAESTAB are only for schools in England."), code="codes")
    try:
        school.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="invalid") from error


def _new_school(*, organisation, fields):
    school = School(organisation=organisation, **{name: fields.get(name, "") or "" for name in ("urn", "laestab")})
    for name in SCHOOL_FIELDS:
        value = fields.get(name)
        if value not in (None, ""):
            setattr(school, name, value.strip() if isinstance(value, str) else value)
    # Left blank, the time zone, language and calendar are the country's usual ones.
    for name, value in COUNTRY_DEFAULTS.get(school.country, {}).items():
        if not fields.get(name):
            setattr(school, name, value)
    school.slug = unique_slug(School, school.name)
    _clean_school(school)
    school.save()
    return school


def installation_start(*, actor, kind, name, admin_email, admin_name, school_fields=None, now=None, ip_address=None):
    """Create the installation's first trust or district, or a stand-alone school, and invite its administrator.

    Args:
        actor: a superuser on an empty installation (``permissions.may_start_installation``).
        kind: "trust" or "district" (an ``Organisation.Kind``), or "school" (a school with no trust).
        name: the trust's or district's name (unused for a school, whose name is in ``school_fields``).
        admin_email, admin_name: who runs it — a trust or district admin, or the school's headteacher; an
            existing account is used as it is (the superuser may name themselves).
        school_fields: for kind "school", a dict of ``SCHOOL_FIELDS``.

    Returns the ``Organisation`` or ``School``. Raises ``PermissionError`` when the installation is not empty or the
    actor is not a superuser, ``DomainError`` for invalid school details.
    """
    if not permissions.may_start_installation(actor):
        raise PermissionError("only a superuser, and only on an empty installation")
    with transaction.atomic():
        user, _created = account_for(email=admin_email, full_name=admin_name)
        if kind == "school":
            place = _new_school(organisation=None, fields=school_fields or {})
            StaffRole.objects.create(user=user, school=place, role=Role.HEADTEACHER)
            invitation = staff_invitation_issue(user=user, actor=actor, school=place, now=now, ip_address=ip_address)
            audit_school = place
        elif kind in (Organisation.Kind.TRUST, Organisation.Kind.DISTRICT):
            place = Organisation(name=name.strip(), kind=kind, slug=unique_slug(Organisation, name))
            place.full_clean()
            place.save()
            OrganisationRole.objects.create(user=user, organisation=place, role=OrganisationRoleKind.TRUST_ADMIN)
            invitation = staff_invitation_issue(
                user=user, actor=actor, organisation=place, now=now, ip_address=ip_address
            )
            audit_school = None
        else:
            raise DomainError(_("Choose a trust, a district or a school."), code="kind")
        audit_log(
            actor=actor,
            action="onboarding.installation.started",
            school=audit_school,
            subject=place,
            data={"kind": kind, "administrator": str(user.public_id), "invited": invitation is not None},
            ip_address=ip_address,
        )
        permissions.forget_roles(user)
    return place


def school_create(*, actor, organisation, fields, ip_address=None):
    """Add a school to ``organisation`` (a trust or district the actor administers); return the ``School``.

    ``fields``: a dict of ``SCHOOL_FIELDS`` (URN and LAESTAB only for England). Raises ``PermissionError`` if the
    actor does not administer the organisation, ``DomainError`` for invalid details.
    """
    if not permissions.can(actor, permissions.MANAGE_SCHOOLS, organisation):
        raise PermissionError("actor does not administer this organisation")
    with transaction.atomic():
        school = _new_school(organisation=organisation, fields=fields)
        audit_log(
            actor=actor,
            action="onboarding.school.created",
            school=school,
            subject=school,
            data={"organisation": str(organisation.public_id)},
            ip_address=ip_address,
        )
    return school


def school_update(*, actor, school, fields, ip_address=None):
    """Change a school's details (``fields``: a dict of some of ``SCHOOL_FIELDS``); return the names changed.

    The trust or district admin of the school may. A repeat with the same values changes nothing and writes no
    audit event. Raises ``PermissionError``, ``DomainError`` for invalid details.
    """
    if school.organisation_id is None or not permissions.can(actor, permissions.MANAGE_SCHOOLS, school.organisation):
        raise PermissionError("actor does not administer this school's organisation")
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        changed = {}
        for name in SCHOOL_FIELDS:
            if name not in fields:
                continue
            value = fields[name].strip() if isinstance(fields[name], str) else fields[name]
            if getattr(school, name) != value:
                changed[name] = [getattr(school, name), value]
                setattr(school, name, value)
        if not changed:
            return []
        _clean_school(school)
        school.save()
        audit_log(
            actor=actor,
            action="onboarding.school.updated",
            school=school,
            subject=school,
            data={"changed": changed},
            ip_address=ip_address,
        )
    return sorted(changed)


def organisation_admin_invite(*, actor, organisation, email, full_name, now=None, ip_address=None):
    """Make a person an administrator of ``organisation`` (a trust or district the actor administers, or the
    installation's superuser) and e-mail them an invitation if they have no password yet.

    Returns ``(user, created)`` — ``created`` False when they already were one (nothing changes, nothing is sent).
    Raises ``PermissionError``.
    """
    if not permissions.may_administer_organisation(actor, organisation):
        raise PermissionError("actor does not administer this organisation")
    with transaction.atomic():
        user, _new = account_for(email=email, full_name=full_name)
        if OrganisationRole.objects.current().filter(user=user, organisation=organisation).exists():
            return user, False
        OrganisationRole.objects.create(user=user, organisation=organisation, role=OrganisationRoleKind.TRUST_ADMIN)
        audit_log(
            actor=actor,
            action="onboarding.organisation_admin.added",
            subject=organisation,
            data={"user": str(user.public_id)},
            ip_address=ip_address,
        )
        staff_invitation_issue(user=user, actor=actor, organisation=organisation, now=now, ip_address=ip_address)
        permissions.forget_roles(user)
    return user, True


def organisation_admin_end(*, actor, organisation, user, ended_on=None, now=None, ip_address=None):
    """End ``user``'s administrator role in ``organisation`` on ``ended_on`` (a date; today in UTC by default): they
    no longer see the trust's or district's schools. The row stays with its history.

    Returns the ended ``OrganisationRole``, or None when the person was not an administrator (a repeat changes
    nothing). Raises ``PermissionError`` unless the actor administers the organisation (or is the installation's
    superuser); ``DomainError`` when someone tries to end their own role — another administrator does it, so the
    trust is never left with nobody to run it by one click.
    """
    if not permissions.may_administer_organisation(actor, organisation):
        raise PermissionError("actor does not administer this organisation")
    if actor.pk == user.pk:
        raise DomainError(_("You cannot end your own role. Ask another administrator to do it."), code="own_role")
    ended_on = ended_on or (now or timezone.now()).date()
    with transaction.atomic():
        role = (
            OrganisationRole.objects.current()
            .select_for_update()
            .filter(user=user, organisation=organisation, role=OrganisationRoleKind.TRUST_ADMIN)
            .first()
        )
        if role is None:
            return None
        role.ended_on = ended_on
        role.save(update_fields=["ended_on", "updated_at"])
        audit_log(
            actor=actor,
            action="onboarding.organisation_admin.ended",
            subject=organisation,
            data={"user": str(user.public_id), "ended_on": ended_on.isoformat()},
            ip_address=ip_address,
        )
        permissions.forget_roles(user)
    return role
