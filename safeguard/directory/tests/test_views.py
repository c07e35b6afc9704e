"""Directory pages as people see them: role home pages, the roster, a pupil, and no N+1 queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.directory.models import PupilGuardian
from safeguard.directory.tests import factories


def _fill_class(school_class, n):
    for _ in range(n):
        pupil = factories.PupilFactory(
            school=school_class.school, year_group=school_class.year_group, school_class=school_class
        )
        factories.PupilGuardianFactory(pupil=pupil)


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response


@pytest.mark.django_db
def test_roster_query_count_is_the_same_for_3_and_30_pupils(client, office, school):
    small = factories.SchoolClassFactory(school=school, name="3 Ash")
    large = factories.SchoolClassFactory(school=school, name="3 Elm", academic_year=small.academic_year)
    _fill_class(small, 3)
    _fill_class(large, 30)
    client.force_login(office)
    url = reverse("directory:pupil_list", args=[school.slug])
    client.get(url)  # warm the session and per-request caches
    count_small, page_small = _queries(client, f"{url}?school_class={small.pk}")
    count_large, page_large = _queries(client, f"{url}?school_class={large.pk}")
    assert count_small == count_large
    assert "3 pupils" in page_small.content.decode()
    assert "30 pupils" in page_large.content.decode()


@pytest.mark.django_db
def test_pupil_page_query_count_does_not_grow_with_contacts(client, office, pupil):
    client.force_login(office)
    url = reverse("directory:pupil_detail", args=[pupil.school.slug, pupil.public_id])
    factories.PupilGuardianFactory(pupil=pupil)
    client.get(url)
    one, _ = _queries(client, url)
    for order in range(2, 6):
        factories.PupilGuardianFactory(pupil=pupil, contact_order=order)
    five, response = _queries(client, url)
    assert one == five
    assert response.content.decode().count("Parental responsibility") == 5


@pytest.mark.django_db
def test_pupil_page_shows_who_has_parental_responsibility(client, office, pupil):
    factories.PupilGuardianFactory(
        pupil=pupil, has_parental_responsibility=True, guardian__first_name="Rosa", guardian__last_name="Pemberton"
    )
    factories.PupilGuardianFactory(
        pupil=pupil,
        has_parental_responsibility=False,
        relationship=PupilGuardian.Relationship.GRANDPARENT,
        guardian__first_name="Walter",
        guardian__last_name="Pemberton",
        contact_order=2,
    )
    client.force_login(office)
    page = client.get(reverse("directory:pupil_detail", args=[pupil.school.slug, pupil.public_id])).content.decode()
    rosa, walter = page.index("Rosa Pemberton"), page.index("Walter Pemberton")
    assert rosa < walter
    assert "No parental responsibility" in page[walter:]
    assert "Invite" in page  # office may invite parents


@pytest.mark.django_db
def test_teacher_home_lists_their_classes_without_safeguarding(client, teacher, pupil):
    pupil.school_class.teachers.add(teacher)
    client.force_login(teacher)
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "My classes" in page
    assert "3 Oak" in page
    assert "Safeguarding concerns" not in page


@pytest.mark.django_db
def test_dsl_home_leads_to_concerns(client, dsl, school):
    client.force_login(dsl)
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "Safeguarding concerns" in page
    assert reverse("directory:safeguarding_home", args=[school.slug]) in page


@pytest.mark.django_db
def test_dsl_sees_looked_after_pupils(client, dsl, pupil):
    pupil.is_looked_after = True
    pupil.save()
    client.force_login(dsl)
    page = client.get(reverse("directory:safeguarding_home", args=[pupil.school.slug])).content.decode()
    assert pupil.display_name in page


@pytest.mark.django_db
def test_parent_home_shows_their_child(client, parent, pupil):
    client.force_login(parent)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:parent_home")
    assert pupil.display_name in response.content.decode()


@pytest.mark.django_db
def test_governor_figures_hide_small_numbers(client, governor, school):
    year = factories.YearGroupFactory(school=school, name="Year 2")
    for _ in range(6):
        factories.PupilFactory(school=school, year_group=year)
    factories.PupilFactory(school=school, year_group=year, is_looked_after=True)
    client.force_login(governor)
    page = client.get(reverse("directory:governance_home", args=[school.slug])).content.decode()
    assert "fewer than 5" in page  # one looked-after pupil is not shown as "1"


@pytest.mark.django_db
def test_a_person_with_roles_in_two_schools_chooses_where_to_work(client, school, other_school):
    user = factories.UserFactory()
    factories.StaffRoleFactory(user=user, school=school)
    factories.StaffRoleFactory(user=user, school=other_school)
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert school.name in page and other_school.name in page


@pytest.mark.django_db
def test_pupils_who_left_are_hidden_unless_asked_for(client, office, pupil):
    import datetime

    pupil.left_on = datetime.date(2026, 7, 20)
    pupil.save()
    client.force_login(office)
    url = reverse("directory:pupil_list", args=[pupil.school.slug])
    assert pupil.display_name not in client.get(url).content.decode()
    assert pupil.display_name in client.get(url + "?include_left=on").content.decode()
