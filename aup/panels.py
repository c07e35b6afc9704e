"""Home-page panels of the acceptable use app, registered in ``AupConfig.ready()`` (see ``safeguard.panels``)."""

from safeguard import permissions

from . import selectors


def parent_forms(*, user):
    """ "Forms to sign" on a parent's home: open requests for their children that wait for them, and the agreements
    already signed with their PDFs (two queries)."""
    return "aup/panels/parent_forms.html", {
        "requests": list(selectors.parent_pending_requests(user)),
        "signed": list(selectors.parent_signed_requests(user)[:20]),
    }


def school_agreements(*, user, school):
    """On a school's home: the headteacher's count of staff agreements to countersign, and for teachers a way to
    pupil signing in class."""
    can_countersign = permissions.can(user, permissions.COUNTERSIGN_STAFF, school)
    can_supervise = permissions.can(user, permissions.SUPERVISE_PUPIL_SIGNING, school)
    if not (can_countersign or can_supervise):
        return None
    return "aup/panels/school_agreements.html", {
        "school": school,
        "can_countersign": can_countersign,
        "countersign_count": selectors.countersign_count(school) if can_countersign else 0,
        "can_supervise": can_supervise,
    }
