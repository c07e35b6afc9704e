"""The signing form: statements ticked, full name typed, an optional drawn signature and the hash that was shown.

It validates input only; whether this person may sign, and whether every statement was confirmed, is decided by
``services.signature_record``, whose ``SigningError`` the view adds to this form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.forms import check_typed_name

from .services import MAX_DRAWN_SIGNATURE_BYTES, PNG_DATA_URL_PREFIX

# Base64 grows data by 4/3; the service checks the decoded PNG's size exactly.
MAX_DRAWN_SIGNATURE_CHARS = len(PNG_DATA_URL_PREFIX) + (MAX_DRAWN_SIGNATURE_BYTES * 4) // 3 + 4


def _statement_label(statement):
    """A statement's text; one that also answers a photo consent question says which (issue 13 item 10)."""
    if not statement.get("consent_purpose"):
        return statement["text"]
    note = _("Ticking this also answers yes to the school's photo consent question “%(question)s”.") % {
        "question": statement.get("consent_question") or statement["consent_purpose"]
    }
    return f"{statement['text']} ({note})"


class SigningForm(forms.Form):
    """Fields: ``statements`` (numbers ticked), ``typed_name``, ``drawn_signature`` (PNG data URL or empty),
    ``shown_sha256`` and, where a parent may sign for the pupil, ``on_behalf_of_pupil``.

    Args:
        statements: the shown content's ``statements`` (list of ``{"number", "text"}``).
        expected_names: the names the typed name must match (``safeguard.forms.check_typed_name``), or None.
        seat: the viewer's ``selectors.Seat``; decides whether the "on my child's behalf" tick is offered.
        pupil_page: True on the pupil's page in class (friendlier labels).
    """

    statements = forms.TypedMultipleChoiceField(
        label=_("I agree to each of these statements"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    typed_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        help_text=_("Typing your name here is your signature."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "name",
                "autocapitalize": "words",
                "spellcheck": "false",
                "class": "form-control-lg",
            }
        ),
    )
    drawn_signature = forms.CharField(required=False, max_length=MAX_DRAWN_SIGNATURE_CHARS, widget=forms.HiddenInput)
    shown_sha256 = forms.CharField(max_length=64, min_length=64, widget=forms.HiddenInput)
    on_behalf_of_pupil = forms.BooleanField(label=_("I am signing on my child's behalf"), required=False)

    def __init__(self, *args, statements, seat=None, pupil_page=False, expected_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_names = (
            expected_names  # the signer's names (``selectors.expected_signer_names``); None: unchecked
        )
        self.fields["statements"].choices = [(s["number"], _statement_label(s)) for s in statements]
        if pupil_page:
            self.fields["statements"].label = _("Tick each promise to show you agree")
            self.fields["typed_name"].label = _("Write your first and last name")
            self.fields["typed_name"].help_text = ""
            self.fields["typed_name"].widget.attrs["autocomplete"] = "off"
        if seat is None or not seat.may_sign_for_pupil:
            del self.fields["on_behalf_of_pupil"]
        elif seat.must_sign_for_pupil:
            field = self.fields["on_behalf_of_pupil"]
            field.required = True
            field.help_text = _("You have signed as parent or carer; this signs for your child, who is too young.")
            field.error_messages["required"] = _("Tick this box to sign on your child's behalf.")
        else:
            self.fields["on_behalf_of_pupil"].help_text = _(
                "Only for a child too young to sign in class. You then sign once more, as parent or carer."
            )

    def clean_typed_name(self):
        return check_typed_name(self.cleaned_data["typed_name"].strip(), self.expected_names)

    def show_changed_agreement(self, sha256):
        """After the agreement changed while it was read: carry the new hash and forget the ticks (the new text must
        be read and ticked again); the typed name and drawn signature stay."""
        data = self.data.copy()
        data.setlist("statements", [])
        data["shown_sha256"] = sha256
        self.data = data


class DeclineForm(forms.Form):
    """Declining an agreement (issue 17 item 2): the reason, required, which the school office reads."""

    reason = forms.CharField(
        label=_("Why are you declining?"),
        max_length=2000,
        help_text=_("The school office reads this and may contact you about it."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
