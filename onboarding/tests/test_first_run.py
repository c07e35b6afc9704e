"""First run: a superuser on an empty installation sets up the first district, trust or school (issue 13 item 1)."""

import pytest
from django.urls import reverse

from onboarding.models import StaffInvitation
from onboarding.services.schools import installation_start
from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Organisation, OrganisationRole, Role, School, StaffRole
from safeguard.directory.tests import factories

from .helpers import NEW_PASSWORD, accept_form, path_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return User.objects.create_superuser("root@example.test", "not-used-here-123", full_name="Platform Operator")


def test_superuser_on_an_empty_installation_is_sent_to_set_up(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:first_run")
    page = client.get(reverse("onboarding:first_run"))
    assert page.status_code == 200
    assert "This installation has no trust, district or school yet" in page.content.decode()
    school_name = page.content.decode().split('name="school-name"')[1].split(">")[0]
    assert "required" not in school_name, "the browser must not refuse a district's form for the school's fields"


def test_once_a_school_exists_the_set_up_page_is_gone(client, superuser):
    factories.SchoolFactory()
    client.force_login(superuser)
    assert client.get(reverse("home")).status_code == 200  # the choice page, not the set-up
    assert client.get(reverse("onboarding:first_run")).status_code == 404


def test_someone_who_is_not_a_superuser_gets_not_found(client):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get(reverse("onboarding:first_run")).status_code == 404
    with pytest.raises(PermissionError):
        installation_start(actor=user, kind="district", name="Lakeview", admin_email="a@example.test", admin_name="A B")
    assert not Organisation.objects.exists()


def test_district_set_up_invites_its_administrator_who_sets_a_password_and_lands_on_the_district(
    client, superuser, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("onboarding:first_run"),
            {
                "kind": "district",
                "organisation_name": "Lakeview Unified School District",
                "admin_name": "Jordan Reyes",
                "admin_email": "J.Reyes@Lakeview.example",
            },
        )
    assert response.status_code == 302
    district = Organisation.objects.get()
    assert district.kind == Organisation.Kind.DISTRICT
    assert district.slug == "lakeview-unified-school-district"
    admin = User.objects.get(email="j.reyes@lakeview.example")
    assert not admin.has_usable_password(), "no password until the invitation is accepted"
    assert OrganisationRole.objects.current().filter(user=admin, organisation=district).exists()
    event = AuditEvent.objects.get(action="onboarding.installation.started")
    assert event.actor == superuser and event.data["kind"] == "district"
    (message,) = mailoutbox
    assert message.to == ["j.reyes@lakeview.example"]
    assert "Lakeview Unified School District invites you to Safeguard" in message.subject

    client.logout()
    path = path_from(message)
    assert "Jordan Reyes" in client.get(path).content.decode()
    response = client.post(path, accept_form("Jordan Reyes"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:trust_home", args=[district.slug])
    admin.refresh_from_db()
    assert admin.check_password(NEW_PASSWORD)
    client.logout()
    signed_in = client.post(
        reverse("accounts:login"), {"username": "j.reyes@lakeview.example", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302, "the password chosen from the invitation signs in"


def test_stand_alone_school_gets_a_headteacher_and_refuses_a_urn_outside_england(
    client, superuser, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(superuser)
    data = {
        "kind": "school",
        "admin_name": "Ayşe Yılmaz",
        "admin_email": "ayse@ornek.example",
        "school-name": "Örnek İlkokulu",
        "school-phase": "primary",
        "school-country": "turkey",
        "school-urn": "123456",
    }
    response = client.post(reverse("onboarding:first_run"), data)
    assert response.status_code == 200
    assert "Only schools in England have a URN or LAESTAB." in response.content.decode()
    assert not School.objects.exists()

    data["school-urn"] = ""
    data["school-district_code"] = "738492"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("onboarding:first_run"), data).status_code == 302
    school = School.objects.get()
    assert (school.country, school.time_zone, school.default_language, school.calendar_model) == (
        "turkey",
        "Europe/Istanbul",
        "tr",
        "semesters",
    )
    assert school.organisation is None and school.district_code == "738492"
    head = StaffRole.objects.get(school=school)
    assert head.role == Role.HEADTEACHER and head.user.email == "ayse@ornek.example"
    assert len(mailoutbox) == 1
    assert StaffInvitation.objects.get().school == school


def test_superuser_may_name_themselves_and_is_sent_nothing(client, superuser, mailoutbox):
    client.force_login(superuser)
    response = client.post(
        reverse("onboarding:first_run"),
        {"kind": "trust", "organisation_name": "Oak Trust", "admin_name": "x", "admin_email": superuser.email},
        follow=True,
    )
    trust = Organisation.objects.get()
    assert response.redirect_chain[-1][0] == reverse("directory:trust_home", args=[trust.slug])
    assert not StaffInvitation.objects.exists() and mailoutbox == []


def test_trust_without_a_name_is_refused(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("onboarding:first_run"), {"kind": "trust", "admin_name": "A", "admin_email": "a@example.test"}
    )
    assert "Give the name of the trust or district." in response.content.decode()
    assert not Organisation.objects.exists()
