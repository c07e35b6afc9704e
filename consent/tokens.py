"""Signed answer links for parents: each binds one pupil to one guardian, so a link cannot answer for another child
and an altered link is refused."""

from django.core import signing

_SALT = "consent.answer-link"

# A link in a request or reminder e-mail works for a school year's worth of reminders; a new e-mail brings a new one.
MAX_AGE_SECONDS = 200 * 24 * 3600


def answer_token(pupil, guardian):
    """URL-safe token naming ``pupil`` and ``guardian`` (by public id); altering either part breaks the signature."""
    return signing.dumps({"p": str(pupil.public_id), "g": str(guardian.public_id)}, salt=_SALT, compress=True)


def parse_answer_token(token, *, max_age=MAX_AGE_SECONDS):
    """``(pupil_public_id, guardian_public_id)`` as strings.

    Raises ``signing.SignatureExpired`` for a link older than ``max_age`` seconds and ``signing.BadSignature`` (its
    parent class) for an altered one.
    """
    data = signing.loads(token, salt=_SALT, max_age=max_age)
    return data["p"], data["g"]
