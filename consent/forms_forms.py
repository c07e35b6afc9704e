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
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (an older page, a script): the question stays as it is, or opt-in for a new one.
        self.fields["if_unanswered"].required = False

    def clean_if_unanswered(self):
        value = self.cleaned_data.get("if_unanswered")
        if not value:
            return self.instance.if_unanswered if self.instance.pk else ConsentPurpose.IfUnanswered.OPT_IN
        return value

    class Meta:
        model = ConsentPurpose
        fields = ["label", "wording", "media", "is_publication", "pupils_may_answer", "if_unanswered"]
        widgets = {"wording": forms.Textarea(attrs={"rows": 3}), "if_unanswered": forms.RadioSelect}
        help_texts = {
            "label": _("What staff see in the class grid, e.g. “Images on the school website”."),
            "wording": _("The question exactly as parents read it. Changing it later needs a new version."),
            "is_publication": _("Website, social media, press, marketing: refused for pupils kept to internal use."),
            "if_unanswered": _(
                "Opt-in: consent is a positive act and silence is not consent. Opt-out: the school may use images "
                "unless a parent objects, online or in writing to the office. Parents are told which applies."
            ),
        }


class ExtraPurposeForm(forms.Form):
    key = forms.ChoiceField(label=_("Add a question"), choices=[])

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        have = set(version.purposes.values_list("code", flat=True))
        self.fields["key"].choices = [(key, extra.label) for key, extra in EXTRA_PURPOSES.items() if key not in have]
