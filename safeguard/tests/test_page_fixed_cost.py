"""What every signed-in page costs before its own work (issue 18 item 6: "the fixed cost per page … is part of that
budget"): the queries of a simple page, and the navigation bar's (``safeguard.navigation.menu_for``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.directory.models import Role
from safeguard.directory.tests import factories
from safeguard.navigation import menu_for

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    return client


def _warm(client, url):
    """The first page of a session fills the session (language, home country, the staff agreement gate): measure
    the ones after it."""
    response = client.get(url)
    assert response.status_code == 200
    return response


# The queries of a simple signed-in page (the language page: no query of its own), after the first: the user, their
# school and trust roles (one statement), and the navigation bar (the schools, the trusts they administer and whether
# they are a parent, in one statement, for every kind of person). The session is left out of the count: a database
# query where sessions are kept in the database (tests without Redis), none where Redis holds them (production, CI).
SIMPLE_PAGE_QUERIES = 3


def _page_queries(queries):
    return [query["sql"] for query in queries.captured_queries if '"django_session"' not in query["sql"]]


@pytest.mark.parametrize("persona", ["teacher", "office", "head", "trust_admin", "parent"])
def test_a_simple_signed_in_page_costs_a_fixed_number_of_queries(client, school, persona, request):
    user = request.getfixturevalue(persona)
    client = _signed_in(client, user)
    url = reverse("accounts:language")
    _warm(client, url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # Staff and trust admins see the school in the bar (a trust admin holds no role in it); a parent does not.
    assert (reverse("directory:school_home", args=[school.slug]) in html) is (persona != "parent")
    # A trust admin's bar also names the trust, a parent's their children's page: in the same query.
    assert (reverse("directory:trust_home", args=[school.organisation.slug]) in html) is (persona == "trust_admin")
    assert (reverse("directory:parent_home") in html) is (persona == "parent")
    page_queries = _page_queries(queries)
    assert len(page_queries) == SIMPLE_PAGE_QUERIES, "\n".join(page_queries)


def test_the_bar_names_the_places_of_each_person(client, school, other_school, teacher, trust_admin, parent):
    html = _signed_in(client, teacher).get(reverse("accounts:language")).content.decode()
    assert reverse("directory:school_home", args=[school.slug]) in html
    assert reverse("directory:school_home", args=[other_school.slug]) not in html
    assert reverse("directory:parent_home") not in html

    html = _signed_in(client, trust_admin).get(reverse("accounts:language")).content.decode()
    assert reverse("directory:trust_home", args=[school.organisation.slug]) in html
    assert reverse("directory:school_home", args=[school.slug]) in html  # the trust's school, without a role in it
    assert reverse("directory:school_home", args=[other_school.slug]) not in html

    html = _signed_in(client, parent).get(reverse("accounts:language")).content.decode()
    assert reverse("directory:parent_home") in html
    assert reverse("directory:school_home", args=[school.slug]) not in html


def test_menu_matches_the_home_page_navigation(school, other_school, trust, django_assert_num_queries):
    """``menu_for`` lists the places ``navigation_for`` does (the home page's list), in one query for a member of
    staff who is also a parent, sorted by name; an ended role leaves the bar."""
    from safeguard import permissions
    from safeguard.directory.selectors import navigation_for

    user = factories.UserFactory(email="both@example.test")
    factories.StaffRoleFactory(user=user, school=other_school, role=Role.TEACHER)
    factories.StaffRoleFactory(user=user, school=school, role=Role.OFFICE)
    link = factories.PupilGuardianFactory(pupil=factories.PupilFactory(school=school))
    link.guardian.user = user
    link.guardian.save()
    permissions.forget_roles(user)
    with django_assert_num_queries(2):  # roles (one statement, as any permission check) and the bar
        menu = menu_for(user)
    with django_assert_num_queries(0):
        assert menu_for(user) is menu
    fresh = factories.UserFactory._meta.model.objects.get(pk=user.pk)
    navigation = navigation_for(fresh)
    assert [s.pk for s in menu["schools"]] == [s.pk for s, _roles in navigation["schools"]]
    assert [s.name for s in menu["schools"]] == sorted([school.name, other_school.name])
    assert menu["organisations"] == navigation["organisations"] == []
    assert menu["is_parent"] is navigation["is_parent"] is True

    role = user.staff_roles.get(school=other_school)
    role.ended_on = school.today()
    role.save()
    again = factories.UserFactory._meta.model.objects.get(pk=user.pk)
    assert [s.pk for s in menu_for(again)["schools"]] == [school.pk]


def test_a_pdf_rendered_with_the_request_does_not_build_the_bar(rf, teacher):
    """The bar is worked out when a template reads it: a page without one (a PDF, an e-mail) costs no query for it."""
    from django.template import engines

    from safeguard.accounts.context_processors import navigation

    request = rf.get("/")
    request.user = teacher
    context = navigation(request)
    with CaptureQueriesContext(connection) as queries:
        engines["django"].from_string("no bar").render(context, request)
    assert len(queries) == 0
    assert [school.slug for school in context["nav"]["schools"]] == [teacher.staff_roles.get().school.slug]


def test_every_page_links_its_stylesheets_and_scripts(client, teacher, settings):
    """``{% asset %}`` (``base.html``) gives the addresses ``{% static %}`` gives, and follows a changed
    ``STATIC_URL``."""
    from django.templatetags.static import static

    html = _signed_in(client, teacher).get(reverse("accounts:language")).content.decode()
    for path in ("bootstrap/css/bootstrap.min.css", "css/safeguard.css", "js/components.js"):
        assert static(path) in html
    settings.STATIC_URL = "/assets/"
    html = client.get(reverse("accounts:language")).content.decode()
    assert static("css/safeguard.css").startswith("/assets/")
    assert f'<link rel="stylesheet" href="{static("css/safeguard.css")}">' in html
