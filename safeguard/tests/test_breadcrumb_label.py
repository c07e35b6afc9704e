"""Screen-reader users hear the breadcrumb's name in their own language: no template hard-codes it in English."""

import pytest
from django.conf import settings
from django.urls import reverse


def test_no_template_names_the_breadcrumb_in_english_only():
    templates = settings.BASE_DIR / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if 'aria-label="breadcrumb"' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


@pytest.mark.django_db
def test_a_turkish_reader_hears_the_breadcrumb_in_turkish(client, school, office):
    office.language = "tr"
    office.save()
    client.force_login(office)
    page = client.get(reverse("directory:pupil_list", args=[school.slug]), HTTP_ACCEPT_LANGUAGE="tr")
    assert page.status_code == 200
    assert 'aria-label="Sayfa yolu"' in page.text
