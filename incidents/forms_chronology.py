"""Forms of the chronology pages: the chronology's filters, recording and confirming a file transfer, adding and
ending a professional, and the online safety log's date range. They validate input only; services apply the rules.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.filter_fields import FastSelect
from safeguard.forms import SafeModelChoiceField

from .models import CategoryGroup, FileTransfer, Professional
from .selectors_chronology import ROLE_CHOICES, EntryKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ChronologyFilterForm(forms.Form):
    """Filter a chronology by kind of entry, category group, the pupil's role and dates. ``show_safeguarding``:
    offer the DSL notes and the safeguarding group (the DSL team only). Drawn on every view of a chronology: the
    view draws the fields with ``safeguard.filter_fields.field_group``, the drop-downs are ``FastSelect``s."""

    kind = forms.ChoiceField(label=_("Show"), required=False, widget=FastSelect)
    group = forms.ChoiceField(label=_("Category group"), required=False, widget=FastSelect)
    role = forms.ChoiceField(
        label=_("Role of the pupil"), required=False, choices=[("", _("Any role")), *ROLE_CHOICES], widget=FastSelect
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, show_safeguarding=False, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(value, label) for value, label in EntryKind.CHOICES if show_safeguarding or value != EntryKind.NOTE]
        self.fields["kind"].choices = [("", _("Everything")), *kinds]
        groups = [(value, label) for value, label in CategoryGroup.choices]
        if not show_safeguarding:
            groups = [(value, label) for value, label in groups if value != CategoryGroup.SAFEGUARDING]
        self.fields["group"].choices = [("", _("Every group")), *groups]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class FileTransferForm(forms.ModelForm):
    """Record the sending of a child protection file to a new school. ``sent_at`` is read in the school's time
    zone (the view activates it)."""

    class Meta:
        model = FileTransfer
        fields = ["destination_school", "destination_dsl", "destination_email", "method", "sent_at"]
        widgets = {"sent_at": DATETIME_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sent_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class TransferConfirmForm(forms.Form):
    """Confirm that the new school received the file: who confirmed, and when (defaults to now)."""

    confirmed_by = forms.CharField(label=_("Confirmed by"), max_length=200)
    confirmed_at = forms.DateTimeField(
        label=_("Confirmed at"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class ProfessionalForm(forms.ModelForm):
    """Add a professional involved with the pupil (social worker, early help worker, police, school nurse…)."""

    class Meta:
        model = Professional
        fields = ["name", "role", "organisation", "phone", "email"]


class ProfessionalEndForm(forms.Form):
    """Say that a professional is no longer involved. ``professionals``: the pupil's current professionals."""

    professional = SafeModelChoiceField(label=_("Professional"), queryset=Professional.objects.none())
    ended_on = forms.DateField(label=_("No longer involved since"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = professionals


class DateRangeForm(forms.Form):
    """A date range (inclusive) for the online safety log."""

    date_from = forms.DateField(label=_("From"), widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
