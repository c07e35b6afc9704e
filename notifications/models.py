"""Notification preferences: each member of staff chooses how alerts and action reminders reach them — an e-mail
straight away (one per alert, and the morning list of actions) or one daily digest e-mail with both (issue 16 item
8). Safeguarding alerts stay immediate whatever the choice: a concern's alert to the DSL team is always e-mailed at
once (KCSIE: the DSL acts on a concern without delay).

The e-mails themselves are sent by the feature that raises them (``incidents.tasks``); this app keeps the choice and
the claim of each person's daily digest.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import TimeStampedModel


class Delivery(models.TextChoices):
    """How alerts and action reminders reach a person. ``IMMEDIATE`` is the default (no preference row)."""

    IMMEDIATE = "immediate", _("Straight away: an e-mail for each alert, and my actions each morning")
    DIGEST = "digest", _("Once a day: one e-mail each morning with my alerts and actions")


class NotificationPreference(TimeStampedModel):
    """One person's choice of delivery. Created the first time they save the settings page and changed there only
    (by themselves); a person without a row gets ``Delivery.IMMEDIATE``, the behaviour before the choice existed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_preference"
    )
    delivery = models.CharField(
        _("how alerts and action reminders reach me"),
        max_length=20,
        choices=Delivery.choices,
        default=Delivery.IMMEDIATE,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user} — {self.get_delivery_display()}"


class DigestSent(TimeStampedModel):
    """The claim of one person's daily digest e-mail: one row per person per day, created before sending, so the
    daily sweep run twice or redelivered sends one e-mail. ``alerts``/``actions``: how many it listed. Removed again
    only when the mail server refused the e-mail (the retry sends it)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    alerts = models.PositiveIntegerField(default=0)
    actions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily digest sent")
        verbose_name_plural = _("daily digests sent")
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="notifications_digestsent_once")]
