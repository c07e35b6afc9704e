"""Pages of the governor termly report: a school's reports (and a trust's roll-ups), one report as a page and as a
PDF, the headteacher's commentary and publishing.

Thin views: permission helper → form → service → redirect with a message. A school's reports need
``VIEW_GOVERNANCE``: governors and trust admins see published reports only; SLT and the headteacher see drafts too
and may start one; the headteacher writes the commentary and publishes (``services_governor``). A trust's roll-ups
need ``VIEW_TRUST``. A draft someone may not read, a POST by someone who may not make it, and a report of another
school all answer 404, exactly like a missing report. No page here names a pupil: the figures are counts, already
suppressed (``reports.governor``).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard import permissions
from safeguard.audit.services import audit_log, client_ip
from safeguard.base import DomainError

from . import governor
from . import services_governor as services
from .models import GovernorReport


class TermForm(forms.Form):
    """Which term to start a report for: the terms that have started, newest first."""

    term = forms.ChoiceField(label=gettext_lazy("Term"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [(f"{year}-{kind}", label) for year, kind, label in choices]

    def year_and_kind(self):
        year, kind = self.cleaned_data["term"].split("-", 1)
        return int(year), kind


class CommentaryForm(forms.Form):
    commentary = forms.CharField(
        label=gettext_lazy("Headteacher's commentary"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=services.MAX_COMMENTARY,
        help_text=gettext_lazy(
            "What governors should take from these figures. Do not name or describe any pupil: the report is "
            "circulated."
        ),
    )


class _Scope:
    """A school's reports or a trust's roll-ups: where they are, who may do what, and their URLs."""

    def __init__(self, request, *, school=None, organisation=None):
        self.request, self.school, self.organisation = request, school, organisation
        self.is_trust = organisation is not None
        user = request.user
        if self.is_trust:
            self.can_prepare = self.can_publish = permissions.can(user, permissions.VIEW_TRUST, organisation)
        else:
            self.can_prepare = services.can_prepare(user, school)
            self.can_publish = services.can_publish(user, school)
        self.slug = organisation.slug if self.is_trust else school.slug
        self.name = organisation.name if self.is_trust else school.name
        self.prefix = "reports:trust_governor_" if self.is_trust else "reports:governor_"

    def reports(self):
        reports = GovernorReport.objects.filter(**self._owner()).select_related("published_by")
        if not self.can_prepare:
            reports = reports.filter(status=GovernorReport.Status.PUBLISHED)
        return reports.order_by("-academic_year_start", "-created_at")

    def _owner(self):
        return {"organisation": self.organisation} if self.is_trust else {"school": self.school}

    def report(self, public_id):
        """The report ``public_id`` of this school (or trust) that the user may read; 404 otherwise."""
        report = (
            GovernorReport.objects.filter(public_id=public_id, **self._owner())
            .select_related("school__organisation", "organisation", "term", "published_by", "commentary_by")
            .first()
        )
        if report is None or not services.can_read_report(self.request.user, report):
            raise Http404
        return report

    def url(self, name, report=None):
        args = [self.slug] + ([report.public_id] if report is not None else [])
        return reverse(f"{self.prefix}{name}", args=args)

    def term_choices(self):
        schools = services.trust_schools(self.organisation) if self.is_trust else [self.school]
        if not schools:
            return []
        today = min(school.today() for school in schools)
        return governor.term_choices(schools, today=today)

    def draft(self, year, kind):
        return services.governor_report_draft(
            actor=self.request.user, year=year, kind=kind, school=self.school, organisation=self.organisation
        )

    def context(self, **extra):
        urls = {
            "list": self.url("reports"),
            "home": reverse("directory:trust_home", args=[self.slug])
            if self.is_trust
            else reverse("directory:school_home", args=[self.slug]),
        }
        return {"scope": self, "school": self.school, "organisation": self.organisation, "urls": urls, **extra}


def _school_scope(request, slug):
    return _Scope(request, school=permissions.get_school_for_user(request.user, slug, permissions.VIEW_GOVERNANCE))


def _trust_scope(request, org_slug):
    return _Scope(request, organisation=permissions.get_organisation_for_user(request.user, org_slug))


# The list, and starting a report ------------------------------------------------------------------------------------


def _report_list(request, scope):
    reports = list(scope.reports())
    form = None
    if scope.can_prepare:
        # Terms that already have a report are opened from the list, not started again.
        started = {(report.academic_year_start, report.term_kind) for report in reports}
        choices = [choice for choice in scope.term_choices() if choice[:2] not in started]
        form = TermForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            year, kind = form.year_and_kind()
            try:
                report, created = scope.draft(year, kind)
            except DomainError as error:
                form.add_error("term", error.message)
            else:
                if created:
                    messages.success(request, _("Draft report started. The figures stay live until it is published."))
                else:
                    messages.info(request, _("There is already a report for that term."))
                return redirect(scope.url("report", report))
    for report in reports:
        report.url = scope.url("report", report)
        report.pdf_url = scope.url("report_pdf", report)
    return render(request, "reports/governor_report_list.html", scope.context(reports=reports, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def governor_reports(request, slug):
    """A school's governor reports (governors: published ones); SLT and the head start one for a term (POST)."""
    return _report_list(request, _school_scope(request, slug))


@login_required
@require_http_methods(["GET", "POST"])
def trust_governor_reports(request, org_slug):
    """A trust's roll-up reports; trust admins start one for a term (POST)."""
    return _report_list(request, _trust_scope(request, org_slug))


# One report -----------------------------------------------------------------------------------------------------------


def _report_page(request, scope, report, *, commentary_form=None):
    figures = services.report_figures(report)
    editable = not report.is_published and scope.can_publish
    if editable and commentary_form is None:
        commentary_form = CommentaryForm(initial={"commentary": report.commentary})
    if editable and scope.is_trust:
        commentary_form.fields["commentary"].label = _("Commentary")
    context = scope.context(
        report=report,
        figures=figures,
        sections=governor.sections_markup(figures),
        chart=governor.level_chart(figures),
        dates=governor.report_dates(figures),
        is_draft=not report.is_published,
        commentary_form=commentary_form if editable else None,
        can_publish=editable,
        pdf_url=scope.url("report_pdf", report),
        commentary_url=scope.url("report_commentary", report),
        publish_url=scope.url("report_publish", report),
    )
    return render(request, "reports/governor_report.html", context)


def _show(request, scope, public_id):
    return _report_page(request, scope, scope.report(public_id))


@login_required
@require_GET
def governor_report(request, slug, public_id):
    """One report: as issued once published; live figures, the commentary form and "Publish" while a draft."""
    return _show(request, _school_scope(request, slug), public_id)


@login_required
@require_GET
def trust_governor_report(request, org_slug, public_id):
    return _show(request, _trust_scope(request, org_slug), public_id)


def _commentary(request, scope, public_id):
    report = scope.report(public_id)
    if not scope.can_publish:
        raise Http404
    form = CommentaryForm(request.POST)
    if form.is_valid():
        try:
            services.governor_report_set_commentary(
                actor=request.user, report=report, commentary=form.cleaned_data["commentary"]
            )
        except DomainError as error:
            form.add_error("commentary", error.message)
        else:
            messages.success(request, _("Commentary saved."))
            return redirect(scope.url("report", report))
    return _report_page(request, scope, report, commentary_form=form)


@login_required
@require_POST
def governor_report_commentary(request, slug, public_id):
    """The headteacher's commentary on a draft (POST)."""
    return _commentary(request, _school_scope(request, slug), public_id)


@login_required
@require_POST
def trust_governor_report_commentary(request, org_slug, public_id):
    return _commentary(request, _trust_scope(request, org_slug), public_id)


def _publish(request, scope, public_id):
    report = scope.report(public_id)
    if not scope.can_publish:
        raise Http404
    try:
        services.governor_report_publish(actor=request.user, report=report)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Published to governors. The report is now kept exactly as issued."))
    return redirect(scope.url("report", report))


@login_required
@require_POST
def governor_report_publish(request, slug, public_id):
    """Publish a draft to governors (POST; the headteacher only)."""
    return _publish(request, _school_scope(request, slug), public_id)


@login_required
@require_POST
def trust_governor_report_publish(request, org_slug, public_id):
    return _publish(request, _trust_scope(request, org_slug), public_id)


def _pdf(request, scope, public_id):
    report = scope.report(public_id)
    filename = f"governor-report-{scope.slug}-{report.term_key}{'-draft' if not report.is_published else ''}.pdf"
    audit_log(
        actor=request.user,
        action="reports.governor_report.downloaded",
        school=report.school,
        subject=report,
        data={"term": report.term_key, "draft": not report.is_published},
        ip_address=client_ip(request),
    )
    if report.is_published and report.pdf:
        response = FileResponse(
            report.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
        )
    else:
        pdf = services.report_pdf(report, services.report_figures(report), now=timezone.now())
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def governor_report_pdf(request, slug, public_id):
    """The report as a PDF: the stored bytes as issued once published; rendered now for a draft."""
    return _pdf(request, _school_scope(request, slug), public_id)


@login_required
@require_GET
def trust_governor_report_pdf(request, org_slug, public_id):
    return _pdf(request, _trust_scope(request, org_slug), public_id)


_SCHOOL = "school/<slug:slug>/governors/reports/"
_TRUST = "trust/<slug:org_slug>/governors/reports/"

urlpatterns = [
    path(_SCHOOL, governor_reports, name="governor_reports"),
    path(f"{_SCHOOL}<uuid:public_id>/", governor_report, name="governor_report"),
    path(f"{_SCHOOL}<uuid:public_id>/report.pdf", governor_report_pdf, name="governor_report_pdf"),
    path(f"{_SCHOOL}<uuid:public_id>/commentary/", governor_report_commentary, name="governor_report_commentary"),
    path(f"{_SCHOOL}<uuid:public_id>/publish/", governor_report_publish, name="governor_report_publish"),
    path(_TRUST, trust_governor_reports, name="trust_governor_reports"),
    path(f"{_TRUST}<uuid:public_id>/", trust_governor_report, name="trust_governor_report"),
    path(f"{_TRUST}<uuid:public_id>/report.pdf", trust_governor_report_pdf, name="trust_governor_report_pdf"),
    path(
        f"{_TRUST}<uuid:public_id>/commentary/",
        trust_governor_report_commentary,
        name="trust_governor_report_commentary",
    ),
    path(f"{_TRUST}<uuid:public_id>/publish/", trust_governor_report_publish, name="trust_governor_report_publish"),
]
