"""Linking and unlinking incidents, from an incident's record (issue 16 item 3). The record shows the links through
``templates/cases/includes/incident_links.html``; these views only take its forms and go back to the record.

Whoever manages both incidents may link them (``permissions.can_link_incidents``); anyone who may not manage the
incident of the URL gets 404, as for a record they cannot see. A concern at either end needs the second factor.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import permissions
from safeguard.accounts import otp
from safeguard.base import DomainError

from ..forms import IncidentLinkForm
from ..selectors import links as selectors
from ..services import links as services


def _record_url(incident):
    return reverse("incidents:incident_detail", args=[incident.school.slug, incident.public_id]) + "#incident-links"


def _managed_incident(request, slug, public_id):
    """The incident of the URL if the user may manage it; 404 otherwise (as for one they cannot see)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)
    incident = permissions.get_incident_for_user(request.user, school, public_id)
    if not permissions.can_manage_incident(request.user, incident):
        raise Http404
    return school, incident


def _needs_second_factor(request, *incidents):
    return any(incident.is_safeguarding for incident in incidents) and not otp.is_recently_verified(request)


@login_required
@require_POST
def incident_link_add(request, slug, public_id):
    """Link the incident to another of the school (chosen, or by its pasted address), with an optional note."""
    school, incident = _managed_incident(request, slug, public_id)
    back = redirect(_record_url(incident))
    form = IncidentLinkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    try:
        other_id = uuid.UUID(form.cleaned_data["other_id"])
    except ValueError:
        other_id = None
    other = selectors.incident_by_public_id(school, other_id) if other_id else None
    if other is None or not permissions.can_view_incident(request.user, other):
        messages.error(request, _("No incident of this school has that address, or you may not open it."))
        return back
    if _needs_second_factor(request, incident, other):
        messages.error(request, _("Confirm your second factor, then try again."))
        return back
    try:
        _link, created = services.incident_link(
            actor=request.user, incident=incident, other=other, note=form.cleaned_data["note"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    except PermissionError:
        messages.error(request, _("You may link only incidents you manage."))
    else:
        if created:
            messages.success(request, _("The incidents are linked. The link shows on both records."))
        else:
            messages.info(request, _("These incidents are already linked."))
    return back


@login_required
@require_POST
def incident_link_end(request, slug, public_id, link_id):
    """Undo a link (it stays in both records' history)."""
    school, incident = _managed_incident(request, slug, public_id)
    link = selectors.link_of(school, incident, link_id)
    if link is None or not permissions.can_link_incidents(request.user, link.incident_a, link.incident_b):
        raise Http404
    if _needs_second_factor(request, link.incident_a, link.incident_b):
        messages.error(request, _("Confirm your second factor, then try again."))
        return redirect(_record_url(incident))
    services.incident_unlink(actor=request.user, link=link)
    messages.success(request, _("The link is undone. It stays in the history of both records."))
    return redirect(_record_url(incident))


LINKS = "school/<slug:slug>/incidents/<uuid:public_id>/links/"

urlpatterns = [
    path(LINKS, incident_link_add, name="incident_link_add"),
    path(f"{LINKS}<uuid:link_id>/end/", incident_link_end, name="incident_link_end"),
]
