"""Reads for single sign-on: which configuration an e-mail address belongs to, and which member of staff it names."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from safeguard.directory.models import OrganisationRole, StaffRole

from .models import SsoConfiguration


def email_domain(email):
    """The domain of ``email`` in lower case ("" when there is no @)."""
    return email.rsplit("@", 1)[1].strip().lower() if "@" in email else ""


def configuration_for_email(email):
    """The enabled ``SsoConfiguration`` whose allowed domains include ``email``'s domain, or None."""
    domain = email_domain(email)
    if not domain:
        return None
    candidates = SsoConfiguration.objects.filter(enabled=True, allowed_domains__icontains=domain).select_related(
        "school", "organisation"
    )
    return next((c for c in candidates if domain in c.domains), None)


def configurations_claiming(domains, *, exclude=None):
    """Enabled configurations (other than ``exclude``) that already claim any of ``domains`` (a list of str)."""
    found = []
    query = Q()
    for domain in domains:
        query |= Q(allowed_domains__icontains=domain)
    if not domains:
        return found
    candidates = SsoConfiguration.objects.filter(query, enabled=True).select_related("school", "organisation")
    if exclude is not None and exclude.pk:
        candidates = candidates.exclude(pk=exclude.pk)
    return [c for c in candidates if set(c.domains) & set(domains)]


def staff_user_for(configuration, email):
    """The active ``User`` with ``email`` (case-insensitive) who holds a current staff role in a school the
    configuration covers — or, for a trust's configuration, a current trust admin role there. None when there is
    no such person (a parent's address, someone not yet invited, a role that has ended) or the address is ambiguous.
    """
    users = list(get_user_model().objects.filter(email__iexact=email.strip(), is_active=True)[:2])
    if len(users) != 1:
        return None
    user = users[0]
    roles = StaffRole.objects.current().filter(user=user)
    if configuration.school_id:
        return user if roles.filter(school_id=configuration.school_id).exists() else None
    if roles.filter(school__organisation_id=configuration.organisation_id).exists():
        return user
    admins = OrganisationRole.objects.current().filter(user=user, organisation_id=configuration.organisation_id)
    return user if admins.exists() else None


def configuration_of(*, school=None, organisation=None):
    """The configuration of ``school`` or of ``organisation``, or None if none was saved yet."""
    if school is not None:
        return SsoConfiguration.objects.filter(school=school).first()
    return SsoConfiguration.objects.filter(organisation=organisation).first()
