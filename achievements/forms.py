"""The quick praise form (one or several pupils, what for, optional note and points, the date), the withdraw form
and the list's filters. They validate input only and narrow every choice to the school; the rules are in
``achievements.services``."""

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from safeguard.directory.models import Pupil, SchoolClass, YearGroup

from .models import MAX_POINTS, AchievementCategory
from .services import categories_for_school

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Which form field shows a ``DomainError`` of ``achievement_record`` (by its code).
FIELD_FOR_ERROR_CODE = {"pupils": "pupils", "category": "category", "awarded_on": "awarded_on", "points": "points"}


class PupilChoiceField(forms.ModelMultipleChoiceField):
    """Pupils by public id, labelled with their class (or year group) to tell two of one name apart."""

    def label_from_instance(self, pupil):
        where = ""
        if pupil.school_class_id:
            where = pupil.school_class.name
        elif pupil.year_group_id:
            where = pupil.year_group.name
        return f"{pupil.display_name} — {where}" if where else pupil.display_name


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return ngettext("%(name)s (%(points)s point)", "%(name)s (%(points)s points)", category.default_points) % {
            "name": category.name,
            "points": category.default_points,
        }


def pupils_for_praise(school, user):
    """The pupils on roll offered on the form: those of the classes ``user`` teaches first, then by name."""
    taught = SchoolClass.teachers.through.objects.filter(user=user, schoolclass__school=school).values("schoolclass")
    return (
        Pupil.objects.for_school(school)
        .on_roll(school.today())
        .select_related("school_class", "year_group")
        .annotate(
            not_mine=Case(When(school_class__in=taught, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("not_mine", "legal_last_name", "legal_first_name", "pk")
    )


class PraiseForm(forms.Form):
    # A list of checkboxes with a search box above it (templates/includes/checkbox_list.html): a class can be ticked
    # through quickly on a phone, and a name found by typing it or its class.
    pupils = PupilChoiceField(
        label=_("Pupils"),
        queryset=Pupil.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Tick one pupil or several: each gets the praise. Pupils of your own classes come first."),
        error_messages={"required": _("Choose at least one pupil.")},
    )
    category = CategoryChoiceField(
        label=_("What for"),
        queryset=AchievementCategory.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose what the praise is for.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What they did, in a few words. Staff who can see the pupil's behaviour record read it."),
    )
    points = forms.IntegerField(
        label=_("Points (optional)"),
        required=False,
        min_value=0,
        max_value=MAX_POINTS,
        help_text=_("Leave blank to give the points shown beside what it is for."),
        error_messages={"invalid": _("Enter points as a whole number.")},
    )
    awarded_on = forms.DateField(
        label=_("Date"),
        widget=DATE_INPUT,
        error_messages={"required": _("Enter the date of the praise."), "invalid": _("Enter a real date.")},
    )

    def __init__(self, *args, school, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["pupils"].queryset = pupils_for_praise(school, user)
        self.fields["category"].queryset = categories_for_school(school)
        self.fields["points"].widget.attrs["inputmode"] = "numeric"
        if not self.is_bound:
            self.initial.setdefault("awarded_on", school.today())


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this praise being withdrawn?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: given to the wrong pupil. The praise is kept, marked withdrawn, and stops counting."),
        error_messages={"required": _("Say why this praise is being withdrawn.")},
    )


class PraiseFilterForm(forms.Form):
    """The school list's filters (GET): dates, year group, class, what for, and whether to show withdrawn praise."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    # By code, as the dashboard's filter: its figures link here with the same year group.
    year_group = forms.ModelChoiceField(
        label=_("Year group"),
        queryset=YearGroup.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All year groups"),
    )
    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False, empty_label=_("All classes")
    )
    category = forms.ModelChoiceField(
        label=_("What for"), queryset=AchievementCategory.objects.none(), required=False, empty_label=_("Anything")
    )
    include_withdrawn = forms.BooleanField(label=_("Show withdrawn praise"), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=school).order_by("order", "name")
        self.fields["school_class"].queryset = (
            SchoolClass.objects.filter(school=school)
            .select_related("academic_year")
            .order_by("-academic_year__starts_on", "name")
        )
        self.fields["school_class"].label_from_instance = lambda school_class: (
            f"{school_class.name} ({school_class.academic_year.name})"
        )
        self.fields["category"].queryset = AchievementCategory.objects.filter(school=school).order_by("order", "name")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data
