"""Writes of notification preferences: a person changes their own choice only."""

from django.db import transaction
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import Delivery, NotificationPreference


def notification_preference_set(*, actor, delivery, ip_address=None):
    """Set how alerts and action reminders reach ``actor`` (a ``User``) — their own choice, never someone else's:
    ``delivery`` is a ``Delivery`` value; ``ip_address``: the client's, from a request. Returns the
    ``NotificationPreference``; saving the same choice again changes nothing and writes no audit event.

    Raises ``DomainError`` for an unknown delivery, or when ``actor`` holds no role as a member of staff
    (``permissions.may_choose_notifications``: parents, governors and trust admins get no alerts or actions)."""
    if not permissions.may_choose_notifications(actor):
        raise DomainError(_("Only members of staff receive alerts and action reminders."), code="not_staff")
    if delivery not in Delivery.values:
        raise DomainError(_("Choose how alerts and action reminders reach you."), code="delivery")
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
        previous = preference.delivery  # a new row holds the default, IMMEDIATE
        if previous == delivery:
            return preference
        preference.delivery = delivery
        preference.save(update_fields=["delivery", "updated_at"])
        audit_log(
            actor=actor,
            action="notifications.preference.changed",
            subject=actor,
            data={"from": previous, "to": delivery},
            ip_address=ip_address,
        )
    return preference
