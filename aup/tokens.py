"""Signed signing links for parents: they bind one request (so one pupil) to one guardian.

The token carries the time it was made (``django.core.signing`` timestamps it): a request sent with an expiry
(``SignatureRequest.expiry_days``) refuses a link older than that many days, so after a fresh link is e-mailed for an
expired request the old link stays expired (issue 17 item 3).
"""

import datetime

from django.core import signing

_SALT = "aup.signing-link"


def signing_token(request, guardian):
    """URL-safe token naming ``request`` and ``guardian``; altering either part breaks the signature."""
    return signing.dumps({"r": str(request.public_id), "g": str(guardian.public_id)}, salt=_SALT, compress=True)


def parse_signing_token(token, *, max_age_days=None):
    """``(request_public_id, guardian_public_id)`` as strings; raises ``signing.BadSignature`` if altered, and its
    subclass ``signing.SignatureExpired`` if ``max_age_days`` (int days) is given and the token is older."""
    max_age = datetime.timedelta(days=max_age_days) if max_age_days else None
    data = signing.loads(token, salt=_SALT, max_age=max_age)
    return data["r"], data["g"]
