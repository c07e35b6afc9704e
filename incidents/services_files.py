"""Files attached to an incident: evidence such as a screenshot of cyber-bullying, a photo of damage, a letter.

The type is decided by the file's content, never by its name (a program renamed ``.png`` is refused); files are at
most 10 MB, stored privately under a random name with their SHA-256 and original name, and served only through a
permission check (issue 6, "Recording": "type checked by content, size-limited, stored privately").
"""

import os
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from aup.evidence import file_sha256
from aup.services_library import EXTENSIONS, FileKind, check_upload
from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import Attachment

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_KINDS = (FileKind.PDF, FileKind.PNG, FileKind.JPEG, FileKind.DOCX)
MAX_NAME_LENGTH = 255


def attachment_check(uploaded):
    """Check an uploaded file before anything is saved; return ``(data bytes, MIME type)``.

    Args:
        uploaded: a Django ``UploadedFile``.
    Raises ``DomainError`` (code ``too_large`` or ``file_type``) naming the file and what is accepted: PDF, PNG,
    JPEG or Word (.docx), judged by content, at most 10 MB.
    """
    try:
        return check_upload(uploaded, allowed=ALLOWED_KINDS, max_bytes=MAX_ATTACHMENT_BYTES)
    except DomainError as error:
        raise DomainError(f"{_clean_name(uploaded.name)}: {error.message}", code=error.code) from error


def can_attach(user, incident):
    """Whether ``user`` may attach a file to ``incident`` (``permissions.can_attach_to_incident``)."""
    return permissions.can_attach_to_incident(user, incident)


def _clean_name(name):
    name = os.path.basename((name or "").replace("\\", "/")).strip() or _("attachment")
    return "".join(ch for ch in name if ch.isprintable())[:MAX_NAME_LENGTH]


def attachment_add(*, actor, incident, uploaded):
    """Attach ``uploaded`` (a Django ``UploadedFile``) to ``incident``. Returns the ``Attachment``.

    The content is checked (``attachment_check``), stored privately as ``incidents/<year>/<random>.<ext>`` with its
    SHA-256, size, detected MIME type and the original file name; an audit event records the addition (never the
    file's name, which may carry a pupil's name). Raises ``PermissionError`` (``can_attach``), ``DomainError`` for a
    voided incident or a refused file.
    """
    if not can_attach(actor, incident):
        raise PermissionError("actor may not attach files to this incident")
    if incident.is_void:
        raise DomainError(_("This incident was voided; it cannot be changed."), code="void")
    data, kind = attachment_check(uploaded)
    digest = file_sha256(data)
    with transaction.atomic():
        attachment = Attachment(
            incident=incident,
            name=_clean_name(uploaded.name),
            content_type=kind,
            size=len(data),
            sha256=digest,
            uploaded_by=actor,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[kind]}", ContentFile(data), save=False)
        attachment.save()
        audit_log(
            actor=actor,
            action="incidents.attachment.added",
            school=incident.school,
            subject=incident,
            data={"attachment": str(attachment.public_id), "content_type": kind, "size": len(data), "sha256": digest},
        )
    return attachment
