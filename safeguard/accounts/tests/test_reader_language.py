"""A reader at a US school gets American English in PDFs and e-mails, not British (issue 13 item 4 and item 9)."""

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from safeguard.accounts.models import PasswordResetEmail
from safeguard.accounts.selectors import user_language
from safeguard.directory.models import Role, School, StaffRole
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def us_school(db):
    return factories.SchoolFactory(
        name="Lincoln Elementary", slug="lincoln", country=School.Country.UNITED_STATES, time_zone="America/Chicago"
    )


@pytest.fixture
def us_teacher(us_school):
    user = factories.UserFactory(email="teacher@lincoln.example.test", language="")
    StaffRole.objects.create(user=user, school=us_school, role=Role.TEACHER)
    return user


def test_english_follows_the_readers_school(us_teacher, us_school, school, office):
    assert user_language(us_teacher) == "en-us", "own school in the US"
    us_teacher.language = "en-gb"  # "English" chosen by the person: their school still writes it the American way
    assert user_language(us_teacher) == "en-us"
    assert user_language(us_teacher, school=school) == "en-gb", "a document about an English school"
    assert user_language(office) == "en-gb"
    assert user_language(office, school=us_school) == "en-us"
    office.language = "tr"
    assert user_language(office, school=us_school) == "tr", "another language is left as chosen"


def test_a_parent_at_a_us_school_reads_american_english(us_school):
    parent = factories.UserFactory(email="mom@example.test", language="")
    factories.GuardianFactory(school=us_school, user=parent, preferred_language="")
    assert user_language(parent) == "en-us"


def test_a_person_with_no_school_and_no_choice_gets_no_language():
    assert user_language(factories.UserFactory(language="")) == ""


def test_the_password_reset_email_of_a_us_teacher_links_to_american_english(
    client, us_teacher, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": us_teacher.email})

    assert PasswordResetEmail.objects.get(user=us_teacher).language == "en-us"
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+?(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    assert parse_qs(urlsplit(link).query) == {"lang": ["en-us"]}
    page = client.get(link, follow=True)
    assert page["Content-Language"] == "en-us"


def _pdf_text(data):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_us_schools_pdf_is_in_american_english_even_when_rendered_in_british_english(us_school, school):
    from consent.documents_staff import do_not_photograph_pdf

    # The caller renders in the school's default language, "en-gb" for a US school too.
    with translation.override("en-gb"):
        us_text = _pdf_text(do_not_photograph_pdf(school=us_school, title="Whole school", pupils=[]))
        uk_text = _pdf_text(do_not_photograph_pdf(school=school, title="Whole school", pupils=[]))
    assert "any student's image" in us_text and "pupil" not in us_text
    assert "any pupil's image" in uk_text


def test_a_schools_own_documents_follow_its_country(us_school, school):
    from safeguard.country_words import school_language

    assert us_school.default_language == "en-gb"
    assert school_language(us_school) == "en-us"
    assert school_language(us_school, "tr") == "tr"
    assert school_language(school) == "en-gb"
