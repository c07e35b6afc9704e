"""The demo a newcomer starts with `make demo`: loads twice safely; every listed account signs in and lands home."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import Guardian, Pupil

LANDINGS = {
    "office@demo.test": "/school/demo-primary/",
    "teacher@demo.test": "/school/demo-primary/",
    "dsl@demo.test": "/school/demo-primary/",
    "deputy.dsl@demo.test": "/school/demo-primary/",
    "slt@demo.test": "/school/demo-primary/",
    "head@demo.test": "/school/demo-primary/",
    "governor@demo.test": "/school/demo-primary/",
    "parent@demo.test": "/parent/",
    "trust@demo.test": "/trust/demo-trust/",
    "teacher.tr@demo.test": "/school/ornek-ilkokulu/",
    "office.tr@demo.test": "/school/ornek-ilkokulu/",
    "mudur.tr@demo.test": "/school/ornek-ilkokulu/",
}


@pytest.fixture
def demo_loaded(full_demo):
    """What ``manage.py load_demo`` printed when it loaded the demo (loaded once for every demo test; see
    ``full_demo`` in the root conftest)."""
    return full_demo.output


def test_the_demo_has_two_schools_of_about_400_pupils_and_prints_every_account(demo_loaded):
    assert 350 <= Pupil.objects.filter(school__slug__in=["demo-primary", "ornek-ilkokulu"]).count() <= 450
    assert Pupil.objects.filter(school__slug="ornek-ilkokulu").exists()
    for email in LANDINGS:
        assert email in demo_loaded
    assert demo.DEFAULT_PASSWORD in demo_loaded


def test_loading_the_demo_twice_changes_nothing(demo_loaded):
    counts = (User.objects.count(), Pupil.objects.count(), Guardian.objects.count(), Pupil.history.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert (User.objects.count(), Pupil.objects.count(), Guardian.objects.count(), Pupil.history.count()) == counts
    assert "nothing changed" in out.getvalue()


@pytest.mark.parametrize("email", list(LANDINGS))
def test_every_demo_account_signs_in_and_lands_on_its_home_page(client, demo_loaded, email):
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": demo.DEFAULT_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain, "signing in did not redirect"
    assert response.redirect_chain[-1][0] == LANDINGS[email]


def test_the_turkish_schools_teacher_sees_turkish(client, demo_loaded):
    client.post(reverse("accounts:login"), {"username": "teacher.tr@demo.test", "password": demo.DEFAULT_PASSWORD})
    page = client.get("/school/ornek-ilkokulu/")
    assert page["Content-Language"] == "tr"
    assert "Sınıflarım" in page.content.decode() or "Öğrenciler" in page.content.decode()
