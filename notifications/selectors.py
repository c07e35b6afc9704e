"""Reads of notification preferences."""

from .models import Delivery, NotificationPreference


def delivery_for(user):
    """How alerts and action reminders reach ``user`` (a ``Delivery`` value; ``IMMEDIATE`` without a row). One
    query."""
    delivery = NotificationPreference.objects.filter(user=user).values_list("delivery", flat=True).first()
    return delivery or Delivery.IMMEDIATE


def digest_recipient_ids():
    """Ids (set of int) of the active people with an e-mail address who chose the daily digest. One query."""
    return set(
        NotificationPreference.objects.filter(delivery=Delivery.DIGEST, user__is_active=True)
        .exclude(user__email="")
        .values_list("user_id", flat=True)
    )
