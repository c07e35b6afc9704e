"""Forms for the second factor: the code from an authenticator app, or a recovery code."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .services_otp import normalise_code


class EnrolForm(forms.Form):
    """The six digits the new authenticator app shows, proving it was set up with the right secret."""

    code = forms.CharField(
        label=_("Code from your app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
        help_text=_("Six digits; a new code appears every 30 seconds."),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Type the six digits your app shows."))
        return code


class VerifyForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "size": 12}),
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Type the code."))
        return code
