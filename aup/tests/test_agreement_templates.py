"""Agreement templates (issue 17 item 6): the office starts an agreement from a shipped template of statements —
pupils (primary and secondary), parents, staff, governors, visitors, camera use — changes what it likes, and saves.
Nothing is saved by choosing a template; the words follow the policy's language as the school's country writes it."""

import pytest
from django.urls import reverse
from django.utils import translation

from aup import agreement_templates, services_library
from aup.agreement_templates import TEMPLATES, agreement_template
from aup.models import Agreement, Audience, PolicyVersion
from aup.tests.factories import AgreementFactory, PolicyVersionFactory
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import School
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db

SEEDS = "/work/shared/seeds"


@pytest.fixture
def draft(school):
    return PolicyVersionFactory(
        policy__school=school, number="1", status=PolicyVersion.Status.DRAFT, approved_by="", approved_on=None
    )


def _create_url(school, draft):
    return reverse("aup:agreement_create", args=[school.slug, draft.public_id])


def test_the_product_ships_a_template_for_every_audience_it_promises():
    keys = {template.key for template in TEMPLATES}
    assert keys == {"pupil_primary", "pupil_secondary", "parent", "staff", "governor", "visitor", "camera"}
    audiences = {template.key: template.audience for template in TEMPLATES}
    assert audiences["pupil_primary"] == audiences["pupil_secondary"] == Audience.PUPIL
    assert audiences["parent"] == Audience.PARENT
    assert audiences["governor"] == Audience.GOVERNOR
    assert audiences["visitor"] == Audience.VISITOR
    # The camera agreement is countersigned by the headteacher (Sigma photography policy, appendix).
    assert agreement_template("camera").countersignature == Agreement.Countersignature.HEADTEACHER
    assert agreement_template("pupil_primary").countersignature == Agreement.Countersignature.PARENT
    for template in TEMPLATES:
        assert len(template.statements) >= 5, template.key
        assert template.countersignature in services_library.COUNTERSIGNATURES_FOR_AUDIENCE[template.audience]


def test_every_word_is_translatable():
    for template in TEMPLATES:
        for text in (template.name, template.description, template.title, template.introduction, *template.statements):
            assert type(text).__name__ == "__proxy__", (
                text
            )  # gettext_lazy, so the catalogue and the school's words apply


def _words(text):
    return [word.strip(".,:;“”\"'()").lower() for word in text.split()]


def test_the_statements_are_our_own_words_not_the_seed_policies():
    """No statement repeats a run of eight words from a seed policy."""
    import pathlib

    seeds = " ".join(_words(" ".join(path.read_text() for path in pathlib.Path(SEEDS).glob("*.txt"))))
    if not seeds:
        pytest.skip("seed policies not available")
    for template in TEMPLATES:
        for statement in (template.introduction, *template.statements):
            words = _words(str(statement))
            for start in range(0, max(len(words) - 7, 0)):
                run = " ".join(words[start : start + 8])
                assert run not in seeds, (template.key, run)


def test_the_office_fills_the_form_from_a_template_and_nothing_is_saved(client, school, office, draft):
    client.force_login(office)
    page = client.get(_create_url(school, draft))
    assert "Start from a template" in page.text
    assert "Staff camera and photography" in page.text

    page = client.get(_create_url(school, draft), {"template": "camera"})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["audience"] == Audience.STAFF
    assert form.initial["countersignature"] == Agreement.Countersignature.HEADTEACHER
    assert form.initial["title"] == "Staff camera and photography agreement"
    assert "I will not take school cameras or memory cards home." in form.initial["statements"].splitlines()
    assert "I will not take school cameras or memory cards home." in page.text
    assert "filled in from the template" in page.text
    assert not draft.agreements.exists()


def test_the_office_edits_before_saving_and_the_audit_names_the_template(client, school, office, draft):
    client.force_login(office)
    initial = client.get(_create_url(school, draft), {"template": "pupil_primary"}).context["form"].initial
    statements = initial["statements"].splitlines()
    statements[0] = "I only use the internet when my teacher is in the room."
    response = client.post(
        _create_url(school, draft),
        {
            "audience": initial["audience"],
            "title": initial["title"],
            "introduction": initial["introduction"],
            "statements": "\n".join(statements[:-1]),  # the office drops the last statement
            "countersignature": initial["countersignature"],
            "parent_may_sign_for_pupil": "on",
            "parent_signs_up_to_year": initial["parent_signs_up_to_year"],
            "reminder_days": "7,14",
            "template": initial["template"],
        },
    )
    assert response.status_code == 302
    agreement = draft.agreements.get()
    assert agreement.audience == Audience.PUPIL
    assert agreement.countersignature == Agreement.Countersignature.PARENT
    assert agreement.parent_may_sign_for_pupil and agreement.parent_signs_up_to_year == 2
    texts = list(agreement.statements.order_by("order").values_list("text", flat=True))
    assert texts[0] == "I only use the internet when my teacher is in the room."
    assert len(texts) == len(agreement_template("pupil_primary").statements) - 1
    event = AuditEvent.objects.get(action="aup.agreement.created")
    assert event.data["template"] == "pupil_primary"


def test_an_agreement_written_afresh_records_no_template(client, school, office, draft):
    client.force_login(office)
    response = client.post(
        _create_url(school, draft),
        {
            "audience": "staff",
            "title": "Staff agreement",
            "statements": "I will lock my screen.",
            "countersignature": "none",
            "reminder_days": "7",
            "template": "not-a-template",
        },
    )
    assert response.status_code == 302
    assert "template" not in AuditEvent.objects.get(action="aup.agreement.created").data


def test_a_template_refills_an_agreement_being_changed(client, school, office, draft):
    agreement = AgreementFactory(version=draft, audience=Audience.GOVERNOR, title="Old governor agreement")
    client.force_login(office)
    url = reverse("aup:agreement_edit", args=[school.slug, agreement.public_id])
    page = client.get(url, {"template": "governor"})
    assert page.context["form"].initial["title"] == "Governor acceptable use agreement"
    assert page.context["form"].initial["reminder_days"] == agreement.reminder_days  # kept from the agreement
    agreement.refresh_from_db()
    assert agreement.title == "Old governor agreement"  # nothing saved by choosing


def test_an_unknown_template_says_so_and_leaves_the_form_as_it_was(client, school, office, draft):
    client.force_login(office)
    page = client.get(_create_url(school, draft), {"template": "nonsense"})
    assert page.status_code == 200
    assert "There is a problem" in page.text
    assert page.context["template"] is None
    assert not page.context["form"].initial


def test_an_approved_version_is_not_refilled(client, school, office, draft):
    agreement = AgreementFactory(version=draft, audience=Audience.STAFF)
    draft.status = PolicyVersion.Status.APPROVED
    draft.save()
    client.force_login(office)
    url = reverse("aup:agreement_edit", args=[school.slug, agreement.public_id])
    assert client.get(url, {"template": "staff"}).status_code == 302


def test_only_who_manages_agreements_may_use_templates(client, school, teacher, draft):
    client.force_login(teacher)
    assert client.get(_create_url(school, draft), {"template": "staff"}).status_code == 404


def test_the_words_follow_the_schools_country(monkeypatch):
    """The template is written in the policy's language, with English as the school's country writes it: the
    language active while the strings are read is ``en-us`` in a US school, ``en-gb`` in England, ``tr`` for a
    Turkish policy."""
    seen = []
    real = agreement_templates.translation.override

    def spy(language, *args, **kwargs):
        seen.append(language)
        return real(language, *args, **kwargs)

    us_school = factories.SchoolFactory(country=School.Country.UNITED_STATES, default_language="en-gb")
    english_school = factories.SchoolFactory(default_language="en-gb")
    monkeypatch.setattr(agreement_templates.translation, "override", spy)
    template = agreement_template("pupil_secondary")
    template.filled(school=us_school, language="en-gb")
    template.filled(school=english_school, language="en-gb")
    template.filled(school=english_school, language="tr")
    assert seen == ["en-us", "en-gb", "tr"]
    monkeypatch.undo()
    with translation.override("en-us"):
        expected = str(template.title)
    assert template.filled(school=us_school, language="en-gb")["title"] == expected


def test_the_policy_page_offers_a_template_for_a_draft(client, school, office, draft):
    client.force_login(office)
    page = client.get(reverse("aup:policy_detail", args=[school.slug, draft.policy.public_id]))
    assert f'href="{_create_url(school, draft)}#choose_template"' in page.content.decode()
