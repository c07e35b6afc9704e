"""Pages of the incident log once an incident is recorded: the list, an incident's record and its follow-up
(actions, parent contacts, sanctions, DSL notes, closing, reopening, voiding), its attachments and print view, a
person's alerts and open actions.

Thin views: permission helper → form → service → redirect with a message. Every page is for staff
(``RECORD_INCIDENT``); an incident the user may not read answers 404 exactly like a missing one
(``permissions.get_incident_for_user``) — except for the member of staff who raised a concern, who is sent to the
page showing that they raised it and its status. A safeguarding concern is shown only after a second factor
verified within the hour, and every view, download and print of one writes an audit event (issue 6,
"Confidentiality").
"""

import datetime
import os
import uuid
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard import permissions
from safeguard.accounts import otp
from safeguard.audit.labels import audit_label
from safeguard.audit.services import audit_log, client_ip
from safeguard.base import DomainError
from safeguard.downloads import clean_display_name, file_download
from safeguard.filter_fields import field_groups

from . import selectors, services
from .forms_amend import IncidentAmendForm
from .forms_bulk import BulkActionForm, SavedFilterForm
from .forms_incidents import (
    ActionCompleteForm,
    ActionFilterForm,
    ActionForm,
    CloseForm,
    DSLNoteForm,
    IncidentFilterForm,
    ParentContactForm,
    RacistReportSentForm,
    ReopenForm,
    SanctionForm,
    VoidForm,
)
from .forms_safeguarding import ReferralForm, ReferralUpdateForm
from .models import CategoryGroup, Incident, IncidentPupil
from .selectors_chronology import is_racist_incident
from .services_saved_filters import clean_filters
from .services_search import incident_search_log, uses_full_text_search
from .views_list_tools import filter_query

PAGE_SIZE = 50
# How many records past the start of the page asked for the incident list counts, at most: beyond that it says "more
# than 1,000 incidents" (issue 18 item 4: a school's years of records must not make its list slower).
COUNT_AHEAD = 1000


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)


def _detail_url(incident):
    return reverse("incidents:incident_detail", args=[incident.school.slug, incident.public_id])


def _readable_incident(request, school, public_id):
    """``(incident, None)`` for an incident the user may read in full; ``(None, redirect)`` for the raiser of a
    concern (to the page with its status); raises ``Http404`` otherwise."""
    try:
        return permissions.get_incident_for_user(request.user, school, public_id), None
    except Http404:
        incident = Incident.objects.filter(school=school, public_id=public_id).first()
        if incident is not None and permissions.can_see_concern_status(request.user, incident):
            return None, redirect("incidents:concern_raised", school.slug, incident.public_id)
        raise


def _audit_concern(request, incident, action, **data):
    """The audit event of a view, download or print of a safeguarding record; the subject is the incident and the
    pupils are named by public id so the DSL can list who viewed a pupil's record."""
    involvements = getattr(incident, "involvement_list", None)
    if involvements is not None:
        pupils = [str(involvement.pupil.public_id) for involvement in involvements]
    else:
        pupils = [str(public_id) for public_id in incident.involvements.values_list("pupil__public_id", flat=True)]
    audit_log(
        actor=request.user,
        action=action,
        school=incident.school,
        subject=incident,
        data={"pupils": pupils, **data},
        ip_address=client_ip(request),
    )


# The list ---------------------------------------------------------------------------------------------------------


def _choice_labels(model, field_name):
    """``{value: label}`` of a field's choices, translated now (into the active language)."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def _label_rows(school, incidents):
    """Set on each incident of a page what the list shows of it, in the active language and time zone:
    ``detail_url``, ``occurred_label`` ("21 Nov 2026 15:21"), ``location_label``, ``status_label``, ``group_labels``
    (``[(CategoryGroup, label)]``) and each involvement's ``role_label``. Returns ``incidents`` (a list).

    The same text the template's ``{% url %}``, ``|date`` and ``get_FOO_display`` gave, for a fraction of their cost
    over 50 rows: each label is translated once a page (``get_FOO_display`` rebuilds, hashes and so translates every
    choice of its field at each call — a third of the page's CPU), and the record URL is reversed once with a
    placeholder id."""
    locations = _choice_labels(Incident, "location")
    statuses = _choice_labels(Incident, "status")
    roles = _choice_labels(IncidentPupil, "role")
    groups = {group: str(group.label) for group in CategoryGroup}
    placeholder = str(uuid.UUID(int=0))
    detail_url = reverse("incidents:incident_detail", args=[school.slug, placeholder])
    for incident in incidents:
        incident.detail_url = detail_url.replace(placeholder, str(incident.public_id))
        incident.occurred_label = dateformat.format(timezone.localtime(incident.occurred_at), "j M Y H:i")
        incident.location_label = locations.get(incident.location, incident.location)
        incident.status_label = statuses.get(incident.status, incident.status)
        incident.group_labels = [(group, groups[group]) for group in incident.groups()]
        for involvement in incident.involvement_list:
            involvement.role_label = roles.get(involvement.role, involvement.role)
    return incidents


@login_required
@require_GET
def incident_list(request, slug):
    """The incidents the user may read, newest first, 50 a page, filterable and searchable by words. Safeguarding
    concerns appear only to the DSL team, locked; their pupils are named, and their words searched, only after the
    second factor. Every search by words is audited with its words. A reader of their own records only (a class
    teacher) sees this academic year's by default, said above the list with a link to every year (``list_window``)."""
    school = _school(request, slug)
    show_concerns = permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school)
    verified = otp.is_recently_verified(request)
    can_manage = permissions.can(request.user, permissions.MANAGE_INCIDENTS, school)
    form = IncidentFilterForm(request.GET or None, school=school, show_concerns=show_concerns, show_voided=can_manage)
    filters = form.cleaned_data if form.is_valid() else {}
    own_only = permissions.reads_own_incidents_only(request.user, school)
    window = list_window(school, filters) if own_only else None
    chosen = {
        "user": request.user,
        "school": school,
        "date_from": window.starts_on if window else filters.get("date_from"),
        "date_to": filters.get("date_to"),
        "group": filters.get("group", ""),
        "level": filters.get("level"),
        "status": filters.get("status", ""),
        "search": filters.get("q", ""),
        "year_group": filters.get("year_group"),
        "school_class": filters.get("school_class"),
        "include_concerns_in_pupil_search": verified,
        "text": filters.get("text", ""),
        "period": filters.get("period"),
        "subject": filters.get("subject"),
    }
    incidents = selectors.incident_list(**chosen)
    if filters.get("text") and not own_only and uses_full_text_search(incidents.db):
        # A search of the school's whole log: its matches read year by year, newest first, until enough are counted.
        years = selectors.search_years(school, date_from=chosen["date_from"], date_to=chosen["date_to"])
        page = _walked_page(years, lambda year: selectors.incident_list(**chosen, text_year=year), request.GET)
    elif filters.get("text") or own_only:
        # A search's matches, or the few hundred records a class teacher may read: counted by the page's own query.
        page = _searched_page(incidents, request.GET.get("page"))
    else:
        page = _counted_ahead_page(incidents, request.GET.get("page"))
    searched_by_pupil = bool(
        filters.get("q") or filters.get("year_group") or filters.get("school_class") or filters.get("text")
    )
    if filters.get("text"):
        # Who searched the log for what, concerns or not (issue 16 item 1; services_search.incident_search_log).
        incident_search_log(
            actor=request.user,
            school=school,
            query=filters["text"],
            concerns_included=show_concerns and verified,
            results=getattr(page.paginator, "more_than", None) or page.paginator.count,
            more_results=bool(getattr(page.paginator, "more_than", None)),
            ip_address=client_ip(request),
        )
    # The current filter, as the list's own form accepted it: what "Save this filter" saves (issue 16 item 9).
    current_filter = clean_filters(request.GET) if form.is_bound and form.is_valid() else {}
    context = {
        "school": school,
        "form": form,
        # The filter bar's fields drawn in Python (``safeguard.filter_fields``), "Filter" and "Clear" in the template.
        "filter_fields": field_groups(form, [name for name in form.fields if name != "years"]),
        "page": page,
        "show_concerns": show_concerns,
        "verified": verified,
        "concerns_left_out": show_concerns and not verified and searched_by_pupil,
        "can_manage": can_manage,
        "saved_filters": _saved_filter_links(request.user, school),
        "current_filter": current_filter,
        "page_number": page.number,
        "save_filter_form": SavedFilterForm() if current_filter else None,
        # Acting on selected records: for those who manage incidents (each record is checked again when acted on).
        "bulk_form": BulkActionForm() if can_manage else None,
        "can_set_up": permissions.can_keep_lesson_lists(request.user, school),
        # "Show every year" submits the filter form with ``years=all``: the other filters kept, and the words
        # searched for not repeated in a link's address.
        "window": window,
    }
    with timezone.override(school.time_zone):
        page.object_list = _label_rows(school, list(page.object_list))
        if verified:
            # Once verified, a concern's row names its pupils: each pupil's record shows who saw it (issue 12 #10).
            services.concerns_shown_log(
                actor=request.user,
                action="incidents.concern_list.viewed",
                school=school,
                incidents=page.object_list,
                ip_address=client_ip(request),
            )
        return render(request, "incidents/list.html", context)


class ListWindow(NamedTuple):
    """The incident list's default window for a reader of their own records (``list_window``): the first day shown
    (``starts_on``, a ``datetime.date`` in the school's time) and whether it is the start of the school's current
    academic year (``academic_year`` True) or a year before today (False, where the school has no academic year
    containing today)."""

    starts_on: datetime.date
    academic_year: bool


def list_window(school, filters, *, today=None):
    """The window the incident list shows by default to a reader of their own records
    (``permissions.reads_own_incidents_only``), as a ``ListWindow``, or None when it shows every year they may read.

    The lead's decision for issue 18 item 4 (each page's cost flat in the school's years of records): without a
    chosen "from" date such a reader sees the incidents since the start of the school's current academic year (the
    ``AcademicYear`` containing the school's today), else those of the last 12 months. None when ``filters`` (the
    list form's ``cleaned_data``, a dict) choose a "from" date or every year (``years`` "all"), or a "to" date before
    the window's start (a question about older records, which the window would answer with nothing).

    Args:
        school: a ``School``. today: a ``datetime.date`` (the school's today when None). One query."""
    from safeguard.directory.models import AcademicYear

    if filters.get("date_from") or filters.get("years") == IncidentFilterForm.EVERY_YEAR:
        return None
    today = today or school.today()
    year = AcademicYear.objects.filter(school=school, starts_on__lte=today, ends_on__gte=today).first()
    if year is not None:
        window = ListWindow(year.starts_on, True)
    else:
        try:
            window = ListWindow(today.replace(year=today.year - 1), False)
        except ValueError:  # 29 February
            window = ListWindow(today.replace(year=today.year - 1, day=28), False)
    if filters.get("date_to") and filters["date_to"] < window.starts_on:
        return None
    return window


class CountedAheadPaginator(Paginator):
    """A ``Paginator`` that counts at most ``ahead`` records past the start of the page asked for, so its cost does
    not grow with the school's years of records: ``count`` is then ``counted_up_to + 1`` and ``more_than`` is
    ``counted_up_to`` (the list says "More than 1,000 incidents"; the pager offers the next page, and from there
    counts again as far ahead). ``more_than`` is None when every record was counted.

    Args:
        object_list: an ordered queryset. per_page: int. number: the page asked for (int, 1 or more).
        ahead: how many records to count from the first of that page (int; ``COUNT_AHEAD`` when None).
    """

    def __init__(self, object_list, per_page, *, number, ahead=None):
        super().__init__(object_list, per_page)
        self.counted_up_to = (max(number, 1) - 1) * per_page + (COUNT_AHEAD if ahead is None else ahead)

    @cached_property
    def count(self):
        # SELECT COUNT(*) FROM (SELECT … LIMIT n): the database stops after n rows.
        return self.object_list[: self.counted_up_to + 1].count()

    @cached_property
    def more_than(self):
        return self.counted_up_to if self.count > self.counted_up_to else None

    @cached_property
    def pages_more_than(self):
        """The number of whole pages counted (int) when there are more records than counted, else None."""
        return self.counted_up_to // self.per_page if self.more_than else None


# A page number above this is read as this one (the last page in any school): its first record's position must fit
# the database's LIMIT and OFFSET (bigint), whatever number is typed into the address.
MAX_PAGE_NUMBER = 10**12


def _page_number(number):
    """The ``page`` parameter (a str or None) as an int from 1 to ``MAX_PAGE_NUMBER``; 1 when it is not a number."""
    try:
        return min(max(int(number or 1), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        return 1


def _counted_ahead_page(incidents, number):
    """The page ``number`` (the ``page`` parameter, a str or None) of ``incidents`` as ``Paginator.get_page`` gives
    it, counted by ``CountedAheadPaginator``: two queries (the count up to ``COUNT_AHEAD`` records past the page's
    start, then the page); a page number past the last gives the last page, one below 1 or not a number the first
    (Django's paginator would give its last, which here is only the last counted)."""
    number = _page_number(number)
    return CountedAheadPaginator(incidents, PAGE_SIZE, number=number).get_page(number)


def _searched_page(incidents, number):
    """The page ``number`` (the ``page`` parameter, a str or None) of ``incidents`` found by a search by words, or
    of the records a class teacher may read, as ``Paginator.get_page`` gives it, in one query where it gives two:
    either means reading every match (``IncidentSearchDocument``'s index, or the teacher's gathered ids, then each
    one's incident), and its count query did that once more. Here the page's query also counts the matches
    (``COUNT(*) OVER ()``), and the page's recorders are read by a query of their own: joined in that query,
    PostgreSQL looks up the recorder of every match before it sorts and keeps 50. A page number below 1 or past the
    last falls back to the paginator (the count, then the last page)."""
    incidents = incidents.select_related(None).prefetch_related("recorded_by")
    paginator = Paginator(incidents, PAGE_SIZE)
    try:
        number = int(number or 1)
    except (TypeError, ValueError):
        number = 1
    if number < 1:
        return paginator.get_page(number)
    number = _page_number(number)
    start = (number - 1) * PAGE_SIZE
    rows = list(incidents.annotate(matches=Window(Count("*")))[start : start + PAGE_SIZE])
    if not rows and number > 1:
        return paginator.get_page(number)
    paginator.count = rows[0].matches if rows else 0
    return paginator._get_page(rows, number, paginator)


class _WalkedPaginator(CountedAheadPaginator):
    """``CountedAheadPaginator`` over a list of ids already counted as far as it counts (``_walked_page``)."""

    @cached_property
    def count(self):
        return len(self.object_list)


def _walked_page(years, part, params):
    """The page of a search by words of the school's whole log (``params``: the request's GET; its ``page``), as
    ``Paginator.get_page`` gives it, counted like the list (``CountedAheadPaginator``: "More than 1,000
    incidents").

    ``years``: calendar years, newest first (``selectors.search_years``); ``part(year)``: the list's incidents that
    match in that year (``selectors.incident_list(text_year=…)``, newest first). The years are read one at a time —
    the ids of each one's matches, as many as are still to be counted — until the page and ``COUNT_AHEAD`` more are
    counted; then the page's incidents are read by their ids. The matches of older years are not read at all, so the
    cost follows the page, not the school's years of records (issue 18 item 4): one query a year read (a search of
    rare words reads every year, each a small index look-up), then three for the page."""
    number = _page_number(params.get("page"))
    ids = []
    paginator = _WalkedPaginator(ids, PAGE_SIZE, number=number)
    for year in years:
        wanted = paginator.counted_up_to + 1 - len(ids)
        ids += part(year).prefetch_related(None).values_list("pk", flat=True)[:wanted]
        if len(ids) > paginator.counted_up_to:
            break
    page = paginator.get_page(number)
    page.object_list = selectors.incidents_in_order(list(page.object_list))
    return page


def _saved_filter_links(user, school):
    """The user's saved filters, each with ``apply_url`` (the list with its values). One query."""
    base = reverse("incidents:list", args=[school.slug])
    saved = selectors.saved_filters(owner=user, school=school)
    for entry in saved:
        entry.apply_url = f"{base}?{filter_query(entry.filters)}"
    return saved


# One incident -----------------------------------------------------------------------------------------------------


def _labelled(events):
    for event in events:
        event.label = audit_label(event.action)
    return events


def _render_detail(request, school, incident, *, status=200, **bound_forms):
    """The record page, with any bound form (carrying its errors) in place of the empty one. Marks the user's
    alerts for the incident read, and audits the view of a concern."""
    user = request.user
    is_dsl_team = permissions.can(user, permissions.VIEW_SAFEGUARDING, school)
    can_manage = permissions.can_manage_incident(user, incident)
    can_follow_up = permissions.can_follow_up_incident(user, incident)
    can_suspend = permissions.can(user, permissions.SUSPEND_PUPIL, school)
    changeable = not incident.is_void
    services.alerts_mark_read(user=user, incident=incident)
    selectors.incident_record(incident, with_dsl_notes=incident.is_safeguarding and is_dsl_team)
    if incident.is_safeguarding:
        _audit_concern(request, incident, "incidents.concern.viewed")
    for action in incident.action_list:
        action.can_complete = (
            changeable and action.completed_at is None and (action.assignee_id == user.pk or can_manage)
        )

    def form(name, build, allowed):
        if not (allowed and changeable):
            return None
        return bound_forms.get(name) or build()

    with timezone.override(school.time_zone):
        guardian_links = selectors.guardians_of_involved_pupils(incident) if can_follow_up else []
        context = {
            "school": school,
            "incident": incident,
            "is_dsl_team": is_dsl_team,
            "today": school.today(),
            "printing": False,
            "can_manage": can_manage,
            "can_follow_up": can_follow_up,
            "outlines": selectors.body_outlines() if incident.body_map_list else {},
            "history": selectors.incident_history(incident),
            "audit_trail": _labelled(selectors.incident_audit_trail(incident)) if can_manage else [],
            "action_form": form("action_form", lambda: ActionForm(incident=incident), can_follow_up),
            "complete_form": ActionCompleteForm(),
            "contact_form": form(
                "contact_form",
                lambda: ParentContactForm(
                    incident=incident,
                    guardian_links=guardian_links,
                    initial={"contacted_at": timezone.localtime().replace(second=0, microsecond=0)},
                ),
                can_follow_up,
            ),
            "sanction_form": form(
                "sanction_form",
                lambda: SanctionForm(incident=incident, can_suspend=can_suspend, initial={"starts_on": school.today()}),
                can_manage,
            ),
            "note_form": form("note_form", DSLNoteForm, incident.is_safeguarding and is_dsl_team),
            "close_form": form(
                "close_form",
                lambda: CloseForm(incident=incident),
                can_manage and incident.status == Incident.Status.OPEN,
            ),
            "reopen_form": form("reopen_form", ReopenForm, can_manage and incident.status == Incident.Status.CLOSED),
            "void_form": form("void_form", VoidForm, can_manage),
            "can_amend": can_manage and changeable,
            # External referrals of a concern: the DSL team's (issue 16 item 5).
            "referrals": selectors.incident_referrals(incident) if incident.is_safeguarding and is_dsl_team else [],
            "referral_form": form(
                "referral_form",
                lambda: ReferralForm(initial={"referred_on": school.today()}),
                incident.is_safeguarding and is_dsl_team,
            ),
            "referral_update_form": ReferralUpdateForm(),
            # The LA's racist incident form: linked from every racist or prejudice-related incident (issue 12 #16).
            "racist_report": is_racist_incident(incident) and not incident.is_void,
            "la_form": form(
                "la_form",
                lambda: RacistReportSentForm(initial={"sent_on": incident.la_report_sent_on or school.today()}),
                can_manage and is_racist_incident(incident),
            ),
        }
        return render(request, "incidents/detail.html", context, status=status)


@login_required
@require_GET
def incident_detail(request, slug, public_id):
    """An incident's whole record and its follow-up. A concern: second factor first, then an audit event."""
    school = _school(request, slug)
    incident, raised = _readable_incident(request, school, public_id)
    if raised is not None:
        return raised
    if incident.is_safeguarding:
        refused = otp.second_factor_redirect(request)
        if refused is not None:
            return refused
    return _render_detail(request, school, incident)


@login_required
@require_GET
def incident_print(request, slug, public_id):
    """A print-friendly page of the record (no forms). A concern: second factor, then an audit event."""
    school = _school(request, slug)
    incident, raised = _readable_incident(request, school, public_id)
    if raised is not None:
        return raised
    is_dsl_team = permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school)
    if incident.is_safeguarding:
        refused = otp.second_factor_redirect(request)
        if refused is not None:
            return refused
    selectors.incident_record(incident, with_dsl_notes=incident.is_safeguarding and is_dsl_team)
    if incident.is_safeguarding:
        _audit_concern(request, incident, "incidents.concern.printed")
    context = {
        "school": school,
        "incident": incident,
        "printing": True,
        "printed_by": request.user,
        "printed_at": timezone.now(),
    }
    with timezone.override(school.time_zone):
        return render(request, "incidents/incident_print.html", context)


@login_required
@require_GET
def attachment_download(request, slug, public_id, attachment_id):
    """A file attached to an incident, as an attachment, to those who may read the incident (a concern's behind the
    second factor). Every download is audited."""
    school = _school(request, slug)
    incident = permissions.get_incident_for_user(request.user, school, public_id)
    attachment = selectors.attachment_of(incident, attachment_id)
    if attachment is None:
        raise Http404
    if incident.is_safeguarding:
        refused = otp.second_factor_redirect(request)
        if refused is not None:
            return refused
        _audit_concern(request, incident, "incidents.concern.downloaded", attachment=str(attachment.public_id))
    audit_log(
        actor=request.user,
        action="incidents.attachment.downloaded",
        school=school,
        subject=incident,
        data={"attachment": str(attachment.public_id)},
        ip_address=client_ip(request),
    )
    # Served under a name the server makes from the uploader's name without its extension, with the type read
    # from the bytes (safeguard.downloads; issue 12 #9).
    return file_download(attachment.file, title=os.path.splitext(clean_display_name(attachment.name))[0])


# Follow-up ----------------------------------------------------------------------------------------------------------


def _follow_up(request, slug, public_id, *, allowed):
    """``(school, incident, refusal)`` for a follow-up POST: 404 unless ``allowed(user, incident)``; on a concern
    without a recent second factor, a redirect to the record (which asks for it)."""
    school = _school(request, slug)
    incident = permissions.get_incident_for_user(request.user, school, public_id)
    if not allowed(request.user, incident):
        raise Http404
    if incident.is_safeguarding and not otp.is_recently_verified(request):
        messages.error(request, _("Confirm your second factor, then try again."))
        return school, incident, redirect(_detail_url(incident))
    return school, incident, None


def _submit(request, school, incident, *, form_name, form, perform, done, error_fields=None):
    """Validate ``form``, call ``perform(form)`` (a service); on success redirect to the record with ``done``,
    otherwise show the record again with the form's errors (a ``DomainError`` goes on its field)."""
    with timezone.override(school.time_zone):
        valid = form.is_valid()
    if valid:
        try:
            perform(form)
        except DomainError as error:
            field = (error_fields or {}).get(error.code)
            form.add_error(field if field in form.fields else None, error.message)
        except PermissionError:
            raise Http404 from None
        else:
            messages.success(request, done)
            return redirect(_detail_url(incident))
    return _render_detail(request, school, incident, **{form_name: form})


def _manages(user, incident):
    return permissions.can_manage_incident(user, incident)


def _follows_up(user, incident):
    return permissions.can_follow_up_incident(user, incident)


@login_required
@require_POST
def action_add(request, slug, public_id):
    """Add an action with an assignee and a due date (whoever manages the incident, or the recorder of a behaviour
    incident)."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=_follows_up)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        incident,
        form_name="action_form",
        form=ActionForm(request.POST, incident=incident),
        perform=lambda form: services.action_add(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("Action added."),
        error_fields={"kind": "kind", "assignee": "assignee", "due_on": "due_on"},
    )


@login_required
@require_POST
def action_complete(request, slug, public_id, action_id):
    """Mark an action done, with what was done: its assignee, or whoever manages the incident. From the record or
    from the actions page (``return_to=my_actions``)."""
    school = _school(request, slug)
    action = selectors.action_of(school, public_id, action_id)
    if action is None:
        raise Http404
    incident = action.incident
    user = request.user
    can_read = permissions.can_view_incident(user, incident)
    if not (action.assignee_id == user.pk or (can_read and permissions.can_manage_incident(user, incident))):
        raise Http404
    back = _detail_url(incident)
    if request.POST.get("return_to") == "my_actions" or not can_read:
        back = reverse("incidents:my_actions", args=[school.slug])
    if incident.is_safeguarding and not otp.is_recently_verified(request):
        messages.error(request, _("Confirm your second factor, then try again."))
        return redirect(_detail_url(incident) if can_read else back)
    if incident.is_void:
        messages.error(request, _("This incident was voided; it cannot be changed."))
        return redirect(back)
    form = ActionCompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done."))
        return redirect(back)
    try:
        services.action_complete(actor=user, action=action, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, error.message)
    except PermissionError:
        raise Http404 from None
    else:
        messages.success(request, _("Action marked done: %(action)s.") % {"action": action.get_kind_display()})
    return redirect(back)


@login_required
@require_POST
def parent_contact_add(request, slug, public_id):
    """Log a contact with a pupil's family."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=_follows_up)
    if refused is not None:
        return refused
    form = ParentContactForm(
        request.POST, incident=incident, guardian_links=selectors.guardians_of_involved_pupils(incident)
    )
    return _submit(
        request,
        school,
        incident,
        form_name="contact_form",
        form=form,
        perform=lambda form: services.parent_contact_record(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("Contact with the family recorded."),
        error_fields={"pupil": "pupil", "method": "method", "summary": "summary", "contacted_at": "contacted_at"},
    )


@login_required
@require_POST
def sanction_add(request, slug, public_id):
    """Record a sanction or outcome for a pupil involved; suspensions and permanent exclusions are the
    headteacher's, and the 45-day limit is shown as an error on the form."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=_manages)
    if refused is not None:
        return refused
    can_suspend = permissions.can(request.user, permissions.SUSPEND_PUPIL, school)
    return _submit(
        request,
        school,
        incident,
        form_name="sanction_form",
        form=SanctionForm(request.POST, incident=incident, can_suspend=can_suspend),
        perform=lambda form: services.sanction_record(
            actor=request.user, incident=incident, **form.service_arguments()
        ),
        done=_("Sanction recorded."),
        error_fields=SanctionForm.ERROR_FIELDS,
    )


@login_required
@require_POST
def dsl_note_add(request, slug, public_id):
    """Add a DSL team note to a concern (never shown to the member of staff who raised it)."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=permissions.can_write_dsl_note)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        incident,
        form_name="note_form",
        form=DSLNoteForm(request.POST),
        perform=lambda form: services.dsl_note_add(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("Note added."),
        error_fields={"text": "text"},
    )


@login_required
@require_POST
def incident_close(request, slug, public_id):
    """Close with the outcome (and, for a concern, the rationale)."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=_manages)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        incident,
        form_name="close_form",
        form=CloseForm(request.POST, incident=incident),
        perform=lambda form: services.incident_close(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("Incident closed."),
        error_fields={"outcome": "outcome", "rationale": "rationale"},
    )


@login_required
@require_POST
def incident_reopen(request, slug, public_id):
    """Reopen a closed incident, saying why."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=_manages)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        incident,
        form_name="reopen_form",
        form=ReopenForm(request.POST),
        perform=lambda form: services.incident_reopen(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("Incident reopened."),
        error_fields={"reason": "reason"},
    )


@login_required
@require_POST
def incident_void(request, slug, public_id):
    """Void an incident recorded in error, with the reason: it stays, with its history, out of every list."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=_manages)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        incident,
        form_name="void_form",
        form=VoidForm(request.POST),
        perform=lambda form: services.incident_void(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("Incident voided. It is kept with its history but no longer listed."),
        error_fields={"reason": "reason"},
    )


@login_required
@require_POST
def racist_report_sent(request, slug, public_id):
    """Record that the local authority's racist incident form was sent, and when (whoever manages the incident)."""
    school, incident, refused = _follow_up(request, slug, public_id, allowed=_manages)
    if refused is not None:
        return refused
    if not is_racist_incident(incident):
        raise Http404
    return _submit(
        request,
        school,
        incident,
        form_name="la_form",
        form=RacistReportSentForm(request.POST),
        perform=lambda form: services.racist_report_sent(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("Recorded that the form was sent to the local authority."),
        error_fields={"sent_on": "sent_on"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_amend(request, slug, public_id):
    """Correct a record (a typo, the wrong category or level, when or where) with the reason: whoever manages the
    incident; a concern behind the second factor. The previous version stays in the record's history (issue 16
    item 2). A voided record cannot be corrected."""
    school = _school(request, slug)
    incident = permissions.get_incident_for_user(request.user, school, public_id)
    if not permissions.can_manage_incident(request.user, incident):
        raise Http404
    if incident.is_safeguarding:
        refused = otp.second_factor_redirect(request)
        if refused is not None:
            return refused
    if incident.is_void:
        messages.error(request, _("This incident was voided; it cannot be changed."))
        return redirect(_detail_url(incident))
    with timezone.override(school.time_zone):
        form = IncidentAmendForm(request.POST or None, incident=incident)
        if request.method == "POST" and form.is_valid():
            try:
                _incident, amendment = services.incident_amend(
                    actor=request.user, incident=incident, reason=form.cleaned_data["reason"], **form.changed_values()
                )
            except DomainError as error:
                form.add_error(error.code if error.code in form.fields else None, error.message)
            except PermissionError:
                raise Http404 from None
            else:
                if amendment is None:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(request, _("The record is corrected. The previous version is in its history."))
                return redirect(_detail_url(incident))
        if incident.is_safeguarding:
            _audit_concern(request, incident, "incidents.concern.viewed")
        return render(request, "incidents/amend.html", {"school": school, "incident": incident, "form": form})


# Alerts and actions -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def alerts(request, slug):
    """The user's alerts, unread first, each leading to its incident (a concern's asks for the second factor)."""
    school = _school(request, slug)
    page = Paginator(selectors.alert_list(user=request.user, school=school), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    verified = otp.is_recently_verified(request)
    if verified:
        services.concerns_shown_log(
            actor=request.user,
            action="incidents.concern_alerts.viewed",
            school=school,
            incidents=[alert.incident for alert in page.object_list],
            ip_address=client_ip(request),
        )
    context = {
        "school": school,
        "page": page,
        "unread": selectors.unread_alert_count(user=request.user, school=school),
        "verified": verified,
    }
    with timezone.override(school.time_zone):
        return render(request, "incidents/alerts.html", context)


@login_required
@require_POST
def alerts_mark_all_read(request, slug):
    """Mark every unread alert of the user in this school read."""
    school = _school(request, slug)
    count = 0
    for incident in selectors.unread_alert_incidents(user=request.user, school=school):
        count += services.alerts_mark_read(user=request.user, incident=incident)
    if count:
        messages.success(request, _("All alerts marked read."))
    return redirect("incidents:alerts", school.slug)


@login_required
@require_GET
def my_actions(request, slug):
    """Open actions assigned to the user, due and overdue first; for those who manage incidents, every open action
    of the incidents they may read, filterable. Each can be marked done here."""
    school = _school(request, slug)
    user = request.user
    manager = permissions.can(user, permissions.MANAGE_INCIDENTS, school)
    today = school.today()
    context = {
        "school": school,
        "today": today,
        "mine": list(selectors.my_open_actions(user=user, school=school)),
        "manager": manager,
        "verified": otp.is_recently_verified(request),
        "complete_form": ActionCompleteForm(),
    }
    if manager:
        form = ActionFilterForm(request.GET or None, school=school)
        filters = form.cleaned_data if form.is_valid() else {}
        actions = selectors.open_actions_of_visible_incidents(
            user=user,
            school=school,
            assignee=filters.get("assignee"),
            kind=filters.get("kind", ""),
            due=filters.get("due", ""),
            today=today,
        )
        context["filter_form"] = form
        context["page"] = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    if context["verified"]:
        # Once verified, a concern's action shows its details (issue 12 #10).
        shown = context["mine"] + (list(context["page"].object_list) if manager else [])
        services.concerns_shown_log(
            actor=user,
            action="incidents.concern_actions.viewed",
            school=school,
            incidents={action.incident_id: action.incident for action in shown}.values(),
            ip_address=client_ip(request),
        )
    with timezone.override(school.time_zone):
        return render(request, "incidents/my_actions.html", context)


urlpatterns = [
    path("school/<slug:slug>/incidents/", incident_list, name="list"),
    path("school/<slug:slug>/incidents/alerts/", alerts, name="alerts"),
    path("school/<slug:slug>/incidents/alerts/read/", alerts_mark_all_read, name="alerts_mark_all_read"),
    path("school/<slug:slug>/incidents/actions/", my_actions, name="my_actions"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/", incident_detail, name="incident_detail"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/print/", incident_print, name="incident_print"),
    path(
        "school/<slug:slug>/incidents/<uuid:public_id>/files/<uuid:attachment_id>/",
        attachment_download,
        name="attachment",
    ),
    path("school/<slug:slug>/incidents/<uuid:public_id>/actions/", action_add, name="action_add"),
    path(
        "school/<slug:slug>/incidents/<uuid:public_id>/actions/<uuid:action_id>/complete/",
        action_complete,
        name="action_complete",
    ),
    path("school/<slug:slug>/incidents/<uuid:public_id>/contacts/", parent_contact_add, name="parent_contact_add"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/sanctions/", sanction_add, name="sanction_add"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/notes/", dsl_note_add, name="dsl_note_add"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/close/", incident_close, name="incident_close"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/reopen/", incident_reopen, name="incident_reopen"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/void/", incident_void, name="incident_void"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/correct/", incident_amend, name="incident_amend"),
    path(
        "school/<slug:slug>/incidents/<uuid:public_id>/forms/racist-incident/sent/",
        racist_report_sent,
        name="racist_report_sent",
    ),
]
