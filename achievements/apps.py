from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AchievementsConfig(AppConfig):
    """Positive behaviour: praise and achievement points recorded as quickly as incidents, shown beside them
    (issue 16 item 6)."""

    name = "achievements"
    verbose_name = _("Positive behaviour")
