"""Forms of the OneRoster and CTF imports: the upload (size and kind checked here) and the confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_UPLOAD_BYTES


class _UploadForm(forms.Form):
    extensions = ()

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB."), params={"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if not uploaded.name.lower().endswith(self.extensions):
            raise forms.ValidationError(
                _("Upload a file ending in %(extensions)s."), params={"extensions": " / ".join(self.extensions)}
            )
        return uploaded


class OneRosterUploadForm(_UploadForm):
    """The OneRoster 1.2 CSV zip; its files are checked by ``services.interop_import_preview``."""

    extensions = (".zip",)
    file = forms.FileField(
        label=_("OneRoster file (zip)"),
        help_text=_("The bulk OneRoster 1.2 CSV zip from your district or student information system, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class CtfUploadForm(_UploadForm):
    """The Common Transfer File (XML) exported from the MIS or downloaded from School to School."""

    extensions = (".xml",)
    file = forms.FileField(
        label=_("Common Transfer File (XML)"),
        help_text=_("The CTF as exported by your MIS or downloaded from School to School, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,text/xml,application/xml"}),
    )


class ImportConfirmForm(forms.Form):
    """Apply a previewed import. Leavers are marked and parents invited only when the office ticks the box."""

    mark_absent_as_left = forms.BooleanField(
        label=_("Mark the pupils listed above as left today"),
        required=False,
        help_text=_("Pupils are never deleted."),
    )
    invite_guardians = forms.BooleanField(
        label=_("E-mail an account invitation to each new parent or carer with parental responsibility"),
        required=False,
    )
