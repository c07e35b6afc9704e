"""Pre-counted figures (``reports.precount``, issue 18 item 1): read from snapshots they equal the live counts exactly;
any change to a school's incidents makes the next read count live until the school is rebuilt; a cold read with
current snapshots costs one query whatever the number of incidents and schools; a filtered request never reads them.

The data set is ``test_figures``' known school (twelve incidents of every kind, sanctions, actions, a concern; its
"today" is 20 November 2026, in the autumn term) and, for a trust, a school in Istanbul with incidents of its own.
"""

import dataclasses
import datetime
import json

import pytest

from incidents import services
from incidents.models import IncidentPupil
from onboarding.services import calendar
from reports import figures, precount, tasks
from reports import models as precount_models
from reports.filters import DashboardFilterForm, previous_period
from reports.models import FigureSnapshot, SchoolDataVersion
from reports.tests.test_figures import NOW, S, build_known, local, record
from safeguard import datacache
from safeguard.directory.models import Pupil, Role, Term
from safeguard.directory.roster import roster_import_apply, roster_import_preview
from safeguard.directory.tests import factories
from safeguard.directory.tests.test_roster import csv_upload

SCOPES = [(False, False), (True, False), (True, True)]  # (include_safeguarding, concerns_named)


@pytest.fixture
def known(monkeypatch, school, pupil, teacher, head, dsl):
    return build_known(monkeypatch, school, pupil, teacher, head, dsl)


def add_school(trust, slug, *, incidents=3, time_zone="Europe/Istanbul"):
    """A school of ``trust`` with the known school's autumn term and ``incidents`` incidents of one pupil in it."""
    school = factories.SchoolFactory(organisation=trust, slug=slug, name=slug.title(), time_zone=time_zone)
    year = factories.AcademicYearFactory(school=school)
    Term.objects.create(
        academic_year=year,
        kind=Term.Kind.AUTUMN,
        starts_on=datetime.date(2026, 9, 2),
        ends_on=datetime.date(2026, 12, 18),
    )
    teacher = factories.UserFactory()
    factories.StaffRoleFactory(user=teacher, school=school, role=Role.TEACHER)
    child = factories.PupilFactory(school=school)
    for day in range(incidents):
        record(teacher, school, local(10, 1 + day % 28, 10), ["defiance"], [(child, S)], level=2)
    return school


def default_filters(school):
    return DashboardFilterForm(None, schools=[school]).filters()


def trust_filters(schools):
    return DashboardFilterForm(None, schools=schools, trust=True).filters()


def live_school(school, filters, include_safeguarding, concerns_named):
    return figures.school_figures(
        school, filters, include_safeguarding=include_safeguarding, concerns_named=concerns_named, use_cache=False
    ).counts


def cold_school(school, filters, include_safeguarding, concerns_named):
    datacache.forget_all()
    return figures.school_figures(
        school, filters, include_safeguarding=include_safeguarding, concerns_named=concerns_named
    ).counts


def snapshot_of(school, filters, scope=precount.WITHOUT_CONCERNS):
    return precount.read([school], filters, scope).get(school.pk)


@pytest.mark.django_db
class TestExactJson:
    @pytest.mark.parametrize("scope", precount.SCOPES)
    def test_the_counts_round_trip_exactly(self, known, scope):
        counts = precount.full_counts([known.school], default_filters(known.school), scope)
        assert counts.sanctions[0][known.school.pk]["days"] == 5.5  # a Decimal, tuples as keys, dates in the weeks
        again = precount.decode(json.loads(json.dumps(precount.encode(counts))))
        assert again == counts
        assert repr(again) == repr(counts)  # Decimal('5.5') stays Decimal('5.5'), tuples stay tuples

    def test_anything_else_is_refused(self):
        with pytest.raises(TypeError):
            precount.encode(1.5)
        with pytest.raises(TypeError):
            precount.encode(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))


@pytest.mark.django_db
class TestSnapshotsEqualLiveCounts:
    @pytest.mark.parametrize(("include_safeguarding", "concerns_named"), SCOPES)
    def test_the_school_dashboard(self, known, include_safeguarding, concerns_named):
        precount.rebuild_all()
        this_term = default_filters(known.school)
        for filters in (this_term, previous_period(this_term)[0]):
            scope = figures._scope_key(include_safeguarding, include_safeguarding and concerns_named)
            assert snapshot_of(known.school, filters, scope) is not None
            live = live_school(known.school, filters, include_safeguarding, concerns_named)
            assert cold_school(known.school, filters, include_safeguarding, concerns_named) == live
        live = live_school(known.school, this_term, include_safeguarding, concerns_named)
        assert live.groups[(known.school.pk, "total")] == (10 if include_safeguarding else 9)
        assert live.repeated.perpetrators and live.sanctions[2] and live.actions[1] and live.cohorts

    @pytest.mark.parametrize(("include_safeguarding", "concerns_named"), SCOPES)
    def test_the_comparison_with_last_year(self, known, include_safeguarding, concerns_named):
        record(
            known.teacher, known.school, local(10, 6, 9).replace(year=2025), ["defiance"], [(known.amara, S)], level=2
        )
        precount.rebuild_all()
        filters = default_filters(known.school)
        previous = DashboardFilterForm(None, schools=[known.school]).previous_filters(filters)[0]
        args = {"include_safeguarding": include_safeguarding, "concerns_named": concerns_named}
        live = figures.comparison_counts(known.school, previous, **args, use_cache=False)
        datacache.forget_all()
        assert figures.comparison_counts(known.school, previous, **args) == live
        assert live["groups"][(known.school.pk, "total")] == 1

    def test_the_trust_comparison(self, known, trust):
        schools = sorted(
            [known.school, add_school(trust, "istanbul"), add_school(trust, "izmir")], key=lambda s: s.name
        )
        precount.rebuild_all()
        filters = trust_filters(schools)
        live = figures.trust_figures(schools, filters, use_cache=False).counts
        datacache.forget_all()
        assert figures.trust_figures(schools, filters).counts == live
        assert live.groups[(schools[1].pk, "total")] + live.groups[(schools[2].pk, "total")] > 0
        assert live.repeated.perpetrators == [] and live.cohorts is None and live.on_roll

    def test_the_trust_counts_a_school_without_a_snapshot_live(self, known, trust):
        istanbul = add_school(trust, "istanbul")
        precount.rebuild_all()
        izmir = add_school(trust, "izmir")  # after the rebuild: none yet
        schools = sorted([known.school, istanbul, izmir], key=lambda s: s.name)
        filters = trust_filters(schools)
        live = figures.trust_figures(schools, filters, use_cache=False).counts
        datacache.forget_all()
        assert figures.trust_figures(schools, filters).counts == live
        assert live.groups[(izmir.pk, "total")] == 3

    def test_a_pupil_counted_in_another_school_is_never_added_up(self, known, trust):
        istanbul = add_school(trust, "istanbul")
        precount.rebuild_all()
        # Ben moves to Istanbul without a signal (as a bulk import would): his suspensions now count there.
        type(known.ben).objects.filter(pk=known.ben.pk).update(school=istanbul)
        precount.rebuild_all()
        assert not FigureSnapshot.objects.get(
            school=known.school, scope=precount.WITHOUT_CONCERNS, date_from=datetime.date(2026, 9, 2)
        ).self_contained
        schools = [known.school, istanbul]
        filters = trust_filters(schools)
        live = figures.trust_figures(schools, filters, use_cache=False).counts
        datacache.forget_all()
        assert figures.trust_figures(schools, filters).counts == live


def change_void(k):
    services.incident_void(actor=k.head, incident=k.i1, reason="Recorded twice.")


def change_new(k):
    record(k.teacher, k.school, local(11, 12, 9), ["defiance"], [(k.amara, S)], level=2)


def change_amend(k):
    services.incident_amend(actor=k.head, incident=k.i6, reason="The wrong level.", behaviour_level=4, now=NOW)


def change_pupil_linked(k):
    IncidentPupil.objects.create(incident=k.i12, pupil=k.cleo, role=IncidentPupil.Role.ALLEGED_PERPETRATOR)


@pytest.mark.django_db
class TestChanges:
    @pytest.mark.parametrize("change", [change_void, change_new, change_amend, change_pupil_linked])
    def test_a_change_is_never_served_stale(self, known, change, django_capture_on_commit_callbacks):
        precount.rebuild_all()
        filters = default_filters(known.school)
        before = cold_school(known.school, filters, True, True)
        with django_capture_on_commit_callbacks(execute=True):
            change(known)
        assert snapshot_of(known.school, filters, precount.WITH_CONCERNS) is None  # its version moved
        after = cold_school(known.school, filters, True, True)
        assert after == live_school(known.school, filters, True, True)
        assert after != before
        # The task rebuilds it: read again, equal to the live counts.
        assert tasks.precount_rebuild_school(known.school.pk) > 0
        assert snapshot_of(known.school, filters, precount.WITH_CONCERNS) is not None
        assert cold_school(known.school, filters, True, True) == after

    def test_a_roll_over_is_never_served_stale(self, known, django_capture_on_commit_callbacks):
        # Its pupils are written in bulk, without their signals: the leavers (Year 4, the last year group) leave the
        # pupils on roll at the start of the autumn term, and the cohorts.
        ended = factories.AcademicYearFactory(
            school=known.school,
            name="2025/26",
            starts_on=datetime.date(2025, 9, 1),
            ends_on=datetime.date(2026, 8, 31),
        )
        current = factories.AcademicYearFactory(school=known.school)
        self.assert_never_stale(
            known,
            django_capture_on_commit_callbacks,
            lambda: calendar.year_roll_over(actor=known.head, school=known.school, from_year=ended, to_year=current),
        )
        assert Pupil.objects.filter(school=known.school, left_on=ended.ends_on).count() == 2

    def test_a_roster_import_is_never_served_stale(self, known, office, django_capture_on_commit_callbacks):
        row = {
            "upn": factories.make_upn(951),
            "legal_first_name": "Zara",
            "legal_last_name": "Quill",
            "date_of_birth": "2017-05-01",
            "year_group": "Y4",
            "sen": "Y",
        }
        upload = csv_upload([row])
        roster_import, plan = roster_import_preview(actor=office, school=known.school, uploaded_file=upload)
        assert plan.errors == [], plan.errors
        self.assert_never_stale(
            known,
            django_capture_on_commit_callbacks,
            lambda: roster_import_apply(actor=office, roster_import=roster_import, mark_absent_as_left=False),
        )
        assert Pupil.objects.filter(school=known.school, legal_first_name="Zara").exists()

    def test_a_pupil_moving_school_is_never_served_stale_in_either(
        self, known, trust, django_capture_on_commit_callbacks
    ):
        istanbul = add_school(trust, "istanbul")
        precount.rebuild_all()
        filters = default_filters(known.school)
        before = cold_school(known.school, filters, True, True)
        with django_capture_on_commit_callbacks(execute=True):
            known.ben.school = istanbul
            known.ben.save()
        for school in (known.school, istanbul):
            assert snapshot_of(school, default_filters(school), precount.WITH_CONCERNS) is None
        after = cold_school(known.school, filters, True, True)
        assert after == live_school(known.school, filters, True, True)
        assert after.on_roll is None and after.cohorts != before.cohorts and after.sanctions != before.sanctions
        schools = [known.school, istanbul]
        live = figures.trust_figures(schools, trust_filters(schools), use_cache=False).counts
        datacache.forget_all()
        assert figures.trust_figures(schools, trust_filters(schools)).counts == live

    def test_a_pupil_saved_in_place_costs_no_look_up(self, known, django_assert_num_queries):
        with django_assert_num_queries(0):
            precount_models._pupil_school_before(Pupil, known.ben, update_fields=frozenset({"left_on"}))
        with django_assert_num_queries(1):
            precount_models._pupil_school_before(Pupil, known.ben)
        assert not hasattr(known.ben, "_precount_moved_from")

    @staticmethod
    def assert_never_stale(k, capture, change):
        precount.rebuild_all()
        filters = default_filters(k.school)
        before = {scope: cold_school(k.school, filters, *scope) for scope in SCOPES}
        with capture(execute=True):
            change()
        for scope in SCOPES:
            key = figures._scope_key(scope[0], scope[0] and scope[1])
            assert snapshot_of(k.school, filters, key) is None  # its version moved
            after = cold_school(k.school, filters, *scope)
            assert after == live_school(k.school, filters, *scope)
            assert after.cohorts != before[scope].cohorts

    def test_a_change_rolled_back_leaves_the_version(self, known):
        from django.db import transaction

        version = precount.current_versions([known.school.pk])[known.school.pk]
        with pytest.raises(RuntimeError), transaction.atomic():
            change_new(known)
            assert precount.current_versions([known.school.pk])[known.school.pk] > version
            raise RuntimeError
        assert precount.current_versions([known.school.pk])[known.school.pk] == version

    def test_each_change_raises_the_version_in_its_own_transaction(self, known):
        version = precount.current_versions([known.school.pk])[known.school.pk]
        change_new(known)
        assert SchoolDataVersion.objects.get(school=known.school, topic=datacache.INCIDENTS).version > version

    def test_a_burst_of_changes_queues_one_rebuild_after_commit(
        self, known, monkeypatch, django_capture_on_commit_callbacks
    ):
        queued = []
        monkeypatch.setattr(
            tasks.precount_rebuild_school, "apply_async", lambda args, countdown: queued.append((args, countdown))
        )
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            change_new(known)
        assert queued == []  # nothing before commit
        for callback in callbacks:
            callback()
        change_new(known)  # outside a transaction: commits at once
        assert queued == [((known.school.pk,), precount.DEBOUNCE)]

    def test_no_rebuild_is_queued_with_eager_celery(self, known, monkeypatch, celery_eager):
        monkeypatch.setattr(tasks.precount_rebuild_school, "apply_async", lambda *a, **k: pytest.fail("queued"))
        change_new(known)


@pytest.mark.django_db
class TestBuilding:
    def test_the_sweep_builds_every_school_then_only_the_due(self, known, trust, django_assert_max_num_queries):
        istanbul = add_school(trust, "istanbul")
        elsewhere = factories.SchoolFactory(slug="elsewhere-school")  # no trust, no term: the last 12 weeks
        assert tasks.precount_sweep() > 0
        built = set(FigureSnapshot.objects.values_list("school_id", flat=True))
        assert built == {known.school.pk, istanbul.pk, elsewhere.pk}
        with django_assert_max_num_queries(3):
            assert tasks.precount_sweep() == 0  # every school current
        change_new(known)
        assert precount.due_schools([known.school, istanbul, elsewhere]) == [known.school]

    def test_what_a_school_keeps(self, known, trust):
        requests = precount.standard_requests(known.school, trust_schools=[known.school])
        term = (datetime.date(2026, 9, 2), datetime.date(2026, 12, 18))
        last_year_so_far = (datetime.date(2025, 9, 2), datetime.date(2025, 11, 20))  # cut to the same point
        for scope in precount.SCOPES:
            assert (scope, *term) in requests
            assert (scope, *last_year_so_far) in requests

    def test_snapshots_of_earlier_days_are_deleted(self, known):
        precount.rebuild_all()
        FigureSnapshot.objects.update(counted_on=datetime.date(2026, 11, 1))
        n = FigureSnapshot.objects.count()
        precount.rebuild_all()
        assert FigureSnapshot.objects.count() == n
        assert not FigureSnapshot.objects.filter(counted_on=datetime.date(2026, 11, 1)).exists()

    def test_a_task_for_a_school_since_gone_does_nothing(self, db):
        assert tasks.precount_rebuild_school(987654) == 0


@pytest.mark.django_db
class TestColdReadCost:
    @pytest.mark.parametrize("incidents", [3, 30])
    def test_a_school_dashboard_reads_one_row(self, trust, incidents, django_assert_num_queries, monkeypatch):
        school = add_school(trust, "bursa", incidents=incidents)
        monkeypatch.setattr(type(school), "today", lambda self, now=None: datetime.date(2026, 11, 20))
        precount.rebuild_all()
        filters = default_filters(school)
        datacache.forget_all()
        with django_assert_num_queries(1):
            counts = figures.school_figures(school, filters, include_safeguarding=True, concerns_named=True).counts
        assert counts.groups[(school.pk, "total")] == incidents
        datacache.forget_all()
        with django_assert_num_queries(1):
            figures.comparison_counts(
                school, previous_period(filters)[0], include_safeguarding=False, concerns_named=False
            )

    @pytest.mark.parametrize("n_schools", [1, 3])
    def test_the_trust_comparison_reads_one_row_per_school_in_one_query(
        self, trust, n_schools, django_assert_num_queries, monkeypatch
    ):
        schools = [add_school(trust, f"school-{n}", incidents=3 + 10 * n) for n in range(n_schools)]
        monkeypatch.setattr(type(schools[0]), "today", lambda self, now=None: datetime.date(2026, 11, 20))
        precount.rebuild_all()
        filters = trust_filters(schools)
        datacache.forget_all()
        with django_assert_num_queries(1):
            counts = figures.trust_figures(schools, filters).counts
        assert sum(counts.groups[(school.pk, "total")] for school in schools) == sum(
            3 + 10 * n for n in range(n_schools)
        )


@pytest.mark.django_db
class TestFilteredRequests:
    @pytest.mark.parametrize(
        "changes",
        [{"year_group": "Y3"}, {"characteristics": ("sen",)}, {"group": "bullying"}, {"level": 3}, {"recorder_id": 1}],
    )
    def test_a_filtered_request_never_reads_snapshots(self, known, trust, monkeypatch, changes):
        precount.rebuild_all()
        filters = dataclasses.replace(default_filters(known.school), **changes)
        monkeypatch.setattr(precount, "read", lambda *args, **kwargs: pytest.fail("read a snapshot"))
        datacache.forget_all()
        figures.school_figures(known.school, filters, include_safeguarding=True, concerns_named=True)
        figures.comparison_counts(known.school, filters, include_safeguarding=True, concerns_named=True)
        figures.trust_figures([known.school], filters)

    def test_an_export_counts_live(self, known, monkeypatch):
        precount.rebuild_all()
        monkeypatch.setattr(precount, "read", lambda *args, **kwargs: pytest.fail("read a snapshot"))
        filters = default_filters(known.school)
        figures.school_figures(known.school, filters, include_safeguarding=True, concerns_named=True, use_cache=False)
