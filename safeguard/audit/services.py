"""Writing audit events. Call inside the service's transaction so the event and the change commit together."""

from .models import AuditEvent


def client_ip(request):
    """The client's IP address from a request (``REMOTE_ADDR``; the proxy sets it), or None without a request."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(*, actor, action, school=None, subject=None, data=None, ip_address=None):
    """Append one audit event and return it.

    Args:
        actor: the ``User`` who acted, or None for the system (a task, a command).
        action: dotted name, ``<app>.<noun>.<verb>`` in the past tense, e.g. ``"directory.roster.imported"``.
        school: the ``School`` the event concerns, if any.
        subject: the model instance acted on; recorded as its label and public id (or pk).
        data: a JSON-serialisable dict of details — never a pupil's sensitive information.
        ip_address: the client's IP address, if the action came from a request.
    """
    subject_type = subject_id = ""
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = str(getattr(subject, "public_id", None) or subject.pk)
    return AuditEvent.objects.create(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        action=action,
        school=school,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data or {},
        ip_address=ip_address,
    )


def audit_log_each(*, actor, action, school=None, subjects, ip_address=None):
    """Append one audit event per subject, in one query, and return them — for a page that shows many records at
    once (a list of safeguarding concerns names each pupil in it: one event per pupil).

    Args:
        subjects: ``(subject, data)`` pairs: the model instance (recorded as its label and public id) and its dict of
            details (JSON-serialisable, never a pupil's sensitive information).
        actor, action, school, ip_address: as for ``audit_log``.
    """
    actor = actor if (actor is not None and actor.is_authenticated) else None
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                action=action,
                school=school,
                subject_type=subject._meta.label_lower,
                subject_id=str(getattr(subject, "public_id", None) or subject.pk),
                data=data or {},
                ip_address=ip_address,
            )
            for subject, data in subjects
        ]
    )
