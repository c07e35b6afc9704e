"""Forms for the roster pages (filters only; imports live in roster forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SchoolClass, YearGroup


class PupilFilterForm(forms.Form):
    """Filters on the roster page; choices are narrowed to the school."""

    q = forms.CharField(label=_("Name, UPN or MIS id"), required=False)
    year_group = forms.ModelChoiceField(label=_("Year group"), queryset=YearGroup.objects.none(), required=False)
    school_class = forms.ModelChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False)
    include_left = forms.BooleanField(label=_("Include pupils who have left"), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=school)
        self.fields["school_class"].queryset = SchoolClass.objects.filter(school=school).select_related("academic_year")
