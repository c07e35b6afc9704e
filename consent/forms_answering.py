"""Forms for answering consent: a parent's answers, a change, and the office's record of a paper or phone answer.

They validate input only: every question yes or no, nothing assumed. Who may answer and what counts is decided by
``consent.services.consent_response_record``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from aup.services_library import FileKind, check_upload
from safeguard.base import DomainError
from safeguard.forms import check_typed_name

from .models import ConsentResponse

YES, NO = "yes", "no"
YES_NO = [(YES, _("Yes")), (NO, _("No"))]
EVERY_QUESTION = _("Please answer every question yes or no")
MAX_SCAN_BYTES = 10 * 1024 * 1024
PUPIL = "pupil"


def _field_name(purpose):
    return f"purpose_{purpose.code}"


class _QuestionsMixin:
    """One required yes/no radio pair per question, with nothing selected unless ``initial`` says so."""

    def _add_questions(self, purposes, initial_answers=None):
        self.purposes = list(purposes)
        for purpose in self.purposes:
            initial = None
            if initial_answers and purpose.code in initial_answers:
                initial = YES if initial_answers[purpose.code] else NO
            self.fields[_field_name(purpose)] = forms.ChoiceField(
                label=purpose.wording,
                choices=YES_NO,
                widget=forms.RadioSelect,
                initial=initial,
                required=False,  # checked in clean(), so one message says what is missing
            )

    def questions(self):
        """``[(purpose, bound field)]`` in the form's order, for the template."""
        return [(purpose, self[_field_name(purpose)]) for purpose in self.purposes]

    def _clean_questions(self, purposes=None):
        missing = False
        for purpose in purposes if purposes is not None else self.purposes:
            if self.cleaned_data.get(_field_name(purpose)) not in (YES, NO):
                self.add_error(_field_name(purpose), EVERY_QUESTION)
                missing = True
        if missing:
            self.add_error(None, EVERY_QUESTION)

    def answers(self, purposes=None):
        """``{purpose code: bool}`` for the answered questions."""
        result = {}
        for purpose in purposes if purposes is not None else self.purposes:
            value = self.cleaned_data.get(_field_name(purpose))
            if value in (YES, NO):
                result[purpose.code] = value == YES
        return result


class AnswerForm(_QuestionsMixin, forms.Form):
    """A parent's (or pupil's) answers to every question of the form, with their typed name."""

    typed_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        help_text=_("Typing your name here is your signature."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    shown_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, purposes, initial_answers=None, expected_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_names = expected_names
        self._add_questions(purposes, initial_answers)
        self.order_fields([_field_name(p) for p in self.purposes] + ["typed_name", "shown_sha256"])

    def clean_typed_name(self):
        return check_typed_name(self.cleaned_data["typed_name"].strip(), self.expected_names)

    def clean(self):
        data = super().clean()
        self._clean_questions()
        return data


class ChangeForm(_QuestionsMixin, forms.Form):
    """A parent's answers, starting from their current ones; only the answers that differ are sent."""

    typed_name = AnswerForm.base_fields["typed_name"]
    shown_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, purposes, current_answers, expected_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_names = expected_names
        self.current_answers = dict(current_answers)
        self._add_questions(purposes, self.current_answers)

    def clean_typed_name(self):
        return check_typed_name(self.cleaned_data["typed_name"].strip(), self.expected_names)

    def clean(self):
        data = super().clean()
        self._clean_questions()
        return data

    def changed_answers(self):
        """``{code: bool}``: the answers that differ from the current ones (or answer a question for the first
        time)."""
        return {code: value for code, value in self.answers().items() if self.current_answers.get(code) != value}


class WithdrawAllForm(forms.Form):
    """ "Withdraw all consent": every current yes becomes no, signed with the typed name."""

    typed_name = AnswerForm.base_fields["typed_name"]
    shown_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, expected_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_names = expected_names

    def clean_typed_name(self):
        return check_typed_name(self.cleaned_data["typed_name"].strip(), self.expected_names)


class RecordAnswerForm(_QuestionsMixin, forms.Form):
    """The office records answers given on a paper form (with its date and an optional scan) or by telephone
    (with who called). Who took the call is the signed-in member of staff."""

    respondent = forms.ChoiceField(label=_("Who answered"))
    method = forms.ChoiceField(
        label=_("How"),
        choices=[
            (ConsentResponse.Method.PAPER, _("Paper form")),
            (ConsentResponse.Method.PHONE, _("Telephone call")),
        ],
        widget=forms.RadioSelect,
    )
    paper_date = forms.DateField(
        label=_("Date on the paper form"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    scan = forms.FileField(
        label=_("Scan of the paper form (optional)"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )
    phone_caller = forms.CharField(
        label=_("Who called"),
        max_length=200,
        required=False,
        help_text=_("Name and relationship, for example: Mrs Whitfield, mother."),
    )
    typed_name = forms.CharField(
        label=_("Name as written on the form or given on the phone"),
        max_length=200,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    shown_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, purposes, guardian_links, pupil_may_answer, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (str(link.guardian.public_id), f"{link.guardian.full_name} ({link.get_relationship_display()})")
            for link in guardian_links
        ]
        if pupil_may_answer:
            choices.append((PUPIL, _("The pupil")))
        self.fields["respondent"].choices = [("", "---------"), *choices]
        self._add_questions(purposes)
        self.scan_data = None

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if scan:
            try:
                self.scan_data = check_upload(
                    scan, allowed={FileKind.PDF, FileKind.JPEG, FileKind.PNG}, max_bytes=MAX_SCAN_BYTES
                )
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return scan

    def answered_by_pupil(self):
        return self.cleaned_data.get("respondent") == PUPIL

    def purposes_asked(self):
        """The questions this respondent answers: a pupil answers only those the school lets pupils answer."""
        if self.answered_by_pupil():
            return [p for p in self.purposes if p.pupils_may_answer]
        return self.purposes

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method == ConsentResponse.Method.PAPER and not data.get("paper_date"):
            self.add_error("paper_date", _("Please give the date on the paper form."))
        if method == ConsentResponse.Method.PHONE and not (data.get("phone_caller") or "").strip():
            self.add_error("phone_caller", _("Please note who called."))
        if method == ConsentResponse.Method.PHONE and data.get("scan"):
            self.add_error("scan", _("A scan goes with a paper form, not a telephone call."))
        # A written objection (paper or phone) under an opt-out question names only what the parent objects to:
        # opt-out questions may be left unanswered here; silence keeps meaning yes for them.
        self._clean_questions([p for p in self.purposes_asked() if p.if_unanswered != p.IfUnanswered.OPT_OUT])
        return data
