"""Factories for consent: a school's form with the eight Sigma questions, published."""

from django.utils import translation

from consent.models import ConsentForm, ConsentFormVersion, ConsentPurpose
from consent.services import DEFAULT_PURPOSES, purpose_wording_sha256


def published_form(school, *, duration=ConsentFormVersion.Duration.ACADEMIC_YEAR, **version_fields):
    """A published version 1 of ``school``'s photo and video consent form with the eight default questions."""
    form = ConsentForm.objects.create(school=school, title="Photo and video consent")
    version = ConsentFormVersion.objects.create(
        form=form,
        number=1,
        status=ConsentFormVersion.Status.PUBLISHED,
        duration=duration,
        introduction="We would like to use images of your child.",
        organisations="Demo Learning Trust\nLocal paper",
        **version_fields,
    )
    with translation.override(school.default_language):
        for order, (code, media, label, wording) in enumerate(DEFAULT_PURPOSES):
            ConsentPurpose.objects.create(
                version=version,
                code=code,
                media=media,
                label=str(label),
                wording=str(wording),
                order=order,
                wording_sha256=purpose_wording_sha256(label=str(label), wording=str(wording)),
            )
    return version
