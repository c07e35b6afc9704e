"""Signed links for staff invitations: the public id signed with SECRET_KEY (a salt of their own, so a parent's
invitation link can never be used here or the other way round)."""

from django.core import signing

_SALT = "onboarding.staff_invitation"


def staff_invitation_token(invitation):
    """The token in a staff invitation link (URL-safe text)."""
    return signing.Signer(salt=_SALT).sign(str(invitation.public_id))


def staff_invitation_public_id_from_token(token):
    """The invitation public id (str) in ``token``; raises ``signing.BadSignature`` if it was altered."""
    return signing.Signer(salt=_SALT).unsign(token)
