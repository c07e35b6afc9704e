"""Issue 13 item 9: the words and the date order follow the school's country.

A US school's pages and e-mails are in American English (students, grades, principal; month-first dates); an English
school's in British English (pupils, year groups, headteacher; day-first); a Turkish reader keeps Turkish. UK-only
identifiers are not shown in a US school. A US school's roster file is read month-first, and a date that is a date
only the other way round is refused. The American English catalogue holds every message with a UK word.
"""

import datetime
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from safeguard.country_words import americanise, english_variant, month_first
from safeguard.directory.models import Role, School
from safeguard.directory.roster import build_roster_plan
from safeguard.directory.tests import factories
from safeguard.emails import send_templated_email

LOCALE = Path(settings.BASE_DIR) / "locale"
US_CATALOGUE = LOCALE / "en_US" / "LC_MESSAGES" / "django.po"
TURKISH_CATALOGUE = LOCALE / "tr" / "LC_MESSAGES" / "django.po"
TODAY = datetime.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _language_reset():
    """Pages activate a language in this thread; the next test must not inherit American English."""
    yield
    translation.deactivate()


@pytest.fixture
def us_school(db):
    return factories.SchoolFactory(
        name="Lincoln Elementary School",
        slug="lincoln-elementary",
        country=School.Country.UNITED_STATES,
        time_zone="America/Chicago",
        default_language="en-gb",
        calendar_model=School.CalendarModel.TWO_SEMESTERS,
    )


def _pupil(school, grade_name):
    year = factories.YearGroupFactory(school=school, code="G3", name=grade_name, order=3)
    return factories.PupilFactory(
        school=school,
        legal_first_name="Maya",
        legal_last_name="Johnson",
        year_group=year,
        date_of_birth=datetime.date(2018, 5, 4),
        is_pupil_premium=True,
    )


def _staff(school, role, email):
    user = factories.UserFactory(email=email, language="")
    factories.StaffRoleFactory(user=user, school=school, role=role)
    return user


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_a_us_schools_staff_read_american_words_and_month_first_dates(client, us_school):
    principal = _staff(us_school, Role.HEADTEACHER, "principal@lincoln.example.test")
    pupil = _pupil(us_school, "Grade 3")
    client.force_login(principal)

    response, home = _page(client, reverse("directory:school_home", args=[us_school.slug]))
    assert response["Content-Language"] == "en-us"
    assert "Principal" in home and "Headteacher" not in home
    assert "Students" in home and "Pupils" not in home
    assert "Semester figures" in home and "Termly" not in home

    _, detail = _page(client, reverse("directory:pupil_detail", args=[us_school.slug, pupil.public_id]))
    assert ">Grade<" in detail and "Year group" not in detail
    assert "May 4, 2018" in detail and "4 May 2018" not in detail
    assert "Parents and guardians" in detail


def test_an_english_schools_staff_read_british_words_and_day_first_dates(client, school):
    head = _staff(school, Role.HEADTEACHER, "head@demo.example.test")
    pupil = _pupil(school, "Year 3")
    client.force_login(head)

    response, home = _page(client, reverse("directory:school_home", args=[school.slug]))
    assert response["Content-Language"] == "en-gb"
    assert "Headteacher" in home and "Principal" not in home
    assert "Pupils" in home and "Students" not in home

    _, detail = _page(client, reverse("directory:pupil_detail", args=[school.slug, pupil.public_id]))
    assert "Year group" in detail and ">Grade<" not in detail
    assert "4 May 2018" in detail and "May 4, 2018" not in detail
    assert "UPN" in detail and pupil.upn in detail
    assert "Pupil premium" in detail


def test_a_us_schools_pupil_page_shows_no_upn_or_pupil_premium(client, us_school):
    office = _staff(us_school, Role.OFFICE, "office@lincoln.example.test")
    pupil = _pupil(us_school, "Grade 3")
    client.force_login(office)

    _, detail = _page(client, reverse("directory:pupil_detail", args=[us_school.slug, pupil.public_id]))
    assert "Maya" in detail
    assert "UPN" not in detail and pupil.upn not in detail
    assert "Pupil premium" not in detail and "pupil premium" not in detail.lower()
    _, home = _page(client, reverse("directory:school_home", args=[us_school.slug]))
    assert "Roll at a glance" in home or "Students" in home
    assert "Pupil premium" not in home


def test_a_turkish_reader_in_a_us_school_keeps_turkish(client, us_school):
    teacher = _staff(us_school, Role.TEACHER, "ogretmen@lincoln.example.test")
    teacher.language = "tr"
    teacher.save(update_fields=["language"])
    client.force_login(teacher)

    response, home = _page(client, reverse("directory:school_home", args=[us_school.slug]))
    assert response["Content-Language"] == "tr"
    assert "Öğrenciler" in home or "Çıkış yap" in home


def test_a_turkish_schools_pages_stay_turkish(client, db):
    turkish = factories.SchoolFactory(slug="ornek", country=School.Country.TURKEY, default_language="tr")
    teacher = _staff(turkish, Role.TEACHER, "ogretmen@ornek.example.test")
    client.force_login(teacher)

    response, home = _page(client, reverse("directory:school_home", args=[turkish.slug]))
    assert response["Content-Language"] == "tr"
    assert "Çıkış yap" in home


def test_a_us_persons_pages_without_a_school_address_are_american(client, us_school):
    teacher = _staff(us_school, Role.TEACHER, "teacher@lincoln.example.test")
    client.force_login(teacher)
    response = client.get(reverse("home"), follow=True)
    assert response["Content-Language"] == "en-us"


def test_an_english_person_opening_a_us_schools_page_reads_it_in_american_english(client, us_school, trust):
    """The words follow the school of the page: a trust administrator of an English trust with a US campus."""
    us_school.organisation = trust
    us_school.save(update_fields=["organisation"])
    admin = factories.UserFactory(email="trust@example.test", language="")
    factories.OrganisationRoleFactory(user=admin, organisation=trust)
    english = factories.SchoolFactory(organisation=trust, slug="english-primary")
    client.force_login(admin)

    us_response = client.get(reverse("directory:school_home", args=[us_school.slug]))
    english_response = client.get(reverse("directory:school_home", args=[english.slug]))
    assert us_response["Content-Language"] == "en-us"
    assert english_response["Content-Language"] == "en-gb"


# --- E-mails ---------------------------------------------------------------------------------------------------------


def test_a_us_schools_emails_are_in_american_english(us_school, school):
    head = factories.UserFactory(email="principal@lincoln.example.test", full_name="Dana Reyes")
    send_templated_email(
        "school_export_ready",
        to=[head.email],
        language="en-gb",
        context={"school": us_school, "user": head, "path": "/x/"},
    )
    send_templated_email(
        "school_export_ready",
        to=[head.email],
        language="en-gb",
        context={"school": school, "user": head, "path": "/x/"},
    )
    american, british = mail.outbox
    assert "students' personal data" in american.body and "pupils'" not in american.body
    assert "?lang=en-us" in american.body
    assert "pupils' personal data" in british.body and "?lang=en-gb" in british.body


def test_a_us_schools_emails_to_a_turkish_reader_stay_turkish(us_school):
    head = factories.UserFactory(email="mudur@lincoln.example.test", full_name="Ayşe Demir")
    send_templated_email(
        "school_export_ready",
        to=[head.email],
        language="tr",
        context={"school": us_school, "user": head, "path": "/x/"},
    )
    assert "?lang=tr" in mail.outbox[0].body


# --- Roster dates ----------------------------------------------------------------------------------------------------

HEADER = "mis_id,legal_first_name,legal_last_name,date_of_birth\n"


def _plan(school, *rows):
    return build_roster_plan(school=school, content=HEADER + "".join(f"{row}\n" for row in rows), today=TODAY)


def test_a_us_roster_reads_slash_dates_month_first(us_school):
    plan = _plan(us_school, "1001,Maya,Johnson,03/04/2019")
    assert plan.errors == []
    (change,) = plan.pupils_created
    assert change.obj.date_of_birth == datetime.date(2019, 3, 4)


def test_a_us_roster_refuses_a_date_that_is_only_day_first(us_school):
    plan = _plan(us_school, "1001,Maya,Johnson,13/04/2019")
    assert [(error.row, error.column) for error in plan.errors] == [(2, "date_of_birth")]
    assert "13/04/2019" in plan.errors[0].message and "MM/DD/YYYY" in plan.errors[0].message


def test_an_english_roster_reads_slash_dates_day_first_and_refuses_month_first(school):
    assert _plan(school, "1001,Amelia,Hart,03/04/2019").errors == []
    plan = _plan(school, "1001,Amelia,Hart,04/13/2019")
    assert [(error.row, error.column) for error in plan.errors] == [(2, "date_of_birth")]
    assert "DD/MM/YYYY" in plan.errors[0].message


def test_a_file_in_the_other_order_has_its_either_way_dates_refused_too(us_school):
    plan = _plan(us_school, "1001,Maya,Johnson,13/04/2019", "1002,Liam,Brown,03/04/2019", "1003,Ava,Smith,05/05/2019")
    assert [(error.row, error.column) for error in plan.errors] == [(2, "date_of_birth"), (3, "date_of_birth")]
    assert "03/04/2019" in plan.errors[1].message and "YYYY-MM-DD" in plan.errors[1].message


def test_iso_dates_are_read_in_every_school(us_school, school):
    assert _plan(us_school, "1001,Maya,Johnson,2019-04-13").errors == []
    assert _plan(school, "1001,Amelia,Hart,2019-04-13").errors == []


# --- The words and the catalogue -------------------------------------------------------------------------------------


def test_americanise_changes_the_school_words_and_nothing_else():
    assert americanise("Pupils") == "Students"
    assert americanise("Add an academic year") == "Add a school year"
    assert americanise("%(pupil)s is in year group %(year_group)s") == "%(pupil)s is in grade %(year_group)s"
    assert americanise("Trust or district administrator") == "District administrator"
    assert americanise("The headteacher's report to governors") == "The principal's report to the board"
    assert americanise("Every term") == "Every semester"
    assert americanise("a long-term plan we trust") == "a long-term plan we trust"
    assert americanise("Trust the provider's claim") == "Trust the provider's claim"
    assert americanise("Headteacher or principal") == "Principal"
    assert americanise("UPN (unique pupil number)") == "UPN (unique pupil number)"
    assert americanise("England: three terms") == "England: three terms"
    assert americanise('<a href="/pupils/">pupils</a>') == '<a href="/pupils/">students</a>'


def test_english_variant_follows_the_country():
    assert english_variant("en-gb", "united_states") == "en-us"
    assert english_variant("en-gb", "england") == "en-gb"
    assert english_variant("en-us", "england") == "en-gb"
    assert english_variant("tr", "united_states") == "tr"


def test_day_first_formats_read_month_first():
    assert month_first("j F Y") == "F j, Y"
    assert month_first("j M Y H:i") == "M j, Y H:i"
    assert month_first("d/m/Y") == "m/d/Y"
    assert month_first("Y-m-d") == "Y-m-d"


def _messages(catalogue):
    return {(entry.msgctxt, entry.msgid): entry for entry in catalogue if entry.msgid}


def test_the_american_catalogue_has_every_message_with_a_uk_word():
    """Every message of the product (the Turkish catalogue lists them all: CI keeps it up to date) whose American
    words differ has them in the en-US catalogue. Run scripts/make_en_us_catalogue.py when this fails."""
    american = _messages(polib.pofile(str(US_CATALOGUE)))
    missing, wrong = [], []
    for key, entry in _messages(polib.pofile(str(TURKISH_CATALOGUE))).items():
        expected = americanise(entry.msgid)
        if expected == entry.msgid and (
            not entry.msgid_plural or americanise(entry.msgid_plural) == entry.msgid_plural
        ):
            continue
        found = american.get(key)
        if found is None:
            missing.append(entry.msgid)
        elif (found.msgstr_plural.get(0) if entry.msgid_plural else found.msgstr) != expected:
            wrong.append(entry.msgid)
    assert missing == [], f"not in locale/en_US (run scripts/make_en_us_catalogue.py): {missing[:10]}"
    assert wrong == [], f"out of date in locale/en_US (run scripts/make_en_us_catalogue.py): {wrong[:10]}"


def test_the_compiled_american_catalogue_matches_the_source():
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.pofile(str(US_CATALOGUE))
    }
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.mofile(str(US_CATALOGUE.with_suffix(".mo")))
    }
    source.pop((None, ""), None)
    compiled.pop((None, ""), None)
    assert source == compiled


def test_a_us_schools_roster_page_documents_month_first_dates_and_no_uk_columns(client, us_school, school):
    client.force_login(_staff(us_school, Role.OFFICE, "office@lincoln.example.test"))
    _, american = _page(client, reverse("directory:roster_import", args=[us_school.slug]))
    assert "YYYY-MM-DD or MM/DD/YYYY" in american and "DD/MM/YYYY" not in american
    assert "<code>upn</code>" not in american and "<code>pupil_premium</code>" not in american
    assert "matched by MIS id" in american and "matched by UPN" not in american

    client.force_login(_staff(school, Role.OFFICE, "office@demo.example.test"))
    _, british = _page(client, reverse("directory:roster_import", args=[school.slug]))
    assert "YYYY-MM-DD or DD/MM/YYYY" in british
    assert "<code>upn</code>" in british and "<code>pupil_premium</code>" in british


def test_a_link_from_a_us_schools_email_opens_signed_out_pages_in_american_english(client):
    response = client.get(reverse("accounts:login") + "?lang=en-us")
    assert response.status_code == 200
    assert response["Content-Language"] == "en-us"
    assert client.get(reverse("accounts:login") + "?lang=en-gb")["Content-Language"] == "en-gb"


def test_a_us_districts_own_pages_are_american_for_its_administrator(client, us_school, trust):
    """A district administrator holds no school role: the district's pages read as its schools do."""
    us_school.organisation = trust
    us_school.save(update_fields=["organisation"])
    admin = factories.UserFactory(email="district@example.test", language="")
    factories.OrganisationRoleFactory(user=admin, organisation=trust)
    client.force_login(admin)

    response, page = _page(client, reverse("reports:trust_coverage_dashboard", args=[trust.slug]))
    assert response["Content-Language"] == "en-us"
    assert "Students on roll" in page and "Pupils on roll" not in page

    factories.SchoolFactory(organisation=trust, slug="english-campus")  # a trust in two countries: British English
    response, page = _page(client, reverse("reports:trust_coverage_dashboard", args=[trust.slug]))
    assert response["Content-Language"] == "en-gb"
    assert "Pupils on roll" in page
