"""Dashboard figures equal the counts of a known fixture, counted by hand below (issue 7: "Dashboard figures equal
the counts computed directly from the incidents for a known fixture").

The fixture (``known``): a London school in the autumn term of 2026/27, four pupils, twelve incidents recorded through
``incidents.services.incident_record`` — two backdated, one voided, one safeguarding concern, one before the period —
with suspensions, a permanent exclusion and actions. The period is 7 September to 20 November 2026 and "today" is
20 November 2026. Times are London time unless marked UTC.

    #   when (local)        where       categories (level)              pupils
    1   Tue  8 Sep 10:15    classroom   low-level-disruption (1)        Amara subject
    2   Wed  9 Sep 12:30    playground  physical-harm (3)               Ben perpetrator, Cleo victim
    3   Tue 15 Sep 12:40    playground  bullying, verbal (3)            Ben perpetrator, Cleo victim
    4   Tue 22 Sep 13:00    playground  racist + verbal-abuse (4)       Ben perpetrator, Dev victim
    5   Mon  5 Oct 00:30    online      online-misuse (2)               Ben subject  (Sun 4 Oct 23:30 UTC)
    6   Tue 13 Oct 10:05    classroom   defiance (2)                    Cleo subject, Amara witness
    7   Thu 10 Sep 14:00    corridor    homophobic (3)                  Ben perpetrator, Cleo victim  (backdated)
    8   Wed 14 Oct 11:00    classroom   defiance (2) — VOIDED           Amara subject
    9   Tue 20 Oct 09:00    classroom   neglect — SAFEGUARDING          Dev subject
    10  Thu 20 Aug 10:00    classroom   low-level-disruption (1)        Amara subject (before the period)
    11  Mon  2 Nov 12:15    playground  physical-harm (4)               Ben perpetrator, Amara victim (by the head)
    12  Tue 10 Nov 11:00    classroom   prohibited-items (5)            Dev subject (by the head)

Sanctions: Ben suspended 2.5 days (RA) for #4 and 3 days (PP, VA) for #11 — 5.5 days; Dev permanently excluded (OW)
for #12; Amara suspended 1 day for #8, which was then voided. Actions: the follow-up of #3 (due 4 Dec, open),
investigate #2 (due 1 Oct: overdue), contact parents for #6 (done), refer the concern #9 to social care (due 22 Oct:
overdue).
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from incidents import services
from incidents.models import Action, IncidentPupil, Sanction
from incidents.tests.factories import category
from reports import figures
from reports.filters import DashboardFilters
from safeguard.directory.models import Role, School, Term
from safeguard.directory.tests import factories

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
TODAY = datetime.date(2026, 11, 20)
PERIOD = DashboardFilters(date_from=datetime.date(2026, 9, 7), date_to=TODAY, today=TODAY)
P, V, S, W = (
    IncidentPupil.Role.ALLEGED_PERPETRATOR,
    IncidentPupil.Role.VICTIM,
    IncidentPupil.Role.SUBJECT,
    IncidentPupil.Role.WITNESS,
)


def local(month, day, hour, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


class Known:
    """The fixture's rows, by name."""


def record(actor, school, when, codes, pupils, *, level=None, where="classroom", **kwargs):
    return services.incident_record(
        actor=actor,
        school=school,
        occurred_at=when,
        location=where,
        categories=[category(school, code) for code in codes],
        pupils=pupils,
        description="What happened, in the recorder's words.",
        behaviour_level=level,
        now=NOW,
        **kwargs,
    )


def build_known(monkeypatch, school, pupil, teacher, head, dsl):
    """The fixture of this module's docstring; every school's "today" is 20 November 2026 (for overdue actions)."""
    monkeypatch.setattr(School, "today", lambda self, now=None: TODAY)
    k = Known()
    k.school = school
    year = factories.AcademicYearFactory(school=school)
    Term.objects.create(
        academic_year=year,
        kind=Term.Kind.AUTUMN,
        starts_on=datetime.date(2026, 9, 2),
        ends_on=datetime.date(2026, 12, 18),
    )
    y3, y4 = pupil.year_group, factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
    k.amara = pupil
    pupil.has_sen = True
    pupil.save()
    k.ben = factories.PupilFactory(
        school=school, legal_first_name="Benedict", legal_last_name="Okonjo", year_group=y4, is_pupil_premium=True
    )
    k.cleo = factories.PupilFactory(
        school=school, legal_first_name="Cleo", legal_last_name="Marchetti", year_group=y3, is_eal=True
    )
    k.dev = factories.PupilFactory(
        school=school, legal_first_name="Devika", legal_last_name="Rasmussen", year_group=y4, is_looked_after=True
    )
    k.i1 = record(teacher, school, local(9, 8, 10, 15), ["low-level-disruption"], [(k.amara, S)], level=1)
    k.i2 = record(
        teacher, school, local(9, 9, 12, 30), ["physical-harm"], [(k.ben, P), (k.cleo, V)], level=3, where="playground"
    )
    k.i3 = record(
        teacher,
        school,
        local(9, 15, 12, 40),
        ["bullying"],
        [(k.ben, P), (k.cleo, V)],
        level=3,
        where="playground",
        bullying_type="verbal",
    )
    k.i4 = record(
        teacher,
        school,
        local(9, 22, 13),
        ["racist", "verbal-abuse"],
        [(k.ben, P), (k.dev, V)],
        level=4,
        where="playground",
    )
    k.i5 = record(
        teacher,
        school,
        datetime.datetime(2026, 10, 4, 23, 30, tzinfo=UTC),
        ["online-misuse"],
        [(k.ben, S)],
        level=2,
        where="online",
    )
    k.i6 = record(teacher, school, local(10, 13, 10, 5), ["defiance"], [(k.cleo, S), (k.amara, W)], level=2)
    k.i7 = record(
        teacher, school, local(9, 10, 14), ["homophobic"], [(k.ben, P), (k.cleo, V)], level=3, where="corridor"
    )
    k.i8 = record(teacher, school, local(10, 14, 11), ["defiance"], [(k.amara, S)], level=2)
    k.i9 = record(teacher, school, local(10, 20, 9), ["neglect"], [(k.dev, S)])
    k.i10 = record(teacher, school, local(8, 20, 10), ["low-level-disruption"], [(k.amara, S)], level=1)
    k.i11 = record(
        head,
        school,
        datetime.datetime(2026, 11, 2, 12, 15, tzinfo=UTC),
        ["physical-harm"],
        [(k.ben, P), (k.amara, V)],
        level=4,
        where="playground",
    )
    k.i12 = record(head, school, local(11, 10, 11), ["prohibited-items"], [(k.dev, S)], level=5)
    services.sanction_record(
        actor=head,
        incident=k.i4,
        pupil=k.ben,
        kind=Sanction.Kind.SUSPENSION,
        starts_on=datetime.date(2026, 9, 23),
        days="2.5",
        reasons=["RA"],
    )
    services.sanction_record(
        actor=head,
        incident=k.i11,
        pupil=k.ben,
        kind=Sanction.Kind.SUSPENSION,
        starts_on=datetime.date(2026, 11, 3),
        days="3",
        reasons=["PP", "VA"],
    )
    services.sanction_record(
        actor=head,
        incident=k.i12,
        pupil=k.dev,
        kind=Sanction.Kind.PERMANENT_EXCLUSION,
        starts_on=datetime.date(2026, 11, 11),
        reasons=["OW"],
    )
    services.sanction_record(
        actor=head,
        incident=k.i8,
        pupil=k.amara,
        kind=Sanction.Kind.SUSPENSION,
        starts_on=datetime.date(2026, 10, 15),
        days="1",
        reasons=["DB"],
    )
    services.incident_void(actor=head, incident=k.i8, reason="Recorded against the wrong pupil.")
    services.action_add(
        actor=head, incident=k.i2, kind=Action.Kind.INVESTIGATE, assignee=head, due_on=datetime.date(2026, 10, 1)
    )
    done = services.action_add(
        actor=head, incident=k.i6, kind=Action.Kind.CONTACT_PARENTS, assignee=head, due_on=datetime.date(2026, 10, 20)
    )
    services.action_complete(actor=head, action=done, note="Spoke to mum on the phone.")
    services.action_add(
        actor=dsl, incident=k.i9, kind=Action.Kind.REFER_SOCIAL_CARE, assignee=dsl, due_on=datetime.date(2026, 10, 22)
    )
    k.head, k.teacher = head, teacher
    return k


@pytest.fixture
def known(monkeypatch, school, pupil, teacher, head, dsl):
    return build_known(monkeypatch, school, pupil, teacher, head, dsl)


def base(known, filters=PERIOD, *, include_safeguarding=False):
    return figures.incident_queryset([known.school], filters, include_safeguarding=include_safeguarding)


def with_filters(**changes):
    import dataclasses

    return dataclasses.replace(PERIOD, **changes)


# The base queryset ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestIncidentQueryset:
    def test_the_period_without_voided_incidents_or_concerns(self, known):
        found = set(base(known))
        assert found == {known.i1, known.i2, known.i3, known.i4, known.i5, known.i6, known.i7, known.i11, known.i12}

    def test_concerns_are_counted_only_when_asked_for(self, known):
        assert known.i9 in set(base(known, include_safeguarding=True))
        assert base(known, include_safeguarding=True).count() == 10

    def test_a_backdated_incident_falls_in_the_week_it_happened(self, known):
        # #7 was recorded on 20 November about 10 September.
        assert known.i7.created_at.date() > PERIOD.date_to - datetime.timedelta(days=30)
        weekly = figures.by_week_and_level(base(known), schools=[known.school], filters=PERIOD)
        assert weekly.count(datetime.date(2026, 9, 7)) == 3  # #1, #2, #7

    def test_the_period_ends_at_local_midnight(self, known):
        # #5 happened on Sunday 4 October at 23:30 UTC, which is Monday 5 October in London.
        october_5 = with_filters(date_from=datetime.date(2026, 10, 5), date_to=datetime.date(2026, 10, 5))
        assert list(base(known, october_5)) == [known.i5]
        october_4 = with_filters(date_from=datetime.date(2026, 10, 4), date_to=datetime.date(2026, 10, 4))
        assert list(base(known, october_4)) == []

    def test_year_group_filter(self, known):
        # Y3: Amara and Cleo — #1, #2, #3, #6, #7, #11.
        assert base(known, with_filters(year_group="Y3")).count() == 6

    def test_characteristic_filters(self, known):
        assert base(known, with_filters(characteristics=("sen",))).count() == 3  # Amara: #1, #6, #11
        assert base(known, with_filters(characteristics=("looked_after",))).count() == 2  # Dev: #4, #12
        # Every characteristic ticked must belong to the same pupil: nobody is both SEN and looked after.
        assert base(known, with_filters(characteristics=("sen", "looked_after"))).count() == 0

    def test_class_group_level_and_recorder_filters(self, known):
        assert base(known, with_filters(school_class_id=known.amara.school_class_id)).count() == 3
        assert base(known, with_filters(group="prejudice")).count() == 2  # #4, #7
        assert base(known, with_filters(level=3)).count() == 3  # #2, #3, #7
        assert base(known, with_filters(recorder_id=known.head.pk)).count() == 2  # #11, #12


# Each figure --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFigures:
    def test_summary_by_group(self, known):
        data = figures.summary(base(known))
        counts = {key: count for key, _label, count in data.rows()}
        assert counts == {
            "total": 9,
            "behaviour": 6,  # #1, #2, #4 (verbal abuse), #6, #11, #12
            "bullying": 1,
            "prejudice": 2,
            "online_safety": 1,
            "physical_intervention": 0,
            "safeguarding": 0,
        }
        assert figures.summary(base(known, include_safeguarding=True)).count("safeguarding") == 1

    def test_incidents_per_week_by_level(self, known):
        weekly = figures.by_week_and_level(base(known), schools=[known.school], filters=PERIOD)
        monday = datetime.date
        assert weekly.weeks[0] == monday(2026, 9, 7)
        assert weekly.weeks[-1] == monday(2026, 11, 16)
        assert len(weekly.weeks) == 11  # every week, empty ones too
        expected = {
            (monday(2026, 9, 7), 1): 1,
            (monday(2026, 9, 7), 3): 2,
            (monday(2026, 9, 14), 3): 1,
            (monday(2026, 9, 21), 4): 1,
            (monday(2026, 10, 5), 2): 1,  # Monday 00:30 London time, still Sunday in UTC
            (monday(2026, 10, 12), 2): 1,
            (monday(2026, 11, 2), 4): 1,
            (monday(2026, 11, 9), 5): 1,
        }
        actual = {(week, level): n for (_school, week, level), n in weekly.counts.items()}
        assert actual == expected
        assert {key: n for key, _l, n in weekly.by_level().rows()} == {1: 1, 2: 2, 3: 3, 4: 2, 5: 1, None: 0}

    def test_a_concern_has_no_level(self, known):
        weekly = figures.by_week_and_level(
            base(known, include_safeguarding=True), schools=[known.school], filters=PERIOD
        )
        assert weekly.count(datetime.date(2026, 10, 19), None) == 1

    def test_by_category_through_the_categories(self, known):
        data = figures.by_category(base(known), schools=[known.school])
        counts = {key: count for key, _label, count in data.rows()}
        assert counts == {
            "low-level-disruption": 1,
            "defiance": 1,
            "verbal-abuse": 1,
            "physical-harm": 2,
            "prohibited-items": 1,
            "bullying": 1,
            "racist": 1,
            "homophobic": 1,
            "online-misuse": 1,
        }
        assert data.labels["racist"] == "Racist incident"
        assert data.groups["racist"] == "prejudice"
        assert "neglect" in figures.by_category(base(known, include_safeguarding=True), schools=[known.school]).labels

    def test_heat_map_buckets_in_school_time(self, known):
        heat = figures.by_weekday_hour(base(known), schools=[known.school])
        expected = {
            (2, 10): 2,  # #1 (09:15 UTC in summer time is 10:15 here), #6
            (3, 12): 1,
            (4, 14): 1,
            (2, 12): 1,
            (2, 13): 1,
            (1, 0): 1,  # #5: Sunday 23:30 UTC is Monday 00:30 in London
            (1, 12): 1,  # #11: 12:15 UTC in November is 12:15 here
            (2, 11): 1,
        }
        assert {(day, hour): n for (_s, day, hour), n in heat.counts.items()} == expected
        assert heat.count(day=7) == 0
        assert heat.days() == [1, 2, 3, 4, 5]
        assert heat.hours()[0] == 0 and heat.hours()[-1] == 16

    def test_heat_map_in_another_time_zone(self, known):
        known.school.time_zone = "Europe/Istanbul"  # UTC+3 all year
        known.school.save()
        istanbul = with_filters(date_from=datetime.date(2026, 10, 5), date_to=datetime.date(2026, 10, 5))
        heat = figures.by_weekday_hour(base(known, istanbul), schools=[known.school])
        assert {(day, hour) for (_s, day, hour) in heat.counts} == {(1, 2)}  # 23:30 UTC → Monday 02:30

    def test_by_location(self, known):
        data = figures.by_location(base(known))
        counts = {key: count for key, _label, count in data.rows(nonzero=True)}
        assert counts == {"classroom": 3, "playground": 4, "corridor": 1, "online": 1}
        assert figures.by_location(base(known, include_safeguarding=True)).count("classroom") == 4

    def test_pupils_with_repeated_incidents(self, known):
        data = figures.repeated_pupils(base(known), with_names=True)
        assert [(p["name"], p["count"]) for p in data.perpetrators] == [("Benedict Okonjo", 6)]
        assert [(p["name"], p["count"], p["year_group"]) for p in data.victims] == [("Cleo Marchetti", 3, "Year 3")]
        assert data.count("perpetrator") == 1 and data.count("victim") == 1

    def test_repeated_pupils_without_names(self, known):
        data = figures.repeated_pupils(base(known))
        assert data.perpetrators == [] and data.victims == []
        assert data.count("perpetrator") == 1 and data.count("victim") == 1

    def test_bullying_and_prejudice(self, known):
        assert {k: n for k, _l, n in figures.bullying_by_type(base(known)).rows(nonzero=True)} == {"verbal": 1}
        prejudice = figures.prejudice(base(known), schools=[known.school])
        assert {k: n for k, _l, n in prejudice.rows()} == {"racist": 1, "homophobic": 1, "disablist": 0, "any": 2}

    def test_suspensions_and_exclusions(self, known):
        data = figures.sanctions(base(known), PERIOD, with_names=True)
        assert data.total("suspensions") == 2  # Amara's was for the voided #8
        assert data.total("days") == Decimal("5.5")
        assert data.total("pupils") == 1
        assert data.total("pupils_over_5") == 1
        assert data.total("exclusions") == 1
        assert {k: n for k, _l, n in data.reasons.rows(nonzero=True)} == {"RA": 1, "PP": 1, "VA": 1, "OW": 1}
        assert [(p["name"], p["days"]) for p in data.over_5] == [("Benedict Okonjo", Decimal("5.5"))]
        assert figures.sanctions(base(known), PERIOD).over_5 == []

    def test_suspensions_follow_the_pupil_filters(self, known):
        year_3 = with_filters(year_group="Y3")  # #11 involves Amara (Y3), but Ben (Y4) was suspended
        assert figures.sanctions(base(known, year_3), year_3).total("suspensions") == 0

    def test_open_and_overdue_actions(self, known):
        open_, overdue = figures.open_actions(base(known), schools=[known.school])
        assert {k: n for k, _l, n in open_.rows(nonzero=True)} == {"investigate": 1, "follow_up_victim": 1}
        assert {k: n for k, _l, n in overdue.rows(nonzero=True)} == {"investigate": 1}
        open_sg, overdue_sg = figures.open_actions(base(known, include_safeguarding=True), schools=[known.school])
        assert open_sg.total() == 3 and overdue_sg.total() == 2


# All of a dashboard's figures at once (what the cache stores) -------------------------------------------------------


def _plain(breakdown):
    return {key: count for key, count in breakdown.counts.items() if count}, dict(breakdown.labels)


@pytest.mark.django_db
class TestDashboardCounts:
    @pytest.mark.parametrize("include_safeguarding", [False, True])
    def test_the_counts_of_a_dashboard_equal_each_figure_counted_alone(self, known, include_safeguarding):
        incidents = base(known, include_safeguarding=include_safeguarding)
        counts = figures.dashboard_counts(incidents, schools=[known.school], filters=PERIOD)
        data = figures.DashboardFigures(counts, filters=PERIOD)
        assert _plain(data.summary) == _plain(figures.summary(incidents))
        assert _plain(data.locations) == _plain(figures.by_location(incidents))
        assert _plain(data.bullying) == _plain(figures.bullying_by_type(incidents))
        assert _plain(data.prejudice) == _plain(figures.prejudice(incidents, schools=[known.school]))
        weekly = figures.by_week_and_level(incidents, schools=[known.school], filters=PERIOD)
        assert (data.weekly.weeks, data.weekly.counts) == (weekly.weeks, weekly.counts)
        assert data.heat.counts == figures.by_weekday_hour(incidents, schools=[known.school]).counts
        assert data.categories == figures.by_category(incidents)
        for with_names in (False, True):
            assert data.repeated(with_names=with_names) == figures.repeated_pupils(incidents, with_names=with_names)
            assert data.sanctions(with_names=with_names) == figures.sanctions(incidents, with_names=with_names)
        assert data.actions == figures.open_actions(incidents, schools=[known.school])

    def test_the_trust_counts_pupils_with_repeated_incidents_without_listing_them(self, known):
        counts = figures.dashboard_counts(
            base(known), schools=[known.school], filters=PERIOD, pupil_rows=False, on_roll=True
        )
        assert counts.repeated.counts == {(known.school.pk, "perpetrator"): 1, (known.school.pk, "victim"): 1}
        assert counts.repeated.perpetrators == [] and counts.repeated.victims == []
        assert counts.on_roll == {known.school.pk: 4}

    def test_the_cached_counts_hold_no_names(self, known):
        import pickle

        counts = figures.dashboard_counts(base(known), schools=[known.school], filters=PERIOD)
        stored = pickle.dumps(counts)
        for name in ("Benedict", "Okonjo", "Cleo", "Marchetti", "Fighting"):
            assert name.encode() not in stored
        assert figures.DashboardFigures(counts, filters=PERIOD).repeated(with_names=True).perpetrators[0]["name"] == (
            "Benedict Okonjo"
        )

    def test_a_renamed_category_shows_its_new_name_from_cached_counts(self, known):
        counts = figures.dashboard_counts(base(known), schools=[known.school], filters=PERIOD)
        known.school.incident_categories.filter(code="racist").update(name="Racist abuse")
        assert figures.DashboardFigures(counts, filters=PERIOD).categories.labels["racist"] == "Racist abuse"

    def test_school_figures_come_from_the_cache_until_the_incidents_change(
        self, known, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        def total():
            data = figures.school_figures(known.school, PERIOD, include_safeguarding=False, concerns_named=False)
            return data.summary.count("total")

        assert total() == 9
        with django_assert_num_queries(0):
            assert total() == 9
        with django_capture_on_commit_callbacks(execute=True):
            services.incident_void(actor=known.head, incident=known.i1, reason="Recorded twice.")
        assert total() == 8

    def test_the_filters_key_holds_what_the_figures_depend_on(self):
        import dataclasses

        same = dataclasses.replace(PERIOD, period_label="Autumn", characteristics=("sen", "eal"))
        other_order = dataclasses.replace(PERIOD, characteristics=("eal", "sen"))
        assert same.cache_key() == other_order.cache_key()
        for change in ({"year_group": "Y3"}, {"level": 2}, {"today": TODAY - datetime.timedelta(days=1)}):
            assert dataclasses.replace(PERIOD, **change).cache_key() != PERIOD.cache_key()


# Drill-down: the incidents behind each number ---------------------------------------------------------------------


@pytest.mark.django_db
class TestDrillDown:
    def figure(self, known, figure, key):
        return set(figures.figure_incidents(base(known), figure, key, schools=[known.school], filters=PERIOD))

    def test_each_drill_down_lists_what_the_figure_counted(self, known):
        k = known
        assert self.figure(k, "level", "3") == {k.i2, k.i3, k.i7}
        assert self.figure(k, "week", "2026-09-07:3") == {k.i2, k.i7}
        assert self.figure(k, "week", "2026-10-05") == {k.i5}
        assert self.figure(k, "category", "physical-harm") == {k.i2, k.i11}
        assert self.figure(k, "time", "1:0") == {k.i5}
        assert self.figure(k, "time", "2:10") == {k.i1, k.i6}
        assert self.figure(k, "location", "playground") == {k.i2, k.i3, k.i4, k.i11}
        assert self.figure(k, "repeated_perpetrator", str(k.ben.public_id)) == {k.i2, k.i3, k.i4, k.i5, k.i7, k.i11}
        assert self.figure(k, "repeated_victim", str(k.cleo.public_id)) == {k.i2, k.i3, k.i7}
        assert self.figure(k, "bullying_type", "verbal") == {k.i3}
        assert self.figure(k, "prejudice", "any") == {k.i4, k.i7}
        assert self.figure(k, "sanction", "suspension") == {k.i4, k.i11}
        assert self.figure(k, "sanction_reason", "OW") == {k.i12}
        assert self.figure(k, "suspended_pupil", str(k.ben.public_id)) == {k.i4, k.i11}
        assert self.figure(k, "actions", "overdue") == {k.i2}
        assert self.figure(k, "actions", "open:follow_up_victim") == {k.i3}
        assert self.figure(k, "group", "total") == set(base(k))

    def test_every_number_of_a_figure_matches_its_drill_down(self, known):
        incidents = base(known)
        for key, _label, count in figures.by_category(incidents, schools=[known.school]).rows():
            assert len(self.figure(known, "category", key)) == count
        for key, _label, count in figures.by_location(incidents).rows():
            assert len(self.figure(known, "location", key)) == count
        heat = figures.by_weekday_hour(incidents, schools=[known.school])
        for (_school, day, hour), count in heat.counts.items():
            assert len(self.figure(known, "time", f"{day}:{hour}")) == count

    @pytest.mark.parametrize(
        ("figure", "key"),
        [("nope", ""), ("level", "9"), ("week", "yesterday"), ("time", "8:00"), ("location", "moon"), ("actions", "x")],
    )
    def test_unknown_figures_and_keys_are_refused(self, known, figure, key):
        with pytest.raises(figures.UnknownFigure):
            figures.figure_incidents(base(known), figure, key, schools=[known.school], filters=PERIOD)


# Rates per 100 pupils ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestRates:
    def test_pupils_on_roll_at_the_start_of_the_period(self, known, trust):
        factories.PupilFactory(school=known.school, left_on=datetime.date(2026, 7, 20))  # left before: not counted
        factories.PupilFactory(school=known.school, left_on=datetime.date(2026, 10, 1))  # left during: counted
        istanbul = factories.SchoolFactory(organisation=trust, slug="istanbul", time_zone="Europe/Istanbul")
        factories.PupilFactory.create_batch(2, school=istanbul)
        on_roll = figures.pupils_on_roll([known.school, istanbul], PERIOD)
        assert on_roll == {known.school.pk: 5, istanbul.pk: 2}
        total = figures.summary(base(known)).count("total", known.school.pk)
        assert figures.rate_per_100(total, on_roll[known.school.pk]) == Decimal("180.0")  # 9 incidents, 5 pupils
        assert figures.rate_per_100(1, 3) == Decimal("33.3")
        assert figures.rate_per_100(4, 0) is None

    def test_rates_follow_the_pupil_filters(self, known):
        assert figures.pupils_on_roll([known.school], with_filters(year_group="Y3")) == {known.school.pk: 2}

    def test_schools_of_a_trust_side_by_side_each_in_its_own_time(self, known, trust):
        istanbul = factories.SchoolFactory(organisation=trust, slug="istanbul", time_zone="Europe/Istanbul")
        teacher = factories.UserFactory()
        factories.StaffRoleFactory(user=teacher, school=istanbul, role=Role.TEACHER)
        child = factories.PupilFactory(school=istanbul)
        # Sunday 6 September 22:30 UTC is Monday 7 September 01:30 in Istanbul: inside the period there, not in London.
        record(
            teacher, istanbul, datetime.datetime(2026, 9, 6, 22, 30, tzinfo=UTC), ["defiance"], [(child, S)], level=2
        )
        incidents = figures.incident_queryset([known.school, istanbul], PERIOD)
        summary = figures.summary(incidents)
        assert summary.count("total", known.school.pk) == 9
        assert summary.count("total", istanbul.pk) == 1
        heat = figures.by_weekday_hour(incidents, schools=[known.school, istanbul])
        assert heat.count(day=1, hour=1, school_id=istanbul.pk) == 1
        weekly = figures.by_week_and_level(incidents, schools=[known.school, istanbul], filters=PERIOD)
        assert weekly.count(datetime.date(2026, 9, 7), 2, school_id=istanbul.pk) == 1
