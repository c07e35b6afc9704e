"""Coverage and chasing: who has signed an agreement (by class, year group or staff role, with CSV export), sending
requests to everyone who has not, one request's evidence, paper returns, revoking a mistaken signature.

Thin views: permission helper → form → service → redirect with a message. Everything here needs
``MANAGE_AGREEMENTS`` (office staff, SLT, headteacher); a request, signature or agreement the school does not have
answers 404 exactly like a missing one.
"""

import csv
import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape as escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError
from safeguard.downloads import file_download
from safeguard.filter_fields import field_groups
from safeguard.templatetags.local_dates import date
from safeguard.templatetags.safeguard_tags import format_percent

from . import selectors_library as selectors
from .forms_chase import ReopenForm, SendForm
from .forms_library import CoverageFilterForm, PaperReturnForm, RevokeForm
from .models import Signature, SignatureRequest
from .selectors_chase import apply_declines, declined_counts, declined_requests, unsigned_choices
from .selectors_front_desk import visitor_counts
from .services import paper_return_record, required_parties, signature_revoke
from .services_decline import signature_request_reopen
from .services_front_desk import FRONT_DESK_AUDIENCES
from .services_library import EXTENSIONS, sniff_file_kind
from .services_requests import requests_send

PAGE_SIZE = 50


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.MANAGE_AGREEMENTS)


def _agreement(school, agreement_id):
    agreement = selectors.agreement_for_school(school, agreement_id)
    if agreement is None:
        raise Http404
    return agreement


def _request(school, public_id):
    signature_request = selectors.request_for_school(school, public_id)
    if signature_request is None:
        raise Http404
    return signature_request


def _signature(school, public_id):
    signature = selectors.signature_for_school(school, public_id)
    if signature is None:
        raise Http404
    return signature


def _filters(request, school, agreement):
    form = CoverageFilterForm(
        request.GET or None,
        school=school,
        pupils=selectors.is_pupil_audience(agreement),
        audience=agreement.audience,
    )
    filters = {key: value for key, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    return form, filters


@login_required
@require_GET
def coverage(request, slug, agreement_id):
    """Who has signed ``agreement``: counts and percentages by class and year group (pupils and parents) or by
    staff role, then everyone with their status, filterable and paginated. A visitor or volunteer agreement has no
    fixed audience: how many signed at the front desk, by day and by month."""
    school = _school(request, slug)
    agreement = _agreement(school, agreement_id)
    if agreement.audience in FRONT_DESK_AUDIENCES:
        # Visitors and volunteers have no list of who should sign: counts by day and month (issue 13 item 7).
        context = {
            "school": school,
            "agreement": agreement,
            "policy": agreement.version.policy,
            "is_current": agreement.version.status == agreement.version.Status.APPROVED,
            "counts": visitor_counts(agreement=agreement, school=school),
        }
        return render(request, "aup/coverage_visitors.html", context)
    form, filters = _filters(request, school, agreement)
    requests = selectors.coverage_requests(agreement=agreement, school=school)  # the list's and the summary's
    summary = selectors.coverage_summary(agreement=agreement, school=school, requests=requests)
    people = selectors.coverage_list(agreement=agreement, school=school, requests=requests, **filters)
    paginator = Paginator(people, PAGE_SIZE)
    if not filters:
        # Unfiltered, the list is everyone the summary counted: its total saves the paginator's count query.
        paginator.count = summary["total"].total
    page = paginator.get_page(request.GET.get("page"))
    rows = _mark_declined(selectors.coverage_attach_requests(page.object_list, school))
    query = request.GET.copy()
    query.pop("page", None)
    pupils = selectors.is_pupil_audience(agreement)
    # Declines are answers, counted apart from "not signed yet" (issue 17 item 2).
    declined = declined_requests(agreement=agreement, school=school, requests=requests)
    apply_declines(summary, declined_counts(agreement=agreement, school=school, declined=declined), pupils=pupils)
    is_current = agreement.version.status == agreement.version.Status.APPROVED
    can_export_signatures = permissions.can(request.user, permissions.EXPORT_SIGNATURES, school)
    summary_tables = _summary_tables(
        school, agreement, summary, pupils=pupils, is_current=is_current, zips=can_export_signatures
    )
    list_rows = _list_rows(school, agreement, rows, pupils=pupils, is_current=is_current)
    context = {
        "school": school,
        "agreement": agreement,
        "policy": agreement.version.policy,
        "is_current": is_current,
        "pupils": pupils,
        "summary": summary,
        # ``[(title, its rows' markup)]``
        "summary_tables": [
            (title, _summary_rows_html(shown, links=pupils and is_current)) for title, shown in summary_tables
        ],
        "declined": declined,
        "form": form,
        "filter_fields": field_groups(form),
        "page": page,
        "rows": rows,
        "list_rows": list_rows,
        "list_rows_html": _list_rows_html(list_rows, pupils=pupils),
        "query": query.urlencode(),
        # A class's signed copies as one zip leave the portal in bulk, like the signatures CSV (issue 17 item 8).
        "can_export_signatures": can_export_signatures,
    }
    return render(request, "aup/coverage.html", context)


def _summary_tables(school, agreement, summary, *, pupils, is_current, zips):
    """The summary's tables as the page shows them: ``[(title, [row])]``, each row a dict of the ``CoverageRow``
    (``row``), its percentage formatted (``percent``), and for a class or year group of a current pupil agreement
    the links to its blank forms (``blank_forms_url``) and, for a class with signatures when ``zips`` (the reader
    may export signatures), its signed copies as a zip (``zip_url``). Built here, not with a ``{% url %}`` and
    filters per row of the template (issue 18 item 6)."""
    links = pupils and is_current
    blank_forms = reverse("aup:blank_forms", args=[school.slug, agreement.public_id]) if links else ""
    tables = []
    for index, (title, rows) in enumerate(summary["groups"]):
        by_class = index == 0
        shown = []
        for row in rows:
            shown_row = {"row": row, "percent": format_percent(row.percent), "blank_forms_url": "", "zip_url": ""}
            if links and row.key:
                shown_row["blank_forms_url"] = f"{blank_forms}?{'school_class' if by_class else 'year_group'}={row.key}"
                if by_class and row.valid and zips:
                    shown_row["zip_url"] = reverse("aup:class_zip", args=[school.slug, agreement.public_id, row.key])
            shown.append(shown_row)
        tables.append((title, shown))
    return tables


# The badge of each coverage bucket on the list (a declined request's row is "text-bg-danger").
_BADGES = {
    selectors.CoverageStatus.COMPLETED: "text-bg-success",
    selectors.CoverageStatus.PARTLY_SIGNED: "text-bg-warning",
    selectors.CoverageStatus.PREVIOUS_VERSION: "text-bg-warning",
}


def _list_rows(school, agreement, rows, *, pupils, is_current):
    """What each of ``rows`` (``coverage_attach_requests``' rows, after ``_mark_declined``) shows on the list, as
    dicts: ``name``, ``url`` (its request's page, or ""), ``group`` (a pupil's class, a person's roles), ``badge``
    (the status's colour) and ``status``, ``signed_on`` and ``sent_on`` (short dates, or ""), ``methods``, and
    ``remind_url`` (to remind now: a current agreement's request not yet signed in full and not declined, or "").

    Built here rather than with look-ups, filters and two ``{% url %}`` per row in the template: fifty rows did
    about a thousand template nodes (issue 18 item 6). Dates are the ``date`` filter's "SHORT_DATE_FORMAT", in the
    active time zone, each distinct day formatted once; the request links are made from one reversed URL each."""
    zero = uuid.UUID(int=0)
    detail = reverse("aup:request_detail", args=[school.slug, zero]).replace(str(zero), "{}")
    chase = reverse("aup:chase", args=[school.slug, agreement.public_id]) + "?request={}"
    previous_version = ""
    if any(row.coverage == selectors.CoverageStatus.PREVIOUS_VERSION for row in rows):
        previous_version = _("Signed the previous version — re-sign by %(date)s") % {
            "date": date(agreement.version.resign_by, "j F Y")
        }
    days = {}

    def short_date(value):
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            value = timezone.template_localtime(value)
        if value not in days:
            days[value] = date(value, "SHORT_DATE_FORMAT")
        return days[value]

    not_remindable = {selectors.CoverageStatus.COMPLETED, selectors.CoverageStatus.PREVIOUS_VERSION}
    shown = []
    for row in rows:
        request_ = row.coverage_request
        if pupils:
            name, group = row.display_name, row.school_class.name if row.school_class else ""
        else:
            name = row.full_name or row.email
            group = ", ".join(str(role.get_role_display()) for role in row.roles)
        remindable = is_current and request_ is not None and not row.declined and row.coverage not in not_remindable
        shown.append(
            {
                "name": name,
                "url": detail.format(request_.public_id) if request_ is not None else "",
                "group": group,
                "badge": "text-bg-danger" if row.declined else _BADGES.get(row.coverage, "text-bg-light"),
                "status": previous_version
                if row.coverage == selectors.CoverageStatus.PREVIOUS_VERSION
                else row.coverage_label,
                "signed_on": short_date(row.signed_on),
                "methods": "; ".join(row.methods),
                "sent_on": short_date(request_.sent_at if request_ is not None else None),
                "remind_url": chase.format(request_.public_id) if remindable else "",
            }
        )
    return shown


def _summary_rows_html(shown_rows, *, links):
    """The ``<tr>`` of one summary table's rows (``_summary_tables``' dicts), as the template wrote them with a loop:
    the label, the counts (the valid ones with how many are on the previous version), the percentage and, with
    ``links`` (a current pupil agreement), the blank forms and zip links. "" for no rows (the template then says
    so). Written here: forty classes and year groups were some five hundred template nodes (issue 18 item 6)."""
    if not shown_rows:
        return ""
    labels = {"blank_forms": escape(_("Blank forms (PDF)")), "zip": escape(_("Signed PDFs (zip)"))}
    previous_version = _("%(count)s on the previous version")
    parts = []
    for shown in shown_rows:
        row = shown["row"]
        valid = escape(localize(row.valid))
        if row.previous_version:
            previous = escape(previous_version % {"count": localize(row.previous_version)})
            valid += f' <span class="text-muted small">({previous})</span>'
        numbers = [
            escape(localize(row.total)),
            valid,
            escape(localize(row.partly_signed)),
            escape(localize(row.waiting)),
            escape(localize(row.declined)),
            escape(shown["percent"]),
        ]
        cells = [f"<td>{escape(row.label)}</td>", *(f'<td class="text-end">{text}</td>' for text in numbers)]
        if not links:
            cells.append("")  # the template's empty line where the links would be
        else:
            forms = ""
            if shown["blank_forms_url"]:
                forms = (
                    f'<a class="small blank-forms-link" href="{escape(shown["blank_forms_url"])}">'
                    f"{labels['blank_forms']}</a>"
                )
                if shown["zip_url"]:
                    forms += f' · <a class="small class-zip-link" href="{escape(shown["zip_url"])}">{labels["zip"]}</a>'
            cells.append(f'<td class="text-end">{forms}</td>')
        parts.append("\n        <tr>\n          " + "\n          ".join(cells) + "\n        </tr>\n      ")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _list_rows_html(list_rows, *, pupils):
    """The ``<tr>`` of the list's rows (``_list_rows``' dicts), as the template wrote them with a loop; "" for no
    rows (the template then says so). Fifty rows were about a thousand template nodes (issue 18 item 6)."""
    if not list_rows:
        return ""
    not_yet = f'<span class="text-muted">{escape(_("not yet"))}</span>'
    remind = escape(_("Remind now"))
    group_class = "" if pupils else ' class="d-none d-md-table-cell"'
    parts = []
    for row in list_rows:
        name = escape(row["name"])
        link = f'<a href="{escape(row["url"])}">{name}</a>' if row["url"] else name
        reminder = ""
        if row["remind_url"]:
            reminder = (
                f'<a class="small" href="{escape(row["remind_url"])}">{remind}'
                f'<span class="visually-hidden"> · {name}</span></a>'
            )
        cells = [
            f"<td>{link}</td>",
            f"<td{group_class}>{escape(row['group'])}</td>",
            f'<td><span class="badge {escape(row["badge"])}">{escape(row["status"])}</span></td>',
            f'<td class="d-none d-md-table-cell">{escape(row["signed_on"])}</td>',
            f'<td class="d-none d-md-table-cell small">{escape(row["methods"])}</td>',
            f'<td class="d-none d-lg-table-cell">{escape(row["sent_on"]) if row["sent_on"] else not_yet}</td>',
            f"<td>{reminder}</td>",
        ]
        parts.append("\n    <tr>\n      " + "\n      ".join(cells) + "\n    </tr>\n  ")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _mark_declined(rows):
    """Label the rows whose request was declined "Declined" (``declined`` True): ``coverage_people`` counts them as
    not signed, but a decline is an answer, not a signature still to come."""
    label = _("Declined")
    for row in rows:
        request_ = row.coverage_request
        row.declined = bool(
            row.coverage == selectors.CoverageStatus.NOT_SIGNED
            and request_ is not None
            and request_.status == SignatureRequest.Status.DECLINED
        )
        if row.declined:
            row.coverage_label = label
    return rows


def _cell(value):
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def coverage_csv(request, slug, agreement_id):
    """The coverage list as CSV, one row per pupil or person, with the page's filters applied.

    A declined request's status reads "Declined"; when the list holds a decline, two columns follow: when it was
    declined and the reason given (issue 17 item 2)."""
    school = _school(request, slug)
    agreement = _agreement(school, agreement_id)
    _form, filters = _filters(request, school, agreement)
    rows = _mark_declined(
        selectors.coverage_attach_requests(
            selectors.coverage_list(agreement=agreement, school=school, **filters), school
        )
    )
    any_declined = any(row.declined for row in rows)
    decline_columns = [_("Declined on"), _("Reason for declining")] if any_declined else []
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="coverage-{agreement.public_id}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 (Turkish letters) only with a byte-order mark
    writer = csv.writer(response)
    pupils = selectors.is_pupil_audience(agreement)
    if pupils:
        writer.writerow(
            [_("Pupil"), _("Year group"), _("Class"), _("Status"), _("Signed on"), _("How"), _("Sent on")]
            + decline_columns
        )
    else:
        writer.writerow(
            [_("Name"), _("E-mail address"), _("Roles"), _("Status"), _("Signed on"), _("How"), _("Sent on")]
            + decline_columns
        )
    for row in rows:
        request_ = row.coverage_request
        signed_on = row.signed_on.isoformat() if row.signed_on else ""
        sent_on = school.today(request_.sent_at).isoformat() if request_ and request_.sent_at else ""
        if pupils:
            who = [row.display_name, row.year_group or "", row.school_class or ""]
        else:
            who = [row.full_name, row.email, "; ".join(str(role.get_role_display()) for role in row.roles)]
        declined = []
        if any_declined:
            declined = ["", ""]
            if row.declined:
                declined = [school.today(request_.declined_at).isoformat(), request_.decline_reason]
        writer.writerow(
            [_cell(v) for v in [*who, row.coverage_label, signed_on, "; ".join(row.methods), sent_on, *declined]]
        )
    return response


def _send_page(request, school, agreement, data=None):
    """The send form (``SendForm``) for ``agreement``, bound to ``data`` (a POST) or not: ``(form, context)``."""
    pupils = selectors.is_pupil_audience(agreement)
    form = SendForm(data, school=school, pupils=pupils, people=unsigned_choices(agreement=agreement, school=school))
    context = {
        "school": school,
        "agreement": agreement,
        "policy": agreement.version.policy,
        "pupils": pupils,
        "form": form,
    }
    return form, context


@login_required
@require_GET
def requests_send_choose(request, slug, agreement_id):
    """Choose whom to send the agreement to: everyone who has not signed, a class, a year group, chosen pupils or
    chosen staff (issue 17 item 5), and for how many days the request is valid (item 3). Posts to
    ``requests_send``."""
    school = _school(request, slug)
    agreement = _agreement(school, agreement_id)
    _form, context = _send_page(request, school, agreement)
    return render(request, "aup/coverage_send.html", context)


@login_required
@require_POST
def requests_send_view(request, slug, agreement_id):
    """Send the agreement to everyone who has not signed it — the coverage page's button, valid for 30 days — or,
    from the send form (``requests_send_choose``), to the selection chosen for the days chosen. Each person once,
    however often this is pressed. A form with errors comes back with them (200)."""
    school = _school(request, slug)
    agreement = _agreement(school, agreement_id)
    if "who" not in request.POST:
        return _send(request, school, agreement, {})
    form, context = _send_page(request, school, agreement, request.POST)
    if form.is_valid():
        return _send(request, school, agreement, form.selection())
    return render(request, "aup/coverage_send.html", context)


def _send(request, school, agreement, selection):
    try:
        counts = requests_send(actor=request.user, agreement=agreement, school=school, **selection)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if counts["queued"]:
            messages.success(
                request,
                _(
                    "Requests are on their way: %(queued)s sent now. %(already_sent)s had already been sent and "
                    "%(signed)s have signed."
                )
                % counts,
            )
        else:
            messages.info(
                request,
                _("Nothing new to send: %(already_sent)s requests had already been sent and %(signed)s have signed.")
                % counts,
            )
    return redirect("aup:coverage", school.slug, agreement.public_id)


@login_required
@require_GET
def request_detail(request, slug, public_id):
    """One request and each signature's evidence (method, UTC times, IP, browser, typed name, statements, SHA-256,
    revoked with reason)."""
    school = _school(request, slug)
    signature_request = _request(school, public_id)
    signed = {s.party for s in signature_request.signature_list if s.revoked_at is None}
    missing = [p for p in required_parties(signature_request.agreement) if p not in signed]
    context = {
        "school": school,
        "signature_request": signature_request,
        "agreement": signature_request.agreement,
        "signatures": signature_request.signature_list,
        "missing": [Signature.Party(party).label for party in missing],
        "can_record_paper": bool(missing)
        and signature_request.status not in (signature_request.Status.CANCELLED, signature_request.Status.DECLINED),
        "declined": signature_request.status == signature_request.Status.DECLINED,
        "expired": signature_request.is_expired(timezone.now()),
        "reopen_form": ReopenForm() if signature_request.status == signature_request.Status.DECLINED else None,
    }
    return render(request, "aup/coverage_request.html", context)


@login_required
@require_POST
def request_reopen(request, slug, public_id):
    """Reopen a declined request and e-mail it again, valid for the days chosen (issue 17 item 2)."""
    school = _school(request, slug)
    signature_request = _request(school, public_id)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose for how many days the request is valid: 1 to 365."))
    else:
        try:
            signature_request_reopen(
                actor=request.user, request=signature_request, expiry_days=form.cleaned_data["expiry_days"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The request is open again and on its way by e-mail."))
    return redirect("aup:request_detail", school.slug, signature_request.public_id)


@login_required
def paper_return(request, slug, public_id):
    """Record a paper form returned to the office: date, who returned it, the names written on it, a scan."""
    school = _school(request, slug)
    signature_request = _request(school, public_id)
    signed = {s.party for s in signature_request.signature_list if s.revoked_at is None}
    parties = [p for p in required_parties(signature_request.agreement) if p not in signed]
    if not parties or signature_request.status == signature_request.Status.CANCELLED:
        messages.info(request, _("There is nothing left to sign on this request."))
        return redirect("aup:request_detail", school.slug, signature_request.public_id)
    form = PaperReturnForm(request.POST or None, request.FILES or None, parties=parties, school=school)
    if request.method == "POST" and form.is_valid():
        scan = form.cleaned_data.get("scan")
        if scan:
            # Stored under a random name: the uploaded name is the family's or the scanner's, not ours to keep.
            kind = sniff_file_kind(scan.read(16))
            scan.seek(0)
            scan.name = f"{uuid.uuid4().hex}.{EXTENSIONS.get(kind, 'bin')}"
        try:
            paper_return_record(
                actor=request.user,
                request=signature_request,
                returned_on=form.cleaned_data["returned_on"],
                returned_by=form.cleaned_data["returned_by"],
                names=form.names(),
                scan=scan or None,
            )
        except DomainError as error:
            form.add_error("returned_on" if error.code == "future" else None, error.message)
        else:
            messages.success(request, _("The paper form is recorded."))
            return redirect("aup:request_detail", school.slug, signature_request.public_id)
    context = {"school": school, "signature_request": signature_request, "form": form}
    return render(request, "aup/paper_return.html", context)


@login_required
@require_GET
def paper_scan(request, slug, public_id):
    """The scan of a returned paper form, as an attachment, to office staff and leaders of the school."""
    school = _school(request, slug)
    signature = _signature(school, public_id)
    if not signature.paper_scan:
        raise Http404
    return file_download(signature.paper_scan, title=f"paper-return-{signature.request.public_id}")


@login_required
def signature_revoke_view(request, slug, public_id):
    """Revoke a mistaken signature with a reason. Nothing is deleted; the request waits for a signature again."""
    school = _school(request, slug)
    signature = _signature(school, public_id)
    if signature.revoked_at is not None:
        messages.info(request, _("This signature was already revoked."))
        return redirect("aup:request_detail", school.slug, signature.request.public_id)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signature_revoke(actor=request.user, signature=signature, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("The signature is revoked. The request is waiting for a signature again."))
            return redirect("aup:request_detail", school.slug, signature.request.public_id)
    return render(request, "aup/revoke.html", {"school": school, "signature": signature, "form": form})


urlpatterns = [
    path("school/<slug:slug>/agreements/<uuid:agreement_id>/coverage/", coverage, name="coverage"),
    path("school/<slug:slug>/agreements/<uuid:agreement_id>/coverage.csv", coverage_csv, name="coverage_csv"),
    path("school/<slug:slug>/agreements/<uuid:agreement_id>/send/", requests_send_view, name="requests_send"),
    path(
        "school/<slug:slug>/agreements/<uuid:agreement_id>/send/choose/",
        requests_send_choose,
        name="requests_send_choose",
    ),
    path("school/<slug:slug>/agreements/requests/<uuid:public_id>/", request_detail, name="request_detail"),
    path("school/<slug:slug>/agreements/requests/<uuid:public_id>/reopen/", request_reopen, name="request_reopen"),
    path("school/<slug:slug>/agreements/requests/<uuid:public_id>/paper-return/", paper_return, name="paper_return"),
    path("school/<slug:slug>/agreements/signatures/<uuid:public_id>/scan/", paper_scan, name="paper_scan"),
    path(
        "school/<slug:slug>/agreements/signatures/<uuid:public_id>/revoke/",
        signature_revoke_view,
        name="signature_revoke",
    ),
]
