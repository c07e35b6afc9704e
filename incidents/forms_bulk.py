"""Forms of the incident list's tools (issue 16 item 9): acting on the selected records, and saving the current
filter under a name. Input only; the rules are in ``incidents.services_bulk`` and ``services_saved_filters``."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import User

from .forms_incidents import SHORT_TEXT, ListedModelChoiceField, staff_of
from .models import Action


class StaffChoiceField(ListedModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class BulkActionForm(forms.Form):
    """What the list's "Close" button posts (the outcome, and for concerns the rationale). No query: it is on every
    view of the list, so the people to give actions to are chosen on a step of their own (``BulkReassignForm``)."""

    outcome = forms.CharField(label=_("Outcome"), required=False, widget=SHORT_TEXT, max_length=5000)
    rationale = forms.CharField(
        label=_("Rationale (safeguarding concerns)"),
        required=False,
        widget=SHORT_TEXT,
        max_length=5000,
        help_text=_("Why a referral was, or was not, made. A concern is not closed without it."),
    )


class BulkReassignForm(forms.Form):
    """Whom the open actions of the selected records go to, and optionally whose actions only: the step after the
    list's "Reassign their actions…" button (``incidents.views_bulk.bulk_reassign``). Listing the choices costs two
    queries, so only this step lists them."""

    assignee = StaffChoiceField(
        label=_("Give their open actions to"), queryset=User.objects.none(), required=False, empty_label=_("Choose…")
    )
    from_assignee = StaffChoiceField(
        label=_("Only the actions of"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Anyone (every open action)"),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        staff = staff_of(school)
        self.fields["assignee"].queryset = staff
        # Whose actions to give away: the staff, and anyone who still holds an open action on one of the school's
        # behaviour records — someone who has left, whose caseload is exactly what needs a new owner.
        holding = Action.objects.filter(
            incident__school=school, incident__is_safeguarding=False, completed_at__isnull=True
        ).values("assignee_id")
        self.fields["from_assignee"].queryset = User.objects.filter(
            Q(pk__in=staff.values("pk")) | Q(pk__in=holding)
        ).order_by("full_name", "email")


class SavedFilterForm(forms.Form):
    name = forms.CharField(
        label=_("Name of this filter"),
        max_length=80,
        error_messages={"required": _("Give the filter a name.")},
        help_text=_("Only you see your saved filters."),
    )
