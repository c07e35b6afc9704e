"""Template context for the navigation bar: the places the signed-in user can go (``safeguard.navigation``)."""

from django.utils.functional import SimpleLazyObject

from safeguard.navigation import menu_for


def navigation(request):
    """``nav``: ``menu_for`` the signed-in user, worked out only when a template reads it (a PDF or an e-mail rendered
    with the request has no navigation bar, so it costs no query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": SimpleLazyObject(lambda: menu_for(user))}
