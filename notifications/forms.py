"""The notification settings form: one choice, the person's own."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class NotificationSettingsForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("How should alerts and action reminders reach you?"),
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how alerts and action reminders reach you.")},
    )
