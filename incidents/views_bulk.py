"""Acting on the records selected on the incident list (issue 16 item 9): close them, give their open actions to
another member of staff, or download them as CSV.

Reassigning takes two steps: the list's "Reassign their actions…" button posts the selection here with ``choose``,
and this page asks whom the actions go to (listing the staff costs two queries, so the list itself does not); its
button posts the selection again with the choice.

Any member of staff who reads the list (``RECORD_INCIDENT``) may post; each record is then checked on its own
(``incidents.services_bulk``): records they may not act on are skipped and the message says how many and why ("3
closed. 1 skipped: you may not close it."). Records of another school are never found. Concerns only for the DSL
team with the second factor confirmed within the hour, as the list shows them.
"""

import types

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from exports.writing import csv_response
from safeguard import permissions
from safeguard.accounts import otp
from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from . import services_bulk
from .forms_bulk import BulkActionForm, BulkReassignForm
from .views_list_tools import RETURN_PREFIX, list_url, return_fields


def _skip_message(reason, count, operation):
    """The sentence saying why ``count`` records were skipped (``reason``: a ``services_bulk`` code)."""
    if reason == services_bulk.NOT_ALLOWED:
        if operation == "close":
            return ngettext(
                "%(count)s skipped: you may not close it.", "%(count)s skipped: you may not close them.", count
            )
        if operation == "reassign":
            return ngettext(
                "%(count)s skipped: you may not reassign its actions.",
                "%(count)s skipped: you may not reassign their actions.",
                count,
            )
        return ngettext(
            "%(count)s skipped: you may not export it.", "%(count)s skipped: you may not export them.", count
        )
    texts = {
        services_bulk.TOO_MANY: ngettext(
            "%(count)s skipped: at most %(max)s records are acted on at once.",
            "%(count)s skipped: at most %(max)s records are acted on at once.",
            count,
        ),
        services_bulk.NOT_FOUND: ngettext(
            "%(count)s skipped: it could not be found in your incident log.",
            "%(count)s skipped: they could not be found in your incident log.",
            count,
        ),
        services_bulk.SECOND_FACTOR: ngettext(
            "%(count)s skipped: a safeguarding concern needs your second factor first.",
            "%(count)s skipped: safeguarding concerns need your second factor first.",
            count,
        ),
        services_bulk.VOIDED: ngettext(
            "%(count)s skipped: it was voided.", "%(count)s skipped: they were voided.", count
        ),
        services_bulk.ALREADY_CLOSED: ngettext(
            "%(count)s skipped: it was already closed.", "%(count)s skipped: they were already closed.", count
        ),
        services_bulk.RATIONALE: ngettext(
            "%(count)s skipped: a safeguarding concern is closed only with the rationale.",
            "%(count)s skipped: safeguarding concerns are closed only with the rationale.",
            count,
        ),
        services_bulk.NO_OPEN_ACTIONS: ngettext(
            "%(count)s skipped: it has no open actions to reassign.",
            "%(count)s skipped: they have no open actions to reassign.",
            count,
        ),
        services_bulk.DSL_ONLY: ngettext(
            "%(count)s skipped: actions on a safeguarding concern go to the DSL team.",
            "%(count)s skipped: actions on safeguarding concerns go to the DSL team.",
            count,
        ),
    }
    return texts[reason]


def _report(request, result, operation, done_message):
    """Flash what was done, and each reason records were skipped, as separate sentences."""
    if done_message:
        messages.success(request, done_message)
    for reason, count in result.skipped_in_order():
        messages.warning(
            request, _skip_message(reason, count, operation) % {"count": count, "max": services_bulk.MAX_SELECTED}
        )


def _refused(request, form, fields):
    """Flash the form's error of each of ``fields`` (with its label, as a whole sentence) and return True if any."""
    refused = False
    for name in fields:
        for error in form.errors.get(name, []):
            messages.error(request, _("%(field)s: %(error)s") % {"field": form.fields[name].label, "error": error})
            refused = True
    return refused


def _start(request, slug):
    """``(school, [posted incident ids], the list's URL to go back to)``; 404 for a school whose log they may not
    read."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)
    return school, request.POST.getlist("incident"), list_url(school, request.POST, prefix=RETURN_PREFIX)


def _checked(form):
    """``form``, validated: each view reads the errors of the fields its button uses (``_refused``)."""
    form.is_valid()
    return form


@login_required
@require_POST
def bulk_close(request, slug):
    """Close the selected records with one outcome (and, for concerns, the rationale)."""
    school, selected, back = _start(request, slug)
    if not selected:
        messages.error(request, _("Select at least one record first."))
        return redirect(back)
    form = _checked(BulkActionForm(request.POST))
    if _refused(request, form, ["outcome", "rationale"]):
        return redirect(back)
    try:
        result = services_bulk.incidents_close(
            actor=request.user,
            school=school,
            public_ids=selected,
            outcome=form.cleaned_data.get("outcome", ""),
            rationale=form.cleaned_data.get("rationale", ""),
            verified=otp.is_recently_verified(request),
        )
    except DomainError as error:
        messages.error(
            request,
            _("To close the selected records, write the outcome.") if error.code == "outcome" else error.message,
        )
        return redirect(back)
    done = ngettext("%(count)s closed.", "%(count)s closed.", result.changes) % {"count": result.changes}
    _report(request, result, "close", done)
    return redirect(back)


@login_required
@require_POST
def bulk_reassign(request, slug):
    """Give the open actions of the selected records (all, or one person's) to another member of staff. Posted with
    ``choose`` (the list's button), it shows the form that asks to whom, carrying the selection and the list's filter;
    that form posts here again."""
    school, selected, back = _start(request, slug)
    if not selected:
        messages.error(request, _("Select at least one record first."))
        return redirect(back)
    if "choose" in request.POST:
        context = {
            "school": school,
            "form": BulkReassignForm(school=school),
            "selected": list(dict.fromkeys(selected)),
            "return_fields": return_fields(request.POST, prefix=RETURN_PREFIX),
            "back": back,
        }
        return render(request, "incidents/bulk_reassign.html", context)
    form = _checked(BulkReassignForm(request.POST, school=school))
    assignee = form.cleaned_data.get("assignee")
    if assignee is None and "assignee" not in form.errors:
        messages.error(request, _("Choose who the open actions go to."))
        return redirect(back)
    # A choice the form refused is said, never read as "anyone": "only the actions of" someone no longer offered
    # would otherwise give away every open action of the selected records.
    if _refused(request, form, ["assignee", "from_assignee"]):
        return redirect(back)
    result = services_bulk.incidents_reassign_actions(
        actor=request.user,
        school=school,
        public_ids=selected,
        assignee=assignee,
        from_assignee=form.cleaned_data.get("from_assignee"),
        verified=otp.is_recently_verified(request),
    )
    done = ngettext("%(count)s action given to %(name)s.", "%(count)s actions given to %(name)s.", result.changes) % {
        "count": result.changes,
        "name": assignee,
    }
    _report(request, result, "reassign", done)
    return redirect(back)


@login_required
@require_POST
def bulk_export(request, slug):
    """Download the selected records as CSV (UTF-8 with a byte-order mark; no cell a spreadsheet would run). What
    was skipped is said on the next page."""
    school, selected, back = _start(request, slug)
    if not selected:
        messages.error(request, _("Select at least one record first."))
        return redirect(back)
    header, rows, result = services_bulk.incidents_export(
        actor=request.user,
        school=school,
        public_ids=selected,
        verified=otp.is_recently_verified(request),
        ip_address=client_ip(request),
    )
    if not rows:
        _report(request, result, "export", _("Nothing was exported."))
        return redirect(back)
    _report(request, result, "export", "")
    filename = f"incidents-{school.slug}-{school.today():%Y-%m-%d}.csv"
    return csv_response(types.SimpleNamespace(header=header, rows=rows), filename)


urlpatterns = [
    path("school/<slug:slug>/incidents/selected/close/", bulk_close, name="bulk_close"),
    path("school/<slug:slug>/incidents/selected/reassign/", bulk_reassign, name="bulk_reassign"),
    path("school/<slug:slug>/incidents/selected/export/", bulk_export, name="bulk_export"),
]
