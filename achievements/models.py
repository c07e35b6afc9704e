"""Positive behaviour: praise and achievement points recorded as quickly as incidents, shown beside them
(issue 16 item 6).

The Westminster behaviour policy rewards as well as sanctions (§5 "Rewarding good behaviour"): points ("Dojos")
awarded for the school's values, praise, stickers and certificates, postcards, phone calls and texts sharing
positive news with parents and carers, rewards for good and improved attendance. A school records each of these
under one of its ``AchievementCategory`` rows, each worth a default number of points.

Nothing here is deleted: praise recorded in error is withdrawn with a reason (``withdrawn_at``) and kept with its
history; withdrawn praise counts nowhere.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel

MAX_POINTS = 50  # the most points one piece of praise may carry (a certificate is worth a handful, not hundreds)


class AchievementCategory(PublicIdModel):
    """A kind of praise a school records, with the points it is usually worth and a line of guidance.

    Lifecycle: every new school gets the defaults (``achievements.defaults``, loaded by a ``post_save`` on
    ``School``); a school may rename one, change its points or retire it (``is_active`` False) — never delete one
    that praise uses.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="achievement_categories")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    guidance = models.TextField(_("guidance shown while recording"), blank=True)
    default_points = models.PositiveSmallIntegerField(
        _("points"), default=1, validators=[MaxValueValidator(MAX_POINTS)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("achievement category")
        verbose_name_plural = _("achievement categories")
        ordering = ["school", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="achievements_category_code_unique"),
        ]

    def __str__(self):
        return self.name


class AchievementQuerySet(models.QuerySet):
    def for_school(self, school):
        return self.filter(school=school)

    def current(self):
        """Praise that counts: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Achievement(PublicIdModel):
    """Praise for one pupil: a category, its points, an optional note and the day it was given.

    Lifecycle: recorded by a member of staff (``achievements.services.achievement_record``, one row per pupil when
    several are praised together) → possibly withdrawn with a reason (``achievement_withdraw``: kept, with its
    history, counted nowhere). ``points`` is copied from the category when recorded, so renaming or re-pointing a
    category later does not rewrite what a pupil was given.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="achievements")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="achievements")
    category = models.ForeignKey(AchievementCategory, on_delete=models.PROTECT, related_name="achievements")
    points = models.PositiveSmallIntegerField(
        _("points"), validators=[MinValueValidator(0), MaxValueValidator(MAX_POINTS)]
    )
    note = models.TextField(_("what it was for"), blank=True)
    awarded_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="achievements_recorded"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="achievements_withdrawn",
    )
    withdraw_reason = models.TextField(_("why it was withdrawn"), blank=True)
    history = HistoricalRecords()

    objects = AchievementQuerySet.as_manager()

    class Meta:
        verbose_name = _("praise")
        verbose_name_plural = _("praise")
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__lte=MAX_POINTS), name="achievements_achievement_points_at_most_max"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdraw_reason=""),
                name="achievements_achievement_withdrawn_with_reason",
            ),
        ]
        indexes = [
            # The dashboard's counts (school, period) and the pupil's card (pupil, period).
            models.Index(fields=["school", "awarded_on"], name="achievements_school_day"),
            models.Index(fields=["pupil", "awarded_on"], name="achievements_pupil_day"),
        ]

    def __str__(self):
        return f"{self.category} ({self.points})"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None
