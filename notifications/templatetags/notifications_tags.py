"""Template tags of notification preferences: whether to show the "Notification settings" link in the user menu."""

from django import template

from safeguard import permissions

register = template.Library()


@register.simple_tag
def may_choose_notifications(user):
    """True when ``user`` may open their notification settings (members of staff: ``permissions``); at most one query
    (the per-request cache of roles)."""
    return permissions.may_choose_notifications(user)
