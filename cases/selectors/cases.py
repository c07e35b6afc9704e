"""Reading cases: the list, one case with its pupils and concerns, its chronology, and the choices its forms offer.

Every query is here, each a fixed number of queries whatever the size of the case (tests pin them). Callers have
already checked that the reader is in the DSL team (``permissions.get_case_for_user``)."""

import dataclasses
import datetime
import zoneinfo

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from incidents.models import Action, DSLNote, Incident, IncidentPupil, Referral
from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.directory.models import Pupil, PupilGuardian

from ..models import Case, CaseChange, CaseConcern, CaseNote, CasePupil


def _current_pupils():
    return Prefetch(
        "case_pupils",
        queryset=CasePupil.objects.filter(removed_at__isnull=True).select_related("pupil").order_by("pk"),
        to_attr="pupil_list",
    )


def case_list(*, school, status="", pupil=None, owner=None):
    """The cases of ``school``, newest first, each with ``pupil_list`` (its current pupils) and ``concern_count``.

    Args:
        status: "" for those not closed, "closed", "all", or a ``Case.Status`` value.
        pupil: only the cases about this ``Pupil`` (current on the case). owner: only this ``User``'s cases.
    """
    cases = Case.objects.filter(school=school)
    if status == "":
        cases = cases.not_closed()
    elif status != "all":
        cases = cases.filter(status=status)
    if pupil is not None:
        cases = cases.filter(
            Exists(CasePupil.objects.filter(case=OuterRef("pk"), pupil=pupil, removed_at__isnull=True))
        )
    if owner is not None:
        cases = cases.filter(owner=owner)
    return (
        cases.select_related("owner")
        .annotate(concern_count=Count("case_concerns", filter=Q(case_concerns__removed_at__isnull=True)))
        .prefetch_related(_current_pupils())
        .order_by("-created_at", "-pk")
    )


def open_case_counts(*, school, user):
    """``{"open": n, "mine": n}``: the school's cases not closed, and those of them ``user`` owns (one query)."""
    return (
        Case.objects.filter(school=school)
        .not_closed()
        .aggregate(open=Count("pk"), mine=Count("pk", filter=Q(owner=user)))
    )


def open_cases_of_pupil_count(pupil):
    """How many cases not closed are about ``pupil`` (one query)."""
    return Case.objects.not_closed().filter(case_pupils__pupil=pupil, case_pupils__removed_at__isnull=True).count()


def case_record(case):
    """Load on ``case``: ``pupil_list`` (current ``CasePupil`` with pupils) and ``concern_list`` (current
    ``CaseConcern``, each with its incident, the incident's recorder and categories). Returns the case."""
    case.pupil_list = list(
        CasePupil.objects.filter(case=case, removed_at__isnull=True)
        .select_related("pupil", "pupil__school_class", "added_by")
        .order_by("pk")
    )
    case.concern_list = list(
        CaseConcern.objects.filter(case=case, removed_at__isnull=True)
        .select_related("incident", "incident__recorded_by", "added_by")
        .prefetch_related(Prefetch("incident__categories", to_attr="category_list"))
        .order_by("incident__occurred_at", "pk")
    )
    return case


def dsl_team(school):
    """The current members of the school's DSL team (DSL, deputies, headteacher) — who may own a case."""
    return User.objects.filter(pk__in=permissions.holders(school, permissions.VIEW_SAFEGUARDING)).order_by(
        "full_name", "email"
    )


def pupils_on_roll(school):
    return Pupil.objects.for_school(school).on_roll(school.today()).select_related("school_class")


def suggested_siblings(pupils):
    """Pupils of the same school who share a current parent or carer with any of ``pupils`` (a list of ``Pupil``),
    on roll, not in ``pupils`` — brothers and sisters, usually: a suggestion, the DSL decides (one query)."""
    if not pupils:
        return []
    school = pupils[0].school
    ids = [pupil.pk for pupil in pupils]
    guardians = PupilGuardian.objects.current().filter(pupil_id__in=ids).values("guardian_id")
    return list(
        pupils_on_roll(school)
        .filter(guardian_links__guardian_id__in=guardians, guardian_links__ended_on__isnull=True)
        .exclude(pk__in=ids)
        .distinct()
        .order_by("legal_last_name", "legal_first_name", "pk")
    )


def concerns_of_pupils(school, pupils, *, exclude_case=None):
    """Safeguarding concerns of ``school`` (not voided) about any of ``pupils``, newest first — what a case about them
    may group; without those already in ``exclude_case`` (a ``Case``)."""
    concerns = Incident.objects.filter(
        school=school,
        is_safeguarding=True,
        voided_at__isnull=True,
        pk__in=IncidentPupil.objects.filter(pupil__in=pupils).values("incident_id"),
    )
    if exclude_case is not None:
        concerns = concerns.exclude(
            pk__in=CaseConcern.objects.filter(case=exclude_case, removed_at__isnull=True).values("incident_id")
        )
    return concerns.order_by("-occurred_at", "-pk")


# The case's chronology ----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Entry:
    """One line of a case's chronology. ``when``: an aware datetime (for ordering); ``date_only``: show the date
    alone (a referral has a date, not a time). ``incident``: the concern it belongs to, if any (for its link)."""

    when: datetime.datetime
    kind: str
    what: str
    detail: str = ""
    by: object = None
    incident: object = None
    date_only: bool = False


def _on_day(day, recorded_at, time_zone):
    """When a dated event sits in the chronology: at the moment it was recorded if that was on the same day (so it
    follows what led to it), otherwise at noon of its day."""
    zone = zoneinfo.ZoneInfo(time_zone)
    if recorded_at is not None and recorded_at.astimezone(zone).date() == day:
        return recorded_at
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)


def case_chronology(case):
    """The case's chronology, oldest first, as a list of ``Entry``: the case opened, each status and owner change;
    each case note; each concern in the case (when it happened) with its DSL notes, actions (set and done) and
    external referrals (with their outcome). Voided concerns are left out, as from every chronology. Seven queries.
    """
    entries = []
    concern_rows = list(
        CaseConcern.objects.filter(case=case, removed_at__isnull=True, incident__voided_at__isnull=True)
        .select_related("incident", "incident__recorded_by")
        .prefetch_related(Prefetch("incident__categories", to_attr="category_list"))
    )
    concerns = {row.incident_id: row.incident for row in concern_rows}
    for row in concern_rows:
        incident = row.incident
        entries.append(
            Entry(
                when=incident.occurred_at,
                kind="concern",
                what=_("Concern: %(categories)s") % {"categories": ", ".join(c.name for c in incident.category_list)},
                detail=incident.description,
                by=incident.recorded_by,
                incident=incident,
            )
        )
    ids = list(concerns)
    for note in DSLNote.objects.filter(incident_id__in=ids).select_related("author"):
        entries.append(
            Entry(
                note.created_at,
                "dsl_note",
                _("DSL note on the concern"),
                note.text,
                note.author,
                concerns[note.incident_id],
            )
        )
    for action in Action.objects.filter(incident_id__in=ids).select_related("assignee", "created_by", "completed_by"):
        incident = concerns[action.incident_id]
        entries.append(
            Entry(
                action.created_at,
                "action",
                _("Action set: %(action)s, for %(who)s, due %(due)s")
                % {
                    "action": action.get_kind_display(),
                    "who": action.assignee,
                    "due": date_format(action.due_on, "j M Y"),
                },
                action.description,
                action.created_by,
                incident,
            )
        )
        if action.completed_at:
            entries.append(
                Entry(
                    action.completed_at,
                    "action_done",
                    _("Action done: %(action)s") % {"action": action.get_kind_display()},
                    action.completion_note,
                    action.completed_by,
                    incident,
                )
            )
    time_zone = case.school.time_zone
    for referral in Referral.objects.filter(incident_id__in=ids).select_related("referred_by"):
        incident = concerns[referral.incident_id]
        detail = " ".join(part for part in [referral.reference, referral.summary] if part)
        entries.append(
            Entry(
                _on_day(referral.referred_on, referral.created_at, time_zone),
                "referral",
                _("Referred to %(agency)s") % {"agency": referral.get_agency_display()},
                detail,
                referral.referred_by,
                incident,
                date_only=True,
            )
        )
        if referral.outcome_on:
            entries.append(
                Entry(
                    _on_day(referral.outcome_on, referral.updated_at, time_zone),
                    "referral_outcome",
                    _("Outcome of the referral to %(agency)s") % {"agency": referral.get_agency_display()},
                    referral.outcome,
                    None,
                    incident,
                    date_only=True,
                )
            )
    for note in CaseNote.objects.filter(case=case).select_related("author"):
        entries.append(Entry(note.created_at, "case_note", _("Case note"), note.text, note.author))
    for change in CaseChange.objects.filter(case=case).select_related("owner", "changed_by"):
        if change.kind == CaseChange.Kind.OPENED:
            what = _("Case opened, owned by %(owner)s") % {"owner": change.owner}
        elif change.kind == CaseChange.Kind.OWNER:
            what = _("Case given to %(owner)s") % {"owner": change.owner}
        else:
            what = _("Status: %(status)s") % {"status": change.get_status_display()}
        entries.append(Entry(change.created_at, "change", what, change.note, change.changed_by))
    entries.sort(key=lambda entry: entry.when)
    return entries
