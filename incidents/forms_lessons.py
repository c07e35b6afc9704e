"""The form adding a lesson period or a subject to a school's list (issue 16 item 7). Input only; the rules (who may,
no name twice) are in ``incidents.services.lesson_entry_add``."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LessonEntryForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        error_messages={"required": _("Enter a name."), "max_length": _("Use at most 60 characters.")},
    )

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        if kind == "periods":
            self.fields["name"].label = _("New lesson or period")
            self.fields["name"].help_text = _("For example: Period 1, Break, Lunch, After school.")
        else:
            self.fields["name"].label = _("New subject")
            self.fields["name"].help_text = _("For example: Maths, English, PE.")
