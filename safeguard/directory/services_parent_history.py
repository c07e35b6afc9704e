"""Writes behind a parent's history (issue 17 item 7): only the audit event of a downloaded consent copy.

The copy is the same PDF the parent was e-mailed when they answered (``consent.documents.response_pdf``), made again
from the response's stored content, so it shows exactly what they were asked and what they answered.
"""

from django.db import transaction

from safeguard import permissions
from safeguard.audit.services import audit_log


def consent_copy_download(*, actor, response, ip_address=None):
    """The PDF copy (bytes) of ``response`` (a ``consent.ConsentResponse``) for ``actor``, its parent or carer; writes
    a ``consent.response.copy_downloaded`` audit event, as a downloaded signed agreement writes
    ``aup.document.downloaded``.

    Raises ``PermissionError`` unless ``permissions.may_download_consent_copy(actor, response)``.
    """
    from consent.documents import response_pdf  # the platform page reads a feature's document (module docstring)

    if not permissions.may_download_consent_copy(actor, response):
        raise PermissionError("actor may not download this consent copy")
    pdf = response_pdf(response=response)
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="consent.response.copy_downloaded",
            school=response.school,
            subject=response,
            ip_address=ip_address,
            data={"kind": response.kind},
        )
    return pdf
