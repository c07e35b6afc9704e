"""Sending e-mail: one subject, text body and HTML body template per message (``templates/emails/<name>.*``)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_email(name, *, to, context, language=None, attachments=()):
    """Render ``emails/<name>-subject.txt``, ``-body.txt`` and ``-body.html`` and send them through Django's mail.

    Args:
        name: the template stem, e.g. ``"invitation"``.
        to: list of e-mail addresses.
        context: template context; ``site_url`` is added (absolute links in e-mails).
        language: language code to render in (the recipient's); defaults to the active language.
        attachments: ``(filename, bytes, mimetype)`` tuples, e.g. a PDF copy.

    Raises whatever the mail backend raises (``smtplib.SMTPException``, ``OSError``), for the caller to retry.
    """
    context = {**context, "site_url": settings.SITE_URL}
    with translation.override(language or translation.get_language()):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    message.attach_alternative(html, "text/html")
    for filename, data, mimetype in attachments:
        message.attach(filename, data, mimetype)
    message.send()
    return message
