"""The typed name on a consent answer, change or withdrawal is the parent's own (issue 12, item 26)."""

import pytest
from django.urls import reverse

from aup.evidence import content_sha256
from consent.models import ConsentResponse
from consent.services import form_content
from consent.tests.factories import published_form
from consent.tests.test_answering import CODES, post_data, record_answers
from safeguard.directory.tests import factories
from safeguard.forms import TYPED_NAME_MISMATCH


@pytest.fixture
def guardian_link(guardian_link):
    guardian = guardian_link.guardian
    guardian.first_name, guardian.last_name = "Şükrü", "Işık"
    guardian.save(update_fields=["first_name", "last_name"])
    return guardian_link


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    return published_form(school)


def _withdraw(client, version, pupil, name):
    data = {"action": "withdraw_all", "withdraw-typed_name": name}
    data["withdraw-shown_sha256"] = content_sha256(form_content(version))
    return client.post(reverse("consent:change", args=[pupil.public_id]), data)


@pytest.mark.django_db
def test_a_withdrawal_signed_with_someone_elses_name_is_refused(client, parent, pupil, version):
    record_answers(version, pupil, parent.guardian_records.get(), dict.fromkeys(CODES, True))
    client.force_login(parent)
    response = _withdraw(client, version, pupil, "Someone Else")
    assert response.status_code == 200
    assert str(TYPED_NAME_MISMATCH).split(".")[0] in response.text.replace("&#x27;", "'")
    assert not ConsentResponse.objects.filter(kind=ConsentResponse.Kind.WITHDRAWAL).exists()


@pytest.mark.django_db
def test_a_withdrawal_with_the_parents_name_in_any_case_spacing_or_accents_is_saved(client, parent, pupil, version):
    record_answers(version, pupil, parent.guardian_records.get(), dict.fromkeys(CODES, True))
    client.force_login(parent)
    response = _withdraw(client, version, pupil, "  sukru   ISIK ")
    assert response.status_code == 302
    assert ConsentResponse.objects.filter(kind=ConsentResponse.Kind.WITHDRAWAL).count() == 1


@pytest.mark.django_db
def test_an_answer_with_another_name_is_refused(client, parent, pupil, version):
    client.force_login(parent)
    url = reverse("consent:answer", args=[pupil.public_id])
    response = client.post(url, post_data(version, dict.fromkeys(CODES, True), name="Someone Else"))
    assert response.status_code == 200 and "does not match the name the school has" in response.text
    assert not ConsentResponse.objects.exists()
    response = client.post(url, post_data(version, dict.fromkeys(CODES, True), name="Şükrü Işık"))
    assert response.status_code == 302 and ConsentResponse.objects.count() == 1
