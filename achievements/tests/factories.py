"""factory_boy factories for positive behaviour. Faker makes every note: no real pupil data anywhere.

``AchievementFactory`` builds praise directly (no audit) — use ``achievements.services.achievement_record`` when a test
is about recording. Every school has the default categories (loaded by a signal), so ``category(school, code)``
returns one of them.
"""

import datetime

import factory
from factory.django import DjangoModelFactory

from achievements import models
from safeguard.directory.models import Term
from safeguard.directory.tests.factories import AcademicYearFactory, PupilFactory, UserFactory


def category(school, code="effort"):
    """The school's achievement category with ``code`` (one of ``achievements.defaults.CATEGORIES``)."""
    return models.AchievementCategory.objects.get(school=school, code=code)


def calendar_around_today(school):
    """An academic year and a term of ``school`` containing its today, whatever the date the tests run on:
    ``(year, term)``; the term began 20 days ago, the year 60 days ago."""
    today = school.today()
    year = AcademicYearFactory(
        school=school,
        name="This year",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=300),
    )
    term = Term.objects.create(
        academic_year=year,
        kind=Term.Kind.SPRING,
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=40),
    )
    return year, term


class AchievementFactory(DjangoModelFactory):
    """Praise for a pupil: the school's "effort" category, its points, given today by a new user."""

    class Meta:
        model = models.Achievement

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    category = factory.LazyAttribute(lambda o: category(o.school))
    points = factory.LazyAttribute(lambda o: o.category.default_points)
    note = factory.Faker("sentence", locale="en_GB")
    awarded_on = factory.LazyAttribute(lambda o: o.school.today())
    recorded_by = factory.SubFactory(UserFactory)
