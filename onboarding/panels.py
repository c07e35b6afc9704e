"""The school home panel linking to the set-up pages (registered in ``apps.py``)."""

from safeguard import permissions


def school_setup(*, user, school):
    """``(template, context)`` for people who may set the school up or invite staff, else None."""
    can_setup = permissions.can(user, permissions.SETUP_SCHOOL, school)
    can_invite = permissions.can(user, permissions.INVITE_STAFF, school)
    can_add_pupils = permissions.can(user, permissions.MANAGE_ROSTER, school)
    if not (can_setup or can_invite or can_add_pupils):
        return None
    return "onboarding/panels/setup.html", {
        "school": school,
        "can_setup": can_setup,
        "can_invite": can_invite,
        "can_add_pupils": can_add_pupils,
    }
