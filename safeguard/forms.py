"""Form fields shared by every app: choices of records whose keys are checked before they reach the database.

Why: Django's ``ModelMultipleChoiceField`` asks the database ``pk IN (…)`` with whatever was posted. A number larger
than the key column holds (``pupils=99999999999999999999``) then fails inside the database driver — SQLite raises
``OverflowError: Python int too large to convert to SQLite INTEGER``, Postgres a ``DataError`` for an integer column —
and the user sees a 500 instead of a form error (issue 12, item 11). The fields below reject a key that is not a whole
number within the range of the key column (``connection.ops.integer_field_range``) with the field's own
``invalid_choice`` message, so the form shows "Select a valid choice" as it does for any other unknown record.

Use them exactly like Django's fields::

    from safeguard.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

    pupils = SafeModelMultipleChoiceField(queryset=Pupil.objects.none(), required=False)

Keys that are not integers (UUIDs, codes) are left to Django's own checks.

Also here: ``check_typed_name``, the one rule for "the typed name is the signer's name" (issue 12, item 26), used
by the agreement signing form and the consent answer, change and withdrawal forms.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils.translation import gettext_lazy as _

INTEGER_KEY_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


def key_in_range(queryset, to_field_name, value):
    """Whether ``value`` (a posted string or a number) can be looked up in the key column of ``queryset``.

    ``to_field_name``: the field the choice is keyed on (``None`` for the primary key). For an integer column, True only
    for a whole number within the column's range on the queryset's database; for any other column, always True."""
    meta = queryset.model._meta
    field = meta.get_field(to_field_name) if to_field_name else meta.pk
    internal_type = field.get_internal_type()
    if internal_type not in INTEGER_KEY_TYPES:
        return True
    if isinstance(value, bool):
        return False
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except (TypeError, ValueError):
        return False
    low, high = connections[queryset.db].ops.integer_field_range(internal_type)
    return (low is None or number >= low) and (high is None or number <= high)


class SafeModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose posted key, if out of the key column's range or not a number, gives the field's
    ``invalid_choice`` error instead of reaching the database."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and not isinstance(value, self.queryset.model)
            and not key_in_range(self.queryset, self.to_field_name, value)
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` whose posted keys, if any is out of the key column's range or not a number, give
    the field's ``invalid_choice`` error (naming that value) instead of reaching the database."""

    def _check_values(self, value):
        try:
            values = list(value)
        except TypeError:
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        for key in values:
            if isinstance(key, (list, dict, set, tuple)):
                raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
            if not key_in_range(self.queryset, self.to_field_name, key):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": key}
                )
        return super()._check_values(values)


# Typed names -------------------------------------------------------------------------------------------------------


def normalise_name(name):
    """``name`` for comparison: accents removed (``Şükrü`` → ``sukru``; Turkish dotless ``ı`` → ``i``), case folded,
    anything but letters and digits (hyphens, apostrophes, full stops) read as a space, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", (name or "").replace("ı", "i").replace("İ", "I"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def typed_name_matches(typed, expected_names):
    """Whether ``typed`` (what the signer typed) is one of ``expected_names`` (iterable of str: the signer's full
    name and any preferred form of it), compared by ``normalise_name``. An empty list of names matches nothing."""
    wanted = {normalise_name(name) for name in expected_names if name and name.strip()}
    return normalise_name(typed) in wanted


TYPED_NAME_MISMATCH = _(
    "The name you typed does not match the name the school has for you. Please type your full name (first and last "
    "name) as the school knows it."
)


def check_typed_name(typed, expected_names):
    """Raise ``ValidationError`` (``TYPED_NAME_MISMATCH``, code ``name_mismatch``) unless ``typed`` matches one of
    ``expected_names`` (``typed_name_matches``); ``expected_names`` None means "not checked". Returns ``typed``.

    Why (issue 12 #26): a typed name is part of the signature's evidence; a withdrawal signed "Someone Else" for a
    parent, or an agreement signed with another person's name, is not good evidence of who acted."""
    if expected_names is not None and not typed_name_matches(typed, expected_names):
        raise ValidationError(TYPED_NAME_MISMATCH, code="name_mismatch")
    return typed


def person_names(*, user=None, guardian=None, pupil=None):
    """The names a person may type to sign, as a list of str: a user's full name; a parent's or carer's first and
    last name (also with their title, and their account's full name); a pupil's legal or preferred first name with
    their legal or preferred last name. Any of the three may be given."""
    names = []
    if user is not None and getattr(user, "full_name", ""):
        names.append(user.full_name)
    if guardian is not None:
        names.append(guardian.full_name)
        if guardian.title:
            names.append(f"{guardian.title} {guardian.full_name}")
        if guardian.user_id and guardian.user.full_name:
            names.append(guardian.user.full_name)
    if pupil is not None:
        firsts = {pupil.legal_first_name, pupil.preferred_first_name or pupil.legal_first_name}
        lasts = {pupil.legal_last_name, pupil.preferred_last_name or pupil.legal_last_name}
        names += [f"{first} {last}" for first in firsts for last in lasts]
    return names
