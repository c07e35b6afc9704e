"""A class teacher on a tablet praises two pupils in one go — found with the search box above the list — and the
pupils' page shows the points; the pages meet WCAG 2.2 AA (axe-core). In real Chromium (Playwright, Debian's
Chromium); skipped with the reason when Chromium is missing."""

import pytest
from django.urls import reverse

from achievements.models import Achievement
from achievements.tests.factories import calendar_around_today
from incidents.tests.test_browser_record import CHROMIUM, browser, signed_in_page  # noqa: F401 (fixture)
from safeguard.directory.models import Role
from safeguard.directory.tests import factories
from safeguard.tests.axe_walk import scan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_a_teacher_praises_two_pupils_on_a_tablet(browser, live_server):  # noqa: F811 (fixture)
    school = factories.SchoolFactory(name="Demo Primary School", slug="demo-primary")
    calendar_around_today(school)
    year = factories.YearGroupFactory(school=school, code="Y3", name="Year 3")
    oak = factories.SchoolClassFactory(school=school, year_group=year, name="3 Oak")
    teacher = factories.UserFactory(email="teacher@example.test", full_name="Tess Teacher")
    factories.StaffRoleFactory(user=teacher, school=school, role=Role.TEACHER)
    oak.teachers.add(teacher)
    amara = factories.PupilFactory(
        school=school, legal_first_name="Amara", legal_last_name="Whitfield", school_class=oak, year_group=year
    )
    ben = factories.PupilFactory(
        school=school, legal_first_name="Benedict", legal_last_name="Okonjo", school_class=oak, year_group=year
    )
    for _index in range(5):
        factories.PupilFactory(school=school, school_class=oak, year_group=year)

    page = signed_in_page(browser, live_server, teacher, bypass_csp=True)
    page.goto(live_server.url + reverse("achievements:record", args=[school.slug]))
    assert scan(page, persona="teacher", url_name="achievements:record") == []

    search = page.get_by_label("Find a pupil or a class")
    search.fill("amara")
    page.get_by_label("Amara Whitfield — 3 Oak").check()
    search.fill("okonjo")
    page.get_by_label("Benedict Okonjo — 3 Oak").check()
    page.get_by_label("Kindness and helping others (1 point)").check()
    page.get_by_label("Note (optional)").fill("Looked after a new classmate all week.")
    page.get_by_role("button", name="Save praise").click()
    page.wait_for_url("**/praise/")

    assert "Praise recorded for 2 pupils." in page.content()
    assert sorted(Achievement.objects.values_list("pupil__legal_first_name", flat=True)) == ["Amara", "Benedict"]
    assert scan(page, persona="teacher", url_name="achievements:list") == []

    page.goto(live_server.url + reverse("directory:pupil_detail", args=[school.slug, amara.public_id]))
    card = page.locator("#pupil-praise")
    assert "1 point" in card.inner_text() and "Looked after a new classmate" in card.inner_text()
    assert scan(page, persona="teacher", url_name="directory:pupil_detail") == []

    page.goto(live_server.url + reverse("achievements:detail", args=[school.slug, ben.achievements.get().public_id]))
    assert scan(page, persona="teacher", url_name="achievements:detail") == []
