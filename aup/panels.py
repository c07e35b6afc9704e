"""Home-page panels of the acceptable use app, registered in ``AupConfig.ready()`` (see ``safeguard.panels``)."""

from safeguard import permissions

from . import selectors
from .services_class_codes import may_set_self_signing, self_signing_age


def parent_forms(*, user):
    """ "Forms to sign" on a parent's home: open requests for their children that wait for them, and the agreements
    already signed with their PDFs (two queries)."""
    return "aup/panels/parent_forms.html", {
        "requests": list(selectors.parent_pending_requests(user)),
        "signed": list(selectors.parent_signed_requests(user)[:20]),
    }


def school_agreements(*, user, school):
    """On a school's home: the headteacher's count of staff agreements to countersign, for teachers a way to
    pupil signing in class and class codes, for the office the front desk where visitors sign (issue 13 item 7), and
    for whoever sets the school up or manages agreements the age from which pupils sign for themselves (item 8)."""
    can_countersign = permissions.can(user, permissions.COUNTERSIGN_STAFF, school)
    can_supervise = permissions.can(user, permissions.SUPERVISE_PUPIL_SIGNING, school)
    can_front_desk = permissions.can(user, permissions.FRONT_DESK, school)
    can_set_self_signing = may_set_self_signing(user, school)
    if not (can_countersign or can_supervise or can_front_desk or can_set_self_signing):
        return None
    return "aup/panels/school_agreements.html", {
        "school": school,
        "can_countersign": can_countersign,
        "countersign_count": selectors.countersign_count(school) if can_countersign else 0,
        "can_supervise": can_supervise,
        "can_front_desk": can_front_desk,
        # Pupils who sign for themselves with a class code (issue 13 item 8): the setting, for who may change it.
        "can_set_self_signing": can_set_self_signing,
        "self_signing_age": self_signing_age(school) if can_set_self_signing else None,
    }
