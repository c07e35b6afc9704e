"""Forms for naming and image rules: a school's band, and a parent's stricter choice for their child."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.directory.models import YearGroup

from .models import ImageLevel, NamingLevel


class NamingRuleForm(forms.Form):
    year_from = forms.ModelChoiceField(label=_("From year group"), queryset=YearGroup.objects.none())
    year_to = forms.ModelChoiceField(label=_("To year group"), queryset=YearGroup.objects.none())
    naming = forms.ChoiceField(label=_("Names with images"), choices=NamingLevel.choices, widget=forms.RadioSelect)
    images = forms.ChoiceField(label=_("Images"), choices=ImageLevel.choices, widget=forms.RadioSelect)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        year_groups = YearGroup.objects.filter(school=school).order_by("order", "name")
        self.fields["year_from"].queryset = year_groups
        self.fields["year_to"].queryset = year_groups

    def clean(self):
        data = super().clean()
        first, last = data.get("year_from"), data.get("year_to")
        if first and last and first.order > last.order:
            self.add_error("year_to", _("The last year group must not come before the first."))
        return data


class NamingChoiceForm(forms.Form):
    naming = forms.ChoiceField(
        label=_("Your child's name with images"), choices=NamingLevel.choices, widget=forms.RadioSelect
    )
    images = forms.ChoiceField(label=_("Images of your child"), choices=ImageLevel.choices, widget=forms.RadioSelect)
