"""Reading a pupil's chronology, the front sheet of their child protection file, file transfers, who viewed their
record, and the printable forms (the local authority racist incident report, the St James online safety log).

Every ``select_related``/``prefetch_related`` of these pages lives here; tests pin the query counts, which do not
grow with the number of incidents. What a person may see comes from ``safeguard.permissions``
(``incidents_visible_to``): a chronology is built only from incidents the reader may read in full.
"""

import collections
import dataclasses
import datetime
import typing
import zoneinfo

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils.translation import gettext_lazy as _

from safeguard import permissions
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import PupilGuardian

from .models import (
    GROUP_FLAGS,
    Action,
    CategoryGroup,
    DSLNote,
    FileTransfer,
    Incident,
    IncidentCategory,
    IncidentPupil,
    ParentContact,
    Professional,
    Sanction,
)
from .tasks import TRANSFER_CONFIRMATION_SCHOOL_DAYS, school_days_between


class EntryKind:
    """The kinds of entry in a chronology, in the order they sort within the same moment."""

    INCIDENT = "incident"
    ACTION = "action"
    CONTACT = "contact"
    SANCTION = "sanction"
    NOTE = "note"

    CHOICES = [
        (INCIDENT, _("Incidents and concerns")),
        (ACTION, _("Actions")),
        (CONTACT, _("Contacts with the family")),
        (SANCTION, _("Sanctions and outcomes")),
        (NOTE, _("DSL notes")),
    ]
    ORDER = {value: index for index, (value, _label) in enumerate(CHOICES)}


ROLE_CHOICES = [
    (IncidentPupil.Role.ALLEGED_PERPETRATOR, _("Perpetrator")),
    (IncidentPupil.Role.VICTIM, _("Victim")),
    (IncidentPupil.Role.SUBJECT, _("Subject")),
    (IncidentPupil.Role.WITNESS, _("Witness")),
]


def can_view_chronology(user, school, pupil):
    """See ``safeguard.permissions.can_view_chronology`` (kept here for the views that import it)."""
    return permissions.can_view_chronology(user, school, pupil)


@dataclasses.dataclass
class Entry:
    """One line of a chronology.

    ``kind``: an ``EntryKind`` value; ``record``: the row (``Incident``, ``Action``, ``ParentContact``, ``Sanction``
    or ``DSLNote``); ``incident``: the incident it belongs to (with ``pupil_role``, the pupil's role in it);
    ``when``: an aware datetime, or a date for events that have no time (an action's due date, a sanction's start).
    """

    kind: str
    record: object
    incident: Incident
    when: object
    sort_key: tuple

    @property
    def has_time(self):
        return isinstance(self.when, datetime.datetime)

    @property
    def day(self):
        return self.sort_key[0]

    @property
    def role(self):
        return self.incident.pupil_role

    @property
    def role_label(self):
        return IncidentPupil.Role(self.incident.pupil_role).label

    @property
    def is_concern(self):
        return self.incident.is_safeguarding

    @property
    def is_backdated(self):
        """The incident was recorded more than a day after it happened."""
        return self.incident.created_at - self.incident.occurred_at > datetime.timedelta(days=1)


@dataclasses.dataclass
class Chronology:
    """A pupil's chronology: ``entries`` in date order (oldest first), ``incidents`` shown (after filters), and
    whether any of them is a safeguarding concern."""

    pupil: object
    entries: list
    incidents: list
    includes_safeguarding: bool
    includes_notes: bool

    @property
    def counts(self):
        counts = dict.fromkeys(EntryKind.ORDER, 0)
        for entry in self.entries:
            counts[entry.kind] += 1
        return counts


def _sort_key(when, zone, kind, pk):
    # Events that have a time come first on their day, in time order; then events with only a date.
    if isinstance(when, datetime.datetime):
        local = when.astimezone(zone)
        return (local.date(), 0, local.time(), EntryKind.ORDER[kind], pk)
    return (when, 1, datetime.time.min, EntryKind.ORDER[kind], pk)


def chronology_incidents(*, user, school, pupil, group=None, role=None):
    """The incidents of ``school`` involving ``pupil`` that ``user`` may read, voided ones left out, oldest first by
    when they happened (a backdated incident takes its true place). Each has ``pupil_role`` (the pupil's
    ``IncidentPupil.Role`` value), its categories and the recorder. Two queries.

    Args:
        group: a ``CategoryGroup`` value to keep only incidents of that group, or None.
        role: an ``IncidentPupil.Role`` value to keep only incidents where the pupil had that role, or None.
    """
    involvements = IncidentPupil.objects.filter(pupil=pupil)
    if role:
        involvements = involvements.filter(role=role)
    role_of_pupil = IncidentPupil.objects.filter(incident=OuterRef("pk"), pupil=pupil).values("role")[:1]
    incidents = (
        permissions.incidents_visible_to(user, school)
        .filter(voided_at__isnull=True, pk__in=involvements.values("incident_id"))
        .annotate(pupil_role=Subquery(role_of_pupil))
        .select_related("recorded_by", "closed_by")
        .prefetch_related(
            Prefetch("categories", queryset=IncidentCategory.objects.order_by("order", "name"), to_attr="category_list")
        )
        .order_by("occurred_at", "pk")
    )
    if group:
        incidents = incidents.filter(**{GROUP_FLAGS[CategoryGroup(group)]: True})
    return list(incidents)


def pupil_chronology(*, user, school, pupil, kinds=None, group=None, role=None, date_from=None, date_to=None):
    """A pupil's chronology as ``user`` may see it: every incident (voided ones left out), action, contact with the
    family and sanction involving the pupil, and — for the DSL team only — the DSL's notes, each at the date of the
    event itself (an incident when it happened, an action when it was done or else when it is due, a contact when
    it was made, a sanction when it starts, a note when it was written).

    Incidents where the pupil was the alleged perpetrator and where they were the victim are both listed, with the
    role (Westminster §11: "each individual having a separate sheet to allow monitoring of repeated incidents").

    Args:
        user: the reader; only incidents of ``permissions.incidents_visible_to(user, school)`` are used.
        kinds: ``EntryKind`` values to keep (None or empty: all).
        group, role: as ``chronology_incidents``; actions, contacts, sanctions and notes follow their incident.
        date_from, date_to: dates (school time), inclusive, or None.

    Returns a ``Chronology``. At most six queries, whatever the number of entries.
    """
    zone = zoneinfo.ZoneInfo(school.time_zone)
    incidents = chronology_incidents(user=user, school=school, pupil=pupil, group=group, role=role)
    with_notes = permissions.can(user, permissions.VIEW_SAFEGUARDING, school)
    kinds = set(kinds or EntryKind.ORDER)
    if not with_notes:
        kinds.discard(EntryKind.NOTE)
    by_id = {incident.pk: incident for incident in incidents}
    entries = []

    def add(kind, record, incident, when):
        entries.append(Entry(kind, record, incident, when, _sort_key(when, zone, kind, record.pk)))

    if EntryKind.INCIDENT in kinds:
        for incident in incidents:
            add(EntryKind.INCIDENT, incident, incident, incident.occurred_at)
    if by_id and EntryKind.ACTION in kinds:
        for action in Action.objects.filter(incident_id__in=by_id).select_related("assignee", "completed_by"):
            action.incident = by_id[action.incident_id]
            add(EntryKind.ACTION, action, action.incident, action.completed_at or action.due_on)
    if by_id and EntryKind.CONTACT in kinds:
        for contact in ParentContact.objects.filter(incident_id__in=by_id, pupil=pupil).select_related("recorded_by"):
            contact.incident = by_id[contact.incident_id]
            add(EntryKind.CONTACT, contact, contact.incident, contact.contacted_at)
    if by_id and EntryKind.SANCTION in kinds:
        sanctions = Sanction.objects.filter(incident_id__in=by_id, pupil=pupil, voided_at__isnull=True)
        for sanction in sanctions.select_related("recorded_by"):
            sanction.incident = by_id[sanction.incident_id]
            add(EntryKind.SANCTION, sanction, sanction.incident, sanction.starts_on)
    if by_id and EntryKind.NOTE in kinds:
        for note in DSLNote.objects.filter(incident_id__in=by_id).select_related("author"):
            note.incident = by_id[note.incident_id]
            add(EntryKind.NOTE, note, note.incident, note.created_at)
    if date_from:
        entries = [entry for entry in entries if entry.day >= date_from]
    if date_to:
        entries = [entry for entry in entries if entry.day <= date_to]
    entries.sort(key=lambda entry: entry.sort_key)
    shown = {entry.incident.pk for entry in entries}
    shown_incidents = [incident for incident in incidents if incident.pk in shown]
    return Chronology(
        pupil=pupil,
        entries=entries,
        incidents=shown_incidents,
        includes_safeguarding=any(incident.is_safeguarding for incident in shown_incidents),
        includes_notes=with_notes,
    )


class EntryKey(typing.NamedTuple):
    """Where an entry of a chronology sits, without its record: ``kind`` (an ``EntryKind`` value), ``pk`` of its
    record, ``incident_id``, and ``sort_key`` as ``Entry.sort_key``. A named tuple: the index makes one for every
    entry of the pupil's chronology (hundreds) on each view of a page, and a tuple is made several times faster than
    a frozen dataclass."""

    kind: str
    pk: int
    incident_id: int
    sort_key: tuple


@dataclasses.dataclass
class ChronologyIndex:
    """Every entry of a pupil's chronology as ``user`` may see it, without the records: ``keys`` (``EntryKey``, in
    date order, oldest first), ``incident_count`` (incidents with at least one entry shown), whether any of them is
    a safeguarding concern, and whether DSL notes are included. Page ``keys`` and load one page's records with
    ``chronology_entries``."""

    keys: list
    incident_count: int
    includes_safeguarding: bool
    includes_notes: bool


def chronology_index(*, user, school, pupil, kinds=None, group=None, role=None, date_from=None, date_to=None):
    """The entries ``pupil_chronology`` would return for the same arguments, as ``EntryKey``s only (a few columns
    per row, no model instances): a ``ChronologyIndex``. At most five queries, whatever the number of entries."""
    zone = zoneinfo.ZoneInfo(school.time_zone)
    involvements = IncidentPupil.objects.filter(pupil=pupil)
    if role:
        involvements = involvements.filter(role=role)
    incidents = permissions.incidents_visible_to(user, school).filter(
        voided_at__isnull=True, pk__in=involvements.values("incident_id")
    )
    if group:
        incidents = incidents.filter(**{GROUP_FLAGS[CategoryGroup(group)]: True})
    rows = list(incidents.order_by().values_list("pk", "occurred_at", "is_safeguarding"))
    concern = {pk: is_safeguarding for pk, _occurred_at, is_safeguarding in rows}
    with_notes = permissions.can(user, permissions.VIEW_SAFEGUARDING, school)
    kinds = set(kinds or EntryKind.ORDER)
    if not with_notes:
        kinds.discard(EntryKind.NOTE)
    keys = []

    def add(kind, pk, incident_id, when):
        keys.append(EntryKey(kind, pk, incident_id, _sort_key(when, zone, kind, pk)))

    if EntryKind.INCIDENT in kinds:
        for pk, occurred_at, _is_safeguarding in rows:
            add(EntryKind.INCIDENT, pk, pk, occurred_at)
    # The other records are found through the pupil's incidents (a subquery, not a list of ids: hundreds of
    # parameters cost more to compile than the rows cost to read), and kept when their incident is shown.
    of_pupil = involvements.values("incident_id")
    rows_of_kind = []
    if concern and EntryKind.ACTION in kinds:
        actions = Action.objects.filter(incident_id__in=of_pupil)
        rows_of_kind.append((EntryKind.ACTION, actions.values_list("pk", "incident_id", "completed_at", "due_on")))
    # Contacts and sanctions name the pupil themselves: read by the pupil's own index, and kept (below) only when
    # their incident is one of the incidents above, with no second look at the pupil's incidents.
    if concern and EntryKind.CONTACT in kinds:
        contacts = ParentContact.objects.filter(pupil=pupil)
        rows_of_kind.append((EntryKind.CONTACT, contacts.values_list("pk", "incident_id", "contacted_at")))
    if concern and EntryKind.SANCTION in kinds:
        sanctions = Sanction.objects.filter(pupil=pupil, voided_at__isnull=True)
        rows_of_kind.append((EntryKind.SANCTION, sanctions.values_list("pk", "incident_id", "starts_on")))
    if concern and EntryKind.NOTE in kinds:
        notes = DSLNote.objects.filter(incident_id__in=of_pupil)
        rows_of_kind.append((EntryKind.NOTE, notes.values_list("pk", "incident_id", "created_at")))
    for kind, values in rows_of_kind:
        for pk, incident_id, *dates in values.order_by():
            if incident_id in concern:
                add(kind, pk, incident_id, dates[0] or dates[-1])  # an action: when done, or else when due
    if date_from:
        keys = [key for key in keys if key.sort_key[0] >= date_from]
    if date_to:
        keys = [key for key in keys if key.sort_key[0] <= date_to]
    keys.sort(key=lambda key: key.sort_key)
    shown = {key.incident_id for key in keys}
    return ChronologyIndex(
        keys=keys,
        incident_count=len(shown),
        includes_safeguarding=any(concern[incident_id] for incident_id in shown),
        includes_notes=with_notes,
    )


# The columns of each record that the on-screen chronology shows (``views_chronology._chronology_rows``) and sorts by.
# A page of a hundred entries loading whole rows -- every incident's texts and, for each person named, the password
# hash and time stamps of their account -- spent about half its CPU turning columns it never shows into values
# (issue 18 item 6). A field not listed here still loads when read, with a query per record: list what a row shows.
_PERSON = ("full_name", "email")
ENTRY_FIELDS = {
    EntryKind.INCIDENT: (
        "public_id",
        "occurred_at",
        "created_at",
        "is_safeguarding",
        "status",
        "location",
        "location_detail",
        "behaviour_level",
        "bullying_type",
        "description",
        "immediate_action",
        "outcome",
        "outcome_rationale",
        "recorded_by",
        *(f"recorded_by__{name}" for name in _PERSON),
    ),
    EntryKind.ACTION: (
        "incident_id",
        "kind",
        "description",
        "due_on",
        "completed_at",
        "completion_note",
        "assignee",
        *(f"assignee__{name}" for name in _PERSON),
    ),
    EntryKind.CONTACT: (
        "incident_id",
        "method",
        "contact_name",
        "contacted_at",
        "summary",
        "recorded_by",
        *(f"recorded_by__{name}" for name in _PERSON),
    ),
    EntryKind.SANCTION: ("incident_id", "kind", "starts_on", "days", "reason_1", "reason_2", "reason_3", "notes"),
    EntryKind.NOTE: ("incident_id", "text", "created_at", "author", *(f"author__{name}" for name in _PERSON)),
}


def chronology_entries(*, pupil, keys):
    """The ``Entry`` of each of ``keys`` (from ``chronology_index``, which decided that the reader may see them), in
    the same order: its record, and its incident with ``pupil_role`` and ``category_list``, with what the on-screen
    chronology shows (the recorder of an incident and a contact, the assignee of an action, the author of a note —
    not who closed, completed or recorded a sanction, which the child protection file shows). Each record has the
    columns of ``ENTRY_FIELDS`` loaded (others load when read). At most seven queries, whatever the number of keys."""
    incident_ids = {key.incident_id for key in keys}
    wanted = collections.defaultdict(list)
    for key in keys:
        wanted[key.kind].append(key.pk)
    role_of_pupil = IncidentPupil.objects.filter(incident=OuterRef("pk"), pupil=pupil).values("role")[:1]
    incidents = {}
    if incident_ids:
        incidents = Incident.objects.filter(pk__in=incident_ids).annotate(pupil_role=Subquery(role_of_pupil))
        incidents = (
            incidents.select_related("recorded_by")
            .only(*ENTRY_FIELDS[EntryKind.INCIDENT])
            .prefetch_related(
                Prefetch(
                    "categories",
                    queryset=IncidentCategory.objects.only("name").order_by("order", "name"),
                    to_attr="category_list",
                )
            )
        )
        incidents = {incident.pk: incident for incident in incidents}
    records = {(EntryKind.INCIDENT, pk): incidents[pk] for pk in wanted[EntryKind.INCIDENT]}
    loaders = [
        (EntryKind.ACTION, Action.objects.select_related("assignee")),
        (EntryKind.CONTACT, ParentContact.objects.select_related("recorded_by")),
        (EntryKind.SANCTION, Sanction.objects.all()),
        (EntryKind.NOTE, DSLNote.objects.select_related("author")),
    ]
    for kind, queryset in loaders:
        if wanted[kind]:
            for record in queryset.filter(pk__in=wanted[kind]).only(*ENTRY_FIELDS[kind]):
                record.incident = incidents[record.incident_id]
                records[kind, record.pk] = record
    when = {
        EntryKind.INCIDENT: lambda record: record.occurred_at,
        EntryKind.ACTION: lambda record: record.completed_at or record.due_on,
        EntryKind.CONTACT: lambda record: record.contacted_at,
        EntryKind.SANCTION: lambda record: record.starts_on,
        EntryKind.NOTE: lambda record: record.created_at,
    }
    entries = []
    for key in keys:
        record = records[key.kind, key.pk]
        entries.append(Entry(key.kind, record, incidents[key.incident_id], when[key.kind](record), key.sort_key))
    return entries


# The front sheet of the child protection file -----------------------------------------------------------------------


def pupil_contacts(pupil):
    """The pupil's current parents, carers and other contacts, those with parental responsibility first, then in
    contact order, with their guardian record. One query."""
    return list(
        PupilGuardian.objects.current()
        .filter(pupil=pupil)
        .select_related("guardian")
        .order_by("-has_parental_responsibility", "contact_order", "pk")
    )


def pupil_professionals(pupil, *, include_ended=True):
    """Professionals involved with the pupil: those still involved first (by name), then those no longer involved,
    most recently ended first. One query."""
    professionals = Professional.objects.filter(pupil=pupil)
    if not include_ended:
        professionals = professionals.filter(ended_on__isnull=True)
    rows = list(professionals.order_by("name", "pk"))
    ended = sorted((row for row in rows if row.ended_on is not None), key=lambda row: row.ended_on, reverse=True)
    return [row for row in rows if row.ended_on is None] + ended


# File transfers -----------------------------------------------------------------------------------------------------


def transfer_is_overdue(transfer, today):
    """True if ``transfer`` has no confirmation of receipt and ``TRANSFER_CONFIRMATION_SCHOOL_DAYS`` school days
    (5) have passed since it was sent, counted on the school's calendar — terms and breaks (``tasks.
    school_days_between``): sent on a Friday in term, overdue from the next Friday; sent before half-term, the week
    of half-term does not count. ``today``: the school's date. Two queries for an unconfirmed transfer."""
    if transfer.receipt_confirmed_at is not None:
        return False
    sent_on = transfer.sent_at.astimezone(zoneinfo.ZoneInfo(transfer.school.time_zone)).date()
    return school_days_between(transfer.school, sent_on, today) >= TRANSFER_CONFIRMATION_SCHOOL_DAYS


def file_transfers(*, school, pupil=None, today=None):
    """The child protection file transfers of ``school`` (or of one ``pupil``), newest first, each with
    ``is_overdue`` set (see ``transfer_is_overdue``). One query, and two for each unconfirmed transfer sent on a
    different day (the school's calendar; a school has a handful awaiting confirmation at a time)."""
    today = today or school.today()
    transfers = FileTransfer.objects.filter(school=school).select_related("pupil__school_class", "sent_by", "school")
    if pupil is not None:
        transfers = transfers.filter(pupil=pupil)
    transfers = list(transfers.order_by("-sent_at", "-pk"))
    overdue_by_day = {}
    for transfer in transfers:
        if transfer.receipt_confirmed_at is not None:
            transfer.is_overdue = False
            continue
        sent_on = transfer.sent_at.astimezone(zoneinfo.ZoneInfo(school.time_zone)).date()
        if sent_on not in overdue_by_day:
            overdue_by_day[sent_on] = transfer_is_overdue(transfer, today)
        transfer.is_overdue = overdue_by_day[sent_on]
    return transfers


# Who viewed ---------------------------------------------------------------------------------------------------------

VIEW_SUFFIXES = (".viewed", ".downloaded", ".printed")


def record_views(*, school, pupil):
    """Audit events recording that someone viewed, downloaded or printed the pupil's record: events of ``school``
    whose subject is the pupil or one of the incidents the pupil is involved in (voided ones included), with an
    action ``incidents.….viewed`` / ``.downloaded`` / ``.printed`` — or ``reports.…`` for a dashboard list that
    showed one of the pupil's concerns (``incidents.services.concerns_shown_log``), or ``cases.…`` for a case that
    names the pupil (``cases.views``: one event per pupil shown). Newest first, with the actor.
    A queryset: one query for the incidents' ids here, one per page when evaluated."""
    incident_ids = [
        str(public_id)
        for public_id in Incident.objects.filter(school=school, involvements__pupil=pupil).values_list(
            "public_id", flat=True
        )
    ]
    pupil_type = pupil._meta.label_lower
    incident_type = Incident._meta.label_lower
    views = Q()
    for suffix in VIEW_SUFFIXES:
        views |= Q(action__endswith=suffix)
    return (
        AuditEvent.objects.filter(school=school)
        # Lists and drill-downs too; and the DSL team's cases that name the pupil.
        .filter(Q(action__startswith="incidents.") | Q(action__startswith="reports.") | Q(action__startswith="cases."))
        .filter(views)
        .filter(
            Q(subject_type=pupil_type, subject_id=str(pupil.public_id))
            | Q(subject_type=incident_type, subject_id__in=incident_ids)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


# Printable forms ----------------------------------------------------------------------------------------------------


def is_racist_incident(incident):
    """Whether the local authority's racist incident report applies: a prejudice-related incident (racist,
    homophobic or disablist category — the LA form covers prejudice-related incidents) or racist bullying
    (Westminster §11: "Report the incident to the Local Authority using the racist incident monitoring form")."""
    from .models import BullyingType

    return incident.is_prejudice or incident.bullying_type == BullyingType.RACIST


def racist_incident_report(incident):
    """Everything the racist incident report shows for ``incident``: its categories, the pupils involved (with role,
    year group and class), actions, contacts with families and sanctions. A fixed number of queries."""
    incident = (
        Incident.objects.filter(pk=incident.pk)
        .select_related("school", "recorded_by", "closed_by", "la_report_sent_by")
        .prefetch_related(
            Prefetch(
                "categories", queryset=IncidentCategory.objects.order_by("order", "name"), to_attr="category_list"
            ),
            Prefetch(
                "involvements",
                queryset=IncidentPupil.objects.select_related("pupil__year_group", "pupil__school_class").order_by(
                    "role", "pupil__legal_last_name", "pupil__legal_first_name"
                ),
                to_attr="involvement_list",
            ),
            Prefetch(
                "actions",
                queryset=Action.objects.select_related("assignee", "completed_by").order_by("due_on", "pk"),
                to_attr="action_list",
            ),
            Prefetch(
                "parent_contacts",
                queryset=ParentContact.objects.select_related("pupil", "recorded_by").order_by("contacted_at", "pk"),
                to_attr="contact_list",
            ),
            Prefetch(
                "sanctions",
                queryset=Sanction.objects.filter(voided_at__isnull=True)
                .select_related("pupil")
                .order_by("starts_on", "pk"),
                to_attr="sanction_list",
            ),
        )
        .get()
    )
    return incident


def online_safety_log(*, user, school, date_from, date_to):
    """The online safety log (St James: "recorded in the Online Safety Logbook"): online safety incidents of
    ``school`` that ``user`` may read (concerns only for the DSL team), voided ones left out, that happened from
    ``date_from`` to ``date_to`` (dates, school time, inclusive), oldest first — each with its categories, the
    pupils involved (with class) and its actions. A fixed number of queries."""
    zone = zoneinfo.ZoneInfo(school.time_zone)
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return list(
        permissions.incidents_visible_to(user, school)
        .filter(is_online_safety=True, voided_at__isnull=True, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("recorded_by", "closed_by")
        .prefetch_related(
            Prefetch(
                "categories", queryset=IncidentCategory.objects.order_by("order", "name"), to_attr="category_list"
            ),
            Prefetch(
                "involvements",
                queryset=IncidentPupil.objects.select_related("pupil__school_class").order_by("role", "pk"),
                to_attr="involvement_list",
            ),
            Prefetch(
                "actions",
                queryset=Action.objects.select_related("assignee").order_by("due_on", "pk"),
                to_attr="action_list",
            ),
        )
        .order_by("occurred_at", "pk")
    )
