"""The permissions module: roles to capabilities, ended roles, trust scope, parents."""

import datetime

import pytest

from safeguard import permissions
from safeguard.directory.models import Role
from safeguard.directory.tests import factories


@pytest.mark.django_db
class TestCapabilities:
    def test_teacher_sees_the_roster_but_not_safeguarding(self, teacher, school):
        assert permissions.can(teacher, permissions.VIEW_ROSTER, school)
        assert not permissions.can(teacher, permissions.VIEW_SAFEGUARDING, school)

    def test_dsl_team_and_head_see_safeguarding(self, dsl, deputy_dsl, head, slt, school):
        assert permissions.can(dsl, permissions.VIEW_SAFEGUARDING, school)
        assert permissions.can(deputy_dsl, permissions.VIEW_SAFEGUARDING, school)
        assert permissions.can(head, permissions.VIEW_SAFEGUARDING, school)
        assert not permissions.can(slt, permissions.VIEW_SAFEGUARDING, school)

    def test_governor_never_sees_the_roster(self, governor, school):
        assert permissions.can(governor, permissions.VIEW_GOVERNANCE, school)
        assert not permissions.can(governor, permissions.VIEW_ROSTER, school)

    def test_trust_admin_sees_figures_and_roster_but_no_safeguarding_and_no_writes(self, trust_admin, school):
        assert permissions.can(trust_admin, permissions.VIEW_GOVERNANCE, school)
        assert permissions.can(trust_admin, permissions.VIEW_ROSTER, school)
        assert not permissions.can(trust_admin, permissions.VIEW_SAFEGUARDING, school)
        assert not permissions.can(trust_admin, permissions.MANAGE_ROSTER, school)

    def test_trust_admin_has_no_rights_in_a_school_outside_the_trust(self, trust_admin, other_school):
        assert not permissions.can(trust_admin, permissions.VIEW_SCHOOL, other_school)

    def test_roles_are_per_school(self, other_school_dsl, school, other_school):
        assert permissions.can(other_school_dsl, permissions.VIEW_SAFEGUARDING, other_school)
        assert not permissions.can(other_school_dsl, permissions.VIEW_SCHOOL, school)

    def test_an_ended_role_grants_nothing(self, school):
        user = factories.UserFactory()
        factories.StaffRoleFactory(user=user, school=school, role=Role.DSL, ended_on=datetime.date(2026, 7, 31))
        assert not permissions.can(user, permissions.VIEW_SAFEGUARDING, school)

    def test_several_roles_add_up(self, school):
        user = factories.UserFactory()
        factories.StaffRoleFactory(user=user, school=school, role=Role.TEACHER)
        factories.StaffRoleFactory(user=user, school=school, role=Role.DEPUTY_DSL)
        assert permissions.roles_in(user, school) == {Role.TEACHER, Role.DEPUTY_DSL}
        assert permissions.can(user, permissions.VIEW_SAFEGUARDING, school)

    def test_a_deactivated_account_can_do_nothing(self, dsl, school):
        dsl.is_active = False
        assert not permissions.can(dsl, permissions.VIEW_SCHOOL, school)

    def test_unknown_capability_is_a_programming_error(self, dsl, school):
        with pytest.raises(ValueError):
            permissions.can(dsl, "incidents.delete_everything", school)


@pytest.mark.django_db
class TestParents:
    def test_parental_responsibility_comes_from_the_link(self, parent, pupil, guardian_link):
        assert permissions.is_parent_of(parent, pupil)
        assert permissions.has_parental_responsibility_for(parent, pupil)
        guardian_link.has_parental_responsibility = False
        guardian_link.save()
        assert permissions.is_parent_of(parent, pupil)
        assert not permissions.has_parental_responsibility_for(parent, pupil)

    def test_an_ended_link_hides_the_child(self, parent, pupil, guardian_link):
        guardian_link.ended_on = datetime.date(2026, 10, 1)
        guardian_link.save()
        assert not permissions.is_parent_of(parent, pupil)

    def test_a_parent_has_no_staff_rights(self, parent, school):
        assert not permissions.can(parent, permissions.VIEW_ROSTER, school)
