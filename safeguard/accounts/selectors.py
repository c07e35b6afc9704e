"""Reads about accounts."""

from safeguard.directory.models import Guardian, StaffRole


def user_language(user):
    """The language code to show ``user`` pages in: their own choice, else the default language of the first
    school where they hold a role or are a parent; "" when neither says (then the browser's language is used)."""
    if user.language:
        return user.language
    role = StaffRole.objects.current().filter(user=user).select_related("school").order_by("pk").first()
    if role is not None:
        return role.school.default_language
    guardian = Guardian.objects.filter(user=user).select_related("school").order_by("pk").first()
    if guardian is not None:
        return guardian.preferred_language or guardian.school.default_language
    return ""
