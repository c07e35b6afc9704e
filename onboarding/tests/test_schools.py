"""A trust or district admin adds and edits schools and invites each head or principal (issue 13 item 2)."""

import pytest
from django.urls import reverse

from onboarding.services.schools import school_create, school_update
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import Role, School, StaffRole
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db

US_CAMPUS = {
    "name": "Maple Elementary",
    "phase": "primary",
    "country": "united_states",
    "time_zone": "America/Chicago",
    "district_code": "LV-101",
}


def test_trust_admin_adds_a_us_campus_with_the_countrys_defaults(trust, trust_admin):
    school = school_create(actor=trust_admin, organisation=trust, fields=dict(US_CAMPUS))
    assert school.organisation == trust
    assert (school.time_zone, school.slug, school.district_code) == ("America/Chicago", "maple-elementary", "LV-101")
    assert school.calendar_model == School.CalendarModel.TWO_SEMESTERS
    event = AuditEvent.objects.get(action="onboarding.school.created")
    assert event.school == school and event.actor == trust_admin


def test_urn_is_refused_outside_england(trust, trust_admin):
    with pytest.raises(DomainError):
        school_create(actor=trust_admin, organisation=trust, fields={**US_CAMPUS, "urn": "123456"})
    assert not School.objects.filter(name="Maple Elementary").exists()


def test_someone_else_may_not_add_or_edit_schools(trust, school, head, other_school_dsl):
    for actor in (head, other_school_dsl):
        with pytest.raises(PermissionError):
            school_create(actor=actor, organisation=trust, fields=dict(US_CAMPUS))
        with pytest.raises(PermissionError):
            school_update(actor=actor, school=school, fields={"name": "Renamed"})


def test_a_repeat_edit_changes_nothing_and_writes_no_event(school, trust_admin):
    assert school_update(actor=trust_admin, school=school, fields={"name": "Oak Primary"}) == ["name"]
    assert school_update(actor=trust_admin, school=school, fields={"name": "Oak Primary"}) == []
    assert AuditEvent.objects.filter(action="onboarding.school.updated").count() == 1
    assert school.history.count() >= 2


def test_pages_add_edit_and_invite_the_principal(
    client, trust, trust_admin, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(trust_admin)
    assert (
        "Schools: add, edit, invite heads"
        in client.get(reverse("directory:trust_home", args=[trust.slug])).content.decode()
    )
    response = client.post(reverse("onboarding:school_add", args=[trust.slug]), {**US_CAMPUS, "urn": "123456"})
    assert "Only schools in England have a URN or LAESTAB." in response.content.decode()
    response = client.post(reverse("onboarding:school_add", args=[trust.slug]), US_CAMPUS)
    school = School.objects.get(name="Maple Elementary")
    assert response["Location"] == reverse("onboarding:school_head_invite", args=[trust.slug, school.slug])
    assert school.calendar_model == School.CalendarModel.TWO_SEMESTERS
    page = client.get(response["Location"]).content.decode()
    assert "Invite the Principal of Maple Elementary" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            response["Location"],
            {"full_name": "Sam Ortiz", "email": "sam.ortiz@lakeview.example", "roles": ["headteacher"]},
        )
    role = StaffRole.objects.get(school=school)
    assert (role.role, role.user.email) == (Role.HEADTEACHER, "sam.ortiz@lakeview.example")
    assert [message.to for message in mailoutbox] == [["sam.ortiz@lakeview.example"]]
    listing = client.get(reverse("onboarding:school_list", args=[trust.slug])).content.decode()
    assert "Maple Elementary" in listing and "Sam Ortiz" in listing and "invited" in listing

    response = client.post(
        reverse("onboarding:school_edit", args=[trust.slug, school.slug]),
        {**US_CAMPUS, "name": "Maple Leaf Elementary", "time_zone": "America/Denver"},
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.name, school.time_zone) == ("Maple Leaf Elementary", "America/Denver")


def test_trust_admin_cannot_give_a_school_a_dsl(client, school, trust_admin):
    client.force_login(trust_admin)
    page = client.get(reverse("onboarding:staff_add", args=[school.slug])).content.decode()
    assert 'value="headteacher"' in page
    assert 'value="dsl"' not in page
    response = client.post(
        reverse("onboarding:staff_add", args=[school.slug]),
        {"full_name": "T A", "email": "trust@example.test", "roles": ["dsl"]},
    )
    assert response.status_code == 200
    assert not StaffRole.objects.filter(user=trust_admin).exists()


def test_another_trusts_school_is_not_found(client, trust, trust_admin):
    other = factories.SchoolFactory(organisation=factories.OrganisationFactory(slug="elsewhere-trust"))
    client.force_login(trust_admin)
    assert client.get(reverse("onboarding:school_edit", args=[trust.slug, other.slug])).status_code == 404
    assert client.get(reverse("onboarding:school_list", args=[other.organisation.slug])).status_code == 404


@pytest.mark.parametrize("schools", [3, 30])
def test_schools_page_takes_as_many_queries_for_30_schools_as_for_3(
    client, trust, trust_admin, schools, django_assert_max_num_queries
):
    for number in range(schools):
        school = factories.SchoolFactory(organisation=trust, name=f"School {number:02}", slug=f"school-{number}")
        factories.StaffRoleFactory(school=school, role=Role.HEADTEACHER)
    client.force_login(trust_admin)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("onboarding:school_list", args=[trust.slug]))
    assert response.content.decode().count("Invite head") == schools


def test_trust_admin_adds_another_administrator_once(
    client, trust, trust_admin, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    from safeguard.directory.models import OrganisationRole

    client.force_login(trust_admin)
    assert "Administrators" in client.get(reverse("onboarding:school_list", args=[trust.slug])).content.decode()
    data = {"full_name": "Chris Lowe", "email": "chris@example.test"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("onboarding:administrators", args=[trust.slug]), data)
        client.post(reverse("onboarding:administrators", args=[trust.slug]), data)
    assert OrganisationRole.objects.current().filter(organisation=trust, user__email="chris@example.test").count() == 1
    assert [m.to for m in mailoutbox] == [["chris@example.test"]]
    page = client.get(reverse("onboarding:administrators", args=[trust.slug])).content.decode()
    assert "Chris Lowe" in page and "invited" in page
    assert AuditEvent.objects.filter(action="onboarding.organisation_admin.added").count() == 1
