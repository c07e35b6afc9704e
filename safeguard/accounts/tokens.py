"""Signed invitation links: the invitation's public id, signed with SECRET_KEY (django.core.signing)."""

from django.core import signing

_SALT = "safeguard.accounts.invitation"


def invitation_token(invitation):
    """The token that goes in an invitation link (URL-safe text)."""
    return signing.dumps(str(invitation.public_id), salt=_SALT)


def invitation_public_id_from_token(token):
    """The invitation public id (str) inside ``token``; raises ``signing.BadSignature`` if it was altered."""
    return signing.loads(token, salt=_SALT)
