"""Languages: English (UK) by default, Turkish complete, chosen per school and per user."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from safeguard.directory.models import Role
from safeguard.directory.tests import factories

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "tr" / "LC_MESSAGES" / "django.po"


def test_turkish_catalogue_translates_every_string():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == [], f"untranslated: {missing[:10]}"
    assert fuzzy == [], f"fuzzy (needs checking): {fuzzy[:10]}"


def test_compiled_turkish_catalogue_matches_the_source():
    source = polib.pofile(str(CATALOGUE))
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))

    def key(entry):
        return entry.msgctxt, entry.msgid

    assert {key(e): e.msgstr for e in compiled} == {
        key(e): e.msgstr for e in source.translated_entries() if not e.msgid_plural
    } | {key(e): e.msgstr for e in compiled if e.msgid_plural}


@pytest.fixture
def turkish_school(trust):
    return factories.SchoolFactory(
        organisation=trust,
        name="Örnek İlkokulu",
        slug="ornek",
        default_language="tr",
        time_zone="Europe/Istanbul",
        country="turkey",
    )


@pytest.mark.django_db
def test_the_turkish_schools_pages_are_in_turkish_for_its_users(client, turkish_school):
    teacher = factories.UserFactory(email="ogretmen@example.test")
    factories.StaffRoleFactory(user=teacher, school=turkish_school, role=Role.TEACHER)
    client.force_login(teacher)
    response = client.get(reverse("directory:school_home", args=[turkish_school.slug]))
    page = response.content.decode()
    assert response["Content-Language"] == "tr"
    assert '<html lang="tr">' in page
    assert "Öğrenciler" in page  # "Pupils"
    assert "Çıkış yap" in page  # "Sign out"


@pytest.mark.django_db
def test_an_english_schools_pages_stay_in_english(client, teacher, school):
    client.force_login(teacher)
    response = client.get(reverse("directory:school_home", args=[school.slug]))
    assert response["Content-Language"] == "en-gb"
    assert "Pupils" in response.content.decode()


@pytest.mark.django_db
def test_a_user_may_choose_turkish_in_an_english_school(client, teacher, school):
    client.force_login(teacher)
    response = client.post(reverse("accounts:language"), {"language": "tr"}, follow=True)
    assert response["Content-Language"] == "tr"
    teacher.refresh_from_db()
    assert teacher.language == "tr"


def test_sign_in_page_follows_the_browser_language(client):
    response = client.get(reverse("accounts:login"), headers={"accept-language": "tr"})
    assert "Giriş yap" in response.content.decode()
