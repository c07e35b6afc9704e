"""Forms of the staff pages: the class grid's filters, "may I use this photo?", the do-not-photograph list's class,
and an event's pupils and planned uses. They validate input only; choices are narrowed to the school."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.directory.models import Pupil, SchoolClass, YearGroup
from safeguard.filter_fields import FastSelect, model_choices
from safeguard.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _classes(school):
    return SchoolClass.objects.filter(school=school).select_related("year_group")


def _purpose_choices(purposes):
    return [(p.code, p.label) for p in purposes]


class GridFilterForm(forms.Form):
    """Filters of the class grid: a class or a year group, one purpose, and "only pupils with any no". Drawn on
    every view of the grid: the drop-downs are ``FastSelect``s whose classes and year groups are read by one plain
    query each (``safeguard.filter_fields``); the view draws the fields with ``field_group``."""

    school_class = SafeModelChoiceField(
        label=_("Class"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("All classes"),
        widget=FastSelect,
    )
    year_group = SafeModelChoiceField(
        label=_("Year group"),
        queryset=YearGroup.objects.none(),
        required=False,
        empty_label=_("All year groups"),
        widget=FastSelect,
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[], required=False, widget=FastSelect)
    only_no = forms.BooleanField(label=_("Only pupils with any no"), required=False)

    def __init__(self, *args, school, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        # One school: the models' orders without their first key (the school), which would join the school's row.
        model_choices(self.fields["school_class"], _classes(school).order_by("year_group__order", "name"))
        model_choices(self.fields["year_group"], YearGroup.objects.filter(school=school).order_by("order", "name"))
        self.fields["purpose"].choices = [("", _("All purposes")), *_purpose_choices(purposes)]


class MayIForm(forms.Form):
    """ "May I use this child's photo for …?": part of a pupil's name and one purpose."""

    name = forms.CharField(
        label=_("Pupil's name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. Amara")}),
    )
    purpose = forms.ChoiceField(label=_("for"), choices=[])
    pupil = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = _purpose_choices(purposes)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise forms.ValidationError(_("Type at least two letters of the name."))
        return name


class ClassChoiceForm(forms.Form):
    """The class of a do-not-photograph list; empty means the whole school."""

    school_class = SafeModelChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False, empty_label=_("Whole school")
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = _classes(school)


class EventForm(forms.Form):
    """An event: name, date, planned uses (questions of the current form) and the pupils taking part, chosen by
    whole classes, whole year groups and single pupils (the union of the three)."""

    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("e.g. Year 3 trip to the museum"))
    happens_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    purpose_codes = forms.MultipleChoiceField(
        label=_("Planned uses of images"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    school_classes = SafeModelMultipleChoiceField(
        label=_("Whole classes"),
        queryset=SchoolClass.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    year_groups = SafeModelMultipleChoiceField(
        label=_("Whole year groups"),
        queryset=YearGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pupils = SafeModelMultipleChoiceField(
        label=_("Other pupils"),
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )

    def __init__(self, *args, school, purposes, day, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.day = school, day
        self.fields["purpose_codes"].choices = _purpose_choices(purposes)
        self.fields["school_classes"].queryset = _classes(school)
        self.fields["year_groups"].queryset = YearGroup.objects.filter(school=school)
        self.fields["pupils"].queryset = Pupil.objects.filter(school=school).on_roll(day).select_related("school_class")

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("school_classes") or cleaned.get("year_groups") or cleaned.get("pupils")):
            raise forms.ValidationError(_("Choose the pupils taking part: classes, year groups or pupils."))
        return cleaned

    def chosen_pupils(self):
        """The on-roll pupils of the chosen classes and year groups, and the pupils chosen one by one."""
        data = self.cleaned_data
        chosen = Pupil.objects.filter(school=self.school).on_roll(self.day)
        by_group = chosen.filter(school_class__in=list(data["school_classes"])) | chosen.filter(
            year_group__in=list(data["year_groups"])
        )
        return {*by_group, *data["pupils"]}
