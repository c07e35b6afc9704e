"""factory_boy factories for the incident log. Faker makes every text: no real pupil data anywhere.

``IncidentFactory`` builds an incident directly (no alerts, no audit) — use ``incidents.services.incident_record`` when
a test is about recording. The default categories and behaviour levels exist for every school (loaded by a signal),
so ``category(school, code)`` returns one of them.
"""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from incidents import models
from safeguard.directory.tests.factories import PupilFactory, SchoolFactory, UserFactory

# The default category each group's flag stands for, when a test gives flags but no categories.
DEFAULT_CATEGORY_FOR_FLAG = {
    "is_safeguarding": "other-safeguarding",
    "is_bullying": "bullying",
    "is_prejudice": "racist",
    "is_online_safety": "online-misuse",
    "is_physical_intervention": "physical-intervention",
    "is_behaviour": "low-level-disruption",
}


def category(school, code):
    """The school's category with ``code`` (one of ``incidents.defaults.CATEGORIES``)."""
    return models.IncidentCategory.objects.get(school=school, code=code)


class IncidentFactory(DjangoModelFactory):
    """A behaviour incident (level 2) by default. Pass flags (``is_safeguarding=True, is_behaviour=False``…) and,
    optionally, ``categories=[category or code, …]`` (otherwise one default category per flag set) and
    ``pupils=[pupil or (pupil, role), …]`` (role defaults to subject of concern)."""

    class Meta:
        model = models.Incident
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    recorded_by = factory.SubFactory(UserFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    location = models.Location.CLASSROOM
    description = factory.Faker("paragraph", nb_sentences=2, locale="en_GB")
    is_behaviour = True
    behaviour_level = factory.LazyAttribute(lambda o: 2 if o.is_behaviour else None)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            codes = [code for flag, code in DEFAULT_CATEGORY_FOR_FLAG.items() if getattr(self, flag)]
            extracted = codes
        rows = [category(self.school, item) if isinstance(item, str) else item for item in extracted]
        self.categories.set(rows)

    @factory.post_generation
    def pupils(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for item in extracted:
            pupil, role = item if isinstance(item, tuple) else (item, models.IncidentPupil.Role.SUBJECT)
            models.IncidentPupil.objects.create(incident=self, pupil=pupil, role=role)


def concern(school, **kwargs):
    """A safeguarding concern (no behaviour level)."""
    return IncidentFactory(school=school, is_safeguarding=True, is_behaviour=False, **kwargs)


class IncidentPupilFactory(DjangoModelFactory):
    class Meta:
        model = models.IncidentPupil

    incident = factory.SubFactory(IncidentFactory)
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..incident.school"))
    role = models.IncidentPupil.Role.SUBJECT


class ActionFactory(DjangoModelFactory):
    class Meta:
        model = models.Action

    incident = factory.SubFactory(IncidentFactory)
    kind = models.Action.Kind.INVESTIGATE
    description = factory.Faker("sentence", locale="en_GB")
    assignee = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    created_by = factory.SelfAttribute("incident.recorded_by")


class AlertFactory(DjangoModelFactory):
    class Meta:
        model = models.Alert

    incident = factory.SubFactory(IncidentFactory)
    recipient = factory.SubFactory(UserFactory)
    reason = models.Alert.Reason.CHOSEN
