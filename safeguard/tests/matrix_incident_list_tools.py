"""Permission-matrix rows for the incident list's tools and a school's lessons and subjects (issue 16 items 7, 9).
Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in).

- Lessons/periods and subjects: whoever sets the school up (``SETUP_SCHOOL``: the office, the head, the trust
  admin) — they are the school's timetable, kept with its calendar and classes.
- Saved filters: any member of staff keeps their own; another person's answers 404 (``world.saved_filter`` is SLT's).
- Acting on selected records: any member of staff may post (each record is then checked on its own: nothing selected
  here, so each answers with a redirect and a message); everyone else 404. Another school's URL: only that school's
  staff (its DSL) get past the school check.
"""

STAFF = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head"]
SETUP = ["office", "head", "trust_admin"]


def build_world(world):
    """A lesson period of the school, and a saved filter of SLT's."""
    from incidents.models import LessonPeriod, SavedIncidentFilter

    world.period = LessonPeriod.objects.create(school=world.school, name="Period 1", order=1)
    world.saved_filter = SavedIncidentFilter.objects.create(
        owner=world.users["slt"], school=world.school, name="Level 4 and 5", filters={"level": "4"}
    )


def _school(f):
    return {"slug": f.school.slug}


def _other(f):
    return {"slug": f.other_school.slug}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # Issue 16 item 7: the school's lessons/periods and subjects.
        ("incidents:lessons", ""): ("get", _school, allow(SETUP)),
        ("incidents:lessons", "other school"): ("get", _other, allow([])),
        # An empty name shows the page again with its error (400); nothing is saved.
        ("incidents:lesson_entry_add", ""): ("post", lambda f: {**_school(f), "kind": "periods"}, allow(SETUP, 400)),
        ("incidents:lesson_entry_add", "unknown list"): (
            "post",
            lambda f: {**_school(f), "kind": "rooms"},
            allow([]),
        ),
        ("incidents:lesson_entry_remove", ""): (
            "post",
            lambda f: {**_school(f), "kind": "periods", "entry_id": f.period.public_id},
            allow(SETUP, 302),
        ),
        ("incidents:lesson_entry_remove", "other school"): (
            "post",
            lambda f: {**_other(f), "kind": "periods", "entry_id": f.period.public_id},
            allow([]),
        ),
        # Issue 16 item 9: saved filters, each person's own.
        ("incidents:saved_filters", ""): ("get", _school, allow(STAFF)),
        ("incidents:saved_filters", "other school"): ("get", _other, allow(["other_school_dsl"])),
        # Nothing posted: back to the list with a message.
        ("incidents:saved_filter_save", ""): ("post", _school, allow(STAFF, 302)),
        ("incidents:saved_filter_remove", ""): (
            "post",
            lambda f: {**_school(f), "filter_id": f.saved_filter.public_id},
            allow(["slt"], 302),
        ),
        ("incidents:saved_filter_remove", "other school"): (
            "post",
            lambda f: {**_other(f), "filter_id": f.saved_filter.public_id},
            allow([]),
        ),
        # Issue 16 item 9: acting on selected records (nothing selected: back to the list with a message).
        ("incidents:bulk_close", ""): ("post", _school, allow(STAFF, 302)),
        ("incidents:bulk_close", "other school"): ("post", _other, allow(["other_school_dsl"], 302)),
        ("incidents:bulk_reassign", ""): ("post", _school, allow(STAFF, 302)),
        ("incidents:bulk_export", ""): ("post", _school, allow(STAFF, 302)),
    }
