"""Forms of the policy review register: its filters (GET forms: they validate the query string only) and a policy's
register fields."""

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import User
from safeguard.filter_fields import FastSelect
from safeguard.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from .models import Policy
from .selectors_register import WHOLE_TRUST, RegisterStatus


class _RegisterFilters(forms.Form):
    """The filters both registers share. Drawn on every view of a register: the views draw the fields with
    ``safeguard.filter_fields.field_group``, the drop-downs are ``FastSelect``s."""

    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All categories")), *Policy.Category.choices],
        required=False,
        widget=FastSelect,
    )
    approving_body = forms.ChoiceField(
        label=_("Approving body"),
        choices=[("", _("Any approving body")), *Policy.ApprovingBody.choices],
        required=False,
        widget=FastSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *RegisterStatus.choices], required=False, widget=FastSelect
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
        widget=FastSelect,
    )
    field_order = ["category", "owner", "approving_body", "status"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = owners
        # The options from one plain query (not a server-side cursor), labelled as ``User.__str__``.
        people = owners.only("public_id", "full_name", "email")
        owner.choices = [("", owner.empty_label), *((str(user.public_id), str(user)) for user in people)]


class TrustRegisterFilterForm(_RegisterFilters):
    """A trust's register: one school (or the trust's whole-trust policies), category, approving body, status."""

    school = forms.ChoiceField(label=_("School"), required=False, widget=FastSelect)
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


MONTH_CHOICES = [("", "—")] + [(str(number), name) for number, name in MONTHS.items()]


class PolicyRegisterForm(forms.Form):
    """A policy's register fields: owner, review team, approving body (and committee), review cycle, interval and
    month (issue 13 item 6). Owner and team are narrowed to ``selectors_register.register_people``."""

    owner = SafeModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="public_id",
        help_text=_("Who keeps this policy up to date."),
    )
    review_team = SafeModelMultipleChoiceField(
        label=_("Review team"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are reminded before the review is due and may draft the new version."),
    )
    approving_body = forms.ChoiceField(label=_("Approving body"), choices=Policy.ApprovingBody.choices)
    approving_committee = forms.CharField(
        label=_("Committee"),
        max_length=200,
        required=False,
        help_text=_("When a committee approves it, its name — for example: Audit and Risk Committee."),
    )
    review_cycle = forms.ChoiceField(label=_("Reviewed"), choices=Policy.ReviewCycle.choices)
    review_interval = forms.IntegerField(
        label=_("Every (months or years)"),
        min_value=1,
        max_value=10,
        initial=1,
        help_text=_("N in “every N months” or “every N years”."),
    )
    review_month = forms.TypedChoiceField(
        label=_("Review month"),
        choices=MONTH_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For a review every year in a fixed month, for example September."),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["review_team"].queryset = people

    @staticmethod
    def initial_for(policy):
        return {
            "owner": policy.owner.public_id if policy.owner_id else None,
            "review_team": [user.public_id for user in policy.review_team.all()],
            "approving_body": policy.approving_body,
            "approving_committee": policy.approving_committee,
            "review_cycle": policy.review_cycle,
            "review_interval": policy.review_interval,
            "review_month": str(policy.review_month) if policy.review_month else "",
        }

    def clean(self):
        data = super().clean()
        if data.get("approving_body") == Policy.ApprovingBody.COMMITTEE and not data.get("approving_committee"):
            self.add_error("approving_committee", _("Please name the committee that approves this policy."))
        if data.get("review_cycle") == Policy.ReviewCycle.FIXED_MONTH and not data.get("review_month"):
            self.add_error("review_month", _("Please choose the month of the yearly review, for example September."))
        elif data.get("review_cycle") != Policy.ReviewCycle.FIXED_MONTH and data.get("review_month"):
            self.add_error(
                "review_month", _("A review month is only for a review every year in a fixed month. Leave it blank.")
            )
        return data
