"""The incident dashboard pages: who may open them, what each viewer sees (safeguarding counts, pupils' names),
filters, drill-downs, CSV, the trust comparison, and query counts that do not grow with the data.

The known fixture (``reports.tests.test_figures.known``) has 9 incidents in the period that count for everyone and a
safeguarding concern that counts for the DSL team only.
"""

import csv
import datetime
import io
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.models import Action, Incident, IncidentPupil, Location, Sanction
from incidents.tests.factories import IncidentFactory, category
from reports.filters import DashboardFilterForm
from reports.tests.test_figures import build_known, local, record
from reports.views_dashboard import csv_cell
from safeguard import datacache
from safeguard.accounts import otp
from safeguard.directory.models import Role, Term
from safeguard.directory.tests import factories

PERIOD = {"date_from": "2026-09-07", "date_to": "2026-11-20"}
PERSONAS = [
    "anonymous",
    "office",
    "teacher",
    "dsl",
    "deputy_dsl",
    "slt",
    "head",
    "governor",
    "parent",
    "trust_admin",
    "other_school_dsl",
]
PUPIL_NAMES = ["Amara", "Whitfield", "Benedict", "Okonjo", "Cleo", "Marchetti", "Devika", "Rasmussen"]


def sign_in(client, request, persona, *, verified=False):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
        if verified:
            session = client.session
            session[otp.SESSION_KEY] = time.time()
            session.save()
    return client


def status(response):
    if response.status_code == 302 and response.url.startswith(reverse("accounts:login")):
        return "login"
    return response.status_code


def dashboard_url(school, **params):
    from urllib.parse import urlencode

    return f"{reverse('reports:incident_dashboard', args=[school.slug])}?{urlencode({**PERIOD, **params}, doseq=True)}"


def drilldown_url(school, figure, key="", **params):
    from urllib.parse import urlencode

    query = urlencode({**PERIOD, **params, "figure": figure, "key": key}, doseq=True)
    return f"{reverse('reports:incident_drilldown', args=[school.slug])}?{query}"


def csv_url(school, view, **params):
    from urllib.parse import urlencode

    query = urlencode({**PERIOD, **params, "view": view}, doseq=True)
    return f"{reverse('reports:incident_dashboard_csv', args=[school.slug])}?{query}"


def table_counts(response, name):
    """The figure's table as the page shows it: {first column: [other columns]}."""
    table = next(t for s in response.context["sections"] for t in s.tables if t.name == name)
    return {str(row[0].text): [str(cell.text) for cell in row[1:]] for row in table.rows + table.footer}


def read_csv(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def known(monkeypatch, school, pupil, teacher, head, dsl):
    """The known fixture of ``test_figures`` (its docstring lists the incidents)."""
    return build_known(monkeypatch, school, pupil, teacher, head, dsl)


@pytest.fixture
def sister(trust):
    """A second school of the trust, in Istanbul, with two pupils and one incident in the period."""
    school = factories.SchoolFactory(
        organisation=trust, name="Sister Academy", slug="sister", time_zone="Europe/Istanbul"
    )
    teacher = factories.UserFactory(email="teacher@sister.test")
    factories.StaffRoleFactory(user=teacher, school=school, role=Role.TEACHER)
    child = factories.PupilFactory(school=school, legal_first_name="Zeynep", legal_last_name="Karaca")
    factories.PupilFactory(school=school)
    record(
        teacher,
        school,
        datetime.datetime(2026, 10, 6, 9, 0, tzinfo=datetime.UTC),
        ["defiance"],
        [(child, "subject")],
        level=2,
    )
    return school


# Who may open the dashboard ---------------------------------------------------------------------------------------

DASHBOARD_STATUS = {
    "anonymous": "login",
    "office": 404,
    "teacher": 404,
    "dsl": 200,
    "deputy_dsl": 200,
    "slt": 200,
    "head": 200,
    "governor": 404,
    "parent": 404,
    "trust_admin": 404,  # no role in the school: the trust's own view of it instead
    "other_school_dsl": 404,
}
TRUST_STATUS = {persona: ("login" if persona == "anonymous" else 404) for persona in PERSONAS} | {"trust_admin": 200}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_the_school_dashboard_its_drill_down_and_csv(client, request, known, persona):
    sign_in(client, request, persona)
    school = known.school
    assert status(client.get(dashboard_url(school))) == DASHBOARD_STATUS[persona]
    assert status(client.get(drilldown_url(school, "level", "3"))) == DASHBOARD_STATUS[persona]
    assert status(client.get(csv_url(school, "summary"))) == DASHBOARD_STATUS[persona]
    assert status(client.get(csv_url(school, "incidents", figure="total"))) == DASHBOARD_STATUS[persona]
    bare_csv = reverse("reports:incident_dashboard_csv", args=[school.slug])  # the overview when no view is given
    assert status(client.get(bare_csv)) == DASHBOARD_STATUS[persona]
    assert status(client.post(dashboard_url(school))) == ("login" if persona == "anonymous" else 405)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_the_trust_pages(client, request, known, sister, persona):
    sign_in(client, request, persona)
    org = known.school.organisation.slug
    assert status(client.get(reverse("reports:trust_incident_dashboard", args=[org]))) == TRUST_STATUS[persona]
    urls = [
        reverse("reports:trust_incident_dashboard_csv", args=[org]) + "?view=summary",
        reverse("reports:trust_school_dashboard", args=[org, sister.slug]),
        reverse("reports:trust_school_dashboard_csv", args=[org, sister.slug]) + "?view=locations",
    ]
    for url in urls:
        assert status(client.get(url)) == TRUST_STATUS[persona], url


@pytest.mark.django_db
def test_a_school_outside_the_trust_is_not_found_under_it(client, trust_admin, known, other_school):
    client.force_login(trust_admin)
    org = known.school.organisation.slug
    assert client.get(reverse("reports:trust_school_dashboard", args=[org, other_school.slug])).status_code == 404
    assert client.get(reverse("reports:trust_school_dashboard", args=[org, "no-such-school"])).status_code == 404
    assert client.get(reverse("reports:trust_incident_dashboard", args=["no-such-trust"])).status_code == 404


# What each viewer sees ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_head_sees_every_figure_with_concerns_and_names(client, known):
    client.force_login(known.head)
    response = client.get(dashboard_url(known.school))
    page = response.content.decode()
    summary = table_counts(response, "summary")
    assert summary["All incidents"][:1] == ["10"]
    assert summary["Safeguarding concern"][:1] == ["1"]
    assert "Safeguarding concerns are counted in these figures" in page
    assert table_counts(response, "locations")["Classroom"] == ["4"]
    # Without the second factor, lists that name pupils leave concerns out — but Ben's six incidents are behaviour.
    repeated = table_counts(response, "repeated")
    assert repeated["As perpetrator or subject of concern"] == ["Benedict Okonjo", "Year 4", "6"]
    assert repeated["As victim"] == ["Cleo Marchetti", "Year 3", "3"]
    assert table_counts(response, "sanctions")["Pupils suspended for more than 5 days"] == ["1"]
    assert "<svg" in page and 'role="img"' in page and "<desc" in page
    assert page.count("<svg") == 6  # overview, weeks, categories, time, locations, bullying


@pytest.mark.django_db
def test_slt_outside_the_dsl_team_counts_no_concern(client, slt, known):
    client.force_login(slt)
    response = client.get(dashboard_url(known.school))
    page = response.content.decode()
    summary = table_counts(response, "summary")
    assert summary["All incidents"][:1] == ["9"]
    assert "Safeguarding concern" not in summary
    assert "Safeguarding concerns are not counted in any of these figures" in page
    assert table_counts(response, "locations")["Classroom"] == ["3"]
    assert "Neglect" not in page
    assert table_counts(response, "actions")["All actions"] == ["2", "1"]


@pytest.mark.django_db
def test_the_dsl_counts_concerns(client, dsl, known):
    client.force_login(dsl)
    response = client.get(dashboard_url(known.school))
    assert table_counts(response, "summary")["All incidents"][:1] == ["10"]
    assert table_counts(response, "categories")["Neglect"] == ["Safeguarding concern", "1"]
    assert table_counts(response, "actions")["All actions"] == ["3", "2"]


@pytest.mark.django_db
def test_filtering_to_a_year_group_changes_the_figures(client, known):
    client.force_login(known.head)
    everyone = client.get(dashboard_url(known.school))
    year_3 = client.get(dashboard_url(known.school, year_group="Y3"))
    assert table_counts(everyone, "summary")["All incidents"][:1] == ["10"]
    assert table_counts(year_3, "summary")["All incidents"][:1] == ["6"]  # Amara and Cleo: #1, #2, #3, #6, #7, #11
    assert table_counts(year_3, "locations")["Corridor or stairs"] == ["1"]
    assert table_counts(year_3, "sanctions")["Suspensions"] == ["0"]  # Ben (Year 4) was suspended
    # Every figure links to its drill-down with the year group kept.
    assert "year_group=Y3&amp;figure=location&amp;key=corridor" in year_3.content.decode()


@pytest.mark.django_db
def test_the_period_defaults_to_this_term_or_the_last_twelve_weeks(known):
    term = DashboardFilterForm(None, schools=[known.school], today=datetime.date(2026, 11, 20)).filters()
    assert (term.date_from, term.date_to, term.term) == (
        datetime.date(2026, 9, 2),
        datetime.date(2026, 12, 18),
        "2026-autumn",
    )
    assert term.period_label == "Autumn term 2026/27"
    no_term = DashboardFilterForm(None, schools=[known.school], today=datetime.date(2027, 1, 20)).filters()
    assert (no_term.date_from, no_term.date_to) == (datetime.date(2026, 10, 29), datetime.date(2027, 1, 20))
    chosen = DashboardFilterForm({"term": "2026-autumn"}, schools=[known.school], today=datetime.date(2027, 5, 1))
    assert chosen.filters().date_from == datetime.date(2026, 9, 2)
    backwards = DashboardFilterForm({"date_from": "2026-11-01", "date_to": "2026-10-01"}, schools=[known.school])
    assert not backwards.is_valid()


@pytest.mark.django_db
def test_slt_cannot_filter_to_safeguarding(client, slt, known):
    client.force_login(slt)
    response = client.get(dashboard_url(known.school, group="safeguarding"))
    assert response.status_code == 200
    assert "group" in response.context["form"].errors
    assert "Safeguarding concern" not in table_counts(response, "summary")


# Drill-down -------------------------------------------------------------------------------------------------------


def listed(response):
    return {incident.pk for incident in response.context["page"]}


@pytest.mark.django_db
def test_the_head_drills_into_a_figure(client, known):
    """Acceptance 1: the head filters to a year group, drills into a figure and exports it as CSV."""
    client.force_login(known.head)
    dashboard = client.get(dashboard_url(known.school, year_group="Y3"))
    assert dashboard.status_code == 200
    response = client.get(drilldown_url(known.school, "location", "playground", year_group="Y3"))
    assert listed(response) == {known.i2.pk, known.i3.pk, known.i11.pk}  # #4 involves no Year 3 pupil
    page = response.content.decode()
    assert reverse("incidents:incident_detail", args=[known.school.slug, known.i2.public_id]) in page
    assert "Where: Playground" in page
    export = client.get(response.context["csv_url"])
    rows = read_csv(export)
    assert rows[0][:3] == ["When", "Where", "Groups"]
    assert sorted(row[0] for row in rows[1:]) == ["2026-09-09 12:30", "2026-09-15 12:40", "2026-11-02 12:15"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("figure", "key", "expected"),
    [
        ("level", "3", ["i2", "i3", "i7"]),
        ("week", "2026-09-07:3", ["i2", "i7"]),
        ("category", "physical-harm", ["i2", "i11"]),
        ("time", "1:0", ["i5"]),
        ("prejudice", "any", ["i4", "i7"]),
        ("sanction", "suspension", ["i4", "i11"]),
        ("actions", "overdue", ["i2", "i9"]),
        ("group", "safeguarding", ["i9"]),
    ],
)
def test_a_drill_down_lists_exactly_the_incidents_of_its_figure(client, known, figure, key, expected):
    client.force_login(known.head)
    response = client.get(drilldown_url(known.school, figure, key))
    assert listed(response) == {getattr(known, name).pk for name in expected}


@pytest.mark.django_db
def test_a_drill_down_hides_what_the_viewer_may_not_see(client, slt, known):
    client.force_login(slt)
    everything = client.get(drilldown_url(known.school, "total"))
    assert known.i9.pk not in listed(everything)
    assert len(listed(everything)) == 9
    assert listed(client.get(drilldown_url(known.school, "group", "safeguarding"))) == set()
    assert listed(client.get(drilldown_url(known.school, "actions", "overdue"))) == {known.i2.pk}


@pytest.mark.django_db
def test_a_concern_is_listed_locked_until_the_second_factor(client, request, known):
    sign_in(client, request, "dsl")
    page = client.get(drilldown_url(known.school, "category", "neglect")).content.decode()
    assert "Concern — verify to view" in page and "Rasmussen" not in page
    sign_in(client, request, "dsl", verified=True)
    assert "Devika Rasmussen" in client.get(drilldown_url(known.school, "category", "neglect")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("figure", "key"), [("nope", ""), ("level", "7"), ("repeated_victim", "not-a-uuid")])
def test_an_unknown_figure_is_not_found(client, known, figure, key):
    client.force_login(known.head)
    assert client.get(drilldown_url(known.school, figure, key)).status_code == 404


# CSV ----------------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_of_a_figure(client, known):
    client.force_login(known.head)
    response = client.get(csv_url(known.school, "categories"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="incidents-demo-primary-categories-2026-09-07-2026-11-20.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["Category", "Group", "Incidents"]
    assert ["Fighting or physical harm", "Behaviour", "2"] in rows
    assert ["Neglect", "Safeguarding concern", "1"] in rows
    weeks = read_csv(client.get(csv_url(known.school, "weeks")))
    assert weeks[0] == ["Week beginning", "Level 1", "Level 2", "Level 3", "Level 4", "Level 5", "No level", "Total"]
    assert weeks[1] == ["7 Sep 2026", "1", "0", "2", "0", "0", "0", "3"]
    assert weeks[-1] == ["Total", "1", "2", "3", "2", "1", "1", "10"]
    assert client.get(csv_url(known.school, "no-such-figure")).status_code == 404


@pytest.mark.django_db
def test_csv_of_a_drill_down_has_no_free_text_and_no_formulas(client, known):
    known.ben.preferred_first_name = "=Ben"
    known.ben.save()
    client.force_login(known.head)
    rows = read_csv(client.get(csv_url(known.school, "incidents", figure="category", key="physical-harm")))
    assert len(rows) == 3
    content = "\n".join(",".join(row) for row in rows)
    assert "What happened, in the recorder's words." not in content
    assert all(row[5].startswith("'=Ben Okonjo (Alleged perpetrator)") for row in rows[1:])
    assert rows[1][8].startswith("http://testserver/school/demo-primary/incidents/")


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted():
    assert csv_cell("=SUM(A1)") == "'=SUM(A1)"
    assert csv_cell("+44 20") == "'+44 20"
    assert csv_cell("-1") == "'-1"
    assert csv_cell("@cmd") == "'@cmd"
    assert csv_cell("Playground") == "Playground"
    assert csv_cell(3) == "3"


# The trust --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_trust_compares_its_schools_with_rates_and_no_concerns_or_names(client, trust_admin, known, sister):
    factories.PupilFactory(school=known.school, left_on=datetime.date(2026, 7, 20))  # left before the period
    client.force_login(trust_admin)
    url = reverse("reports:trust_incident_dashboard", args=[known.school.organisation.slug])
    response = client.get(f"{url}?date_from=2026-09-07&date_to=2026-11-20")
    page = response.content.decode()
    assert response.status_code == 200
    summary = next(t for t in response.context["tables"] if t.name == "summary")
    rows = {str(row[0].text): row for row in summary.rows + summary.footer}
    demo, other = rows["Demo Primary School"], rows["Sister Academy"]
    assert [str(c.text) for c in demo[1:3]] == ["4", "9"]  # 4 pupils on roll, 9 incidents: no concern counted
    assert str(demo[2].rate) == "225.0"
    assert [str(c.text) for c in other[1:3]] == ["2", "1"] and str(other[2].rate) == "50.0"
    assert str(rows["All schools"][2].text) == "10" and str(rows["All schools"][2].rate) == "166.7"
    assert "Safeguarding concern" not in [str(column) for column in summary.columns]
    assert "Neglect" not in page
    assert "225.0 per 100" in page
    for name in [*PUPIL_NAMES, "Zeynep", "Karaca"]:
        assert name not in page
    school_url = reverse("reports:trust_school_dashboard", args=[known.school.organisation.slug, known.school.slug])
    assert school_url in page
    repeated = next(t for t in response.context["tables"] if t.name == "repeated")
    assert [str(c.text) for c in repeated.rows[0][1:]] == ["1", "0", "1"]  # Ben, counted not named


@pytest.mark.django_db
def test_the_trust_opens_a_school_dashboard_without_concerns_names_or_drill_downs(client, trust_admin, known, sister):
    client.force_login(trust_admin)
    url = reverse("reports:trust_school_dashboard", args=[known.school.organisation.slug, known.school.slug])
    response = client.get(f"{url}?date_from=2026-09-07&date_to=2026-11-20")
    page = response.content.decode()
    assert table_counts(response, "summary")["All incidents"][:1] == ["9"]
    assert table_counts(response, "repeated")["As perpetrator or subject of concern"] == ["1"]
    assert reverse("reports:incident_drilldown", args=[known.school.slug]) not in page
    assert reverse("reports:incident_dashboard", args=[known.school.slug]) not in page  # no role of their own there
    for name in PUPIL_NAMES:
        assert name not in page
    csv_page = client.get(
        reverse("reports:trust_school_dashboard_csv", args=[known.school.organisation.slug, known.school.slug])
        + "?date_from=2026-09-07&date_to=2026-11-20&view=repeated"
    )
    assert read_csv(csv_page) == [["Role", "Pupils"], ["As perpetrator or subject of concern", "1"], ["As victim", "1"]]
    named = client.get(
        reverse("reports:trust_school_dashboard_csv", args=[known.school.organisation.slug, known.school.slug])
        + "?view=suspended_pupils"
    )
    assert named.status_code == 404  # the list of pupils suspended for more than 5 days names them
    trust_csv = client.get(
        reverse("reports:trust_incident_dashboard_csv", args=[known.school.organisation.slug])
        + "?date_from=2026-09-07&date_to=2026-11-20&view=levels"
    )
    rows = read_csv(trust_csv)
    assert rows[0] == [
        "Level",
        "Demo Primary School",
        "Demo Primary School — per 100 pupils",
        "Sister Academy",
        "Sister Academy — per 100 pupils",
        "All schools",
        "All schools — per 100 pupils",
    ]
    assert rows[2] == ["Level 2", "2", "50.0", "1", "50.0", "3", "50.0"]


@pytest.mark.django_db
def test_a_trust_admin_who_is_dsl_in_a_school_sees_its_concerns_there_only(client, trust_admin, known, sister):
    factories.StaffRoleFactory(user=trust_admin, school=known.school, role=Role.DSL)
    client.force_login(trust_admin)
    own = client.get(dashboard_url(known.school))
    assert own.status_code == 200
    assert table_counts(own, "summary")["Safeguarding concern"][:1] == ["1"]
    trust_view = client.get(
        reverse("reports:trust_school_dashboard", args=[known.school.organisation.slug, known.school.slug])
        + "?date_from=2026-09-07&date_to=2026-11-20"
    )
    assert table_counts(trust_view, "summary")["All incidents"][:1] == ["9"]
    assert reverse("reports:incident_dashboard", args=[known.school.slug]) in trust_view.content.decode()
    assert client.get(dashboard_url(sister)).status_code == 404  # no role there


# Cached figures -----------------------------------------------------------------------------------------------------


def trust_url(school, **params):
    from urllib.parse import urlencode

    query = urlencode({**PERIOD, **params}, doseq=True)
    return f"{reverse('reports:trust_incident_dashboard', args=[school.organisation.slug])}?{query}"


def trust_school_url(school):
    from urllib.parse import urlencode

    url = reverse("reports:trust_school_dashboard", args=[school.organisation.slug, school.slug])
    return f"{url}?{urlencode(PERIOD)}"


def trust_counts(response, school):
    """The trust comparison's overview row of ``school``: [pupils on roll, all incidents, …]."""
    summary = next(t for t in response.context["tables"] if t.name == "summary")
    row = next(row for row in summary.rows if str(row[0].text) == school.name)
    return [str(cell.text) for cell in row[1:]]


@pytest.mark.django_db
def test_a_new_incident_shows_on_the_dashboards_at_once(
    client, trust_admin, slt, known, sister, django_capture_on_commit_callbacks
):
    """The figures are cached, but a change to the incidents is on every dashboard as soon as it is committed."""
    school = known.school
    client.force_login(known.head)
    assert table_counts(client.get(dashboard_url(school)), "summary")["All incidents"][:1] == ["10"]
    assert table_counts(client.get(dashboard_url(school)), "summary")["All incidents"][:1] == ["10"]  # from the cache
    trust = Client()
    trust.force_login(trust_admin)
    assert trust_counts(trust.get(trust_url(school)), school)[1] == "9"
    assert table_counts(trust.get(trust_school_url(school)), "summary")["All incidents"][:1] == ["9"]

    with django_capture_on_commit_callbacks(execute=True):  # the commit
        record(
            known.teacher,
            school,
            datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC),
            ["defiance"],
            [(known.amara, "subject")],
            level=2,
            where="dining_hall",
        )
    response = client.get(dashboard_url(school))
    assert table_counts(response, "summary")["All incidents"][:1] == ["11"]
    assert table_counts(response, "locations")["Dining hall"] == ["1"]
    assert trust_counts(trust.get(trust_url(school)), school)[1] == "10"
    assert table_counts(trust.get(trust_school_url(school)), "summary")["All incidents"][:1] == ["10"]

    with django_capture_on_commit_callbacks(execute=True):  # voiding one takes it out at once too
        services.incident_void(actor=known.head, incident=known.i6, reason="Recorded twice.")
    assert table_counts(client.get(dashboard_url(school)), "summary")["All incidents"][:1] == ["10"]
    assert trust_counts(trust.get(trust_url(school)), school)[1] == "9"

    open_action = Action.objects.get(incident=known.i2)  # overdue: investigate #2
    with django_capture_on_commit_callbacks(execute=True):
        services.action_complete(actor=known.head, action=open_action, note="Done.")
    assert table_counts(client.get(dashboard_url(school)), "actions")["All actions"] == ["2", "1"]  # was 3, 2


@pytest.mark.django_db
def test_viewers_with_different_scopes_never_share_cached_figures(client, request, trust_admin, slt, known, sister):
    """Figures are cached per scope: the DSL team's counts (with concerns, and with concerns in the figures that
    name pupils after the second factor) never reach SLT or the trust, in whichever order they look."""
    # A second concern about Dev: with concerns he is the subject of three incidents (#9, #12, #13).
    record(known.teacher, known.school, local(10, 21, 9), ["neglect"], [(known.dev, "subject")])
    school = known.school

    def perpetrators(response):
        return [row for role, row in table_counts(response, "repeated").items() if "perpetrator" in role]

    sign_in(client, request, "dsl", verified=True)
    dsl_verified = client.get(dashboard_url(school))
    assert table_counts(dsl_verified, "summary")["All incidents"][:1] == ["11"]
    assert "Devika Rasmussen" in dsl_verified.content.decode()

    other_session = sign_in(Client(), request, "dsl")  # the same DSL in a session without the second factor
    unverified = other_session.get(dashboard_url(school))
    assert table_counts(unverified, "summary")["All incidents"][:1] == ["11"]
    assert "Devika Rasmussen" not in unverified.content.decode()

    client.force_login(slt)
    for_slt = client.get(dashboard_url(school))
    assert table_counts(for_slt, "summary")["All incidents"][:1] == ["9"]
    assert "Safeguarding concern" not in table_counts(for_slt, "summary")
    assert "Neglect" not in for_slt.content.decode()

    client.force_login(trust_admin)
    assert trust_counts(client.get(trust_url(school)), school)[1] == "9"
    trust_view = client.get(trust_school_url(school))
    assert table_counts(trust_view, "summary")["All incidents"][:1] == ["9"]
    assert "Neglect" not in trust_view.content.decode()
    assert "Okonjo" not in trust_view.content.decode() and "Rasmussen" not in trust_view.content.decode()

    # And the other way round: figures cached for SLT first are not what the DSL team sees.
    datacache.forget_all()
    client.force_login(slt)
    assert table_counts(client.get(dashboard_url(school)), "summary")["All incidents"][:1] == ["9"]
    sign_in(client, request, "dsl", verified=True)
    again = client.get(dashboard_url(school))
    assert table_counts(again, "summary")["All incidents"][:1] == ["11"]
    assert table_counts(again, "categories")["Neglect"] == ["Safeguarding concern", "2"]
    assert "Devika Rasmussen" in again.content.decode()


@pytest.mark.django_db
def test_a_pupils_new_name_shows_at_once_because_names_are_never_cached(client, known):
    client.force_login(known.head)
    assert "Benedict Okonjo" in client.get(dashboard_url(known.school)).content.decode()
    known.ben.preferred_first_name = "Benny"
    known.ben.save()  # no commit in this test: the cached numbers stay, the name is read afresh
    page = client.get(dashboard_url(known.school)).content.decode()
    assert "Benny Okonjo" in page and "Benedict Okonjo" not in page


# Query counts -------------------------------------------------------------------------------------------------------


def _many_incidents(school, pupils, count, start):
    """``count`` incidents spread over weeks, hours, levels, locations, categories and pupils, some with sanctions."""
    codes = ["low-level-disruption", "defiance", "physical-harm", "bullying", "racist", "online-misuse", "neglect"]
    year = factories.AcademicYearFactory(school=school)
    for n in range(count):
        code = codes[n % len(codes)]
        flags = {
            "is_behaviour": code in ("low-level-disruption", "defiance", "physical-harm"),
            "is_bullying": code == "bullying",
            "is_prejudice": code == "racist",
            "is_online_safety": code == "online-misuse",
            "is_safeguarding": code == "neglect",
        }
        incident = IncidentFactory(
            school=school,
            occurred_at=start + datetime.timedelta(days=n % 70, hours=n % 9),
            location=Location.values[n % len(Location.values)],
            behaviour_level=None if code == "neglect" else 1 + n % 5,
            bullying_type="verbal" if code == "bullying" else "",
            categories=[category(school, code)],
            pupils=[(pupils[n % len(pupils)], "alleged_perpetrator"), (pupils[(n + 1) % len(pupils)], "victim")],
            **flags,
        )
        if n % 10 == 0:
            Sanction.objects.create(
                incident=incident,
                pupil=pupils[n % len(pupils)],
                academic_year=year,
                kind=Sanction.Kind.SUSPENSION,
                starts_on=incident.occurred_at.date(),
                days=3,
                reason_1="PP",
                recorded_by=incident.recorded_by,
            )


def _queries(client, url):
    """Queries of one GET of ``url`` (after a first request of the session: the staff agreement gate checks once)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["head", "slt"])
def test_the_dashboard_makes_as_many_queries_for_200_incidents_as_for_10(
    client, request, school, pupil, persona, django_capture_on_commit_callbacks
):
    year = factories.AcademicYearFactory(school=school)
    Term.objects.create(
        academic_year=year,
        kind=Term.Kind.AUTUMN,
        starts_on=datetime.date(2026, 9, 2),
        ends_on=datetime.date(2026, 12, 18),
    )
    pupils = [pupil, *factories.PupilFactory.create_batch(11, school=school, year_group=pupil.year_group)]
    start = datetime.datetime(2026, 9, 7, 9, 0, tzinfo=datetime.UTC)
    sign_in(client, request, persona)
    client.get(reverse("directory:school_home", args=[school.slug]))
    _many_incidents(school, pupils[:4], 10, start)
    few = _queries(client, dashboard_url(school))
    cached = _queries(client, dashboard_url(school))
    assert cached <= few - 6  # the figures come from the cache until the incidents change
    few_list = _queries(client, drilldown_url(school, "total"))
    with django_capture_on_commit_callbacks(execute=True):  # the commit that tells the cache
        _many_incidents(school, pupils, 190, start)
    assert Incident.objects.filter(school=school).count() == 200
    assert IncidentPupil.objects.filter(incident__school=school).count() == 400
    assert _queries(client, dashboard_url(school)) == few
    assert _queries(client, dashboard_url(school)) == cached
    # No pupil matches: nothing to name and no category to look up — never more queries than the full page.
    assert _queries(client, dashboard_url(school, year_group="Y3", characteristics=["sen"])) <= few
    assert _queries(client, drilldown_url(school, "total")) == few_list
    assert _queries(client, reverse("reports:incident_dashboard_csv", args=[school.slug]) + "?view=weeks") < few


@pytest.mark.django_db
def test_the_trust_comparison_makes_as_many_queries_for_200_incidents_as_for_10(
    client, trust_admin, school, sister, django_capture_on_commit_callbacks
):
    pupils = factories.PupilFactory.create_batch(6, school=school)
    start = datetime.datetime(2026, 9, 7, 9, 0, tzinfo=datetime.UTC)
    client.force_login(trust_admin)
    client.get(reverse("directory:trust_home", args=[school.organisation.slug]))
    url = (
        reverse("reports:trust_incident_dashboard", args=[school.organisation.slug])
        + "?"
        + "&".join(f"{k}={v}" for k, v in PERIOD.items())
    )
    _many_incidents(school, pupils[:2], 10, start)
    few = _queries(client, url)
    cached = _queries(client, url)
    assert cached <= few - 6
    with django_capture_on_commit_callbacks(execute=True):
        _many_incidents(school, pupils, 190, start)
    assert _queries(client, url) == few
    assert _queries(client, url) == cached
