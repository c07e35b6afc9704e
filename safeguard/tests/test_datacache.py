"""Cached figures follow their data (``safeguard.datacache``): what a school records is counted at once."""

import concurrent.futures

import pytest
from django.db import connection, transaction

from incidents.models import Incident
from incidents.tests.factories import IncidentFactory
from reports.models import SchoolDataVersion
from safeguard import datacache

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` — the writes inside commit (their on-commit callbacks run: versions are bumped then)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _incident_count(school):
    return datacache.cached(
        ("test-count",),
        lambda: school.incidents.count(),
        topic=datacache.INCIDENTS,
        school_ids=[school.pk],
    )


def test_a_recorded_incident_is_counted_at_once_not_when_the_cache_expires(school, committed):
    IncidentFactory(school=school)
    assert _incident_count(school) == 1

    with committed():
        IncidentFactory(school=school)

    assert _incident_count(school) == 2


def test_another_schools_incident_leaves_a_schools_cached_figures_alone(school, other_school, committed):
    IncidentFactory(school=school)
    assert _incident_count(school) == 1
    before = datacache.versions(datacache.INCIDENTS, [school.pk])

    with committed():
        IncidentFactory(school=other_school)

    assert datacache.versions(datacache.INCIDENTS, [school.pk]) == before
    assert _incident_count(other_school) == 1


def test_a_change_to_a_pupil_changes_every_topics_version(school, pupil, committed):
    before = [datacache.versions(topic, [school.pk]) for topic in datacache.TOPICS]

    pupil.has_sen = not pupil.has_sen
    with committed():
        pupil.save()

    after = [datacache.versions(topic, [school.pk]) for topic in datacache.TOPICS]
    assert all(old != new for old, new in zip(before, after, strict=True))


def test_figures_stored_under_a_lost_version_are_never_served_again(school, other_school):
    IncidentFactory(school=school)
    moved = IncidentFactory(school=other_school)
    assert _incident_count(school) == 1
    # The cache loses the school's version (eviction, restart) while a figure stored under it survives, and the data
    # changes without a signal (a queryset update).
    from django.core.cache import cache

    cache.delete(datacache._version_key(datacache.INCIDENTS, school.pk))
    type(moved).objects.filter(pk=moved.pk).update(school=school)

    assert _incident_count(school) == 2


def _versions(school):
    """The school's figures versions as they stand in the database: ``{topic: int}``."""
    return dict(SchoolDataVersion.objects.filter(school=school).values_list("topic", "version"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections: PostgreSQL's")
def test_a_teachers_incident_is_saved_while_a_bulk_write_of_the_school_is_still_under_way(school, pupil):
    # A roster import or the year's roll-over writes its pupils in one long transaction (``bumps_at_end``). Another
    # person recording an incident at the same school meanwhile is saved at once, not after the import commits: the
    # import has not yet taken the school's figures-version row, which it does only as its writes end.
    def record_an_incident():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '3s'")
                return IncidentFactory(school=school, description="Pushed in the corridor").pk
        finally:
            connection.close()

    before = _versions(school)
    with transaction.atomic(), datacache.bumps_at_end():
        pupil.has_sen = not pupil.has_sen
        pupil.save()  # the import's first pupil: its bump is held back
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            recorded = pool.submit(record_an_incident).result(timeout=30)

    assert Incident.objects.filter(pk=recorded, school=school).exists()
    # Both changes moved the school's figures version: the incident's, then the import's as it ended.
    assert _versions(school)[datacache.INCIDENTS] == before[datacache.INCIDENTS] + 2


@pytest.mark.django_db(transaction=True)
def test_bumps_held_back_are_made_once_per_topic_when_the_block_ends(school, pupil, other_school):
    before, other_before = _versions(school), _versions(other_school)
    with transaction.atomic(), datacache.bumps_at_end():
        for _ in range(3):
            pupil.has_sen = not pupil.has_sen
            pupil.save()
        IncidentFactory(school=other_school)
        assert (_versions(school), _versions(other_school)) == (before, other_before)  # held back

    # Three saves of a pupil (each bumps every topic, held back) move each of the school's versions once.
    after = _versions(school)
    assert datacache.INCIDENTS in after
    assert after == {topic: before.get(topic, 0) + 1 for topic in after}
    assert _versions(other_school)[datacache.INCIDENTS] == other_before.get(datacache.INCIDENTS, 0) + 1


@pytest.mark.django_db(transaction=True)
def test_a_bulk_write_that_fails_half_way_still_marks_what_it_committed_as_changed(school, pupil):
    before = _versions(school)
    # A caller that catches the error and commits what was written before it: the figures must not stay stale.
    with transaction.atomic(), pytest.raises(ValueError), datacache.bumps_at_end():
        pupil.has_sen = not pupil.has_sen
        pupil.save()
        raise ValueError("the tenth row was wrong")

    assert _versions(school)[datacache.INCIDENTS] == before.get(datacache.INCIDENTS, 0) + 1
