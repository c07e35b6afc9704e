"""Template filters and tags of the platform: ``{% load safeguard %}``.

- ``{{ value|percent }}``: a percentage as the page's language writes it ("79%"; Turkish "%79").
- ``{% language_url "tr" %}``: this page's address with ``?lang=tr``, for the language switch of signed-out pages.
"""

from django import template
from django.utils import translation
from django.utils.formats import number_format

from safeguard.middleware import with_language

register = template.Library()

# Languages that write the percent sign before the number (TDK: "%79", "%5,5").
PERCENT_SIGN_FIRST = {"tr"}


def format_percent(value, decimal_places=None):
    """``value`` (a number, or None) as a percentage in the active language: "79%" in English, "%79" in Turkish;
    "" for None. ``decimal_places`` as ``floatformat`` (None: as given)."""
    if value is None or value == "":
        return ""
    number = number_format(value, decimal_places)
    language = (translation.get_language() or "").split("-")[0]
    return f"%{number}" if language in PERCENT_SIGN_FIRST else f"{number}%"


@register.filter
def percent(value, decimal_places=None):
    """``{{ row.percent|percent }}`` or ``{{ share|percent:1 }}``: see ``format_percent``."""
    return format_percent(value, decimal_places)


@register.simple_tag(takes_context=True)
def language_url(context, language):
    """The current page's path and query with ``lang`` set to ``language`` (see ``QueryLanguageMiddleware``)."""
    request = context.get("request")
    if request is None:
        return with_language("/", language)
    return with_language(request.get_full_path(), language)
