"""Filter forms of the policy review register (GET forms: they validate the query string only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import User
from safeguard.forms import SafeModelChoiceField

from .models import Policy
from .selectors_register import WHOLE_TRUST, RegisterStatus


class _RegisterFilters(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Policy.Category.choices], required=False
    )
    approving_body = forms.ChoiceField(
        label=_("Approving body"),
        choices=[("", _("Any approving body")), *Policy.ApprovingBody.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *RegisterStatus.choices], required=False
    )

    def filters(self):
        """The valid filters as keyword arguments for the register selectors (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


class RegisterFilterForm(_RegisterFilters):
    """A school's register: category, owner (people who own one of its policies), approving body, status."""

    owner = SafeModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Anyone"),
        to_field_name="public_id",
    )
    field_order = ["category", "owner", "approving_body", "status"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class TrustRegisterFilterForm(_RegisterFilters):
    """A trust's register: one school (or the trust's whole-trust policies), category, approving body, status."""

    school = forms.ChoiceField(label=_("School"), required=False)
    field_order = ["school", "category", "approving_body", "status"]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self._schools = {school.slug: school for school in schools}
        self.fields["school"].choices = [
            ("", _("All schools")),
            (WHOLE_TRUST, _("Whole-trust policies")),
            *[(school.slug, school.name) for school in schools],
        ]
        self.fields["status"].help_text = _("Without a status, the list shows overdue policies and those due soon.")

    def clean_school(self):
        slug = self.cleaned_data["school"]
        if slug in ("", WHOLE_TRUST):
            return slug
        return self._schools[slug]  # a valid choice, so always there
