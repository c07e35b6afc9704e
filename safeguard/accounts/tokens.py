"""Signed invitation links: the invitation's public id, signed with SECRET_KEY (django.core.signing).

The signature carries no timestamp: the invitation row says when it expires (``expires_at``), so the same
invitation always gives the same, shorter link.
"""

from django.core import signing

_SALT = "safeguard.accounts.invitation"


def invitation_token(invitation):
    """The token that goes in an invitation link (URL-safe text: the public id, a colon and the signature)."""
    return signing.Signer(salt=_SALT).sign(str(invitation.public_id))


def invitation_public_id_from_token(token):
    """The invitation public id (str) inside ``token``; raises ``signing.BadSignature`` if it was altered."""
    return signing.Signer(salt=_SALT).unsign(token)
