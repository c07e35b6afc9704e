"""Reads of the incident log: the incident list with its filters, one incident's record with everything around it,
a person's alerts and open actions. Every select_related/prefetch_related lives here; the list's query count is
pinned by a test (the same for 5 incidents as for 40, whatever the number of pupils in each).

Who may see what is decided by ``safeguard.permissions`` (``incidents_visible_to``); these functions only narrow
and load.
"""

import datetime
import zoneinfo

from django.contrib.postgres.search import SearchQuery
from django.contrib.staticfiles import finders
from django.db import connections
from django.db.models import BigIntegerField, Exists, F, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.translation import gettext

from safeguard import permissions
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import PupilGuardian

from .models import (
    GROUP_FLAGS,
    Action,
    Alert,
    BehaviourLevel,
    BodyMap,
    CategoryGroup,
    DSLNote,
    Incident,
    IncidentAmendment,
    IncidentPupil,
    IncidentSearchDocument,
    LessonPeriod,
    ParentContact,
    PhysicalIntervention,
    PupilFlag,
    Referral,
    Sanction,
    SavedIncidentFilter,
    Subject,
    school_year_key,
)

BODY_OUTLINES = {"front": "incidents/body-front.svg", "back": "incidents/body-back.svg"}
# Fields of an incident whose changes the record's history lists (the group flags follow the categories, and the
# closing and voiding users are named by the status lines).
HISTORY_FIELDS = [
    "occurred_at",
    "location",
    "location_detail",
    "behaviour_level",
    "bullying_type",
    "protected_characteristic",
    "description",
    "immediate_action",
    "reported_by",
    "slt_requested",
    "status",
    "outcome",
    "outcome_rationale",
    "closed_at",
    "voided_at",
    "void_reason",
]


def _start_of_day(day, school):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zoneinfo.ZoneInfo(school.time_zone))


# What the incident list shows of each incident, its recorder and its pupils (``templates/incidents/list.html``,
# ``views_incidents._label_rows``, ``services.concerns_shown_log``): the rows are read with these columns only, as a
# page of 50 incidents with every column read and turned into Python cost more than the rest of the page's data.
LISTED_FIELDS = (
    "public_id",
    "school_id",
    "occurred_at",
    "location",
    "location_detail",
    "status",
    "behaviour_level",
    "voided_at",
    *GROUP_FLAGS.values(),
    "recorded_by__full_name",
    "recorded_by__email",
)
LISTED_PUPIL_FIELDS = (
    "incident_id",
    "role",
    "pupil__public_id",
    "pupil__legal_first_name",
    "pupil__legal_last_name",
    "pupil__preferred_first_name",
    "pupil__preferred_last_name",
)


def _listed_involvements():
    """The pupils of each listed incident with their roles, as ``involvement_list``, only the columns the list
    shows (``LISTED_PUPIL_FIELDS``)."""
    return Prefetch(
        "involvements",
        queryset=IncidentPupil.objects.select_related("pupil").only(*LISTED_PUPIL_FIELDS).order_by("pk"),
        to_attr="involvement_list",
    )


def _involvements():
    return Prefetch(
        "involvements",
        queryset=IncidentPupil.objects.select_related("pupil", "pupil__school_class").order_by("pk"),
        to_attr="involvement_list",
    )


# The incident list --------------------------------------------------------------------------------------------------


def incident_list(
    *,
    user,
    school,
    date_from=None,
    date_to=None,
    group="",
    level=None,
    status="",
    search="",
    year_group=None,
    school_class=None,
    include_concerns_in_pupil_search=True,
    text="",
    text_year=None,
    period=None,
    subject=None,
):
    """The incidents of ``school`` that ``user`` may read, voided ones left out, newest first (by when they happened),
    as a queryset to paginate. Each incident carries ``involvement_list`` (pupils with their roles) and its recorder,
    with the columns the list shows only (``LISTED_FIELDS``, ``LISTED_PUPIL_FIELDS``).

    Args:
        date_from, date_to: ``datetime.date`` in the school's time zone (inclusive), or None.
        group: a ``CategoryGroup`` value, or "" for every group.
        level: behaviour level 1–5, or None. status: an ``Incident.Status`` value, "" or ``"voided"`` (only the
            voided incidents, which every other status leaves out; the view offers it to those who manage incidents).
        search: words each found in a pupil's legal or preferred names (one pupil of the incident matches all).
        year_group, school_class: a ``YearGroup`` / ``SchoolClass`` of the school; an incident matches when one of
            its pupils is in it.
        include_concerns_in_pupil_search: False leaves safeguarding concerns out of a search by pupil (name, year
            group or class) or by words — used until the user has confirmed their second factor, so a search cannot
            tell that a pupil has a concern.
        text: free-text search (str) in what happened, the action taken, actions, contacts with families, outcome
            and — on concerns — the DSL's notes (``IncidentSearchDocument``): every word must be found. PostgreSQL
            full-text search in the school's language (stems: "bullied" finds "bullying"); ``icontains`` of each
            word on SQLite.
        text_year: with ``text``, on PostgreSQL: only the matches among the incidents that happened in this calendar
            year (int, UTC) — one step of a search's walk through the years (``search_years``), read by the index
            on (school_year, words); None for every year.
        period, subject: a ``LessonPeriod`` / ``Subject`` of the school (in use or removed), or None.

    Three queries for a page (count, incidents with recorders, pupils), however many pupils each incident has.
    """
    # A "from" date also narrows what a reader of their own records gathers (each part of their set, not only the
    # gathered list), so a page of this year's records reads this year's records only.
    since = _start_of_day(date_from, school) if date_from else None
    incidents = permissions.incidents_visible_to(user, school, since=since)
    if status == "voided":
        incidents = incidents.filter(voided_at__isnull=False)
        status = ""
    else:
        incidents = incidents.filter(voided_at__isnull=True)
    if date_to:
        incidents = incidents.filter(occurred_at__lt=_start_of_day(date_to + datetime.timedelta(days=1), school))
    if group:
        incidents = incidents.filter(**{GROUP_FLAGS[CategoryGroup(group)]: True})
    if level:
        incidents = incidents.filter(behaviour_level=level)
    if status:
        incidents = incidents.filter(status=status)
    if period is not None:
        incidents = incidents.filter(period=period)
    if subject is not None:
        incidents = incidents.filter(subject=subject)
    pupil_filter = Q()
    if search:
        for word in search.split():
            pupil_filter &= (
                Q(pupil__legal_first_name__icontains=word)
                | Q(pupil__legal_last_name__icontains=word)
                | Q(pupil__preferred_first_name__icontains=word)
                | Q(pupil__preferred_last_name__icontains=word)
            )
    if year_group is not None:
        pupil_filter &= Q(pupil__year_group=year_group)
    if school_class is not None:
        pupil_filter &= Q(pupil__school_class=school_class)
    if pupil_filter:
        incidents = incidents.filter(
            Exists(IncidentPupil.objects.filter(pupil_filter, incident=OuterRef("pk"), pupil__school=school))
        )
    text = " ".join((text or "").split())
    if text:
        few = permissions.reads_own_incidents_only(user, school)
        incidents = incidents.filter(_text_matches(school, text, incidents.db, within_few=few, year=text_year))
    if (pupil_filter or text) and not include_concerns_in_pupil_search:
        incidents = incidents.filter(is_safeguarding=False)
    return (
        incidents.select_related("recorded_by")
        .only(*LISTED_FIELDS)
        .prefetch_related(_listed_involvements())
        .order_by("-occurred_at", "-pk")
    )


def _text_matches(school, text, using, *, within_few=False, year=None):
    """The condition "the incident's search text holds every word of ``text``" (see ``incident_list``).
    ``within_few``: the incidents are already a reader's own few (a class teacher's gathered ids), so each one's
    text is tested (an index look-up per incident) rather than the school's matches gathered. ``year``: the
    matches of that calendar year (int, UTC) only, by the index on (school_year, words); on PostgreSQL only."""
    from .services_search import search_config, uses_full_text_search

    if uses_full_text_search(using):
        # The school's matching search texts, found once by the GIN index on (school, vector) and gathered into an
        # array (``id = ANY(ARRAY(…))``), then their incidents fetched by primary key. As an EXISTS per incident,
        # PostgreSQL misjudges how many texts match and tests every incident of the school one by one (about 50 ms
        # for the bench trust's first school, against 2–3 ms this way).
        from django.contrib.postgres.expressions import ArraySubquery

        query = SearchQuery(text, config=search_config(school), search_type="plain")
        if within_few:
            # Not a second id array: PostgreSQL would walk the primary key for every pair of ids of the two.
            return Exists(IncidentSearchDocument.objects.filter(incident=OuterRef("pk"), vector=query))
        # bigint = bigint: btree_gin has no cross-type operators, and a plain integer would leave the index's first
        # column unused (the index then finds every school's matches of every year). Without a year (no caller of
        # the list's: its search walks the years) the school's texts are read by the school's own index.
        if year is not None:
            key = Cast(Value(school_year_key(school.pk, _new_year(year))), BigIntegerField())
            matches = IncidentSearchDocument.objects.filter(school_year=key, vector=query)
        else:
            school_id = Cast(Value(school.pk), BigIntegerField())
            matches = IncidentSearchDocument.objects.filter(school_id=school_id, vector=query)
        matches = matches.values("incident_id")
        return permissions.IsOneOf(F("pk"), ArraySubquery(matches))
    words = Q()
    for word in text.split():
        words &= Q(text__icontains=word)
    return Exists(IncidentSearchDocument.objects.filter(words, incident=OuterRef("pk")))


def _new_year(year):
    """1 January of ``year`` (int), 00:00 UTC."""
    return datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)


# The start of each year (UTC) in which a school has an incident before a moment, newest first, and the last incident
# of that year: a walk down the index on (school, occurred_at), one look-up a year with records, in one statement.
_YEARS_WITH_INCIDENTS = """
WITH RECURSIVE walk(happened) AS (
  (SELECT occurred_at FROM incidents_incident WHERE school_id = %(school)s AND occurred_at < %(before)s
   ORDER BY occurred_at DESC LIMIT 1)
  UNION ALL
  SELECT (SELECT i.occurred_at FROM incidents_incident AS i
          WHERE i.school_id = %(school)s
            AND i.occurred_at < date_trunc('year', walk.happened AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
          ORDER BY i.occurred_at DESC LIMIT 1)
  FROM walk WHERE walk.happened IS NOT NULL
)
SELECT happened FROM walk WHERE happened IS NOT NULL
"""


def search_years(school, *, date_from=None, date_to=None, now=None):
    """The calendar years (UTC) a search by words of ``school``'s incidents walks, newest first (a list of int): each
    year in which the school has an incident (voided ones included), from this year (or the year of ``date_to``)
    back to its first incident's (or the year of ``date_from``). A search reads one year's matches at a time
    (``incident_list(text_year=…)``) and stops once it has counted the page and ``COUNT_AHEAD`` more, so its cost
    follows what it shows rather than the school's years of records (issue 18 item 4).

    Years without an incident are left out, so a record dated decades back by mistake adds one year to read, not
    one per year in between. On PostgreSQL one query (``_YEARS_WITH_INCIDENTS``: one index look-up a year with
    records); elsewhere one query for the school's first incident, and every year from it.

    Args:
        date_from, date_to: ``datetime.date`` in the school's time zone, or None (as ``incident_list``'s); dates
            too far in the past or future to convert (year 1, year 9999) leave the walk unbounded on that side.
        now: an aware ``datetime`` (the current time when None)."""
    # When it happened may be up to 5 minutes ahead of the clock (services.incident_record).
    newest = ((now or timezone.now()) + datetime.timedelta(minutes=5)).astimezone(datetime.UTC).year
    oldest = datetime.MINYEAR
    try:
        if date_from:
            oldest = _start_of_day(date_from, school).astimezone(datetime.UTC).year
        if date_to:
            last = _start_of_day(date_to + datetime.timedelta(days=1), school) - datetime.timedelta(microseconds=1)
            newest = min(newest, last.astimezone(datetime.UTC).year)
    except OverflowError:
        pass
    before = _new_year(newest + 1) if newest < datetime.MAXYEAR else datetime.datetime.max.replace(tzinfo=datetime.UTC)
    using = Incident.objects.db
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute(_YEARS_WITH_INCIDENTS, {"school": school.pk, "before": before})
            years = [happened.astimezone(datetime.UTC).year for (happened,) in cursor.fetchall()]
    else:
        first = Incident.objects.filter(school=school).order_by("occurred_at").values_list("occurred_at", flat=True)
        first = first.first()
        years = [] if first is None else list(range(newest, first.astimezone(datetime.UTC).year - 1, -1))
    return [year for year in years if oldest <= year <= newest]


def incidents_in_order(ids):
    """The incidents of ``ids`` (a list of primary keys, in the order to show) as ``incident_list`` gives them —
    each with its recorder and ``involvement_list`` — in that order. Three queries. For a page of ids already
    found by ``incident_list`` (the caller checked them)."""
    found = (
        Incident.objects.filter(pk__in=ids)
        .select_related("recorded_by")
        .only(*LISTED_FIELDS)
        .prefetch_related(_listed_involvements())
    )
    by_id = {incident.pk: incident for incident in found}
    return [by_id[pk] for pk in ids if pk in by_id]


# One incident's record --------------------------------------------------------------------------------------------


def incident_record(incident, *, with_dsl_notes=False):
    """Load everything the record page shows onto ``incident`` (pupils and roles, categories, attachments, body
    maps, alerts, actions, parent contacts, sanctions and — only when ``with_dsl_notes`` — the DSL's notes) and
    return it. ``physical_intervention_record`` and ``level`` (the school's ``BehaviourLevel``) are set too.
    A fixed number of queries whatever the size of the record."""
    from django.db.models import prefetch_related_objects

    prefetches = [
        _involvements(),
        Prefetch("categories", to_attr="category_list"),
        Prefetch("attachments", to_attr="attachment_list"),
        Prefetch("body_maps", queryset=BodyMap.objects.select_related("pupil", "recorded_by"), to_attr="body_map_list"),
        Prefetch(
            "alerts",
            queryset=Alert.objects.select_related("recipient").order_by("created_at", "pk"),
            to_attr="alert_list",
        ),
        Prefetch(
            "actions",
            queryset=Action.objects.select_related("assignee", "created_by", "completed_by").order_by("due_on", "pk"),
            to_attr="action_list",
        ),
        Prefetch(
            "parent_contacts",
            queryset=ParentContact.objects.select_related("pupil", "guardian", "recorded_by").order_by(
                "contacted_at", "pk"
            ),
            to_attr="parent_contact_list",
        ),
        Prefetch(
            "sanctions",
            queryset=Sanction.objects.select_related("pupil", "recorded_by").order_by("starts_on", "pk"),
            to_attr="sanction_list",
        ),
    ]
    if with_dsl_notes:
        prefetches.append(
            Prefetch("dsl_notes", queryset=DSLNote.objects.select_related("author"), to_attr="dsl_note_list")
        )
    prefetch_related_objects([incident], *prefetches)
    prefetch_related_objects([incident], "period", "subject")  # no query for a record without them
    if not with_dsl_notes:
        incident.dsl_note_list = []
    incident.category_list.sort(key=lambda category: (category.order, category.name))
    incident.physical_intervention_record = PhysicalIntervention.objects.filter(incident=incident).first()
    incident.level = None
    if incident.behaviour_level is not None:
        levels = BehaviourLevel.objects.filter(school_id=incident.school_id, level=incident.behaviour_level)
        incident.level = levels.first()
    return incident


def guardians_of_involved_pupils(incident):
    """Current guardian links of the incident's pupils (for the parent contact form), guardian and pupil loaded."""
    return (
        PupilGuardian.objects.current()
        .filter(pupil__incident_involvements__incident=incident)
        .select_related("guardian", "pupil")
        .order_by("pupil__legal_last_name", "pupil__legal_first_name", "guardian__last_name")
    )


def body_outlines():
    """``{"front": "incidents/body-front.svg", …}`` when the outline images are installed, else ``{}`` (the page
    then lists the marks in a table only)."""
    if all(finders.find(path) for path in BODY_OUTLINES.values()):
        return dict(BODY_OUTLINES)
    return {}


def _display(field, value):
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return value


def _amended_value(field_name, value):
    if field_name == "categories":
        return ", ".join(value or [])
    field = Incident._meta.get_field(field_name)
    if field_name == "occurred_at" and value:
        value = datetime.datetime.fromisoformat(value)
    return _display(field, value)


def _amendment_entry(amendment):
    changes = []
    for change in amendment.changes:
        name = change["field"]
        label = gettext("categories") if name == "categories" else Incident._meta.get_field(name).verbose_name
        changes.append((label, _amended_value(name, change["old"]), _amended_value(name, change["new"])))
    return {
        "when": amendment.created_at,
        "who": amendment.amended_by,
        "kind": "amended",
        "reason": amendment.reason,
        "changes": changes,
    }


def incident_history(incident):
    """The record's field-level history, newest first: ``[{"when", "who", "kind", "changes": [(label, old,
    new)]}]`` — "kind" is created / changed / amended; a change with no listed field (a timestamp only) is left out.
    A correction (``IncidentAmendment``) is one "amended" entry with its ``reason`` and the previous values of every
    field it changed, categories included, in full. Three queries."""
    from .services import AMENDED

    records = list(incident.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, included_fields=HISTORY_FIELDS)
            for change in delta.changes:
                field = Incident._meta.get_field(change.field)
                changes.append((field.verbose_name, _display(field, change.old), _display(field, change.new)))
        if (previous is None or changes) and record.history_change_reason != AMENDED:
            entries.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "kind": "created" if previous is None else "changed",
                    "changes": changes,
                }
            )
        previous = record
    amendments = IncidentAmendment.objects.filter(incident=incident).select_related("amended_by")
    entries += [_amendment_entry(amendment) for amendment in amendments]
    entries.sort(key=lambda entry: entry["when"])
    entries.reverse()
    return entries


def incident_audit_trail(incident, *, limit=100):
    """The latest audit events about ``incident`` (recorded, viewed, printed, downloaded, followed up), actors
    loaded, newest first."""
    return list(
        AuditEvent.objects.filter(subject_type=Incident._meta.label_lower, subject_id=str(incident.public_id))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def attachment_of(incident, public_id):
    """The attachment ``public_id`` of ``incident``, or None."""
    return incident.attachments.filter(public_id=public_id).first()


# Lesson periods and subjects; saved filters ----------------------------------------------------------------------


def lesson_entries(school, kind, *, include_removed=False):
    """``school``'s lesson periods (``kind`` "periods") or subjects ("subjects") in their order, as a list — those in
    use, or every one ever added (removed ones after, for filtering old records) with ``include_removed``."""
    model = {"periods": LessonPeriod, "subjects": Subject}[kind]
    entries = model.objects.filter(school=school)
    if not include_removed:
        entries = entries.filter(removed_at__isnull=True)
    return list(entries.order_by(F("removed_at").asc(nulls_first=True), "order", "name", "pk"))


def saved_filters(*, owner, school):
    """``owner``'s saved filters of the incident list of ``school`` that are not removed, by name (a list)."""
    return list(
        SavedIncidentFilter.objects.filter(owner=owner, school=school, removed_at__isnull=True).order_by("name", "pk")
    )


# Pupil flags and referrals (the DSL team's) ----------------------------------------------------------------------


def pupil_flags(pupil):
    """``pupil``'s safeguarding flags, current ones first (by kind), then ended ones, latest first; who started and
    ended each loaded. One query."""
    flags = list(PupilFlag.objects.filter(pupil=pupil).select_related("started_by", "ended_by"))
    order = {kind: n for n, kind in enumerate(PupilFlag.Kind.values)}
    current = sorted((f for f in flags if f.ends_on is None), key=lambda flag: order[flag.kind])
    ended = sorted((f for f in flags if f.ends_on is not None), key=lambda flag: (flag.ends_on, flag.pk), reverse=True)
    return current + ended


def current_flag_count(pupil):
    """How many safeguarding flags ``pupil`` holds now (int). One query."""
    return PupilFlag.objects.filter(pupil=pupil, ends_on__isnull=True).count()


def incident_referrals(incident):
    """The concern's external referrals, oldest first, with who made them and their follow-up action. One query."""
    return list(
        Referral.objects.filter(incident=incident)
        .select_related("referred_by", "follow_up_action")
        .order_by("referred_on", "pk")
    )


# Alerts -------------------------------------------------------------------------------------------------------------


def _alerts(user, school):
    return Alert.objects.filter(recipient=user, incident__school=school, incident__voided_at__isnull=True)


def alert_list(*, user, school):
    """``user``'s alerts of incidents of ``school`` (voided incidents left out): unread first, then newest first;
    each with its incident, the incident's recorder and pupils (three queries for a page)."""
    return (
        _alerts(user, school)
        .select_related("incident", "incident__recorded_by")
        .prefetch_related(
            Prefetch(
                "incident__involvements",
                queryset=IncidentPupil.objects.select_related("pupil").order_by("pk"),
                to_attr="involvement_list",
            )
        )
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")
    )


def unread_alert_count(*, user, school):
    return _alerts(user, school).filter(read_at__isnull=True).count()


def unread_alert_incidents(*, user, school):
    """The incidents for which ``user`` has unread alerts (for "mark all read")."""
    return Incident.objects.filter(
        pk__in=_alerts(user, school).filter(read_at__isnull=True).values("incident_id")
    ).select_related("school")


# Actions ------------------------------------------------------------------------------------------------------------


def _open_actions(school):
    return Action.objects.filter(
        completed_at__isnull=True, incident__school=school, incident__voided_at__isnull=True
    ).select_related("incident", "assignee")


def my_open_actions(*, user, school):
    """Open actions assigned to ``user`` in ``school``, soonest due first (so overdue ones lead)."""
    return _open_actions(school).filter(assignee=user).order_by("due_on", "pk")


def actions_due_count(*, user, school, today=None):
    """How many of ``user``'s open actions are due today or overdue."""
    today = today or school.today()
    return _open_actions(school).filter(assignee=user, due_on__lte=today).count()


def open_actions_of_visible_incidents(*, user, school, assignee=None, kind="", due="", today=None):
    """For those who manage incidents: every open action on an incident ``user`` may read, soonest due first.

    Args:
        assignee: a ``User`` to narrow to, or None. kind: an ``Action.Kind`` value, or "".
        due: "overdue" (before today), "week" (due within 7 days, overdue included) or "" for all.
    """
    today = today or school.today()
    visible = permissions.incidents_visible_to(user, school).values("pk")
    actions = _open_actions(school).filter(incident__in=visible)
    if assignee is not None:
        actions = actions.filter(assignee=assignee)
    if kind:
        actions = actions.filter(kind=kind)
    if due == "overdue":
        actions = actions.filter(due_on__lt=today)
    elif due == "week":
        actions = actions.filter(due_on__lte=today + datetime.timedelta(days=7))
    return actions.order_by("due_on", "pk")


def action_of(school, incident_public_id, action_public_id):
    """The action ``action_public_id`` of the incident ``incident_public_id`` of ``school`` (incident and school
    loaded), or None. Whether the user may complete it is the caller's question."""
    return (
        Action.objects.filter(
            public_id=action_public_id, incident__public_id=incident_public_id, incident__school=school
        )
        .select_related("incident", "incident__school")
        .first()
    )
