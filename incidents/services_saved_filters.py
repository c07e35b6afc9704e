"""Saved filters of the incident list (issue 16 item 9): each member of staff saves the filter they use every day
("Year 9, open, bullying") under a name, applies it in one click and removes it when done with it. Private: only
their owner lists, applies or removes them; nothing is deleted (``removed_at``)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import SavedIncidentFilter

# The fields of ``incidents.forms_incidents.IncidentFilterForm`` a saved filter may hold.
FILTER_FIELDS = (
    "text",
    "date_from",
    "date_to",
    "group",
    "level",
    "status",
    "q",
    "year_group",
    "school_class",
    "period",
    "subject",
    "years",  # "all": a class teacher's every year rather than this academic year's (the list's default for them)
)
MAX_SAVED_FILTERS = 50  # per person and school: a list to choose from, not an archive
MAX_VALUE_LENGTH = 100


def clean_filters(values):
    """``{field: str}`` of the ``FILTER_FIELDS`` in ``values`` (a mapping of posted strings) that are not blank, in
    the order of ``FILTER_FIELDS``, each cut to 100 characters."""
    cleaned = {}
    for name in FILTER_FIELDS:
        value = " ".join(str(values.get(name) or "").split())[:MAX_VALUE_LENGTH]
        if value:
            cleaned[name] = value
    return cleaned


def saved_filter_save(*, actor, school, name, filters):
    """Save the incident list's filter ``filters`` under ``name`` for ``actor`` in ``school``; saving under a name
    they already use replaces that filter's values.

    Args:
        actor: a member of staff of ``school`` (``RECORD_INCIDENT``: whoever reads the incident list).
        name: 1–80 characters. filters: ``{field: value}`` as the list's form accepted it (see ``clean_filters``);
            at least one.

    Returns ``(saved filter, created)``; a repeat with the same values writes nothing. Raises ``PermissionError``;
    ``DomainError`` (codes "name", "filters"). Audit: ``incidents.saved_filter.saved`` (the name and the fields, not
    the words searched for).
    """
    if not permissions.can(actor, permissions.RECORD_INCIDENT, school):
        raise PermissionError("actor may not read this school's incident log")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the filter a name."), code="name")
    if len(name) > 80:
        raise DomainError(_("Use at most 80 characters for the name."), code="name")
    filters = clean_filters(filters)
    if not filters:
        raise DomainError(_("Choose a filter first, then save it."), code="filters")
    mine = SavedIncidentFilter.objects.filter(owner=actor, school=school, removed_at__isnull=True)
    with transaction.atomic():
        saved = mine.select_for_update().filter(name__iexact=name).first()
        if saved is not None and saved.filters == filters:
            return saved, False
        if saved is None:
            if mine.count() >= MAX_SAVED_FILTERS:
                raise DomainError(
                    _("You have %(count)s saved filters. Remove one you no longer use first.")
                    % {"count": MAX_SAVED_FILTERS},
                    code="name",
                )
            saved = SavedIncidentFilter.objects.create(owner=actor, school=school, name=name, filters=filters)
            created = True
        else:
            saved.filters = filters
            saved.save(update_fields=["filters", "updated_at"])
            created = False
        audit_log(
            actor=actor,
            action="incidents.saved_filter.saved",
            school=school,
            subject=saved,
            data={"name": name, "fields": sorted(filters), "replaced": not created},
        )
    return saved, created


def saved_filter_remove(*, actor, saved, now=None):
    """Remove ``actor``'s saved filter ``saved`` from their list (kept, with ``removed_at``). A repeat changes
    nothing. Raises ``PermissionError`` for anyone but its owner. Audit: ``incidents.saved_filter.removed``."""
    if saved.owner_id != actor.pk:
        raise PermissionError("a saved filter is its owner's only")
    if saved.removed_at is not None:
        return saved
    with transaction.atomic():
        saved.removed_at = now or timezone.now()
        saved.save(update_fields=["removed_at", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.saved_filter.removed",
            school=saved.school,
            subject=saved,
            data={"name": saved.name},
        )
    return saved
