"""Sending e-mail: one subject, text body and HTML body template per message (``templates/emails/<name>.*``)."""

import functools

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import translation

from safeguard.country_words import context_country, english_variant
from safeguard.middleware import with_language


@functools.cache
def _text_engine():
    """A template engine like the site's, but without HTML escaping: for subjects and plain-text bodies, where
    ``O'Brien`` must read ``O'Brien``, not ``O&#x27;Brien``. Built once from the first ``TEMPLATES`` entry."""
    site = engines["django"]
    return DjangoTemplates(
        {
            "NAME": "safeguard-text-email",
            "DIRS": site.dirs,
            "APP_DIRS": site.app_dirs,
            "OPTIONS": {"autoescape": False, "libraries": site.engine.libraries},
        }
    )


def render_text(template_name, context):
    """Render a plain-text template (a subject or a ``.txt`` body) with no HTML escaping."""
    return _text_engine().get_template(template_name).render(context)


def send_templated_email(name, *, to, context, language=None, attachments=()):
    """Render ``emails/<name>-subject.txt``, ``-body.txt`` and ``-body.html`` and send them through Django's mail.

    Args:
        name: the template stem, e.g. ``"invitation"``.
        to: list of e-mail addresses.
        context: template context; ``site_url`` is added (absolute links in e-mails). A ``path`` (the link the
            e-mail is about) gets ``?lang=<language>`` added, so the page opens in the language the e-mail was
            written in, whatever the recipient's browser prefers (``safeguard.middleware.QueryLanguageMiddleware``).
        language: language code to render in (the recipient's); defaults to the active language. English is
            written as the school of the e-mail writes it (``context["school"]``, or the school of a record in the
            context): American English for a school in the US (``safeguard.country_words``).
        attachments: ``(filename, bytes, mimetype)`` tuples, e.g. a PDF copy.

    The subject and text body are rendered without HTML escaping (they are not HTML); the HTML body escapes.

    Raises whatever the mail backend raises (``smtplib.SMTPException``, ``OSError``), for the caller to retry.
    """
    language = language or translation.get_language()
    country = context_country(context)
    if country:  # English follows the school's country: a US school's e-mails are in American English
        language = english_variant(language, country)
    context = {**context, "site_url": settings.SITE_URL}
    if context.get("path"):
        context["path"] = with_language(context["path"], language)
    with translation.override(language):
        subject = " ".join(render_text(f"emails/{name}-subject.txt", context).split())
        text = render_text(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    message.attach_alternative(html, "text/html")
    for filename, data, mimetype in attachments:
        message.attach(filename, data, mimetype)
    message.send()
    return message
