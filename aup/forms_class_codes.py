"""Forms for class codes (issue 13 item 8): the school's setting, a teacher opening a code, and the pupil's pages.

They validate input only; whether a code opens, and whose name and date of birth match, is decided by
``services_class_codes``.
"""

import datetime

from django import forms
from django.forms.widgets import SelectDateWidget
from django.utils.translation import gettext_lazy as _

from .services_class_codes import CODE_LENGTH, DEFAULT_MINUTES, MINUTES_CHOICES, SELF_SIGNING_AGES


class SelfSigningForm(forms.Form):
    """``from_age``: an age from 11 to 18, or blank for off."""

    from_age = forms.TypedChoiceField(
        label=_("Pupils sign for themselves from age"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Blank: off — pupils sign in class on your device and parents answer the photo consent form. From 13 a "
            "child can consent for themselves to online services (UK GDPR Art. 8, Data Protection Act 2018 s.9); "
            "a pupil answers the photo consent form only from the form's own age too."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_age"].choices = [("", _("Off")), *((age, str(age)) for age in SELF_SIGNING_AGES)]


class ClassCodeOpenForm(forms.Form):
    """A teacher's choice: the class, the agreement and/or the consent form, and how long the code stays open.

    Args:
        classes: the ``SchoolClass`` queryset the teacher may supervise; agreements: the current pupil agreements
            (list); consent_available: whether the school has a published consent form.
    """

    school_class = forms.ModelChoiceField(label=_("Class"), queryset=None, empty_label=_("Choose…"))
    agreement = forms.TypedChoiceField(label=_("Agreement"), required=False, empty_value=None)
    consent = forms.BooleanField(label=_("The photo consent form"), required=False)
    minutes = forms.TypedChoiceField(label=_("Open for"), coerce=int, initial=DEFAULT_MINUTES)

    def __init__(self, *args, classes, agreements, consent_available, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreements = {str(a.public_id): a for a in agreements}
        self.fields["school_class"].queryset = classes
        self.fields["agreement"].choices = [
            ("", _("No agreement")),
            *((k, a.title) for k, a in self.agreements.items()),
        ]
        self.fields["minutes"].choices = [(m, _("%(minutes)s minutes") % {"minutes": m}) for m in MINUTES_CHOICES]
        if not consent_available:
            del self.fields["consent"]

    def clean_agreement(self):
        value = self.cleaned_data.get("agreement")
        return self.agreements.get(value) if value else None

    def clean(self):
        data = super().clean()
        if not data.get("agreement") and not data.get("consent"):
            raise forms.ValidationError(_("Choose an agreement, the photo consent form, or both."))
        return data


class CodeEntryForm(forms.Form):
    """The code as the pupil types it."""

    code = forms.CharField(
        label=_("Your class code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "class": "form-control-lg class-code-input",
                "maxlength": CODE_LENGTH + 4,
            }
        ),
    )


class PupilIdentifyForm(forms.Form):
    """The pupil picks their own name and confirms their date of birth (day, month, year)."""

    pupil = forms.ChoiceField(label=_("Find your name"), widget=forms.RadioSelect)
    date_of_birth = forms.DateField(label=_("Your date of birth"))

    def __init__(self, *args, pupils, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].choices = [(str(p.public_id), p.display_name) for p in pupils]
        self.fields["pupil"].error_messages["required"] = _("Choose your name.")
        self.fields["pupil"].error_messages["invalid_choice"] = _("Choose your name.")
        years = range(today.year - 10, today.year - 21, -1)
        self.fields["date_of_birth"].widget = SelectDateWidget(
            years=years,
            empty_label=(_("Year"), _("Month"), _("Day")),
            attrs={"class": "form-select form-select-lg"},
        )
        self.fields["date_of_birth"].error_messages["required"] = _("Choose the day, month and year you were born.")
        self.fields["date_of_birth"].error_messages["invalid"] = _("Choose the day, month and year you were born.")

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if not isinstance(value, datetime.date):
            raise forms.ValidationError(_("Choose the day, month and year you were born."))
        return value
