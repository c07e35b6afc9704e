from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notification preferences: immediate e-mail or a daily digest for alerts and actions;
    safeguarding alerts stay immediate
    (issue 16 item 8)."""

    name = "notifications"
    verbose_name = _("Notifications")
