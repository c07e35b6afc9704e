"""Forms of the roster import: the upload (size and type checked here) and the confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .roster import MAX_UPLOAD_BYTES


class RosterUploadForm(forms.Form):
    """The CSV exported from the MIS. Only the file's size and kind are checked here; its rows are checked by
    ``roster.roster_import_preview``."""

    file = forms.FileField(
        label=_("Roster file (CSV)"),
        help_text=_("Comma- or semicolon-separated, UTF-8 or Excel's own encoding, at most 5 MB and 20,000 pupils."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB."), params={"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if uploaded.name.lower().endswith((".xlsx", ".xls", ".xlsm", ".ods")):
            raise forms.ValidationError(
                _("This is a spreadsheet workbook. Save it as CSV (comma or semicolon separated) and upload that.")
            )
        return uploaded


class RosterConfirmForm(forms.Form):
    """Apply a previewed import. Leaving pupils are marked only when the office ticks the box (default: not)."""

    import_id = forms.UUIDField(widget=forms.HiddenInput)
    mark_absent_as_left = forms.BooleanField(
        label=_("Mark the pupils listed above as left today"),
        required=False,
        help_text=_("Leave unticked if your file lists only some of your pupils. Pupils are never deleted."),
    )
