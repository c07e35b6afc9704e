"""Numbers out of range in consent and agreement forms give a form error, never a 500 (issue 12, item 11)."""

import pytest
from django.urls import reverse

from consent.models import PhotoEvent
from consent.tests.factories import published_form
from safeguard.directory.tests import factories

HUGE = "99999999999999999999"  # larger than any database integer
BIGINT_PLUS_ONE = str(2**63)


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    return published_form(school)


def _event_post(client, school, **fields):
    data = {"name": "Trip", "happens_on": "2026-12-03", "purpose_codes": ["images_website"], **fields}
    return client.post(reverse("consent:event_create", args=[school.slug]), data)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["pupils", "school_classes", "year_groups"])
@pytest.mark.parametrize("value", [HUGE, BIGINT_PLUS_ONE, "-" + HUGE, "-5", "1e5", "abc"])
def test_event_form_out_of_range_ids_are_a_form_error(client, version, pupil, office, field, value):
    client.force_login(office)
    response = _event_post(client, pupil.school, **{field: [value]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode() or "is not a valid value" in response.content.decode()
    assert not PhotoEvent.objects.exists()


@pytest.mark.django_db
def test_event_form_still_accepts_real_ids(client, version, pupil, office):
    client.force_login(office)
    response = _event_post(client, pupil.school, pupils=[str(pupil.pk)])
    assert response.status_code == 302 and PhotoEvent.objects.get().pupils.get() == pupil


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["school_class", "year_group"])
def test_consent_grid_filter_out_of_range_is_not_a_500(client, version, pupil, office, param):
    client.force_login(office)
    response = client.get(reverse("consent:class_grid", args=[pupil.school.slug]), {param: HUGE})
    assert response.status_code == 200


@pytest.mark.django_db
def test_do_not_photograph_class_out_of_range_is_not_a_500(client, version, pupil, office):
    client.force_login(office)
    response = client.get(reverse("consent:do_not_photograph", args=[pupil.school.slug]), {"school_class": HUGE})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["school_class", "year_group"])
def test_agreement_coverage_filter_out_of_range_is_not_a_500(client, school, office, pupil, param):
    from aup.tests.factories import pupil_agreement

    factories.AcademicYearFactory(school=school)
    agreement = pupil_agreement(school)
    client.force_login(office)
    url = reverse("aup:coverage", args=[school.slug, agreement.public_id])
    assert client.get(url, {param: HUGE}).status_code == 200
    assert client.get(
        reverse("aup:blank_forms", args=[school.slug, agreement.public_id]), {param: HUGE}
    ).status_code in (
        404,
        400,
    )


@pytest.mark.django_db
def test_policy_register_owner_out_of_range_is_not_a_500(client, school, head):
    client.force_login(head)
    assert client.get(reverse("aup:register", args=[school.slug]), {"owner": HUGE}).status_code == 200
