"""``{% load safeguarding_flags %}``: the discreet marker of a pupil's safeguarding flags (issue 16 item 4).

``{% safeguarding_flag_marker school pupil %}`` renders, for someone with ``VIEW_SAFEGUARDING`` in ``school`` (the
DSL team and the headteacher), a small link to the pupil's flags page with the number of current flags; for anyone
else it renders nothing at all, so the page is the same whether or not the pupil has a flag. The flags' names are
shown on that page, behind the second factor, where each view is audited.

The pupil page (``safeguard.directory.views.pupil_detail``) belongs to the platform, which may not import a feature's
models; this tag is the feature's way onto it, as the home-page panels are (``safeguard.panels``). It decides
nothing itself: ``safeguard.permissions.can`` does, and ``incidents.selectors`` counts.
"""

from django import template

from safeguard import permissions

from .. import selectors

register = template.Library()


@register.inclusion_tag("incidents/_flag_marker.html", takes_context=True)
def safeguarding_flag_marker(context, school, pupil):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not permissions.can(user, permissions.VIEW_SAFEGUARDING, school):
        return {"show": False}
    return {"show": True, "school": school, "pupil": pupil, "count": selectors.current_flag_count(pupil)}
