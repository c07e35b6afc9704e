"""Writing positive behaviour: recording praise for one or several pupils, withdrawing praise given in error.

Each service checks ``safeguard.permissions`` again (commands and tests call them too), validates, writes in one
transaction with its audit events, and raises ``PermissionError`` or ``DomainError`` (a translated message) for the
view to show. Nothing is deleted: withdrawn praise is kept with its history and counted nowhere.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeguard import permissions
from safeguard.audit.services import audit_log, audit_log_each
from safeguard.base import DomainError

from .models import MAX_POINTS, Achievement, AchievementCategory

MAX_PUPILS = 60  # pupils praised in one go: two classes together, never "the whole school" by mistake
MAX_DAYS_BACK = 366  # praise is recorded as it happens; a year back at most (the previous academic year's last day)


def categories_for_school(school):
    """The achievement categories of ``school`` in use, in the school's order (a queryset)."""
    return AchievementCategory.objects.filter(school=school, is_active=True).order_by("order", "name")


def achievement_record(*, actor, school, pupils, category, awarded_on=None, points=None, note="", now=None):
    """Record praise for each of ``pupils`` — one ``Achievement`` per pupil, with one audit event each.

    Args:
        actor: a member of staff of ``school`` (``RECORD_ACHIEVEMENT``).
        school: the ``School``.
        pupils: ``Pupil`` rows of ``school`` on roll on ``awarded_on`` (1 to ``MAX_PUPILS``; repeats are ignored).
        category: an ``AchievementCategory`` of ``school`` in use.
        awarded_on: the school's local date it was given (``datetime.date``); today when None. Not in the future,
            and at most ``MAX_DAYS_BACK`` days back.
        points: the points each pupil gets (0 to ``MAX_POINTS``); the category's default when None.
        note: what it was for (free text, optional; shown to staff who may read the praise, never audited).
        now: the current time (aware datetime), for tests.

    Returns the list of ``Achievement`` rows created, in the order of ``pupils``.

    Raises ``PermissionError`` when ``actor`` may not record praise at ``school``; ``DomainError`` (code
    ``pupils``, ``category``, ``awarded_on`` or ``points``) for input the rules refuse.
    """
    if not permissions.can(actor, permissions.RECORD_ACHIEVEMENT, school):
        raise PermissionError("This person may not record praise at this school.")
    today = school.today(now)
    awarded_on = awarded_on or today
    unique = list(dict.fromkeys(pupils))
    if not unique:
        raise DomainError(_("Choose at least one pupil."), code="pupils")
    if len(unique) > MAX_PUPILS:
        raise DomainError(
            ngettext("Choose at most %(max)s pupil at a time.", "Choose at most %(max)s pupils at a time.", MAX_PUPILS)
            % {"max": MAX_PUPILS},
            code="pupils",
        )
    if any(pupil.school_id != school.pk for pupil in unique):
        raise DomainError(_("Choose pupils of this school."), code="pupils")
    not_on_roll = [pupil.display_name for pupil in unique if not pupil.is_on_roll(awarded_on)]
    if not_on_roll:
        raise DomainError(
            _("%(names)s had left the school by that date.") % {"names": ", ".join(not_on_roll)}, code="pupils"
        )
    if category is None or category.school_id != school.pk or not category.is_active:
        raise DomainError(_("Choose what the praise is for."), code="category")
    if awarded_on > today:
        raise DomainError(_("The date cannot be in the future."), code="awarded_on")
    if awarded_on < today - datetime.timedelta(days=MAX_DAYS_BACK):
        raise DomainError(_("The date must be within the last year."), code="awarded_on")
    points = category.default_points if points is None else points
    if not 0 <= points <= MAX_POINTS:
        raise DomainError(
            _("Points must be between 0 and %(max)s.") % {"max": MAX_POINTS},
            code="points",
        )
    note = (note or "").strip()
    with transaction.atomic():
        created = []
        for pupil in unique:
            achievement = Achievement(
                school=school,
                pupil=pupil,
                category=category,
                points=points,
                note=note,
                awarded_on=awarded_on,
                recorded_by=actor,
            )
            achievement.full_clean()
            achievement.save()
            created.append(achievement)
        audit_log_each(
            actor=actor,
            action="achievements.achievement.recorded",
            school=school,
            subjects=[
                (achievement, {"category": category.code, "points": points, "pupil": str(achievement.pupil.public_id)})
                for achievement in created
            ],
        )
    return created


def achievement_withdraw(*, actor, achievement, reason, now=None):
    """Withdraw praise given in error (the wrong pupil, the wrong category): it is kept with its history and the
    reason, and counted nowhere from now on.

    Args:
        actor: someone ``permissions.can_withdraw_achievement`` allows (the giver, or SLT, the head, the DSL team).
        achievement: the ``Achievement``.
        reason: why (required; kept on the record and in the audit event).
        now: the current time (aware datetime), for tests.

    Returns the ``Achievement``. Raises ``PermissionError``; ``DomainError`` (code ``reason`` or ``withdrawn``).
    A repeat call changes nothing: it raises ``DomainError`` with code ``withdrawn``.
    """
    if not permissions.can_withdraw_achievement(actor, achievement):
        raise PermissionError("This person may not withdraw this praise.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this praise is being withdrawn."), code="reason")
    with transaction.atomic():
        locked = Achievement.objects.select_for_update().get(pk=achievement.pk)
        if locked.withdrawn_at is not None:
            raise DomainError(_("This praise has already been withdrawn."), code="withdrawn")
        achievement.withdrawn_at, achievement.withdrawn_by = now or timezone.now(), actor
        achievement.withdraw_reason = reason
        achievement._change_reason = reason[:100]
        achievement.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason", "updated_at"])
        audit_log(
            actor=actor,
            action="achievements.achievement.withdrawn",
            school=achievement.school,
            subject=achievement,
            data={"reason": reason[:500], "pupil": str(achievement.pupil.public_id)},
        )
    return achievement
