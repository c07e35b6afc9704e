"""The PDF copy of a consent response, e-mailed to the respondent (``consent.tasks.send_consent_copy``)."""

import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from safeguard.country_words import school_language
from safeguard.pdf import render_pdf
from safeguard.sealing import seal_pdf


def response_pdf(*, response):
    """A PDF of one ``ConsentResponse``: the form wording exactly as shown (``response.content``), each answer yes or
    no, who answered, when (UTC) and how, the IP address, the browser (user agent) and the SHA-256 of the wording.

    Questions the response does not answer (a change carries only the answers that changed) are marked as not part
    of it. Rendered in the guardian's language (else the school's). Returns the PDF bytes.
    """
    given = {answer.purpose.code: answer.answer for answer in response.answers.select_related("purpose")}
    content = response.content or {}
    rows = [
        {"label": item.get("label", ""), "wording": item.get("wording", ""), "answer": given.get(item.get("code"))}
        for item in content.get("purposes", [])
    ]
    guardian = response.guardian
    language = school_language(response.school, guardian.preferred_language if guardian else "")
    context = {
        "response": response,
        "school": response.school,
        "pupil": response.pupil,
        "content": content,
        "rows": rows,
        "respondent": guardian.full_name if guardian else response.pupil.display_name,
        "submitted_at": response.submitted_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    with translation.override(language):
        pdf = render_pdf("consent/pdf/response.html", context)
        # Sealed with the installation's certificate where one is configured (safeguard/sealing.py).
        return seal_pdf(
            pdf,
            reason=_("Photo and video consent: %(form)s") % {"form": content.get("form", "")},
            location=response.school.name,
        )
