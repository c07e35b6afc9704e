"""The GOV.UK error summary (issue 15, item 3): a form sent with mistakes comes back with "There is a problem" at its
top, each error a link to its field, and each field marked invalid and described by its message — on forms drawn
by crispy (the invitation, the policy pages) and on those drawn by hand (the incident form, the consent answers).

Checked on the HTML a browser gets; ``test_error_summary_a11y_browser`` follows a link in Chromium."""

import re

import lxml.html
import pytest
from django.urls import reverse

from aup.tests.factories import PolicyFactory
from consent.tests.factories import published_form
from incidents.tests.factories import category
from safeguard.accounts import services as account_services
from safeguard.accounts.tokens import invitation_token
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db


class Page:
    """A page parsed by lxml, with the look-ups these tests need."""

    def __init__(self, content):
        self.root = lxml.html.fromstring(content)

    def find(self, id):
        found = self.root.xpath("//*[@id=$id]", id=id)
        assert len(found) <= 1, f"{len(found)} elements have the id {id}"
        return found[0] if found else None

    def all(self, xpath):
        return self.root.xpath(xpath)


def text_of(element):
    return " ".join(element.text_content().split())


def summary_of(response):
    """The page, its error summary, and the summary's ``[(link text, target element)]``; fails without a summary."""
    assert response.status_code == 200
    page = Page(response.content)
    summaries = page.all("//*[@data-error-summary]")
    assert summaries, "no error summary on the page"
    summary = summaries[0]
    assert summary.get("role") == "alert" and summary.get("tabindex") == "-1"
    assert text_of(summary.xpath(".//h2")[0]) == "There is a problem"
    links = []
    for link in summary.xpath(".//li/a"):
        target = page.find(link.get("href").removeprefix("#"))
        assert target is not None, f"the summary links to {link.get('href')}, which is not on the page"
        links.append((text_of(link), target))
    return page, summary, links


def described_by(page, element):
    """The text of the elements ``element``'s aria-describedby names (each must exist)."""
    texts = []
    for ident in (element.get("aria-describedby") or "").split():
        described = page.find(ident)
        assert described is not None, f"aria-describedby names {ident}, which is not on the page"
        texts.append(text_of(described))
    return " ".join(texts)


def test_an_invitation_with_mismatched_passwords_lists_the_error_and_marks_the_field(client, office, guardian_link):
    invitation = account_services.invitation_create(actor=office, guardian=guardian_link.guardian)
    url = reverse("accounts:invitation_accept", args=[invitation_token(invitation)])
    response = client.post(url, {"full_name": "", "password1": "plum-orchard-lantern-42", "password2": "other-one"})

    page, _summary, links = summary_of(response)
    texts = [text for text, _target in links]
    assert any("do not match" in text for text in texts), texts
    for _text, target in links:
        assert target.tag in ("input", "select", "textarea")
        assert target.get("aria-invalid") == "true"
        assert described_by(page, target), f"{target.get('id')} is not described by its error"
    mismatch = next(target for text, target in links if "do not match" in text)
    assert "do not match" in described_by(page, mismatch)


def test_a_policy_added_without_a_title_lists_the_missing_fields(client, school, office):
    client.force_login(office)
    response = client.post(reverse("aup:policy_create", args=[school.slug]), {"title": "", "category": "nonsense"})

    page, _summary, links = summary_of(response)
    targets = {target.get("name") for _text, target in links}
    assert {"title", "category"} <= targets
    for _text, target in links:
        assert target.get("aria-invalid") == "true"
    # the page does not ask the browser to check first: the server's summary says what is wrong
    assert page.all("//main//form[@method='post']")[0].get("novalidate") is not None


def test_a_policy_register_edit_with_a_bad_choice_lists_it(client, school, head):
    policy = PolicyFactory(school=school, title="Behaviour Policy")
    client.force_login(head)
    url = reverse("aup:policy_register_edit", args=[school.slug, policy.public_id])
    response = client.post(url, {"approving_body": "the-moon", "review_cycle": "", "review_interval": "99"})
    if response.status_code == 302:
        pytest.fail("the register edit accepted a made-up approving body")

    page, _summary, links = summary_of(response)
    by_name = {target.get("name"): (text, target) for text, target in links}
    assert "approving_body" in by_name
    text, target = by_name["approving_body"]
    assert text and text in described_by(page, target)


def test_a_consent_answer_with_a_missing_question_links_to_that_question(client, school, parent, pupil, guardian_link):
    factories.AcademicYearFactory(school=school)
    published_form(school)
    client.force_login(parent)
    url = reverse("consent:answer", args=[pupil.public_id])
    blank = client.get(url)
    assert blank.status_code == 200
    codes = list(dict.fromkeys(re.findall(r'name="purpose_([a-z_]+)"', blank.text)))  # two radios each
    answers = {f"purpose_{code}": "yes" for code in codes[1:]}  # the first question left unanswered

    response = client.post(url, {**answers, "typed_name": "", "shown_sha256": "0" * 64})

    page, summary, links = summary_of(response)
    assert "Please answer every question yes or no" in text_of(summary)
    first = f"id_purpose_{codes[0]}_0"
    question_link = [(text, target) for text, target in links if target.get("id") == first]
    assert question_link, [target.get("id") for _t, target in links]
    text, radio = question_link[0]
    assert text == text_of(page.find(f"question-{codes[0]}").xpath("./legend")[0])
    assert radio.get("type") == "radio" and radio.get("aria-invalid") == "true"
    # the question (a fieldset of two radios) is invalid and described by its message
    fieldset = page.find(f"question-{codes[0]}")
    assert fieldset.tag == "fieldset" and fieldset.get("aria-invalid") == "true"
    assert "Please answer every question yes or no" in described_by(page, fieldset)
    # an answered question is not marked
    answered = page.find(f"question-{codes[1]}")
    assert answered.get("aria-invalid") is None


def test_an_incident_with_nothing_chosen_lists_every_error_each_linked_to_its_place(client, school, teacher, office):
    category(school, "low-level-disruption")
    client.force_login(teacher)
    response = client.post(
        reverse("incidents:record", args=[school.slug]),
        {"occurred_date": "", "occurred_time": "", "location": "", "description": "", "pupil": [], "categories": []},
    )

    page, summary, links = summary_of(response)
    assert "Nothing has been saved yet" in text_of(summary)
    by_text = {text: target for text, target in links}
    assert page.find("pupils") in by_text.values()  # "Add at least one pupil involved." → the pupils section
    categories = by_text["Choose at least one category."]
    assert categories.get("name") == "categories" and categories.get("type") == "checkbox"
    # each message says what to do, not "This field is required."
    assert by_text["Choose where it happened."].get("id") == "id_location"
    assert by_text["Enter the date it happened."].get("id") == "id_occurred_date"
    assert "This field is required." not in by_text
    description = by_text["Describe what happened."]
    assert description.tag == "textarea" and description.get("aria-invalid") == "true"
    assert "Describe what happened." in described_by(page, description)
    for section in ("pupils", "categories"):
        fieldset = page.find(section)
        assert fieldset.get("aria-invalid") == "true", section
        assert described_by(page, fieldset), section
    # "also alert" is a list of checkboxes now, not a Ctrl-click multi-select
    assert not page.all('//select[@name="alert_users"]')
    assert page.all('//input[@type="checkbox"][@name="alert_users"]')


def test_a_valid_page_has_no_summary(client, school, teacher):
    client.force_login(teacher)
    response = client.get(reverse("incidents:record", args=[school.slug]))
    assert response.status_code == 200
    assert "data-error-summary" not in response.text
