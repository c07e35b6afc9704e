"""Pre-counted governor report figures and trust comparison rows (``reports.precount``, issue 18 item 1): a draft
read from the pre-counted terms equals the one counted live, exactly; a new incident, a concern raised or closed
since, or a change to the term's dates makes the draft count live at once; the trust's flat rows give back exactly
the trust's figures.

The data set is ``test_governor_report``'s known autumn term (``world``), read on 20 November 2026.
"""

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.tests.factories import concern
from reports import governor, precount
from reports.models import FigureSnapshot
from reports.tests import test_governor_report as report_tests
from reports.tests.test_governor_report import AUTUMN, NOW, _row, _table, incidents, n
from reports.tests.test_precount import add_school, trust_filters
from safeguard import datacache

world = report_tests.world  # the known autumn term, as a fixture of this module too


@pytest.fixture
def at_now(monkeypatch):
    """The clock set to ``NOW`` (the rebuild counts at the current time, in each school's today)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def compared(school):
    periods, _next = governor._periods([school], *AUTUMN)
    return {key: period for key, period in periods.items() if period}


def draft(school, *, now=NOW, cached=True):
    datacache.forget_all()
    return governor.school_report(school, *AUTUMN, now=now, cached=cached)


@pytest.mark.django_db
class TestGovernorDraft:
    def test_the_pre_counted_draft_equals_the_live_one(self, world, at_now):
        assert precount.rebuild_school(world.school) > 0
        assert set(precount.governor_read(world.school, compared(world.school), now=NOW)) == {
            "term",
            "previous",
            "last_year",
        }
        later = NOW + datetime.timedelta(hours=3)  # the same day: concerns open now, unchanged
        for now in (NOW, later):
            pre_counted = draft(world.school, now=now)
            assert pre_counted == draft(world.school, now=now, cached=False)
        levels = _table(pre_counted, "levels")
        assert _row(levels, "Level 1")[1:4] == [n(7), n(5), text_change(2)]  # this term, summer 2026, change

    def test_the_pre_counted_draft_counts_no_incident(self, world, at_now):
        precount.rebuild_school(world.school)
        datacache.forget_all()
        with CaptureQueriesContext(connection) as queries:
            governor.school_report(world.school, *AUTUMN, now=NOW)
        assert not [query for query in queries.captured_queries if "incidents_" in query["sql"]]

    def test_a_new_incident_changes_the_draft_at_once(self, world, at_now, committed):
        precount.rebuild_school(world.school)
        assert _row(_table(draft(world.school), "levels"), "Level 4")[1] == n(0)
        with committed():
            incidents(world.school, 6, datetime.date(2026, 11, 2), behaviour_level=4)
        assert "term" not in precount.governor_read(world.school, compared(world.school), now=NOW)
        report = draft(world.school)
        assert _row(_table(report, "levels"), "Level 4")[1] == n(6)
        assert report == draft(world.school, cached=False)

    def test_a_concern_recorded_for_later_today_is_open_once_its_time_comes(self, world, at_now):
        concern(world.school, occurred_at=NOW + datetime.timedelta(hours=2))  # before the rebuild: no change after
        precount.rebuild_school(world.school)
        open_row = "Concerns open at the end of the term"
        soon, after = NOW + datetime.timedelta(hours=1), NOW + datetime.timedelta(hours=3)
        assert "term" in precount.governor_read(world.school, compared(world.school), now=soon)
        assert "term" not in precount.governor_read(world.school, compared(world.school), now=after)
        before = draft(world.school, now=soon)
        assert before == draft(world.school, now=soon, cached=False)
        assert _row(_table(before, "safeguarding"), open_row)[1] == {"k": "hidden"}  # 4 open: fewer than 5
        opened = draft(world.school, now=after)
        assert opened == draft(world.school, now=after, cached=False)
        assert _row(_table(opened, "safeguarding"), open_row)[1] == n(5)  # 4 open, and the one raised since

    def test_changed_term_dates_are_another_key(self, world, at_now):
        precount.rebuild_school(world.school)
        term = world.terms[AUTUMN]
        term.ends_on = datetime.date(2026, 10, 6)  # ends the day before the level 3 incidents
        term.save()
        assert "term" not in precount.governor_read(world.school, compared(world.school), now=NOW)
        report = draft(world.school)
        assert report == draft(world.school, cached=False)
        assert _row(_table(report, "levels"), "Level 3")[1] == n(0)

    def test_publishing_never_reads_pre_counted_figures(self, world, at_now, monkeypatch):
        precount.rebuild_school(world.school)
        monkeypatch.setattr(precount, "governor_read", lambda *args, **kwargs: pytest.fail("read a snapshot"))
        governor.school_report(world.school, *AUTUMN, now=NOW, cached=False)


def text_change(difference):
    return {"k": "text", "v": f"+{difference}"}


@pytest.mark.django_db
class TestTrustRows:
    def test_the_flat_rows_give_back_the_trust_figures_exactly(self, world, trust, at_now):
        other = add_school(trust, "izmir", incidents=4)
        schools = sorted([world.school, other], key=lambda school: school.name)
        for school in schools:
            precount.rebuild_school(school, trust_schools=schools)
        filters = trust_filters(schools)
        assert FigureSnapshot.objects.filter(scope=precount.TRUST_SHAPE).count() >= 2
        found = precount.read(schools, filters, precount.TRUST_SHAPE, decoder=precount.decode_trust)
        assert set(found) == {school.pk for school in schools}
        full = precount.read(schools, filters, precount.WITHOUT_CONCERNS)
        for school in schools:
            assert found[school.pk][0] == precount.as_trust(full[school.pk][0])
        live = precount.trust_counts(schools, filters, lambda counted: pytest.fail("counted live"))
        from reports import figures

        counted = figures.trust_figures(schools, filters, use_cache=False).counts
        assert dataclasses.asdict(live) == dataclasses.asdict(counted)
