"""Helpers for the set-up tests."""

import re

from django.urls import reverse

from onboarding.tokens import staff_invitation_token

NEW_PASSWORD = "plum-orchard-lantern-42"


def accept_form(name="Dana Whitfield", password=NEW_PASSWORD):
    return {"full_name": name, "password1": password, "password2": password}


def invitation_path(invitation):
    return reverse("onboarding:invitation_accept", args=[staff_invitation_token(invitation)])


def path_from(message):
    """The path of the invitation link in an e-mail's text body (without the ``?lang=`` the e-mail adds)."""
    match = re.search(r"https?://[^/\s]+(/staff-invitation/[^\s?]+/)", message.body)
    assert match, message.body
    return match.group(1)
