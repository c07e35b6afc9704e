"""The office's "remind now" (issue 17 item 4): one person, a selection, a class, a year group or everyone who has
not signed, with an optional message. The e-mails go out from ``aup.tasks_chase.send_chase`` after commit; nobody is
reminded twice on the same school day (``ChaseReminderSent``'s unique row per address and day).
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import Pupil
from safeguard.jobs.services import enqueue

from .models import AgreementChase, SignatureRequest

OPEN = (SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED)
MAX_MESSAGE_CHARS = 1000


def chaseable_requests(*, agreement, school, now=None):
    """The requests of ``agreement`` in ``school`` the office may remind now (a queryset): waiting for a signature
    (not signed, declined or cancelled), not expired, and for a pupil still on roll."""
    now = now or timezone.now()
    requests = SignatureRequest.objects.filter(agreement=agreement, school=school, status__in=OPEN).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    on_roll = Pupil.objects.for_school(school).on_roll(school.today(now)).values("pk")
    return requests.filter(Q(pupil__isnull=True) | Q(pupil__in=on_roll))


def chase_send(
    *, actor, agreement, school, scope, request_ids=(), school_class=None, year_group=None, message="", now=None
):
    """Remind the people chosen to sign ``agreement``; return the ``AgreementChase`` (``requests`` holds whom).

    Args:
        actor: office staff, SLT or the headteacher (``MANAGE_AGREEMENTS`` in ``school``).
        scope: an ``AgreementChase.Scope`` value. ``ONE``/``SELECTED``: the requests whose public ids are in
            ``request_ids`` (strings or UUIDs); ``CLASS``: pupils of ``school_class``; ``YEAR_GROUP``: pupils of
            ``year_group``; ``EVERYONE``: every request still waiting.
        message: optional words from the office added to the e-mail (at most 1,000 characters).
    Only requests still waiting and not expired are reminded (``chaseable_requests``); declined ones never are.
    Each address is e-mailed at most once per school day, whatever is pressed. Raises ``PermissionError``;
    ``DomainError`` (code ``nobody``) when nobody chosen is waiting, ``message`` when the message is too long.
    """
    if not permissions.can(actor, permissions.MANAGE_AGREEMENTS, school):
        raise PermissionError("actor may not remind people in this school")
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE_CHARS:
        raise DomainError(_("Please keep the message to 1,000 characters or fewer."), code="message")
    requests = chaseable_requests(agreement=agreement, school=school, now=now)
    Scope = AgreementChase.Scope
    if scope in (Scope.ONE, Scope.SELECTED):
        requests = requests.filter(public_id__in=[str(value) for value in request_ids])
    elif scope == Scope.CLASS:
        requests = requests.filter(pupil__school_class=school_class) if school_class else requests.none()
    elif scope == Scope.YEAR_GROUP:
        requests = requests.filter(pupil__year_group=year_group) if year_group else requests.none()
    elif scope != Scope.EVERYONE:
        raise ValueError(f"unknown scope {scope!r}")
    request_pks = list(requests.values_list("pk", flat=True))
    if not request_pks:
        raise DomainError(_("Nobody you chose is waiting to sign, so no reminder was sent."), code="nobody")
    from .tasks_chase import send_chase

    with transaction.atomic():
        chase = AgreementChase.objects.create(
            school=school, agreement=agreement, scope=scope, message=message, created_by=actor
        )
        chase.requests.set(request_pks)
        audit_log(
            actor=actor,
            action="aup.chase.sent",
            school=school,
            subject=agreement,
            data={
                "chase": str(chase.public_id),
                "scope": scope,
                "requests": len(request_pks),
                "class": school_class.pk if school_class else None,
                "year_group": year_group.pk if year_group else None,
                "message": message,
            },
        )
        chase_id = chase.pk
        enqueue(send_chase, chase_id)
    return chase
