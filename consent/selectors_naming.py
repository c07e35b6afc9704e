"""Reads for naming and image rules: the rule that applies to each pupil — the school's band for the pupil's year
group (grade), made stricter by a parent's choice — for many pupils in a fixed number of queries."""

import dataclasses

from django.utils.translation import gettext as _

from safeguard.directory.models import Pupil

from .models import IMAGE_RANK, NAMING_RANK, ImageLevel, NamingLevel, NamingRule, PupilNamingChoice


@dataclasses.dataclass(frozen=True)
class PupilNaming:
    """What may be published of one pupil: ``naming`` (a ``NamingLevel`` value) and ``images`` (an ``ImageLevel``
    value); ``by_parent`` is True when a parent's stricter choice decided either of them."""

    naming: str
    images: str
    by_parent: bool = False

    @property
    def naming_label(self):
        return NamingLevel(self.naming).label

    @property
    def images_label(self):
        return ImageLevel(self.images).label

    @property
    def line(self):
        """ "Names: first name only · Images: faces not clearly shown", and who chose it when a parent did."""
        text = _("Names: %(naming)s · Images: %(images)s") % {
            "naming": self.naming_label,
            "images": self.images_label,
        }
        return _("%(rule)s (a parent's choice)") % {"rule": text} if self.by_parent else text


def current_rules(school):
    """The school's current naming rules, by band (a list of ``NamingRule`` with both year groups). One query."""
    return list(
        NamingRule.objects.filter(school=school, ended_at__isnull=True)
        .select_related("year_from", "year_to")
        .order_by("year_from__order", "pk")
    )


def band_of(rules, order):
    """The rule among ``rules`` whose band holds the year group ``order`` (an int, or None), or None."""
    if order is None:
        return None
    return next((r for r in rules if r.year_from.order <= order <= r.year_to.order), None)


def _stricter(level, other, rank):
    return level if rank[level] <= rank[other] else other


def naming_for_pupils(*, school, pupils, rules=None):
    """The naming and image rule that applies to each of ``pupils`` (``Pupil``s of ``school``).

    The school's band for the pupil's year group (by ``YearGroup.order``); a parent's current choice applies where
    it is stricter. A pupil with neither has no entry (``None``): staff are told no rule is set.
    Returns ``{pupil.pk: PupilNaming or None}``. Three queries (rules, year group orders, choices), or two when
    ``rules`` (``current_rules(school)``) are given.
    """
    pupils = list(pupils)
    rules = current_rules(school) if rules is None else rules
    ids = [p.pk for p in pupils]
    orders = dict(Pupil.objects.filter(pk__in=ids, year_group__isnull=False).values_list("pk", "year_group__order"))
    choices = {
        pupil_id: (naming, images)
        for pupil_id, naming, images in PupilNamingChoice.objects.filter(
            pupil_id__in=ids, ended_at__isnull=True
        ).values_list("pupil_id", "naming", "images")
    }
    result = {}
    for pupil in pupils:
        order = orders.get(pupil.pk)
        band = next((r for r in rules if order is not None and r.year_from.order <= order <= r.year_to.order), None)
        choice = choices.get(pupil.pk)
        if band is None and choice is None:
            result[pupil.pk] = None
        elif band is None:
            result[pupil.pk] = PupilNaming(choice[0], choice[1], by_parent=True)
        elif choice is None:
            result[pupil.pk] = PupilNaming(band.naming, band.images)
        else:
            naming = _stricter(choice[0], band.naming, NAMING_RANK)
            images = _stricter(choice[1], band.images, IMAGE_RANK)
            by_parent = NAMING_RANK[naming] < NAMING_RANK[band.naming] or IMAGE_RANK[images] < IMAGE_RANK[band.images]
            result[pupil.pk] = PupilNaming(naming, images, by_parent=by_parent)
    return result


def choice_history(pupil):
    """Every naming choice made for ``pupil``, newest first, with who chose it."""
    return list(pupil.naming_choices.select_related("chosen_by", "guardian").order_by("-created_at", "-pk"))
