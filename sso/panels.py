"""The school home panel linking to the single sign-on settings (registered in ``apps.py``)."""

from safeguard import permissions


def school_sso(*, user, school):
    """``(template, context)`` for the headteacher, else None."""
    if not permissions.can(user, permissions.SSO_CONFIGURE, school):
        return None
    return "sso/panels/school.html", {"school": school}
