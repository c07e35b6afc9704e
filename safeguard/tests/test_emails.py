"""Plain-text e-mails read as plain text: no HTML entities in the subject or text body (issue 12 item 14)."""

import pytest
from django.core import mail

from safeguard.accounts.services import invitation_create
from safeguard.accounts.tasks import send_invitation
from safeguard.emails import send_templated_email


@pytest.mark.django_db
def test_an_apostrophe_reads_as_an_apostrophe_in_the_subject_and_text_body_and_is_escaped_in_html(
    office, school, guardian_link
):
    school.name = "St Mary's & St John's <Primary>"
    school.save()
    guardian = guardian_link.guardian
    guardian.first_name, guardian.last_name = "Siobhan", "O'Brien"
    guardian.save()
    invitation = invitation_create(actor=office, guardian=guardian)

    send_invitation.run(invitation.pk)

    message = mail.outbox[-1]
    assert message.subject == "St Mary's & St John's <Primary> invites you to Safeguard"
    assert "Dear Siobhan O'Brien," in message.body
    assert "St Mary's & St John's <Primary> uses Safeguard" in message.body
    assert "&#x27;" not in message.subject + message.body and "&amp;" not in message.body
    html = message.alternatives[0][0]
    assert "O&#x27;Brien" in html and "&lt;Primary&gt;" in html, "the HTML body still escapes"


def test_links_in_emails_carry_the_language_they_are_written_in(settings):
    settings.SITE_URL = "https://safeguard.example.org"
    context = {"school": {"name": "Örnek"}, "guardian": {"full_name": "Ayşe"}, "invitation": {}, "path": "/a/b/?x=1"}

    message = send_templated_email("invitation", to=["a@example.test"], context=context, language="tr")

    assert "https://safeguard.example.org/a/b/?x=1&lang=tr" in message.body
    assert 'href="https://safeguard.example.org/a/b/?x=1&amp;lang=tr"' in message.alternatives[0][0]
