"""The incident log's panel on a school's home page, registered in ``IncidentsConfig.ready()`` (see
``safeguard.panels``)."""

from safeguard import permissions

from . import selectors


def school_incidents(*, user, school):
    """For staff: "N unread incident alerts · N actions due" with links, and a way to record an incident (two
    count queries)."""
    if not permissions.can(user, permissions.RECORD_INCIDENT, school):
        return None
    return "incidents/_panel_school_home.html", {
        "school": school,
        "unread": selectors.unread_alert_count(user=user, school=school),
        "actions_due": selectors.actions_due_count(user=user, school=school),
        "can_see_dashboard": permissions.can(user, permissions.VIEW_INCIDENT_DASHBOARD, school),
    }
