"""``{% load case_links %}``: what an incident's record shows of its links and cases (issue 16 item 3).

``{% incident_links_panel incident as panel %}`` gives ``templates/cases/includes/incident_links.html`` its context:
the incident's current links whose other incident the viewer may read (a concern at the other end shows no detail
until the second factor is confirmed), the form to link it (to whoever manages it), and — for the DSL team on a
concern — the cases it is grouped into. None when there is nothing to show, so the record is unchanged for everyone
else. The incident's view (``incidents.views_incidents``) need not know about cases: the rules are in
``safeguard.permissions`` and the reads in ``cases.selectors.links``; this tag only gathers them.
"""

from django import template

from safeguard import permissions
from safeguard.accounts import otp

from ..forms import IncidentLinkForm
from ..selectors import links as selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def incident_links_panel(context, incident):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    school = incident.school
    verified = otp.is_recently_verified(request)
    links = selectors.visible_links(user=user, incident=incident)
    for link in links:
        link.locked = link.other_incident.is_safeguarding and not verified
        link.can_end = not incident.is_void and permissions.can_link_incidents(user, incident, link.other_incident)
    form = None
    if not incident.is_void and permissions.can_manage_incident(user, incident):
        candidates = selectors.link_candidates(
            user=user, incident=incident, exclude=[link.other_incident.pk for link in links]
        )
        if not verified:  # a concern's date and category are for those past the second factor
            candidates = [candidate for candidate in candidates if not candidate.is_safeguarding]
        form = IncidentLinkForm(candidates=candidates, auto_id="id_link_%s")
    cases = []
    if incident.is_safeguarding and verified and permissions.can_work_on_cases(user, school):
        cases = selectors.cases_of_concern(incident)
    if not links and form is None and not cases:
        return None
    return {"school": school, "incident": incident, "links": links, "form": form, "cases": cases}
