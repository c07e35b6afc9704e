"""Reads about accounts."""

from safeguard.country_words import english_variant
from safeguard.directory.models import Guardian, Pupil, StaffRole


def _home_school(user):
    """``(school, guardian)``: the first school where ``user`` holds a current role, else the school of their first
    guardian record (with that record), else the school of the pupil whose own account it is; ``(None, None)`` when
    they have none of these."""
    role = StaffRole.objects.current().filter(user=user).select_related("school").order_by("pk").first()
    if role is not None:
        return role.school, None
    guardian = Guardian.objects.filter(user=user).select_related("school").order_by("pk").first()
    if guardian is not None:
        return guardian.school, guardian
    pupil = Pupil.objects.filter(user=user).select_related("school").first()  # a pupil's own account
    if pupil is not None:
        return pupil.school, None
    return None, None


def user_language(user, school=None):
    """The language code to write to ``user`` in — pages, PDFs and e-mails — or "" when nothing says (then the
    browser's language, or the caller's default, is used).

    Args:
        user: a ``User``.
        school: the ``School`` the document or e-mail is about, when there is one (optional).

    The language is the person's own choice, else the default language of their own school (the first where they
    hold a role, else their child's school, where a parent's preferred language comes first). English is then
    written as the school writes it (``safeguard.country_words.english_variant``): ``school`` when given, else the
    person's own school — American English (``en-us``, not in ``LANGUAGES``: activate it, never store it in a
    model field with ``LANGUAGES`` choices) for a school in the United States, British English (``en-gb``)
    elsewhere. Two queries at most.
    """
    language = user.language
    home, guardian = (None, None) if language and school is not None else _home_school(user)
    if not language:
        if guardian is not None:
            language = guardian.preferred_language or home.default_language
        elif home is not None:
            language = home.default_language
        elif school is not None:
            language = school.default_language
    if not language:
        return ""
    place = school if school is not None else home
    return english_variant(language, place.country if place is not None else "")
