"""The DSL team's photo measure form: the measure, a court order, the reason (DSL team only) and a review date."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PhotoMeasure

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeasureForm(forms.Form):
    """Set or change a pupil's measure. The reason is required and seen by the DSL team only; a review date is
    required so no measure is left unreviewed (photography policy §6)."""

    measure = forms.ChoiceField(label=_("Measure"), choices=PhotoMeasure.Measure.choices, widget=forms.RadioSelect)
    court_order = forms.BooleanField(
        label=_("Subject to a court order"),
        required=False,
        help_text=_("A court order means no photos at all, whatever the measure."),
    )
    reason = forms.CharField(
        label=_("Reason (DSL team only)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Other staff never see this: they see only “No photos” or “Internal use only”."),
    )
    review_on = forms.DateField(label=_("Review on"), widget=DATE_INPUT)

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_review_on(self):
        review_on = self.cleaned_data["review_on"]
        if review_on < self.today:
            raise forms.ValidationError(_("The review date cannot be in the past."))
        return review_on


class PupilSearchForm(forms.Form):
    """Find any pupil on roll to set a measure for (an at-risk pupil need not be looked after)."""

    q = forms.CharField(label=_("Find a pupil"), max_length=100, required=False)
