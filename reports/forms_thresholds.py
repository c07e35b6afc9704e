"""The form of a behaviour threshold ("5 incidents in 10 school days"): input only; ``threshold_save`` holds the
rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.directory.models import StaffRole, YearGroup


class BehaviourThresholdForm(forms.Form):
    """Built with the ``school``: its year groups and its current staff are the choices."""

    incidents = forms.IntegerField(
        label=_("Behaviour incidents"),
        min_value=2,
        max_value=50,
        initial=5,
        help_text=_("How many incidents for one pupil, as alleged perpetrator or subject, raise an action."),
    )
    school_days = forms.IntegerField(
        label=_("Within school days"),
        min_value=1,
        max_value=100,
        initial=10,
        help_text=_("Counted back from today, over the days the school is open."),
    )
    min_level = forms.TypedChoiceField(
        label=_("Lowest behaviour level counted"),
        coerce=int,
        initial=1,
        choices=[(level, str(level)) for level in range(1, 6)],
    )
    year_group = forms.ModelChoiceField(
        label=_("Year group"), queryset=YearGroup.objects.none(), required=False, empty_label=_("Every pupil")
    )
    assignee = forms.ModelChoiceField(
        label=_("Who is asked to act"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("A senior leader"),
        help_text=_("For example the head of year. The action is on the incident that reaches the threshold."),
    )
    is_active = forms.BooleanField(
        label=_("On"), required=False, initial=True, help_text=_("A rule turned off raises nothing; it is kept.")
    )

    def __init__(self, data=None, *, school, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=school).order_by("order", "name")
        staff = StaffRole.objects.current().filter(school=school, role__in=permissions.STAFF).values("user_id")
        self.fields["assignee"].queryset = User.objects.filter(pk__in=staff, is_active=True).order_by(
            "full_name", "email"
        )
        self.fields["assignee"].label_from_instance = lambda user: user.full_name or user.email
