"""The form correcting an incident's record (issue 16 item 2). It validates input only and narrows the categories to
the school's (in use, or already on the record); the rules — who may, what may not change, alerts — are in
``incidents.services.incident_amend``."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeguard.forms import SafeModelMultipleChoiceField

from .forms_incidents import DATETIME_INPUT, SHORT_TEXT, TEXT, add_lesson_fields
from .models import BullyingType, CategoryGroup, IncidentCategory, Location, ProtectedCharacteristic


class CategoryChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_group_display()})"


class IncidentAmendForm(forms.Form):
    """Every correctable field, filled with the record's current values; ``reason`` is required.

    ``changed_values()`` gives the service only the fields that differ from the record."""

    occurred_at = forms.DateTimeField(label=_("When it happened"), widget=DATETIME_INPUT)
    location = forms.ChoiceField(label=_("Where"), choices=Location.choices)
    location_detail = forms.CharField(label=_("Where exactly"), required=False, max_length=200)
    categories = CategoryChoiceField(
        label=_("Categories"), queryset=IncidentCategory.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    behaviour_level = forms.TypedChoiceField(
        label=_("Behaviour level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(n, str(n)) for n in range(1, 6)],
    )
    bullying_type = forms.ChoiceField(
        label=_("Type of bullying"), required=False, choices=[("", "—"), *BullyingType.choices]
    )
    protected_characteristic = forms.ChoiceField(
        label=_("Protected characteristic"), required=False, choices=[("", "—"), *ProtectedCharacteristic.choices]
    )
    description = forms.CharField(label=_("What happened"), widget=TEXT)
    immediate_action = forms.CharField(label=_("Action taken at the time"), required=False, widget=SHORT_TEXT)
    reported_by = forms.CharField(label=_("Reported by"), required=False, max_length=200)
    reason = forms.CharField(
        label=_("Why is the record corrected?"),
        widget=SHORT_TEXT,
        max_length=2000,
        help_text=_("Kept in the record's history with your name and the previous version."),
    )

    def __init__(self, *args, incident, **kwargs):
        self.incident = incident
        current = list(incident.categories.all())
        kwargs.setdefault(
            "initial",
            {
                "occurred_at": incident.occurred_at,
                "location": incident.location,
                "location_detail": incident.location_detail,
                "categories": current,
                "behaviour_level": incident.behaviour_level,
                "bullying_type": incident.bullying_type,
                "protected_characteristic": incident.protected_characteristic,
                "description": incident.description,
                "immediate_action": incident.immediate_action,
                "reported_by": incident.reported_by,
                "period": incident.period,
                "subject": incident.subject,
            },
        )
        super().__init__(*args, **kwargs)
        # The lesson or period and the subject where the school keeps those lists, the record's own kept on offer
        # even once removed from the list (issue 16 item 7).
        add_lesson_fields(self, incident.school, keep={"period": incident.period, "subject": incident.subject})
        self.order_fields(["occurred_at", "location", "location_detail", "period", "subject"])
        self.current_categories = current
        categories = IncidentCategory.objects.filter(
            Q(is_active=True) | Q(pk__in=[category.pk for category in current]), school=incident.school
        )
        # Only the choices the service accepts: a concern stays a concern, behaviour stays out of the concerns, and
        # a physical intervention is recorded with its details, not added by a correction.
        if incident.is_safeguarding:
            categories = categories.filter(group=CategoryGroup.SAFEGUARDING)
        else:
            categories = categories.exclude(group=CategoryGroup.SAFEGUARDING)
        if not incident.is_physical_intervention:
            categories = categories.exclude(group=CategoryGroup.PHYSICAL_INTERVENTION)
        self.fields["categories"].queryset = categories.order_by("order", "name")

    def changed_values(self):
        """``{field: cleaned value}`` of the fields that differ from the record (categories as a list)."""
        data = self.cleaned_data
        changed = {}
        for name in self.fields:
            if name in ("reason", "categories"):
                continue
            if data.get(name) != getattr(self.incident, name):
                changed[name] = data.get(name)
        if {c.pk for c in data.get("categories") or []} != {c.pk for c in self.current_categories}:
            changed["categories"] = list(data["categories"])
        return changed
