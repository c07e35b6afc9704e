"""Template context for the navigation bar: the places the signed-in user can go."""

from safeguard.directory.selectors import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": navigation_for(user)}
