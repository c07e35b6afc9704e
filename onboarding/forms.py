"""Forms of the set-up pages: they validate input only and hand ``cleaned_data`` to a service."""

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import User
from safeguard.directory.models import (
    AcademicYear,
    Organisation,
    Pupil,
    PupilGuardian,
    School,
    SchoolClass,
    Term,
    TermBreak,
    YearGroup,
)
from safeguard.directory.validators import validate_laestab, validate_urn
from safeguard.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from .services import pupils as pupil_services
from .services.schools import COUNTRY_DEFAULTS


def _date_input():
    # ISO dates: a browser's date picker shows nothing for a value in the language's format (01/08/2026).
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_zone_choices():
    return [("", _("Usual for the country"))] + [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]


class SchoolForm(forms.Form):
    """A school's details. Time zone, language and calendar left blank take the country's usual ones; URN and LAESTAB
    are refused outside England (the DfE's numbers), the district or campus code is for everywhere else."""

    name = forms.CharField(label=_("School name"), max_length=200)
    phase = forms.ChoiceField(label=_("Phase"), choices=School.Phase.choices, initial=School.Phase.PRIMARY)
    country = forms.ChoiceField(label=_("Country"), choices=School.Country.choices, initial=School.Country.ENGLAND)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices, required=False)
    default_language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Usual for the country"))] + list(settings.LANGUAGES), required=False
    )
    calendar_model = forms.ChoiceField(
        label=_("School calendar"),
        choices=[("", _("Usual for the country"))] + list(School.CalendarModel.choices),
        required=False,
    )
    urn = forms.CharField(
        label=_("URN"), max_length=6, required=False, validators=[validate_urn], help_text=_("England only.")
    )
    laestab = forms.CharField(
        label=_("LAESTAB"), max_length=7, required=False, validators=[validate_laestab], help_text=_("England only.")
    )
    district_code = forms.CharField(
        label=_("District or campus code"),
        max_length=40,
        required=False,
        help_text=_("Outside England: the code your district or ministry gives the school."),
    )

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        if country and country != School.Country.ENGLAND:
            for name in ("urn", "laestab"):
                if cleaned.get(name):
                    self.add_error(name, _("Only schools in England have a URN or LAESTAB."))
        defaults = COUNTRY_DEFAULTS.get(country, COUNTRY_DEFAULTS[School.Country.ENGLAND])
        for name, value in defaults.items():
            if not cleaned.get(name):
                cleaned[name] = value
        return cleaned


class FirstRunForm(forms.Form):
    """The first set-up page: what is being set up, and who runs it."""

    KIND_CHOICES = [
        (Organisation.Kind.TRUST, _("A multi-academy trust with several schools")),
        (Organisation.Kind.DISTRICT, _("A school district with several campuses")),
        ("school", _("One stand-alone school")),
    ]
    kind = forms.ChoiceField(label=_("What are you setting up?"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    organisation_name = forms.CharField(
        label=_("Name of the trust or district"),
        max_length=200,
        required=False,
        help_text=_("Leave blank for a stand-alone school: fill in the school's details below."),
    )
    admin_name = forms.CharField(label=_("Administrator's full name"), max_length=200)
    admin_email = forms.EmailField(
        label=_("Administrator's e-mail address"),
        help_text=_(
            "The trust or district administrator, or the headteacher of a stand-alone school. They get an e-mail "
            "to choose their password. It may be your own address."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("kind") in (Organisation.Kind.TRUST, Organisation.Kind.DISTRICT)
            and not cleaned.get("organisation_name", "").strip()
        ):
            self.add_error("organisation_name", _("Give the name of the trust or district."))
        return cleaned


class InviteForm(forms.Form):
    """Invite one person with one or more roles; ``roles`` choices are what the inviting person may give."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=(), widget=forms.CheckboxSelectMultiple)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)

    def __init__(self, *args, role_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices
        if len(role_choices) == 1:
            self.fields["roles"].initial = [role_choices[0][0]]


class InvitationAcceptForm(forms.Form):
    """The invited person chooses their password (checked against their account by the service too)."""

    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class AcademicYearForm(forms.Form):
    """An academic year and its terms or semesters; the terms offered are those of the chosen preset (``kinds``),
    pre-filled with its typical dates and editable."""

    name = forms.CharField(label=_("Name"), max_length=20, help_text=_("For example 2026/27."))
    starts_on = forms.DateField(label=_("Year starts on"), widget=_date_input())
    ends_on = forms.DateField(label=_("Year ends on"), widget=_date_input())

    def __init__(self, *args, kinds, breaks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = list(kinds)
        for kind in self.kinds:
            label = Term.Kind(kind).label
            self.fields[f"{kind}_starts_on"] = forms.DateField(
                label=_("%(term)s starts on") % {"term": label}, widget=_date_input()
            )
            self.fields[f"{kind}_ends_on"] = forms.DateField(
                label=_("%(term)s ends on") % {"term": label}, widget=_date_input()
            )
        # The preset's half-terms (a new year only): leave both dates empty to add a year without that one.
        self.break_names = list(breaks)
        for index, name in enumerate(self.break_names):
            self.fields[f"break_{index}_starts_on"] = forms.DateField(
                label=_("%(name)s: first day off") % {"name": name}, widget=_date_input(), required=False
            )
            self.fields[f"break_{index}_ends_on"] = forms.DateField(
                label=_("%(name)s: last day off") % {"name": name}, widget=_date_input(), required=False
            )

    def clean(self):
        cleaned = super().clean()
        for index in range(len(self.break_names)):
            first, last = cleaned.get(f"break_{index}_starts_on"), cleaned.get(f"break_{index}_ends_on")
            if (first is None) != (last is None):
                self.add_error(
                    f"break_{index}_ends_on" if last is None else f"break_{index}_starts_on",
                    _("Give both days, or neither to leave this break out."),
                )
        return cleaned

    def terms(self):
        """``[(kind, starts_on, ends_on)]`` from the cleaned data."""
        return [
            (kind, self.cleaned_data[f"{kind}_starts_on"], self.cleaned_data[f"{kind}_ends_on"]) for kind in self.kinds
        ]

    def breaks(self):
        """``[(name, first day off, last day off)]`` of the half-terms given."""
        return [
            (name, self.cleaned_data[f"break_{index}_starts_on"], self.cleaned_data[f"break_{index}_ends_on"])
            for index, name in enumerate(self.break_names)
            if self.cleaned_data.get(f"break_{index}_starts_on")
        ]


class TermBreakForm(forms.Form):
    """A half-term, holiday or closure day within an academic year."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TermBreak.Kind.choices, initial=TermBreak.Kind.HALF_TERM)
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("For example: Autumn half-term."))
    starts_on = forms.DateField(label=_("First day off"), widget=_date_input())
    ends_on = forms.DateField(
        label=_("Last day off"), widget=_date_input(), help_text=_("The same day as the first for a single day.")
    )


class YearGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)


class StaffMemberForm(forms.Form):
    """A member of staff's name (their account's, in every school) and their job title here."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)


class YearGroupPresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Year groups"), choices=())

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = choices


class SchoolClassForm(forms.Form):
    """A class: name, academic year and year group of the school, and its teachers (staff who teach there)."""

    name = forms.CharField(label=_("Class name"), max_length=50)
    academic_year = SafeModelChoiceField(label=_("Academic year"), queryset=AcademicYear.objects.none())
    year_group = SafeModelChoiceField(label=_("Year group"), queryset=YearGroup.objects.none(), required=False)
    teachers = SafeModelMultipleChoiceField(
        label=_("Class teachers"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, school, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = AcademicYear.objects.filter(school=school).order_by("-starts_on")
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=school).order_by("order", "name")
        self.fields["teachers"].queryset = teachers
        self.fields["teachers"].label_from_instance = lambda user: f"{user.full_name or user.email} ({user.email})"


class RollOverForm(forms.Form):
    from_year = SafeModelChoiceField(label=_("From"), queryset=AcademicYear.objects.none())
    to_year = SafeModelChoiceField(label=_("To"), queryset=AcademicYear.objects.none())

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        years = AcademicYear.objects.filter(school=school).order_by("-starts_on")
        self.fields["from_year"].queryset = years
        self.fields["to_year"].queryset = years


class PupilForm(forms.Form):
    """A pupil's details; year groups and classes of the school only. UPN, pupil premium and sex (England's: the sex
    is for the CTF, DfE codes M/F, blank not recorded) are left out for a school elsewhere, where they mean nothing
    (issue 13 item 9)."""

    legal_first_name = forms.CharField(label=_("Legal first name"), max_length=100)
    legal_last_name = forms.CharField(label=_("Legal last name"), max_length=100)
    preferred_first_name = forms.CharField(label=_("Preferred first name"), max_length=100, required=False)
    preferred_last_name = forms.CharField(label=_("Preferred last name"), max_length=100, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=_date_input())
    upn = forms.CharField(label=_("UPN"), max_length=13, required=False)
    mis_id = forms.CharField(label=_("MIS id"), max_length=50, required=False)
    year_group = SafeModelChoiceField(label=_("Year group"), queryset=YearGroup.objects.none(), required=False)
    school_class = SafeModelChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False)
    on_roll_from = forms.DateField(label=_("On roll from"), required=False, widget=_date_input())
    is_looked_after = forms.BooleanField(label=_("Looked after (CLA)"), required=False)
    is_previously_looked_after = forms.BooleanField(label=_("Previously looked after or adopted"), required=False)
    has_sen = forms.BooleanField(label=_("SEN"), required=False)
    is_eal = forms.BooleanField(label=_("EAL"), required=False)
    is_pupil_premium = forms.BooleanField(label=_("Pupil premium"), required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", _("Not recorded"))] + list(Pupil.Sex.choices),
        required=False,
        help_text=_("As recorded in your MIS; the pupil's Common Transfer File carries it."),
    )
    email = forms.EmailField(
        label=_("Pupil's own e-mail address"),
        required=False,
        help_text=_("Optional. Used only to invite the pupil to their own account, where the school gives pupils one."),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=school).order_by("order", "name")
        self.fields["school_class"].queryset = (
            SchoolClass.objects.filter(school=school)
            .select_related("academic_year")
            .order_by("-academic_year__starts_on", "name")
        )
        self.fields["school_class"].label_from_instance = lambda c: f"{c.name} ({c.academic_year.name})"
        if school.country != School.Country.ENGLAND:
            del self.fields["upn"]
            del self.fields["is_pupil_premium"]
            del self.fields["sex"]
        elif "sex" not in pupil_services.PUPIL_FIELDS:
            del self.fields["sex"]  # offered only once the pupil service saves it: never a field that is dropped


class MarkLeftForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=_date_input())


class GuardianLinkForm(forms.Form):
    """How a parent or carer is linked to the pupil; ``end`` ends the link (kept as history)."""

    relationship = forms.ChoiceField(label=_("Relationship"), choices=PupilGuardian.Relationship.choices)
    has_parental_responsibility = forms.BooleanField(
        label=_("Parental responsibility"),
        required=False,
        help_text=_("Only a parent or carer with parental responsibility may sign agreements and answer consent."),
    )
    contact_order = forms.IntegerField(label=_("Contact order"), min_value=1, max_value=20, initial=1)
    end = forms.BooleanField(label=_("No longer a contact for this pupil"), required=False)


class GuardianAddForm(GuardianLinkForm):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("E-mail address"), required=False, help_text=_("A parent already known to the school is linked.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    field_order = ["first_name", "last_name", "email", "phone", "relationship", "has_parental_responsibility"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["end"]


class AdministratorForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
