"""A member of the senior team, on a tablet, ticks two records on the incident list and gives their open actions to
a colleague through the step that asks whom (issue 16 item 9); the list and that step meet WCAG 2.2 AA (axe-core).
In real Chromium (Playwright, Debian's Chromium); skipped with the reason when Chromium is missing."""

import datetime

import pytest
from django.urls import reverse

from incidents.models import Action
from incidents.tests.factories import IncidentFactory
from incidents.tests.test_browser_record import CHROMIUM, browser, signed_in_page, staff  # noqa: F401 (fixture)
from safeguard.directory.models import Role
from safeguard.directory.tests import factories
from safeguard.tests.axe_walk import scan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_slt_gives_the_open_actions_of_two_records_to_a_colleague(browser, live_server):  # noqa: F811 (fixture)
    school = factories.SchoolFactory(name="Demo Primary School", slug="demo-primary")
    pupil = factories.PupilFactory(school=school, legal_first_name="Amara", legal_last_name="Whitfield")
    slt = staff(school, "slt@example.test", "Sam Senior", Role.SLT)
    teacher = staff(school, "teacher@example.test", "Tess Teacher")
    cover = staff(school, "cover@example.test", "Cora Cover")
    now = datetime.datetime.now(datetime.UTC)
    records = [
        IncidentFactory(
            school=school,
            pupils=[pupil],
            recorded_by=teacher,
            occurred_at=now - datetime.timedelta(days=days),
            description=f"Pushed in the lunch queue ({days})",
        )
        for days in (1, 2, 3)
    ]
    for record in records:
        Action.objects.create(
            incident=record,
            kind=Action.Kind.INVESTIGATE,
            assignee=teacher,
            due_on=datetime.date.today(),
            created_by=slt,
        )

    page = signed_in_page(browser, live_server, slt, bypass_csp=True)
    page.goto(live_server.url + reverse("incidents:list", args=[school.slug]))
    assert scan(page, persona="slt", url_name="incidents:list") == []
    boxes = page.locator('input[name="incident"][form="bulk-form"]')
    assert boxes.count() == 3
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Reassign their actions…").click()

    page.get_by_role("heading", name="Reassign open actions").wait_for()
    assert "Give the open actions of the 2 selected records to another member of staff." in page.content()
    assert scan(page, persona="slt", url_name="incidents:bulk_reassign") == []
    page.get_by_label("Give their open actions to").select_option(label="Cora Cover")
    page.get_by_role("button", name="Reassign their actions", exact=True).click()

    page.wait_for_url("**/incidents/**")
    assert "2 actions given to Cora Cover." in page.content()
    assert Action.objects.filter(assignee=cover).count() == 2
    assert Action.objects.filter(assignee=teacher).count() == 1  # the record left unticked keeps its action
