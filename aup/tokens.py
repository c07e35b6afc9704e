"""Signed signing links for parents: they bind one request (so one pupil) to one guardian."""

from django.core import signing

_SALT = "aup.signing-link"


def signing_token(request, guardian):
    """URL-safe token naming ``request`` and ``guardian``; altering either part breaks the signature."""
    return signing.dumps({"r": str(request.public_id), "g": str(guardian.public_id)}, salt=_SALT, compress=True)


def parse_signing_token(token):
    """``(request_public_id, guardian_public_id)`` as strings; raises ``signing.BadSignature`` if altered."""
    data = signing.loads(token, salt=_SALT)
    return data["r"], data["g"]
