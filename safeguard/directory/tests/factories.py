"""factory_boy factories for the directory. Faker makes every name: no real pupil data anywhere."""

import datetime

import factory
from factory.django import DjangoModelFactory

from safeguard.accounts.models import User
from safeguard.directory import models
from safeguard.directory.validators import upn_check_letter


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Example Learning Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = models.School

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Example Primary School {n}")
    slug = factory.Sequence(lambda n: f"school-{n}")


class AcademicYearFactory(DjangoModelFactory):
    class Meta:
        model = models.AcademicYear
        django_get_or_create = ["school", "starts_on"]

    school = factory.SubFactory(SchoolFactory)
    name = "2026/27"
    starts_on = datetime.date(2026, 9, 1)
    ends_on = datetime.date(2027, 8, 31)


class YearGroupFactory(DjangoModelFactory):
    class Meta:
        model = models.YearGroup

    school = factory.SubFactory(SchoolFactory)
    code = factory.Sequence(lambda n: f"Y{n}")
    name = factory.LazyAttribute(lambda o: f"Year {o.code[1:]}")
    order = factory.Sequence(int)


class SchoolClassFactory(DjangoModelFactory):
    class Meta:
        model = models.SchoolClass

    school = factory.SubFactory(SchoolFactory)
    academic_year = factory.SubFactory(AcademicYearFactory, school=factory.SelfAttribute("..school"))
    year_group = factory.SubFactory(YearGroupFactory, school=factory.SelfAttribute("..school"))
    name = factory.Sequence(lambda n: f"Class {n}")


def make_upn(serial):
    """A well-formed UPN (valid check letter) for fictional LA 999, establishment 2001."""
    body = f"999200126{serial % 1000:03d}"
    return upn_check_letter(body) + body


class PupilFactory(DjangoModelFactory):
    class Meta:
        model = models.Pupil

    school = factory.SubFactory(SchoolFactory)
    legal_first_name = factory.Faker("first_name", locale="en_GB")
    legal_last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(2018, 5, 4)
    upn = factory.Sequence(make_upn)


class GuardianFactory(DjangoModelFactory):
    class Meta:
        model = models.Guardian

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.Sequence(lambda n: f"carer{n}@example.test")


class PupilGuardianFactory(DjangoModelFactory):
    class Meta:
        model = models.PupilGuardian

    pupil = factory.SubFactory(PupilFactory)
    guardian = factory.SubFactory(GuardianFactory, school=factory.SelfAttribute("..pupil.school"))
    relationship = models.PupilGuardian.Relationship.MOTHER
    has_parental_responsibility = True


class StaffRoleFactory(DjangoModelFactory):
    class Meta:
        model = models.StaffRole

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = models.Role.TEACHER


class OrganisationRoleFactory(DjangoModelFactory):
    class Meta:
        model = models.OrganisationRole

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
