"""The set-up form for pupils' own accounts (issue 14 item 1): off, from an age, or from a year group."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.directory.models import YearGroup
from safeguard.directory.pupil_accounts import PUPIL_ACCOUNT_AGES, SUGGESTED_AGE
from safeguard.forms import SafeModelChoiceField


class PupilAccountsForm(forms.Form):
    """``basis``: "off", "age" or "year_group"; the chosen one's field is required. Validates input only; the
    service (``onboarding.services.pupil_accounts.pupil_accounts_set``) checks the rules again."""

    OFF, AGE, YEAR_GROUP = "off", "age", "year_group"

    basis = forms.ChoiceField(
        label=_("Do pupils have their own accounts?"),
        choices=[
            (OFF, _("No — pupils sign in class or with a class code (the default)")),
            (AGE, _("Yes, from an age")),
            (YEAR_GROUP, _("Yes, from a year group")),
        ],
        widget=forms.RadioSelect,
    )
    from_age = forms.TypedChoiceField(
        label=_("From age"),
        coerce=int,
        required=False,
        choices=[("", "—")] + [(age, str(age)) for age in PUPIL_ACCOUNT_AGES],
        help_text=_("13 is the age from which a child can consent for themselves to online services."),
    )
    from_year_group = SafeModelChoiceField(
        label=_("From year group"), queryset=YearGroup.objects.none(), required=False
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_year_group"].queryset = YearGroup.objects.filter(school=school).order_by("order", "name")
        self.fields["from_year_group"].help_text = _("This year group and every later one.")
        self.initial.setdefault("from_age", SUGGESTED_AGE)

    def clean(self):
        data = super().clean()
        basis = data.get("basis")
        if basis == self.AGE and data.get("from_age") in (None, ""):
            self.add_error("from_age", _("Choose the age."))
        if basis == self.YEAR_GROUP and data.get("from_year_group") is None:
            self.add_error("from_year_group", _("Choose the year group."))
        return data

    def values(self):
        """``{"from_age": int | None, "from_year_group": YearGroup | None}`` for the service."""
        basis = self.cleaned_data["basis"]
        return {
            "from_age": self.cleaned_data["from_age"] if basis == self.AGE else None,
            "from_year_group": self.cleaned_data["from_year_group"] if basis == self.YEAR_GROUP else None,
        }
