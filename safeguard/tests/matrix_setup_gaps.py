"""Permission-matrix rows for issue 13's remaining set-up pages: half-terms and other breaks, removing a term,
renaming and removing a year group, renaming a member of staff, ending a trust or district administrator's role.
Imported by ``test_permissions_matrix.py`` (found by name), which owns the rules (``allow``, ``only``)."""

SETUP = ["office", "head", "trust_admin"]  # SETUP_SCHOOL: the head, the office, the trust admin


def build_world(world):
    """Add what this module's rows need to ``world``: a year of the school with two terms and a half-term, an unused
    year group, the same for another school, and a second administrator of the trust."""
    import datetime

    from onboarding.services.invitations import account_for
    from safeguard.directory.models import OrganisationRole, Term, TermBreak
    from safeguard.directory.tests import factories

    def calendar(school):
        year = factories.AcademicYearFactory(school=school)
        terms = [
            Term.objects.get_or_create(academic_year=year, kind=kind, defaults={"starts_on": starts, "ends_on": ends})[
                0
            ]
            for kind, starts, ends in (
                ("autumn", datetime.date(2026, 9, 3), datetime.date(2026, 12, 18)),
                ("spring", datetime.date(2027, 1, 5), datetime.date(2027, 3, 26)),
            )
        ]
        half_term = TermBreak.objects.create(
            academic_year=year,
            name="Autumn half-term",
            starts_on=datetime.date(2026, 10, 26),
            ends_on=datetime.date(2026, 10, 30),
        )
        return year, terms[1], half_term

    world.gaps_year, world.gaps_term, world.gaps_break = calendar(world.school)
    world.gaps_other_year, world.gaps_other_term, world.gaps_other_break = calendar(world.other_school)
    world.gaps_unused_group = factories.YearGroupFactory(school=world.school, code="GAP", name="Unused", order=40)
    world.gaps_other_group = factories.YearGroupFactory(school=world.other_school, code="GAP", name="Theirs", order=40)
    if not hasattr(world, "other_trust"):  # matrix_onboarding makes it when it runs first
        world.other_trust = factories.OrganisationFactory(name="Other Trust", slug="other-trust")
    world.gaps_second_admin, _created = account_for(email="second.admin@trust.example.test", full_name="Second Admin")
    OrganisationRole.objects.create(user=world.gaps_second_admin, organisation=world.trust)


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""

    def year(f, **more):
        return {"slug": f.school.slug, "pk": f.gaps_year.pk, **more}

    return {
        # Half-terms and other breaks, terms: whoever sets the school up.
        ("onboarding:term_break_add", ""): ("get", lambda f: year(f), allow(SETUP)),
        ("onboarding:term_break_add", "year of another school under this school"): (
            "post",
            lambda f: {"slug": f.school.slug, "pk": f.gaps_other_year.pk},
            allow([]),
        ),
        ("onboarding:term_break_edit", ""): ("get", lambda f: year(f, break_pk=f.gaps_break.pk), allow(SETUP)),
        ("onboarding:term_break_edit", "break of another school's year under this year"): (
            "get",
            lambda f: year(f, break_pk=f.gaps_other_break.pk),
            allow([]),
        ),
        ("onboarding:term_break_remove", ""): (
            "post",
            lambda f: year(f, break_pk=f.gaps_break.pk),
            allow(SETUP, status=302),
        ),
        ("onboarding:term_break_remove", "break of another school"): (
            "post",
            lambda f: {"slug": f.other_school.slug, "pk": f.gaps_other_year.pk, "break_pk": f.gaps_other_break.pk},
            allow([]),
        ),
        ("onboarding:term_remove", ""): ("post", lambda f: year(f, term_pk=f.gaps_term.pk), allow(SETUP, status=302)),
        ("onboarding:term_remove", "term of another school under this year"): (
            "post",
            lambda f: year(f, term_pk=f.gaps_other_term.pk),
            allow([]),
        ),
        # Year groups: rename; remove (one in use stays, with a message: still a redirect).
        ("onboarding:year_group_edit", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "pk": f.gaps_unused_group.pk},
            allow(SETUP),
        ),
        ("onboarding:year_group_edit", "year group of another school under this school"): (
            "get",
            lambda f: {"slug": f.school.slug, "pk": f.gaps_other_group.pk},
            allow([]),
        ),
        ("onboarding:year_group_remove", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "pk": f.gaps_unused_group.pk},
            allow(SETUP, status=302),
        ),
        ("onboarding:year_group_remove", "in use"): (
            "post",
            lambda f: {"slug": f.school.slug, "pk": f.pupil.year_group.pk},
            allow(SETUP, status=302),
        ),
        ("onboarding:year_group_remove", "year group of another school under this school"): (
            "post",
            lambda f: {"slug": f.school.slug, "pk": f.gaps_other_group.pk},
            allow([]),
        ),
        # A member of staff's name and job title: whoever may give every role they hold (roles_grantable).
        ("onboarding:staff_edit", "teacher"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.users["teacher"].public_id},
            allow(["office", "head"]),
        ),
        ("onboarding:staff_edit", "dsl: the head only"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.users["dsl"].public_id},
            allow(["head"]),
        ),
        ("onboarding:staff_edit", "member of another school under this school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.users["other_school_dsl"].public_id},
            allow([]),
        ),
        # Ending a trust or district administrator's role: another administrator of the same organisation.
        ("onboarding:administrator_end", ""): (
            "post",
            lambda f: {"slug": f.trust.slug, "public_id": f.gaps_second_admin.public_id},
            allow(["trust_admin"], status=302),
        ),
        ("onboarding:administrator_end", "another trust"): (
            "post",
            lambda f: {"slug": f.other_trust.slug, "public_id": f.gaps_second_admin.public_id},
            allow([]),
        ),
    }
