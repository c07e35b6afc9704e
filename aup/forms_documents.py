"""Forms of the document pages: the public verification upload."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_VERIFY_UPLOAD_BYTES = 20 * 1024 * 1024


class VerifyForm(forms.Form):
    """A PDF to check against the stored signed documents (at most 20 MB)."""

    document = forms.FileField(
        label=_("Signed PDF"),
        help_text=_("The PDF exactly as you received it (at most 20 MB)."),
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_VERIFY_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB, so it cannot be a signed agreement."))
        return document
