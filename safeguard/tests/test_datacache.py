"""Cached figures follow their data (``safeguard.datacache``): what a school records is counted at once."""

import pytest

from incidents.tests.factories import IncidentFactory
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
