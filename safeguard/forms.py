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
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections

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
