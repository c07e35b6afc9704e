"""The front desk's signing form: the visitor's name (their signature), organisation and role, then the agreement's
statements ticked and an optional drawn signature. Input only; ``services_front_desk.visitor_sign_in`` decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_signing import SigningForm
from .models import Audience


class VisitorSigningForm(SigningForm):
    """``SigningForm`` with ``organisation`` and ``role``; the typed name is not checked against any record (a
    visitor has none), and no field is filled in by the browser (the next visitor must not see the last one's)."""

    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_("The company, school or group you are with. If none, type “none”."),
        error_messages={"required": _("Please type the organisation you are with.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "form-control-lg"}),
    )
    role = forms.ChoiceField(
        label=_("I am here as"),
        choices=[(Audience.VISITOR, _("Visitor")), (Audience.VOLUNTEER, _("Volunteer"))],
        initial=Audience.VISITOR,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please say whether you are a visitor or a volunteer.")},
    )

    def __init__(self, *args, statements, **kwargs):
        super().__init__(*args, statements=statements, **kwargs)
        name = self.fields["typed_name"]
        name.error_messages["required"] = _("Please type your full name to sign.")
        name.widget.attrs["autocomplete"] = "off"
