"""Reads of notification preferences."""

from .models import Delivery, NotificationPreference


def delivery_for(user):
    """How alerts and action reminders reach ``user`` (a ``Delivery`` value; ``IMMEDIATE`` without a row). One
    query."""
    delivery = NotificationPreference.objects.filter(user=user).values_list("delivery", flat=True).first()
    return delivery or Delivery.IMMEDIATE
