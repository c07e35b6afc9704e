from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _load_defaults_for_new_school(sender, instance, created, raw=False, **kwargs):
    """Every new school starts with the default achievement categories (``achievements.defaults``)."""
    if created and not raw:
        from .defaults import load_defaults

        load_defaults(instance)


class AchievementsConfig(AppConfig):
    """Positive behaviour: praise and achievement points recorded as quickly as incidents, shown beside them
    (issue 16 item 6)."""

    name = "achievements"
    verbose_name = _("Positive behaviour")

    def ready(self):
        from safeguard import panels
        from safeguard.directory.models import School

        from . import panels as achievement_panels

        post_save.connect(_load_defaults_for_new_school, sender=School, dispatch_uid="achievements.defaults")
        panels.register("pupil_detail", achievement_panels.pupil_praise)
        panels.register("school_home", achievement_panels.school_praise)
