"""Reads for exports: every list a school keeps, as a ``Table`` (a file name, translated column names, rows).

Each function reads one school's records through a fixed handful of queries, whatever the number of rows, and returns
plain values (strings, ISO dates, ``Z`` times in UTC) ready for a CSV cell. The same tables feed the single CSV
downloads and the full school export, so a column means the same thing in both.

This app sits beside ``reports``: it reads the feature apps' records and helpers, and changes none of them.
"""

import dataclasses
import datetime

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from safeguard.directory.models import Pupil, PupilGuardian, School


@dataclasses.dataclass
class Table:
    """One list: ``name`` (the file's stem, e.g. ``"roster"``), ``header`` (translated column names) and ``rows``
    (a list of lists of plain values)."""

    name: str
    header: list
    rows: list


# What each download is, for the exports page: (key, title, description of the columns).
DESCRIPTIONS = {
    "roster": (
        gettext_lazy("Pupils"),
        gettext_lazy(
            "One row per pupil, including pupils who have left: names, date of birth, UPN (schools in England), MIS "
            "id, year group, class, on roll from, left on, and the CLA, previously looked-after, SEN, EAL and pupil "
            "premium flags."
        ),
    ),
    "carers": (
        gettext_lazy("Parents and carers"),
        gettext_lazy(
            "One row per link between a pupil and a parent or carer: the carer's name and contact details, "
            "relationship, parental responsibility, contact order and when the link ended."
        ),
    ),
    "consent": (
        gettext_lazy("Photo and video consent answers"),
        gettext_lazy(
            "Per pupil and question: today's effective answer and its reason, then each recorded answer — yes or no, "
            "who answered, when (UTC), how, who recorded it, the form version and the SHA-256 of what was shown."
        ),
    ),
    "signatures": (
        gettext_lazy("Signatures"),
        gettext_lazy(
            "One row per signature, revoked ones included: agreement, policy version, pupil, signer, signed as, signed "
            "at (UTC), how the signer was identified, the SHA-256 of what was signed and of the signed PDF."
        ),
    ),
    "behaviour": (
        gettext_lazy("Behaviour incidents"),
        gettext_lazy(
            "One row per behaviour incident, voided ones included: when (UTC), where, categories, level, pupils and "
            "their roles, what happened, who recorded it, status and outcome."
        ),
    ),
    "concerns": (
        gettext_lazy("Safeguarding concerns"),
        gettext_lazy(
            "The DSL team only, after the second factor: one row per concern with the same columns as behaviour "
            "incidents and the reason for the outcome. Each download is logged against every pupil named in it."
        ),
    ),
    "policies": (
        gettext_lazy("Policy register"),
        gettext_lazy(
            "One row per policy: title, category, owner, approving body, review cycle, last approved and next "
            "review (ISO dates), status."
        ),
    ),
}


def iso_date(day):
    """``YYYY-MM-DD`` for a date, ``""`` for None."""
    return day.isoformat() if day else ""


def iso_utc(moment):
    """An aware datetime as ISO 8601 in UTC with a ``Z`` (``"2026-11-20T09:30:00Z"``), ``""`` for None."""
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _yes_no(value):
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def _person(user):
    return (user.full_name or user.email) if user is not None else ""


# Roster ----------------------------------------------------------------------------------------------------------


def _pupils(school):
    return (
        Pupil.objects.filter(school=school)
        .select_related("year_group", "school_class")
        .order_by("legal_last_name", "legal_first_name", "pk")
    )


def roster_table(*, school):
    """Every pupil of ``school`` (left ones too), one row each. The UPN column exists only for schools in England
    (the UPN is the DfE's number). Two queries."""
    england = school.country == School.Country.ENGLAND
    header = [
        _("Pupil id"),
        _("Legal first name"),
        _("Legal last name"),
        _("Preferred first name"),
        _("Preferred last name"),
        _("Date of birth"),
        *([_("UPN")] if england else []),
        _("MIS id"),
        _("Year group"),
        _("Class"),
        _("On roll from"),
        _("Left on"),
        _("Looked after (CLA)"),
        _("Previously looked after or adopted"),
        _("SEN"),
        _("EAL"),
        _("Pupil premium"),
    ]
    rows = []
    for pupil in _pupils(school):
        rows.append(
            [
                str(pupil.public_id),
                pupil.legal_first_name,
                pupil.legal_last_name,
                pupil.preferred_first_name,
                pupil.preferred_last_name,
                iso_date(pupil.date_of_birth),
                *([pupil.upn] if england else []),
                pupil.mis_id,
                pupil.year_group.name if pupil.year_group else "",
                pupil.school_class.name if pupil.school_class else "",
                iso_date(pupil.on_roll_from),
                iso_date(pupil.left_on),
                _yes_no(pupil.is_looked_after),
                _yes_no(pupil.is_previously_looked_after),
                _yes_no(pupil.has_sen),
                _yes_no(pupil.is_eal),
                _yes_no(pupil.is_pupil_premium),
            ]
        )
    return Table("roster", header, rows)


def carers_table(*, school):
    """One row per pupil–carer link of ``school`` (ended links too, with the date they ended). One query."""
    header = [
        _("Pupil id"),
        _("Pupil"),
        _("Carer id"),
        _("Title"),
        _("First name"),
        _("Last name"),
        _("Relationship"),
        _("Parental responsibility"),
        _("Contact order"),
        _("E-mail address"),
        _("Phone"),
        _("Preferred language"),
        _("Link ended on"),
    ]
    links = (
        PupilGuardian.objects.filter(pupil__school=school)
        .select_related("pupil", "guardian")
        .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pupil_id", "contact_order", "pk")
    )
    rows = [
        [
            str(link.pupil.public_id),
            link.pupil.display_name,
            str(link.guardian.public_id),
            link.guardian.title,
            link.guardian.first_name,
            link.guardian.last_name,
            link.get_relationship_display(),
            _yes_no(link.has_parental_responsibility),
            link.contact_order,
            link.guardian.email,
            link.guardian.phone,
            link.guardian.preferred_language,
            iso_date(link.ended_on),
        ]
        for link in links
    ]
    return Table("carers", header, rows)


# Consent ---------------------------------------------------------------------------------------------------------


def consent_responses(school):
    """Every consent response of ``school`` (oldest first) with its pupil, respondent and recorder — for the consent
    copies in the full export."""
    from consent.models import ConsentResponse

    return (
        ConsentResponse.objects.filter(school=school)
        .select_related("pupil", "guardian", "recorded_by", "version", "school")
        .order_by("submitted_at", "pk")
    )


def consent_table(*, school, now=None):
    """Per pupil (left ones too) and question: the effective answer today (``consent.selectors.effective_answers``,
    the one rule the whole product uses) and each answer ever recorded for that question, newest last.

    A question of the current form that nobody answered gives one row with the recorded columns empty ("no answer
    means no"); a question asked only by an earlier version of the form keeps its rows with no effective answer.
    A fixed handful of queries."""
    from consent.models import ConsentAnswer
    from consent.selectors import effective_answers

    now = now or timezone.now()
    header = [
        _("Pupil id"),
        _("Pupil"),
        _("Class"),
        _("Question code"),
        _("Question"),
        _("Effective answer"),
        _("Reason"),
        _("Answer"),
        _("Answered by"),
        _("Respondent"),
        _("Kind"),
        _("How"),
        _("Submitted at (UTC)"),
        _("Recorded by"),
        _("Form version"),
        _("SHA-256 of what was shown"),
    ]
    pupils = list(_pupils(school))
    purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
    recorded = {}
    answers = (
        ConsentAnswer.objects.filter(response__school=school)
        .select_related("purpose", "response__guardian", "response__recorded_by", "response__version")
        .order_by("response__submitted_at", "response_id", "pk")
    )
    labels = {}
    for answer in answers:
        recorded.setdefault(answer.response.pupil_id, {}).setdefault(answer.purpose.code, []).append(answer)
        labels.setdefault(answer.purpose.code, answer.purpose.label)
    labels.update({purpose.code: purpose.label for purpose in purposes})
    current_codes = [purpose.code for purpose in purposes]
    rows = []
    for pupil in pupils:
        by_code = recorded.get(pupil.pk, {})
        codes = current_codes + sorted(code for code in by_code if code not in current_codes)
        for code in codes:
            decision = decisions.get(pupil.pk, {}).get(code)
            start = [
                str(pupil.public_id),
                pupil.display_name,
                pupil.school_class.name if pupil.school_class else "",
                code,
                labels.get(code, code),
                _yes_no(decision.allowed) if decision else "",
                str(decision.label) if decision else "",
            ]
            if not by_code.get(code):
                rows.append([*start, "", "", "", "", "", "", "", "", ""])
                continue
            for answer in by_code[code]:
                response = answer.response
                if response.answered_by_pupil:
                    who, respondent = pupil.display_name, _("Pupil")
                else:
                    who, respondent = response.guardian.full_name, _("Parent or carer")
                rows.append(
                    [
                        *start,
                        _yes_no(answer.answer),
                        who,
                        respondent,
                        response.get_kind_display(),
                        response.get_method_display(),
                        iso_utc(response.submitted_at),
                        _person(response.recorded_by),
                        response.version.number,
                        response.content_sha256,
                    ]
                )
    return Table("consent-answers", header, rows)


# Signatures ------------------------------------------------------------------------------------------------------


def signed_documents(school):
    """The current (not superseded) signed PDFs of ``school``'s requests, with their request and agreement."""
    from aup.models import SignedDocument

    return (
        SignedDocument.objects.filter(request__school=school, superseded_at__isnull=True)
        .select_related("request__agreement", "request__pupil", "request__user")
        .order_by("created_at", "pk")
    )


def completed_requests_without_document(school):
    """``school``'s completed signature requests that have no current signed PDF yet (its task has not run)."""
    from aup.models import SignatureRequest, SignedDocument

    current = SignedDocument.objects.filter(request=OuterRef("pk"), superseded_at__isnull=True)
    return (
        SignatureRequest.objects.filter(school=school, status=SignatureRequest.Status.COMPLETED)
        .exclude(Exists(current))
        .select_related("agreement", "pupil", "user")
        .order_by("completed_at", "pk")
    )


def signatures_table(*, school):
    """Every signature given on ``school``'s requests (revoked ones too), oldest first, with the SHA-256 of exactly
    what was shown and of the request's current signed PDF. Two queries."""
    from aup.models import Signature

    header = [
        _("Agreement"),
        _("Policy"),
        _("Version"),
        _("Request reference"),
        _("Pupil"),
        _("Signer"),
        _("Signed as"),
        _("Signer's account"),
        _("Signed at (UTC)"),
        _("How the signer was identified"),
        _("Teacher present"),
        _("Paper form returned on"),
        _("IP address"),
        _("SHA-256 of what was signed"),
        _("SHA-256 of the signed PDF"),
        _("Revoked at (UTC)"),
        _("Reason for revoking"),
    ]
    documents = dict(signed_documents(school).values_list("request_id", "sha256"))
    signatures = (
        Signature.objects.filter(request__school=school)
        .select_related(
            "request__agreement__version__policy", "request__pupil", "request__user", "signer_user", "teacher_present"
        )
        .order_by("signed_at", "pk")
    )
    rows = []
    for signature in signatures:
        request = signature.request
        version = request.agreement.version
        rows.append(
            [
                request.agreement.title,
                version.policy.title,
                version.number,
                str(request.public_id),
                request.pupil.display_name if request.pupil else "",
                signature.typed_name,
                signature.get_party_display(),
                signature.signer_user.email if signature.signer_user else "",
                iso_utc(signature.signed_at),
                signature.get_method_display(),
                _person(signature.teacher_present),
                iso_date(signature.paper_returned_on),
                signature.ip_address or "",
                signature.content_sha256,
                documents.get(request.pk, ""),
                iso_utc(signature.revoked_at),
                signature.revoked_reason,
            ]
        )
    return Table("signatures", header, rows)


# Incidents -------------------------------------------------------------------------------------------------------


def incidents_for_export(*, school, concerns):
    """``school``'s behaviour incidents (``concerns=False``) or safeguarding concerns (``concerns=True``), voided ones
    too, oldest first, with categories and pupils loaded (``involvement_list``) — the pupils are what
    ``incidents.services.concerns_shown_log`` names."""
    from incidents.models import Incident, IncidentPupil

    return list(
        Incident.objects.filter(school=school, is_safeguarding=concerns)
        .select_related("recorded_by", "closed_by", "voided_by", "period", "subject")
        .prefetch_related(
            "categories",
            Prefetch(
                "involvements",
                queryset=IncidentPupil.objects.select_related("pupil").order_by("pk"),
                to_attr="involvement_list",
            ),
        )
        .order_by("occurred_at", "pk")
    )


def incidents_table(*, school, concerns, incidents=None):
    """Behaviour incidents or safeguarding concerns of ``school`` (see ``incidents_for_export``; pass ``incidents``
    when already loaded), one row each. Three queries."""
    if incidents is None:
        incidents = incidents_for_export(school=school, concerns=concerns)
    header = [
        _("Reference"),
        _("When it happened (UTC)"),
        _("Where"),
        _("Where exactly"),
        _("Lesson or period"),
        pgettext("school subject", "Subject"),
        _("Categories"),
        _("Behaviour level"),
        _("Type of bullying"),
        _("Pupils"),
        _("What happened"),
        _("Action taken at the time"),
        _("Reported by"),
        _("Recorded by"),
        _("Recorded at (UTC)"),
        _("Status"),
        _("Outcome"),
        _("Reason for the outcome"),
        _("Closed at (UTC)"),
        _("Voided at (UTC)"),
        _("Reason for voiding"),
    ]
    rows = []
    for incident in incidents:
        pupils = "; ".join(
            f"{involvement.pupil.display_name} ({involvement.get_role_display()})"
            for involvement in incident.involvement_list
        )
        rows.append(
            [
                str(incident.public_id),
                iso_utc(incident.occurred_at),
                incident.get_location_display(),
                incident.location_detail,
                incident.period.name if incident.period_id else "",
                incident.subject.name if incident.subject_id else "",
                "; ".join(category.name for category in incident.categories.all()),
                incident.behaviour_level or "",
                incident.get_bullying_type_display() if incident.bullying_type else "",
                pupils,
                incident.description,
                incident.immediate_action,
                incident.reported_by,
                _person(incident.recorded_by),
                iso_utc(incident.created_at),
                incident.get_status_display(),
                incident.outcome,
                incident.outcome_rationale,
                iso_utc(incident.closed_at),
                iso_utc(incident.voided_at),
                incident.void_reason,
            ]
        )
    return Table("safeguarding-concerns" if concerns else "behaviour-incidents", header, rows)


# Policies --------------------------------------------------------------------------------------------------------


def policies_table(*, school, now=None):
    """The policy register of ``school`` with the columns of the register's own CSV (``aup:register_csv``): title,
    category, owner, approving body, review cycle, last approved, next review (ISO dates), status."""
    from aup.models import Policy
    from aup.selectors_register import school_register

    header = [
        _("Title"),
        _("Category"),
        _("Owner"),
        _("Approving body"),
        _("Review cycle"),
        _("Last approved"),
        _("Next review"),
        _("Status"),
    ]
    categories = {value: str(label) for value, label in Policy.Category.choices}
    rows = [
        [
            policy.title,
            categories.get(policy.category, policy.category),
            str(policy.owner or ""),
            str(policy.approving_body_label()),
            str(policy.cycle_label),
            iso_date(policy.last_approved_on),
            iso_date(policy.next_review_on),
            str(policy.status_label),
        ]
        for policy in school_register(school=school, now=now).rows
    ]
    return Table("policy-register", header, rows)


# The exports page ------------------------------------------------------------------------------------------------


def school_exports(school, limit=10):
    """The latest full exports of ``school`` (newest first), with who asked for them."""
    from .models import SchoolExport

    return list(SchoolExport.objects.filter(school=school).select_related("requested_by")[:limit])
