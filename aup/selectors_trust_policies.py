"""Reads of a trust's (or district's) own policies: the trust-wide policies it writes once for every school
(``Policy.organisation``). A record of another trust answers None, as one that does not exist."""

from django.db.models import Prefetch

from .models import Agreement, Policy, PolicyVersion
from .selectors_library import _with_versions


def _versions():
    return Prefetch("versions", queryset=PolicyVersion.objects.order_by("created_at"), to_attr="version_list")


def trust_policies(organisation):
    """The trust-wide policies of ``organisation`` with their versions loaded (three queries)."""
    policies = (
        Policy.objects.filter(organisation=organisation)
        .select_related("owner", "organisation")
        .prefetch_related(_versions())
        .order_by("title")
    )
    return _with_versions(list(policies))


def trust_policy(organisation, public_id):
    """The trust-wide policy ``public_id`` of ``organisation`` with its versions (oldest first) and review team; else
    None."""
    found = _with_versions(
        list(
            Policy.objects.filter(organisation=organisation, public_id=public_id)
            .select_related("owner", "organisation")
            .prefetch_related(_versions(), "review_team")
        )
    )
    return found[0] if found else None


def trust_version(organisation, public_id):
    """The version ``public_id`` of one of ``organisation``'s trust-wide policies; else None."""
    return (
        PolicyVersion.objects.filter(policy__organisation=organisation, public_id=public_id)
        .select_related("policy__organisation")
        .first()
    )


def trust_agreement(organisation, public_id):
    """The agreement ``public_id`` of one of ``organisation``'s trust-wide policies; else None."""
    return (
        Agreement.objects.filter(version__policy__organisation=organisation, public_id=public_id)
        .select_related("version__policy__organisation")
        .first()
    )
