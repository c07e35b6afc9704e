"""Permission-matrix rows and world objects for consent naming and image rules (issue 13 item 11): the school's
bands (office, SLT, headteacher) and a parent's stricter choice for their child. Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in)."""

MANAGERS = ["office", "slt", "head"]


def build_world(world):
    """Add what this module's rows need to ``world``: a naming rule of the school (the pupil's year group) and one
    of the other school."""
    from consent.models import NamingRule
    from safeguard.directory.tests import factories

    year = world.pupil.year_group
    world.naming_rule = NamingRule.objects.create(
        school=world.school, year_from=year, year_to=year, naming="first_name", images="faces_hidden"
    )
    other_year = factories.YearGroupFactory(school=world.other_school, code="Y9", name="Year 9", order=9)
    world.other_naming_rule = NamingRule.objects.create(
        school=world.other_school, year_from=other_year, year_to=other_year, naming="no_name", images="faces_hidden"
    )


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""

    def rule(name, school="school"):
        return lambda f: {"slug": getattr(f, school).slug, "public_id": getattr(f, name).public_id}

    return {
        ("consent:naming_rules", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("consent:naming_rules", "post without data"): ("post", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("consent:naming_rules", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("consent:naming_rule_edit", ""): ("get", rule("naming_rule"), allow(MANAGERS)),
        ("consent:naming_rule_edit", "rule of another school"): ("get", rule("other_naming_rule"), allow([])),
        ("consent:naming_rule_end", ""): ("post", rule("naming_rule"), allow(MANAGERS, status=302)),
        ("consent:naming_rule_end", "rule of another school"): ("post", rule("other_naming_rule"), allow([])),
        ("consent:naming_choice", ""): ("get", lambda f: {"pupil_id": f.pupil.public_id}, allow(["parent"])),
        ("consent:naming_choice", "pupil of another school"): (
            "get",
            lambda f: {"pupil_id": f.other_pupil.public_id},
            allow([]),
        ),
    }
