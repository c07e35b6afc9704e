"""Forms of the DSL team's pupil flags and external referrals (issue 16 items 4 and 5). They validate input only;
the rules (who may, dates, the follow-up action) are in ``incidents.services_flags`` and
``incidents.services_referrals``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_incidents import DATE_INPUT, SHORT_TEXT
from .models import PupilFlag, Referral


class PupilFlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Flag"), choices=PupilFlag.Kind.choices)
    starts_on = forms.DateField(label=_("From"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        help_text=_("For example the plan's category or the lead professional. Seen by the DSL team only."),
    )


class PupilFlagEndForm(forms.Form):
    ends_on = forms.DateField(label=_("Ended on"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Why it ended"), required=False, max_length=300)


class ReferralForm(forms.Form):
    agency = forms.ChoiceField(label=_("Referred to"), choices=Referral.Agency.choices)
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE_INPUT)
    reference = forms.CharField(label=_("Their reference"), required=False, max_length=100)
    contact = forms.CharField(label=_("Who took the referral"), required=False, max_length=200)
    summary = forms.CharField(label=_("What was referred"), required=False, widget=SHORT_TEXT)
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("An action for you, due that day, to chase the outcome."),
    )


class ReferralUpdateForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=SHORT_TEXT)
    outcome_on = forms.DateField(label=_("Outcome known on"), required=False, widget=DATE_INPUT)
    follow_up_on = forms.DateField(label=_("New follow-up date"), required=False, widget=DATE_INPUT)
