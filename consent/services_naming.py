"""Naming and image rules (issue 13 item 11): what a school publishes of a pupil's name with an image, and whether
faces may be shown clearly, per band of year groups (grades) — and a parent's choice of a stricter level.

Source: Sigma photography policy — names are not published with images unless separately agreed; first names only
where allowed; one school never shows pupils' faces clearly on social media. A band runs from one year group to
another by ``YearGroup.order``; a school's current bands do not overlap. Nothing is deleted: a rule is ended, a
parent's choice is replaced by a new one, and history keeps both.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import Guardian, YearGroup

from .models import ImageLevel, NamingLevel, NamingRule, PupilNamingChoice


def _check(actor, school):
    if not permissions.can(actor, permissions.MANAGE_CONSENT, school):
        raise PermissionError("actor may not set naming rules in this school")


def _overlapping(school, year_from, year_to, *, exclude=None):
    """The school's current rules whose band shares a year group order with ``year_from``–``year_to``."""
    rules = NamingRule.objects.filter(
        school=school,
        ended_at__isnull=True,
        year_from__order__lte=year_to.order,
        year_to__order__gte=year_from.order,
    ).select_related("year_from", "year_to")
    if exclude is not None:
        rules = rules.exclude(pk=exclude.pk)
    return list(rules)


def naming_rule_save(*, actor, school, year_from, year_to, naming, images, rule=None, now=None):
    """Add a naming rule for the band ``year_from``–``year_to`` (``YearGroup``s of ``school``), or change ``rule``.

    Args:
        naming: a ``NamingLevel`` value; images: an ``ImageLevel`` value.
    Returns the ``NamingRule``. Raises ``PermissionError`` without ``MANAGE_CONSENT`` (office, SLT, headteacher) and
    ``DomainError`` when a year group is another school's, the band runs backwards, or it overlaps a current band
    (code "overlap", the message names the band it overlaps).
    """
    _check(actor, school)
    if naming not in NamingLevel.values or images not in ImageLevel.values:
        raise DomainError(_("Choose a level for names and for images."), code="level")
    if year_from.school_id != school.pk or year_to.school_id != school.pk:
        raise DomainError(_("Choose this school's year groups."), code="year_group")
    if rule is not None and (rule.school_id != school.pk or rule.ended_at is not None):
        raise DomainError(_("This rule is no longer in use."), code="ended")
    if year_from.order > year_to.order:
        raise DomainError(_("The first year group must come before the last."), code="order")
    with transaction.atomic():
        # One school's rules are changed one at a time, so two overlapping bands cannot both pass the check.
        list(YearGroup.objects.select_for_update().filter(school=school).values_list("pk", flat=True))
        clash = _overlapping(school, year_from, year_to, exclude=rule)
        if clash:
            raise DomainError(
                _("This band overlaps the rule for %(band)s. Change or end that rule first.")
                % {"band": f"{clash[0].year_from}–{clash[0].year_to}"},
                code="overlap",
            )
        if rule is None:
            rule = NamingRule(school=school)
        rule.year_from, rule.year_to, rule.naming, rule.images = year_from, year_to, naming, images
        rule.full_clean()
        rule.save()
        audit_log(
            actor=actor,
            action="consent.naming_rule.saved",
            school=school,
            subject=rule,
            data={"from": year_from.code, "to": year_to.code, "naming": naming, "images": images},
        )
    return rule


def naming_rule_end(*, actor, rule, now=None):
    """End ``rule``: its band has no rule from now on (kept, with its history). Ending an ended rule changes
    nothing. Raises ``PermissionError`` without ``MANAGE_CONSENT``."""
    _check(actor, rule.school)
    if rule.ended_at is not None:
        return rule
    with transaction.atomic():
        rule.ended_at = now or timezone.now()
        rule.save(update_fields=["ended_at", "updated_at"])
        audit_log(actor=actor, action="consent.naming_rule.ended", school=rule.school, subject=rule, data={})
    return rule


def pupil_naming_choose(*, actor, pupil, naming, images, now=None):
    """A parent with parental responsibility chooses the naming and image level for their child; the stricter of
    this and the school's band applies, so a parent can only make it stricter. The current choice, if any, is ended
    and a new one made (the same choice again changes nothing). Returns the current ``PupilNamingChoice``.

    Raises ``PermissionError`` unless ``actor`` (a user) has parental responsibility for ``pupil``, and
    ``DomainError`` for an unknown level.
    """
    if not permissions.has_parental_responsibility_for(actor, pupil):
        raise PermissionError("only a parent with parental responsibility chooses for their child")
    if naming not in NamingLevel.values or images not in ImageLevel.values:
        raise DomainError(_("Choose a level for names and for images."), code="level")
    now = now or timezone.now()
    guardian = Guardian.objects.filter(user=actor, school=pupil.school).first()
    with transaction.atomic():
        current = PupilNamingChoice.objects.select_for_update().filter(pupil=pupil, ended_at__isnull=True).first()
        if current is not None and (current.naming, current.images) == (naming, images):
            return current
        if current is not None:
            current.ended_at = now
            current.save(update_fields=["ended_at", "updated_at"])
        choice = PupilNamingChoice.objects.create(
            pupil=pupil, naming=naming, images=images, guardian=guardian, chosen_by=actor
        )
        audit_log(
            actor=actor,
            action="consent.naming_choice.made",
            school=pupil.school,
            subject=pupil,
            data={"naming": naming, "images": images},
        )
    return choice
