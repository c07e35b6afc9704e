"""Positive behaviour's cards on other pages, registered in ``AchievementsConfig.ready()`` (see ``safeguard.panels``):
the pupil's praise on the pupil's page, and "Record praise" on the school's home page."""

from safeguard import permissions

from . import selectors


def pupil_praise(*, user, school, pupil):
    """The pupil's points this term and this academic year and their latest praise (four queries at most) — shown
    only to those who may open the pupil's chronology (``permissions.can_view_chronology``: SLT, the head, the DSL
    team, and the class teachers of the pupil's class).

    Why that rule and not the roster (``VIEW_ROSTER``, all staff) with the incident visibility rule: praise is the
    other half of the pupil's behaviour record, and the card stands beside the chronology link on the same page. The
    people who read one half read the other, so nobody draws a picture of a pupil from the positives alone (office
    staff see the roster, not behaviour). Praise a member of staff gave to a pupil outside their classes stays
    readable to them in the school's list (``permissions.achievements_visible_to``)."""
    if not permissions.can_view_chronology(user, school, pupil):
        return None
    return "achievements/_panel_pupil.html", {
        "school": school,
        "pupil": pupil,
        "summary": selectors.pupil_summary(pupil),
        "can_record": permissions.can(user, permissions.RECORD_ACHIEVEMENT, school),
    }


def school_praise(*, user, school):
    """For staff: a "Record praise" button and the school's list of praise (no query)."""
    if not permissions.can(user, permissions.RECORD_ACHIEVEMENT, school):
        return None
    return "achievements/_panel_school_home.html", {"school": school}
