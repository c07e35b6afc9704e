"""Governor termly reports: draft one for a term, write the headteacher's commentary, publish it to governors.

Who may do what (issue 7: "the headteacher adds a commentary before publishing it to governors"):
- read a published school report: ``VIEW_GOVERNANCE`` (governors, SLT, the head, the trust's admins);
- draft a school report and read drafts: SLT and the headteacher;
- write the commentary and publish: the headteacher only;
- trust roll-ups: the trust's admins (``VIEW_TRUST``) draft, write the commentary and publish.

Publishing keeps the report as issued: the figures as shown (``reports.governor``, already suppressed) in
``GovernorReport.figures`` and the PDF bytes, with their SHA-256, in private storage. Nothing is ever recomputed
for a published report, and nothing is deleted. Each change writes an audit event in the same transaction.
"""

import hashlib
import re

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import datacache, permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.country_words import local_date
from safeguard.directory.models import Pupil, Term
from safeguard.pdf import render_pdf

from . import governor
from .models import GovernorReport

MAX_COMMENTARY = 8000  # characters: about two pages of the PDF


# Who may --------------------------------------------------------------------------------------------------------


def can_prepare(user, school):
    """Draft a school's report and read its drafts: SLT and the headteacher (``DRAFT_GOVERNOR_REPORT``)."""
    return permissions.can(user, permissions.DRAFT_GOVERNOR_REPORT, school)


def can_publish(user, school):
    """Write the commentary and publish a school's report: the headteacher only (``PUBLISH_GOVERNOR_REPORT``)."""
    return permissions.can(user, permissions.PUBLISH_GOVERNOR_REPORT, school)


def can_prepare_report(user, report):
    """Read ``report`` while it is a draft."""
    if report.is_trust:
        return permissions.can(user, permissions.VIEW_TRUST, report.organisation)
    return can_prepare(user, report.school)


def can_publish_report(user, report):
    """Write the commentary of ``report`` and publish it."""
    if report.is_trust:
        return permissions.can(user, permissions.VIEW_TRUST, report.organisation)
    return can_publish(user, report.school)


def can_read_report(user, report):
    """Read ``report``: a published school report with ``VIEW_GOVERNANCE``, a draft with ``can_prepare``; a trust
    roll-up with ``VIEW_TRUST``."""
    if report.is_trust:
        return permissions.can(user, permissions.VIEW_TRUST, report.organisation)
    if report.is_published:
        return permissions.can(user, permissions.VIEW_GOVERNANCE, report.school)
    return can_prepare(user, report.school)


# Figures and PDF (reads) --------------------------------------------------------------------------------------------


def trust_schools(organisation):
    return list(organisation.schools.order_by("name"))


def report_figures(report, *, now=None, cached=True):
    """The figures ``report`` shows: as issued once published; live while it is a draft — computed now, or the
    incident figures from the figures cache, which follows the data (``governor._incident_figures``). ``cached=False``
    computes every figure afresh (publishing does)."""
    if report.is_published:
        return report.figures
    if report.is_trust:
        return governor.trust_report(
            report.organisation,
            trust_schools(report.organisation),
            report.academic_year_start,
            report.term_kind,
            now=now,
            cached=cached,
        )
    return governor.school_report(report.school, report.academic_year_start, report.term_kind, now=now, cached=cached)


PDF_TEMPLATE = "reports/pdf/governor_report.html"


def report_pdf(report, figures, *, now=None):
    """The PDF of ``report`` showing ``figures`` (bytes). A draft is marked as such on every page.

    A draft's PDF is kept in the figures cache under the SHA-256 of the exact HTML it is made from: the same HTML
    makes the same PDF, so downloading an unchanged draft again does not lay it out again (about half a second of
    CPU), while any change — a figure, the commentary, the date, the language — is new HTML and a new PDF. A
    published report's PDF is rendered once, when it is issued, and then served from storage.
    """
    published_at = report.published_at or now
    context = {
        "report": report,
        "figures": figures,
        "sections": governor.sections_markup(figures, pdf=True),
        "chart": governor.level_chart(figures),
        "dates": governor.report_dates(figures),
        "is_draft": not report.is_published,
        "published_on": local_date(timezone.localtime(published_at), "j F Y") if published_at else "",
    }
    if report.is_published:
        return render_pdf(PDF_TEMPLATE, context)
    html = render_to_string(PDF_TEMPLATE, context)
    schools = _report_schools(report)
    return datacache.cached(
        ("governor-pdf", hashlib.sha256(html.encode()).hexdigest()),
        lambda: render_pdf(PDF_TEMPLATE, context),
        topic=datacache.INCIDENTS,
        school_ids=[school.pk for school in schools],
    )


# Writes -------------------------------------------------------------------------------------------------------------


def _check(allowed):
    if not allowed:
        raise PermissionError("Not allowed to change this governor report.")


def governor_report_draft(*, actor, year, kind, school=None, organisation=None, now=None):
    """Start the governor report of a term (or return the one already started).

    Args:
        actor: the ``User``; SLT or the headteacher of ``school``, or an admin of ``organisation``.
        year: the calendar year the academic year starts in (int, e.g. 2026 for 2026/27); kind: a ``Term.Kind``.
        school: the ``School`` — or organisation: the ``Organisation`` of a trust roll-up (exactly one of them).
        now: aware datetime (defaults to now).

    Returns ``(report, created)``; a repeat call returns the existing report and changes nothing.
    Raises ``PermissionError`` for anyone else, ``DomainError`` (code "no_such_term") when the school (or no school
    of the trust) has that term, and (code "term_not_started") for a term that has not started: there is nothing to
    report yet.
    """
    if (school is None) == (organisation is None):
        raise ValueError("Give a school or an organisation.")
    now = now or timezone.now()
    if school is not None:
        _check(can_prepare(actor, school))
        term = (
            Term.objects.filter(academic_year__school=school, academic_year__starts_on__year=year, kind=kind)
            .select_related("academic_year")
            .first()
        )
        if term is None:
            raise DomainError(_("The school calendar has no such term."), code="no_such_term")
        started = term.starts_on <= school.today(now)
        existing = GovernorReport.objects.filter(school=school, term=term).first()
        fields = {"school": school, "term": term}
    else:
        _check(permissions.can(actor, permissions.VIEW_TRUST, organisation))
        schools = trust_schools(organisation)
        terms = [
            term
            for (_school_id, term_year, term_kind), term in governor.school_terms(schools).items()
            if (term_year, term_kind) == (year, kind)
        ]
        if not terms:
            raise DomainError(_("No school of the trust has such a term."), code="no_such_term")
        started = min(term.starts_on for term in terms) <= min(s.today(now) for s in schools)
        existing = GovernorReport.objects.filter(
            organisation=organisation, academic_year_start=year, term_kind=kind
        ).first()
        fields = {"organisation": organisation}
    if existing is not None:
        return existing, False
    if not started:
        raise DomainError(_("That term has not started yet: there is nothing to report."), code="term_not_started")
    report = GovernorReport(academic_year_start=year, term_kind=kind, created_by=actor, **fields)
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
            audit_log(
                actor=actor,
                action="reports.governor_report.drafted",
                school=school,
                subject=report,
                data={"term": report.term_key, **({"organisation": organisation.slug} if organisation else {})},
            )
    except IntegrityError:
        # Someone else started it at the same moment: theirs is the report.
        existing = GovernorReport.objects.filter(**fields, academic_year_start=year, term_kind=kind).first()
        if existing is None:
            raise
        return existing, False
    return report, True


def _normalise(value):
    return " ".join(re.findall(r"\w+", value.casefold()))


def pupil_named_in(text, schools):
    """The first pupil of ``schools`` (on roll or left) whose full name — legal or preferred, first and last —
    appears in ``text``, or None. Governors' reports never identify a child (issue 7)."""
    words = f" {_normalise(text)} "
    if not words.strip():
        return None
    names = Pupil.objects.filter(school__in=schools).values_list(
        "legal_first_name", "legal_last_name", "preferred_first_name", "preferred_last_name"
    )
    for legal_first, legal_last, preferred_first, preferred_last in names.iterator():
        for first in {legal_first, preferred_first or legal_first}:
            for last in {legal_last, preferred_last or legal_last}:
                name = _normalise(f"{first} {last}")
                if name and f" {name} " in words:
                    return f"{first} {last}"
    return None


def _fresh(report):
    """``report`` as stored now (the caller's copy may predate another change)."""
    return GovernorReport.objects.select_related("school__organisation", "organisation", "term").get(pk=report.pk)


def _report_schools(report):
    return trust_schools(report.organisation) if report.is_trust else [report.school]


def _check_commentary(report, commentary):
    if len(commentary) > MAX_COMMENTARY:
        raise DomainError(
            _("Keep the commentary under %(count)s characters.") % {"count": MAX_COMMENTARY}, code="too_long"
        )
    if pupil_named_in(commentary, _report_schools(report)):
        raise DomainError(
            _("The commentary names a pupil. Governors' reports never identify a child: take the name out."),
            code="names_pupil",
        )


def governor_report_set_commentary(*, actor, report, commentary, now=None):
    """Write (or rewrite) the commentary of a draft report.

    Args:
        actor: the headteacher of the report's school (a trust admin for a trust roll-up).
        report: a draft ``GovernorReport``; commentary: plain text (str, at most ``MAX_COMMENTARY`` characters).

    Returns the report. The same text again changes nothing and writes no event.
    Raises ``PermissionError`` for anyone else; ``DomainError`` with code "already_published" (a published report
    is kept as issued), "too_long", or "names_pupil" when the text names a pupil of the school.
    """
    _check(can_publish_report(actor, report))
    now = now or timezone.now()
    commentary = commentary.strip().replace("\r\n", "\n")
    report = _fresh(report)
    if report.is_published:
        raise DomainError(_("This report has been published and is kept as issued."), code="already_published")
    if commentary == report.commentary:
        return report
    _check_commentary(report, commentary)
    with transaction.atomic():
        locked = GovernorReport.objects.select_for_update().get(pk=report.pk)
        if locked.is_published:
            raise DomainError(_("This report has been published and is kept as issued."), code="already_published")
        locked.commentary = commentary
        locked.commentary_by = actor
        locked.commentary_at = now
        locked.save(update_fields=["commentary", "commentary_by", "commentary_at", "updated_at"])
        audit_log(
            actor=actor,
            action="reports.governor_report.commentary_set",
            school=report.school,
            subject=locked,
            data={"term": locked.term_key, "characters": len(commentary)},
        )
    return locked


def governor_report_publish(*, actor, report, now=None):
    """Publish a draft report to governors, keeping it as issued.

    Args:
        actor: the headteacher of the report's school (a trust admin for a trust roll-up).
        report: a draft ``GovernorReport`` with a commentary.
        now: aware datetime of publication (defaults to now); the figures are those of this moment.

    Stores the figures as shown (``GovernorReport.figures``) and the PDF with its SHA-256, sets the report published
    and writes ``reports.governor_report.published``. Returns the report.
    Raises ``PermissionError`` for anyone else; ``DomainError`` with code "already_published" (a repeat call changes
    nothing), "commentary_required" (issue 7: the headteacher adds a commentary before publishing) or "names_pupil".
    """
    _check(can_publish_report(actor, report))
    now = now or timezone.now()
    report = _fresh(report)
    if report.is_published:
        raise DomainError(_("This report has already been published."), code="already_published")
    if not report.commentary.strip():
        raise DomainError(_("Add your commentary before publishing the report."), code="commentary_required")
    _check_commentary(report, report.commentary)
    figures = report_figures(report, now=now, cached=False)
    # Rendered before the transaction (it takes a second), from exactly the figures stored with it.
    issuing = _fresh(report)
    issuing.status, issuing.published_at, issuing.published_by = GovernorReport.Status.PUBLISHED, now, actor
    pdf = report_pdf(issuing, figures, now=now)
    sha256 = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        locked = GovernorReport.objects.select_for_update().get(pk=report.pk)
        if locked.is_published:
            raise DomainError(_("This report has already been published."), code="already_published")
        locked.status = GovernorReport.Status.PUBLISHED
        locked.published_at = now
        locked.published_by = actor
        locked.figures = figures
        locked.pdf_sha256 = sha256
        owner = locked.organisation.slug if locked.is_trust else locked.school.slug
        locked.pdf.save(f"governor-report-{owner}-{locked.term_key}.pdf", ContentFile(pdf), save=False)
        locked.save()
        audit_log(
            actor=actor,
            action="reports.governor_report.published",
            school=locked.school,
            subject=locked,
            data={"term": locked.term_key, "sha256": sha256},
        )
    return locked
