"""The typed name on a signature is the signer's own: a clear form error otherwise, nothing saved (issue 12, item
26). Case, spacing and accents do not matter; a preferred name is accepted."""

import pytest
from django.urls import reverse

from aup import services
from aup.evidence import agreement_content, content_sha256
from aup.models import Signature, SignatureRequest
from aup.tests.factories import pupil_agreement, staff_agreement
from safeguard.directory.tests import factories
from safeguard.forms import normalise_name, typed_name_matches


def _form(agreement, typed_name):
    content = agreement_content(agreement)
    return {
        "statements": [str(s["number"]) for s in content["statements"]],
        "typed_name": typed_name,
        "shown_sha256": content_sha256(content),
        "drawn_signature": "",
    }


def test_names_compare_without_case_spacing_or_accents():
    assert normalise_name("  ŞÜKRÜ   Işık-Öztürk ") == "sukru isik ozturk"
    assert typed_name_matches("jane  WHITFIELD", ["Jane Whitfield"])
    assert typed_name_matches("İpek Yılmaz", ["ipek yilmaz"])
    assert not typed_name_matches("Someone Else", ["Jane Whitfield"])
    assert not typed_name_matches("Jane", ["Jane Whitfield"])


@pytest.mark.django_db
def test_a_teacher_typing_another_name_gets_a_form_error_and_nothing_is_saved(client, school, teacher):
    factories.AcademicYearFactory(school=school)
    agreement = staff_agreement(school)
    request, _ = services.signature_request_open(actor=teacher, agreement=agreement, school=school, user=teacher)
    client.force_login(teacher)
    url = reverse("aup:sign", args=[request.public_id])
    response = client.post(url, _form(agreement, "Someone Else"))
    assert response.status_code == 200
    assert "does not match the name the school has for you" in response.text
    assert not Signature.objects.exists()

    typed = "  " + teacher.full_name.upper().replace(" ", "   ") + " "
    response = client.post(url, _form(agreement, typed))
    assert response.status_code == 302
    assert Signature.objects.get(request=request).typed_name == typed.strip()


@pytest.mark.django_db
def test_a_pupil_in_class_may_type_their_preferred_name(client, school, teacher, pupil):
    factories.AcademicYearFactory(school=school)
    pupil.school_class.teachers.add(teacher)
    pupil.preferred_first_name = "Mara"
    pupil.save(update_fields=["preferred_first_name"])
    agreement = pupil_agreement(school)
    client.force_login(teacher)
    url = reverse("aup:pupil_sign", args=[school.slug, agreement.public_id, pupil.public_id])
    assert client.post(url, _form(agreement, "Not Amara")).status_code == 200
    assert not Signature.objects.exists()
    assert client.post(url, _form(agreement, "mara whitfield")).status_code == 302
    request = SignatureRequest.objects.get(pupil=pupil)
    assert request.signatures.get().typed_name == "mara whitfield"
