"""Forms for the consent form pages: a draft version's settings, one question, an extra question to add."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConsentFormVersion, ConsentPurpose
from .services_forms import EXTRA_PURPOSES


class VersionSettingsForm(forms.ModelForm):
    class Meta:
        model = ConsentFormVersion
        fields = ["introduction", "organisations", "duration", "pupil_answer_age", "whose_answer_counts"]
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 6}),
            "organisations": forms.Textarea(attrs={"rows": 3}),
            "duration": forms.RadioSelect,
            "whose_answer_counts": forms.RadioSelect,
        }

    def clean_pupil_answer_age(self):
        age = self.cleaned_data["pupil_answer_age"]
        if not 8 <= age <= 18:
            raise forms.ValidationError(_("Choose an age from 8 to 18."))
        return age


class PurposeForm(forms.ModelForm):
    class Meta:
        model = ConsentPurpose
        fields = ["label", "wording", "media", "is_publication", "pupils_may_answer"]
        widgets = {"wording": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "label": _("What staff see in the class grid, e.g. “Images on the school website”."),
            "wording": _("The question exactly as parents read it. Changing it later needs a new version."),
            "is_publication": _("Website, social media, press, marketing: refused for pupils kept to internal use."),
        }


class ExtraPurposeForm(forms.Form):
    key = forms.ChoiceField(label=_("Add a question"), choices=[])

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        have = set(version.purposes.values_list("code", flat=True))
        self.fields["key"].choices = [(key, extra.label) for key, extra in EXTRA_PURPOSES.items() if key not in have]
