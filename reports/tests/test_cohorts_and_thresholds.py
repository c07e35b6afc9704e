"""Issue 16 item 10, as SLT see it: rates per group of pupils (SEN, PP, EAL, CLA, all pupils) with the small-number
rule, the same period last year beside the headline figures with the change in words and a sign, and thresholds
("5 incidents in 10 school days") that raise one action on the incident that reaches them."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Action, IncidentPupil
from incidents.tests.factories import category
from reports import figures
from reports.filters import DashboardFilters, previous_period
from reports.models import BehaviourThreshold, ThresholdAlert
from reports.services_thresholds import threshold_rules, threshold_save
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import School, Term
from safeguard.directory.tests import factories

P = IncidentPupil.Role.ALLEGED_PERPETRATOR
V = IncidentPupil.Role.VICTIM
PERIOD = {"date_from": "2026-09-07", "date_to": "2026-11-20"}


def record(actor, school, when, pupils, *, level=1, code="low-level-disruption"):
    return services.incident_record(
        actor=actor,
        school=school,
        occurred_at=when,
        location="classroom",
        categories=[category(school, code)],
        pupils=pupils,
        description="What happened, in the recorder's words.",
        behaviour_level=level,
    )


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def dashboard(client, school, **params):
    url = reverse("reports:incident_dashboard", args=[school.slug])
    return client.get(f"{url}?{urlencode({**PERIOD, **params})}")


def rows_of(response, name):
    table = next(t for s in response.context["sections"] for t in s.tables if t.name == name)
    return [str(c) for c in table.columns], {str(row[0].text): [str(c.text) for c in row[1:]] for row in table.rows}


@pytest.fixture
def cohort_school(school, teacher):
    """Ten pupils on roll: six SEN (five of them with an incident this autumn, one of those also PP), five PP, one
    looked after (CLA), nobody EAL. Last autumn: two SEN pupils had one incident each, and one more incident."""
    sen = [factories.PupilFactory(school=school, has_sen=True) for _ in range(6)]
    sen[0].is_pupil_premium = True
    sen[0].save()
    pp = [factories.PupilFactory(school=school, is_pupil_premium=True) for _ in range(4)]
    pp[0].is_looked_after = True
    pp[0].save()
    for index, pupil in enumerate(sen[:5]):
        record(teacher, school, at(datetime.date(2026, 9, 14 + index)), [(pupil, P)])
    record(teacher, school, at(datetime.date(2026, 10, 5)), [(pp[1], V), (sen[0], P)])  # the first SEN pupil again
    # Last year (2025-09-07 to 2025-11-20): three incidents, two of SEN pupils.
    record(teacher, school, at(datetime.date(2025, 9, 15)), [(sen[1], P)])
    record(teacher, school, at(datetime.date(2025, 9, 16)), [(sen[2], P)])
    record(teacher, school, at(datetime.date(2025, 10, 1)), [(pp[2], P)])
    return school


# Rates per cohort -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_slt_see_rates_per_group_with_small_numbers_hidden(client, cohort_school, slt):
    client.force_login(slt)
    response = dashboard(client, cohort_school)
    assert response.status_code == 200
    columns, rows = rows_of(response, "cohorts")
    assert columns[:6] == [
        "Pupils",
        "Pupils on roll",
        "Incidents",
        "Incidents per 100 pupils",
        "Pupils with an incident",
        "Share with an incident",
    ]
    # All pupils: 10 on roll, 6 incidents, 5 pupils as perpetrators (the first SEN pupil twice): half of them.
    assert rows["All pupils"][:5] == ["10", "6", "60.0", "5", "50.0%"]
    assert rows["SEN"][:5] == ["6", "6", "100.0", "5", "83.3%"]
    # PP: five on roll, but only one PP pupil (the first SEN pupil) with incidents: her two and her share are hidden.
    assert rows["Pupil premium (PP)"][:5] == ["5", "fewer than 5", "not shown", "fewer than 5", "not shown"]
    # One looked-after pupil: the group itself is hidden, and nothing about it is shown.
    assert rows["Looked after (CLA)"][:5] == ["fewer than 5", "not shown", "not shown", "not shown", "not shown"]
    assert rows["EAL"][:5] == ["0", "0", "—", "0", "—"]
    page = response.content.decode()
    assert "Rates per group of pupils" in page


@pytest.mark.django_db
def test_a_us_school_shows_no_pupil_premium_or_looked_after_group(client, cohort_school, slt):
    School.objects.filter(pk=cohort_school.pk).update(country=School.Country.UNITED_STATES)
    cohort_school.refresh_from_db()
    assert figures.cohorts_for(cohort_school) == ["all", "sen", "eal"]
    client.force_login(slt)
    _columns, rows = rows_of(dashboard(client, cohort_school), "cohorts")
    assert list(rows) == ["All students", "IEP", "ELL"]  # pupils, SEN and EAL in American English


def test_cohorts_of_a_turkish_and_a_welsh_school():
    assert figures.cohorts_for(School(country=School.Country.TURKEY)) == ["all", "sen", "eal"]
    assert figures.cohorts_for(School(country=School.Country.WALES)) == ["all", "sen", "eal", "looked_after"]


# Same period last year --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_headline_figure_stands_beside_last_year_with_the_change_in_words(client, cohort_school, slt):
    client.force_login(slt)
    response = dashboard(client, cohort_school)
    columns, rows = rows_of(response, "summary")
    assert columns == ["Group", "Incidents", "Same period last year", "Change"]
    assert rows["All incidents"] == ["6", "3", "+3 (3 more, up 100.0%)"]
    assert rows["Behaviour"] == ["6", "3", "+3 (3 more, up 100.0%)"]
    assert rows["Bullying"] == ["0", "0", "0 (no change)"]
    # The share of SEN pupils with an incident: 83.3% now, 2 of 6 last year (hidden: fewer than 5).
    _columns, cohorts = rows_of(response, "cohorts")
    assert cohorts["SEN"][5:] == ["not shown", "not shown"]
    assert cohorts["All pupils"][5:] == ["not shown", "not shown"]  # 3 pupils last year: fewer than 5
    page = response.content.decode()
    assert "Same period last year: 7 Sep 2025 – 20 Nov 2025" in page


@pytest.mark.django_db
def test_fewer_incidents_than_last_year_read_with_a_minus_sign_and_fewer(client, school, teacher, slt):
    pupils = factories.PupilFactory.create_batch(6, school=school)
    for index, pupil in enumerate(pupils):
        record(teacher, school, at(datetime.date(2025, 9, 15 + index)), [(pupil, P)])
    record(teacher, school, at(datetime.date(2026, 9, 15)), [(pupils[0], P)])
    client.force_login(slt)
    _columns, rows = rows_of(dashboard(client, school), "summary")
    assert rows["All incidents"] == ["1", "6", "\u22125 (5 fewer, down 83.3%)"]
    _columns, cohorts = rows_of(dashboard(client, school), "cohorts")
    # All pupils: 1 of 6 now (hidden), 6 of 6 last year (100%): the change would reveal it, so it is not shown.
    assert cohorts["All pupils"][5:] == ["100.0%", "not shown"]


@pytest.mark.django_db
def test_a_term_is_compared_with_the_same_term_of_last_year(school):
    for start in (2025, 2026):
        year = factories.AcademicYearFactory(
            school=school,
            name=f"{start}/{(start + 1) % 100}",
            starts_on=datetime.date(start, 9, 1),
            ends_on=datetime.date(start + 1, 8, 31),
        )
        Term.objects.create(
            academic_year=year,
            kind=Term.Kind.AUTUMN,
            starts_on=datetime.date(start, 9, 3 if start == 2025 else 2),
            ends_on=datetime.date(start, 12, 19 if start == 2025 else 18),
        )
    from reports.filters import DashboardFilterForm

    form = DashboardFilterForm({"term": "2026-autumn"}, schools=[school], today=datetime.date(2027, 1, 10))
    previous, cut = form.previous_filters()
    assert (previous.date_from, previous.date_to, cut) == (
        datetime.date(2025, 9, 3),
        datetime.date(2025, 12, 19),
        False,
    )
    assert previous.period_label.startswith("Autumn term")
    # While the term goes on, last year's is cut to as many days: like with like.
    form = DashboardFilterForm({"term": "2026-autumn"}, schools=[school], today=datetime.date(2026, 11, 20))
    previous, cut = form.previous_filters()
    assert (previous.date_from, previous.date_to, cut) == (datetime.date(2025, 9, 3), datetime.date(2025, 11, 21), True)


def test_a_date_range_is_compared_with_the_same_dates_a_year_earlier():
    filters = DashboardFilters(
        date_from=datetime.date(2024, 2, 1), date_to=datetime.date(2024, 2, 29), today=datetime.date(2024, 6, 1)
    )
    previous, cut = previous_period(filters)
    assert (previous.date_from, previous.date_to, cut) == (datetime.date(2023, 2, 1), datetime.date(2023, 2, 28), False)


# Thresholds that raise an action ----------------------------------------------------------------------------------


def _recent_days(count):
    """``count`` moments on distinct recent weekdays, oldest first, all within the last 10 weekdays."""
    moments, moment = [], timezone.now() - datetime.timedelta(hours=1)
    while len(moments) < count:
        if moment.weekday() < 5:
            moments.append(moment)
        moment -= datetime.timedelta(days=1)
    return list(reversed(moments))


@pytest.mark.django_db
def test_the_fifth_incident_in_ten_school_days_raises_exactly_one_action(
    client, school, teacher, slt, head, celery_eager, django_capture_on_commit_callbacks
):
    pupil = factories.PupilFactory(school=school, legal_first_name="Zeynep", legal_last_name="Arslan")
    bystander = factories.PupilFactory(school=school)
    moments = _recent_days(6)
    for moment in moments[:4]:
        with django_capture_on_commit_callbacks(execute=True):
            record(teacher, school, moment, [(pupil, P), (bystander, V)])
    assert not Action.objects.filter(incident__school=school).exists()
    with django_capture_on_commit_callbacks(execute=True):
        fifth = record(teacher, school, moments[4], [(pupil, P), (bystander, V)])
    action = Action.objects.get(incident__school=school)
    assert action.incident == fifth and action.kind == Action.Kind.OTHER
    assert action.assignee in (slt, head)  # a senior leader: the default rule names no one
    assert f"{pupil.display_name} has 5 behaviour incidents within 10 school days" in action.description
    assert action.completed_at is None
    # A sixth incident within the window raises nothing more; the victim is never counted.
    with django_capture_on_commit_callbacks(execute=True):
        record(teacher, school, moments[5], [(pupil, P), (bystander, V)])
    assert Action.objects.filter(incident__school=school).count() == 1
    assert ThresholdAlert.objects.get().pupil == pupil
    assert AuditEvent.objects.filter(action="reports.threshold.reached", school=school).count() == 1
    # SLT see it on the rules page, with the pupil and the person asked to act.
    client.force_login(slt)
    page = client.get(reverse("reports:behaviour_thresholds", args=[school.slug])).content.decode()
    assert pupil.display_name in page and "5 incidents in 10 school days" in page


@pytest.mark.django_db
def test_a_rule_names_who_acts_and_counts_only_its_levels(
    school, teacher, slt, head, celery_eager, django_capture_on_commit_callbacks
):
    (default,) = threshold_rules(school)
    threshold_save(actor=head, school=school, rule=default, incidents=5, school_days=10, is_active=False)
    threshold_save(actor=head, school=school, incidents=3, school_days=10, min_level=3, assignee=teacher)
    pupil = factories.PupilFactory(school=school)
    for moment, level in zip(_recent_days(4), (3, 1, 3, 4), strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            record(teacher, school, moment, [(pupil, P)], level=level)
    action = Action.objects.get(incident__school=school)
    assert action.assignee == teacher and action.incident.behaviour_level == 4


@pytest.mark.django_db
def test_a_rule_turned_off_raises_nothing(
    client, school, teacher, slt, celery_eager, django_capture_on_commit_callbacks
):
    (rule,) = threshold_rules(school)
    client.force_login(slt)
    url = reverse("reports:behaviour_threshold_edit", args=[school.slug, rule.public_id])
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(url, {"incidents": 5, "school_days": 10, "min_level": 1})  # "On" left unticked
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.is_active is False and rule.history.count() == 2
    pupil = factories.PupilFactory(school=school)
    for moment in _recent_days(6):
        with django_capture_on_commit_callbacks(execute=True):
            record(teacher, school, moment, [(pupil, P)])
    assert not Action.objects.filter(incident__school=school).exists()
    assert not ThresholdAlert.objects.exists()
    page = client.get(reverse("reports:behaviour_thresholds", args=[school.slug])).content.decode()
    assert "Off" in page and "No pupil has reached a threshold yet." in page


@pytest.mark.django_db
def test_slt_add_a_rule_from_the_page_and_nothing_changes_on_a_repeat(client, school, slt):
    client.force_login(slt)
    dashboard_page = dashboard(client, school).content.decode()
    assert reverse("reports:behaviour_thresholds", args=[school.slug]) in dashboard_page
    response = client.post(
        reverse("reports:behaviour_threshold_add", args=[school.slug]),
        {"incidents": 3, "school_days": 5, "min_level": 2, "is_active": "on"},
    )
    assert response.status_code == 302
    rule = BehaviourThreshold.objects.get(school=school, incidents=3)
    assert (rule.school_days, rule.min_level, rule.is_active, rule.created_by) == (5, 2, True, slt)
    assert AuditEvent.objects.filter(action="reports.threshold.added", actor=slt).count() == 1
    threshold_save(actor=slt, school=school, rule=rule, incidents=3, school_days=5, min_level=2)
    assert rule.history.count() == 1 and not AuditEvent.objects.filter(action="reports.threshold.changed").exists()
    refused = client.post(
        reverse("reports:behaviour_threshold_add", args=[school.slug]), {"incidents": 1, "school_days": 5}
    )
    assert refused.status_code == 200 and BehaviourThreshold.objects.filter(school=school).count() == 1


@pytest.mark.django_db
def test_only_managers_set_rules_and_another_schools_rule_answers_404(client, school, other_school, teacher, slt):
    other_rule = threshold_rules(other_school)[0]
    client.force_login(slt)
    assert (
        client.get(reverse("reports:behaviour_threshold_edit", args=[school.slug, other_rule.public_id])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("reports:behaviour_threshold_edit", args=[other_school.slug, other_rule.public_id])
        ).status_code
        == 404
    )
    assert client.get(reverse("reports:behaviour_thresholds", args=[other_school.slug])).status_code == 404
    client.force_login(teacher)
    assert client.get(reverse("reports:behaviour_thresholds", args=[school.slug])).status_code == 404
    with pytest.raises(PermissionError):
        threshold_save(actor=teacher, school=school, incidents=5, school_days=10)
