"""Forms of the policy review round: starting it, drafting the new version, confirming "no changes", submitting,
and the approving body's decision. They validate input only; the rules (who may, in which state) are in
``services_reviews``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_library import DATE_INPUT, PolicyVersionForm
from .services_library import default_resign_by


def _note(label, *, required=False, help_text="", rows=2):
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class ReviewStartForm(forms.Form):
    note = _note(_("Note"), help_text=_("Optional, e.g. “Annual review; KCSIE 2026 changes to check.”"))


class ReviewNoteForm(forms.Form):
    """A step with an optional note: "confirm no changes" and "submit"."""

    note = _note(_("Note"))


class ReviewReturnForm(forms.Form):
    note = _note(
        _("Comments"),
        required=True,
        help_text=_("What the reviewers should change before submitting again."),
        rows=3,
    )


class ReviewApproveForm(forms.Form):
    approved_on = forms.DateField(label=_("Approved on"), widget=DATE_INPUT)
    approved_by = forms.CharField(
        label=_("Approved by"),
        max_length=200,
        required=False,
        help_text=_("As it should read in the history, e.g. Audit and Risk Committee, or Headteacher N. Smith."),
    )
    resign_by = forms.DateField(
        label=_("Sign the new version by"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Until then, a signature of the previous version stays valid. Blank: in 30 days."),
    )
    note = _note(_("Note"))

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_on"].initial = policy.school.today()
        self.fields["approved_by"].initial = policy.approving_body_label()
        self.fields["resign_by"].initial = default_resign_by(policy.school)


class ReviewDraftForm(PolicyVersionForm):
    """The new version written within a review: as a library version, but the summary of changes is required
    (it is what the approving body reads first) and the issue date is set when the version is approved."""

    issue_date = None
    note = _note(_("Note for the review record"), help_text=_("Optional. Leave blank to record the summary."))

    field_order = ["number", "author", "summary_of_changes", "body_markdown", "document", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary_of_changes"].required = True

    @staticmethod
    def suggested_number(current_number, taken=()):
        """The next number after ``current_number`` when it is a whole number ("3" → "4"), skipping numbers in
        ``taken`` (an earlier draft of this review keeps its number); "" when there is no sensible guess."""
        try:
            number = int(str(current_number).strip()) + 1
        except (TypeError, ValueError):
            return ""
        taken = {str(value).strip() for value in taken}
        while str(number) in taken:
            number += 1
        return str(number)
