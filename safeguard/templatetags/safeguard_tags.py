"""Template filters and tags of the platform: ``{% load safeguard %}``.

- ``{{ value|percent }}``: a percentage as the page's language writes it ("79%"; Turkish "%79").
- ``{% language_url "tr" %}``: this page's address with ``?lang=tr``, for the language switch of signed-out pages.
- ``{% asset "css/safeguard.css" %}``: ``{% static %}``, worked out once per process (every page's stylesheets and
  scripts, in ``base.html``).
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
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


# {% asset %}: the address of each static file, kept for the life of the process (see ``asset``).
_ASSETS = {}


@register.simple_tag
def asset(path):
    """``{% static path %}`` (a str: the static file's address, hashed by the manifest in production), worked out
    once per process: the manifest and ``STATIC_URL`` do not change while it runs, and every page's six stylesheets
    and scripts cost about 0.14 ms of CPU through ``{% static %}`` (issue 18 item 6: a page's fixed cost). Raises as
    ``{% static %}`` does for a file the manifest lacks."""
    address = _ASSETS.get(path)
    if address is None:
        address = _ASSETS[path] = static(path)
    return address


@receiver(setting_changed)
def _forget_assets(setting, **kwargs):
    """Tests that change where static files are served from (``override_settings``) get fresh addresses."""
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_STORAGE"}:
        _ASSETS.clear()
