"""factory_boy factories for the policy library and agreements."""

import datetime

import factory
from factory.django import DjangoModelFactory

from aup import models
from safeguard.directory.tests.factories import SchoolFactory


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = models.Policy

    school = factory.SubFactory(SchoolFactory)
    title = "Online Safety and Acceptable Use Policy"
    category = models.Policy.Category.ONLINE_SAFETY
    approving_body = models.Policy.ApprovingBody.FULL_GOVERNING_BODY
    signing_frequency = models.Policy.SigningFrequency.EVERY_ACADEMIC_YEAR


class PolicyVersionFactory(DjangoModelFactory):
    class Meta:
        model = models.PolicyVersion

    policy = factory.SubFactory(PolicyFactory)
    number = factory.Sequence(lambda n: f"{n + 1}")
    author = "E-safety team"
    status = models.PolicyVersion.Status.APPROVED
    approved_by = "Full governing body"
    approved_on = datetime.date(2026, 9, 10)
    issue_date = datetime.date(2026, 9, 10)
    body_markdown = "# Online safety\n\nOur school keeps pupils safe online."
    body_html = "<h1>Online safety</h1>\n<p>Our school keeps pupils safe online.</p>"


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = models.Agreement
        skip_postgeneration_save = True

    version = factory.SubFactory(PolicyVersionFactory)
    audience = models.Audience.PUPIL
    title = "Pupil acceptable use agreement"
    introduction = "Read each statement and tick it to show you agree."

    @factory.post_generation
    def statements(self, create, extracted, **kwargs):
        texts = (
            extracted
            if extracted is not None
            else [
                "I will only use the internet when a teacher is present.",
                "I will not share my password.",
                "I will tell a teacher if I see something that upsets me.",
            ]
        )
        for number, text in enumerate(texts, start=1):
            models.AgreementStatement.objects.create(agreement=self, order=number, text=text)


def pupil_agreement(school, **kwargs):
    """A pupil AUP on an approved version of ``school``'s online safety policy, countersigned by a parent."""
    return AgreementFactory(
        version__policy__school=school, countersignature=models.Agreement.Countersignature.PARENT, **kwargs
    )


def staff_agreement(school, **kwargs):
    """A staff camera agreement authorised by the headteacher (Sigma photography policy)."""
    return AgreementFactory(
        version__policy__school=school,
        version__policy__title="Photography and Videos at School Policy",
        version__policy__category=models.Policy.Category.DATA_PROTECTION,
        audience=models.Audience.STAFF,
        title="Staff camera agreement",
        countersignature=models.Agreement.Countersignature.HEADTEACHER,
        statements=[
            "I will not use my personal phone or camera to photograph pupils.",
            "I will only store images of pupils on the school's network.",
        ],
        **kwargs,
    )
