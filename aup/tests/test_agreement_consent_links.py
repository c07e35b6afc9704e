"""A parent agreement's permission statements can feed named consent answers (issue 13 item 10): a statement linked
to a photo consent question in the agreement editor; a parent who signs answers that question yes, recorded like any
consent answer (same rules, same history)."""

import pytest
from django.urls import reverse

from aup import services
from aup.evidence import agreement_content, content_sha256
from aup.models import Agreement, Audience, PolicyVersion, Signature
from aup.tests.factories import AgreementFactory, PolicyVersionFactory
from consent.models import ConsentResponse
from consent.selectors import effective_answers
from consent.tests.factories import published_form

pytestmark = pytest.mark.django_db

STATEMENTS = [
    "I have read the policy with my child.",
    "I give permission for my child's photograph to appear on the school website.",
]


@pytest.fixture
def consent_form(school):
    return published_form(school)


@pytest.fixture
def draft(school):
    return PolicyVersionFactory(policy__school=school, status=PolicyVersion.Status.DRAFT)


def _post(client, school, draft, **extra):
    return client.post(
        reverse("aup:agreement_create", args=[school.slug, draft.public_id]),
        {
            "audience": "parent",
            "title": "Parent agreement",
            "statements": "\n".join(STATEMENTS),
            "countersignature": Agreement.Countersignature.NONE,
            "reminder_days": "7",
            **extra,
        },
    )


def test_the_editor_links_a_permission_statement_to_a_consent_question(client, school, office, draft, consent_form):
    client.force_login(office)
    page = client.get(reverse("aup:agreement_create", args=[school.slug, draft.public_id])).content.decode()
    assert "Statement that answers “Images on the school website”" in page
    assert _post(client, school, draft, consent_link_images_website="2").status_code == 302
    agreement = draft.agreements.get()
    assert list(agreement.statements.values_list("order", "consent_purpose_code")) == [(1, ""), (2, "images_website")]
    edit = client.get(reverse("aup:agreement_edit", args=[school.slug, agreement.public_id])).content.decode()
    assert 'name="consent_link_images_website" value="2"' in edit


def test_a_link_needs_an_agreement_a_parent_signs_and_a_real_statement(client, school, office, draft, consent_form):
    client.force_login(office)
    response = _post(client, school, draft, audience="staff", consent_link_images_website="2")
    assert "Only an agreement a parent or carer signs can answer photo consent questions." in response.content.decode()
    response = _post(client, school, draft, consent_link_images_website="5")
    assert "Link a consent question to the number of one of the statements above." in response.content.decode()
    assert not draft.agreements.exists()


def test_a_parent_who_signs_answers_the_linked_question_yes(
    client, school, pupil, parent, guardian_link, consent_form, office
):
    agreement = AgreementFactory(
        version__policy__school=school, audience=Audience.PARENT, title="Parent agreement", statements=STATEMENTS
    )
    agreement.statements.filter(order=2).update(consent_purpose_code="images_website")
    content = agreement_content(agreement)
    assert content["statements"][1]["consent_question"] == "Images on the school website"
    assert "consent_purpose" not in content["statements"][0]  # an unlinked statement hashes as before
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=pupil)

    client.force_login(parent)
    page = client.get(reverse("aup:sign", args=[request.public_id])).content.decode()
    assert "Ticking this also answers yes to the school&#x27;s photo consent question" in page
    services.signature_record(
        request=request,
        party=Signature.Party.PARENT,
        method=Signature.Method.PASSWORD_SESSION,
        typed_name=guardian_link.guardian.full_name,
        statements_confirmed=[1, 2],
        shown_sha256=content_sha256(content),
        signer_user=parent,
        signer_guardian=guardian_link.guardian,
    )

    response = ConsentResponse.objects.get(pupil=pupil)
    assert response.guardian == guardian_link.guardian and not response.answered_by_pupil
    assert response.method == ConsentResponse.Method.PASSWORD_SESSION
    assert {a.purpose.code: a.answer for a in response.answers.all()} == {"images_website": True}
    assert response.content["given_by_signing"]["agreement"] == "Parent agreement"
    _purposes, decisions = effective_answers(school=school, pupils=[pupil])
    assert decisions[pupil.pk]["images_website"].reason == "consented"
    assert decisions[pupil.pk]["images_social_media"].reason == "no_response"  # nothing else is assumed
