"""The error pages are the product's own, in the visitor's language, with a way home (issue 12 item 23)."""

import pytest
from django.test import Client, RequestFactory
from django.views import defaults

HOME_LINK = '<a class="btn btn-primary" href="/">Go to the home page</a>'


@pytest.fixture(autouse=True)
def _failing_views(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "safeguard.tests.error_urls"


@pytest.mark.django_db
def test_a_missing_page_answers_404_with_our_page_and_a_link_home(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "There is no page at this address" in response.text
    assert HOME_LINK in response.text
    assert "The requested resource was not found on this server." not in response.text  # Django's bare page


@pytest.mark.django_db
def test_the_404_page_is_in_the_visitors_language(client):
    response = client.get("/no-such-page/", headers={"accept-language": "tr"})

    assert response.status_code == 404
    assert '<html lang="tr">' in response.text


@pytest.mark.django_db
def test_a_fault_answers_500_with_our_page(db):
    client = Client(raise_request_exception=False)

    response = client.get("/test-errors/500/")

    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert HOME_LINK in response.text
    assert "Server Error (500)" not in response.text  # Django's bare page


@pytest.mark.django_db
def test_forbidden_and_bad_requests_have_our_pages(db):
    client = Client(raise_request_exception=False)

    forbidden = client.get("/test-errors/403/")
    bad = client.get("/test-errors/400/")

    assert forbidden.status_code == 403 and "Not allowed" in forbidden.text and HOME_LINK in forbidden.text
    assert bad.status_code == 400 and "Something in the request was wrong" in bad.text and HOME_LINK in bad.text


def test_the_500_page_renders_without_a_database_or_a_request_context():
    """No ``db`` fixture: any query would fail the test. ``server_error`` renders with an empty context."""
    response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
def test_a_form_sent_without_its_security_token_explains_itself():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "a@example.test", "password": "x"})

    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert HOME_LINK in response.text
