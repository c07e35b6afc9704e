"""Validators for school and pupil identifiers (DfE formats)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# DfE "Unique Pupil Numbers (UPN)" guidance: the check letter alphabet leaves out I, O and S.
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def upn_check_letter(body):
    """Return the check letter for the 12 characters that follow it.

    Args:
        body: the UPN's characters 2–13 (11 digits, then a digit or, for a temporary UPN, a letter).

    The rule (DfE UPN guidance): multiply each character by its position weight (2 for position 2 … 13 for
    position 13), sum, take the remainder on division by 23 and map it to ``UPN_CHECK_LETTERS``. A letter in
    position 13 counts as its index in that alphabet.
    """
    total = 0
    for position, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else UPN_CHECK_LETTERS.index(char)
        total += value * position
    return UPN_CHECK_LETTERS[total % 23]


def validate_upn(value):
    """Raise ``ValidationError`` unless ``value`` is a well-formed UPN with the right check letter.

    A UPN has 13 characters: check letter, 3-digit LA number, 4-digit establishment number, 2-digit year of
    allocation, 2-digit serial and a final digit (or letter for a temporary UPN).
    """
    upn = (value or "").strip().upper()
    if not _UPN_SHAPE.match(upn) or any(c.isalpha() and c not in UPN_CHECK_LETTERS for c in (upn[0], upn[-1])):
        raise ValidationError(
            _("A UPN has 13 characters: a check letter followed by 12 digits (the last may be a letter)."),
            code="upn_format",
        )
    if upn_check_letter(upn[1:]) != upn[0]:
        raise ValidationError(
            _("This UPN's check letter is wrong; please check it was typed correctly."), code="upn_check"
        )


def validate_urn(value):
    """A URN (unique reference number of a school in England) is six digits."""
    if not re.fullmatch(r"\d{6}", value or ""):
        raise ValidationError(_("A URN has exactly six digits."), code="urn_format")


def validate_laestab(value):
    """A LAESTAB is the 3-digit local authority number followed by the 4-digit establishment number."""
    if not re.fullmatch(r"\d{7}", value or ""):
        raise ValidationError(
            _("A LAESTAB has seven digits: 3 for the local authority, 4 for the school."), code="laestab_format"
        )


def validate_time_zone(value):
    """The school's time zone must be an IANA name such as ``Europe/London`` or ``Europe/Istanbul``."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value}, code="time_zone") from exc
