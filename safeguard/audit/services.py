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
