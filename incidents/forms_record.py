"""The recording form: one page that any member of staff fills in under a minute (issue 6, "Recording").

It validates input only and narrows every choice to the school; the rules (who is alerted, what each group needs,
what may be backdated) are in ``incidents.services.incident_record``. Pupils come as parallel ``pupil`` / ``pupil_role``
values (one pair per row, in the page's order): rows added by the search box and, without JavaScript, the rows of
the fallback select. Times are read in the current time zone: the view activates the school's.
"""

import datetime
import json
import uuid

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.base import DomainError
from safeguard.directory.models import Pupil, SchoolClass, StaffRole
from safeguard.forms import SafeModelMultipleChoiceField

from . import services
from .forms_incidents import add_lesson_fields
from .models import (
    BehaviourLevel,
    BullyingType,
    CategoryGroup,
    IncidentCategory,
    IncidentPupil,
    Location,
    ProtectedCharacteristic,
)
from .services_files import attachment_check

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
FALLBACK_ROWS = 3  # pupils that can be chosen without JavaScript in one go (victim, perpetrator, witness)
MAX_PUPILS = 30
MAX_ATTACHMENTS = 10
MAX_BODY_MAP_MARKS = 40

# Which form field shows a ``DomainError`` of ``incident_record`` (by its code).
FIELD_FOR_ERROR_CODE = {
    "categories": "categories",
    "occurred_at": "occurred_date",
    "description": "description",
    "pupils": "pupil",
    "behaviour_level": "behaviour_level",
    "bullying_type": "bullying_type",
    "physical_intervention": "pi_staff_involved",
    "marks": "body_map",
    "pupil": "body_map",
    "too_large": "attachments",
    "file_type": "attachments",
    "period": "period",
    "subject": "subject",
}

# Groups whose incidents are placed on the behaviour steps (level 1–5); a concern alone has no level.
LEVEL_GROUPS = [group for group in CategoryGroup if group != CategoryGroup.SAFEGUARDING]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type="file" multiple>``; cleans to a list (empty when none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def staff_choices(school, *, exclude_user=None):
    """``(user id, "Name — role")`` for the school's current staff (no governors), by name."""
    roles = (
        StaffRole.objects.current()
        .filter(school=school, role__in=permissions.STAFF, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    names = {}
    for role in roles:
        if exclude_user is not None and role.user_id == exclude_user.pk:
            continue
        label = names.setdefault(role.user_id, [str(role.user), []])
        label[1].append(str(role.get_role_display()))
    return [(user_id, f"{name} — {', '.join(labels)}") for user_id, (name, labels) in names.items()]


def _taught(school, user):
    """The classes of ``school`` that ``user`` teaches, as a subquery."""
    return SchoolClass.teachers.through.objects.filter(user=user, schoolclass__school=school).values("schoolclass")


def fallback_pupils(school, user):
    """The pupils offered by the select that works without JavaScript: those of the classes ``user`` teaches, or
    every pupil on roll when they teach none (office, SLT), as ``[(class name, [pupils])]``."""
    pupils = Pupil.objects.for_school(school).on_roll(school.today()).select_related("school_class", "year_group")
    taught = _taught(school, user)
    mine = pupils.filter(school_class__in=taught)
    if mine.exists():
        pupils = mine
    groups = {}
    for pupil in pupils.order_by("year_group__order", "school_class__name", "legal_last_name", "legal_first_name"):
        name = pupil.school_class.name if pupil.school_class_id else ""
        groups.setdefault(name, []).append(pupil)
    return list(groups.items())


def pupil_search(school, user, query, *, limit=20):
    """Pupils on roll whose names (legal or preferred) contain every word of ``query``, pupils of ``user``'s classes
    first, then by name — at most ``limit``, with their class, in one query."""
    pupils = Pupil.objects.for_school(school).on_roll(school.today()).select_related("school_class", "year_group")
    for word in query.split():
        pupils = pupils.filter(
            Q(legal_first_name__icontains=word)
            | Q(legal_last_name__icontains=word)
            | Q(preferred_first_name__icontains=word)
            | Q(preferred_last_name__icontains=word)
        )
    taught = _taught(school, user)
    pupils = pupils.annotate(
        not_mine=Case(When(school_class__in=taught, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
    return list(pupils.order_by("not_mine", "legal_last_name", "legal_first_name", "pk")[:limit])


def pupil_label(pupil):
    """What staff see next to a pupil's name to tell two of the same name apart: class, or year group."""
    if pupil.school_class_id:
        return pupil.school_class.name
    if pupil.year_group_id:
        return pupil.year_group.name
    return ""


class RecordForm(forms.Form):
    # Each message says what to do, in the error summary as beside the field (GOV.UK: not "This field is required").
    occurred_date = forms.DateField(
        label=_("Date"),
        widget=DATE_INPUT,
        error_messages={"required": _("Enter the date it happened."), "invalid": _("Enter a real date.")},
    )
    occurred_time = forms.TimeField(
        label=_("Time"),
        widget=TIME_INPUT,
        error_messages={"required": _("Enter the time it happened."), "invalid": _("Enter a real time.")},
    )
    location = forms.ChoiceField(
        label=_("Where"),
        choices=[("", _("Choose…")), *Location.choices],
        error_messages={"required": _("Choose where it happened.")},
    )
    location_detail = forms.CharField(
        label=_("Where exactly"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("For example: Year 4 cloakroom")}),
    )
    # Not rendered as such: the pupil rows post ``pupil``/``pupil_role`` pairs; errors about pupils show here.
    pupil = forms.CharField(required=False)
    categories = SafeModelMultipleChoiceField(
        label=_("What kind of incident"),
        queryset=IncidentCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one category.")},
    )
    behaviour_level = forms.TypedChoiceField(
        label=_("Behaviour level"),
        choices=[(level, str(level)) for level in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    bullying_type = forms.ChoiceField(
        label=_("Type of bullying"), choices=[("", _("Choose…")), *BullyingType.choices], required=False
    )
    protected_characteristic = forms.ChoiceField(
        label=_("Protected characteristic targeted"),
        choices=[("", _("None, or not known")), *ProtectedCharacteristic.choices],
        required=False,
    )
    pi_staff_involved = forms.CharField(label=_("Staff who intervened"), max_length=300, required=False)
    pi_staff_trained = forms.BooleanField(label=_("They are trained in positive handling"), required=False)
    pi_method = forms.CharField(label=_("Hold or method used"), max_length=200, required=False)
    pi_duration_minutes = forms.IntegerField(label=_("How long (minutes)"), min_value=1, max_value=600, required=False)
    pi_parents_informed_at = forms.DateTimeField(
        label=_("Parents told at"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    body_map = forms.CharField(required=False, widget=forms.HiddenInput)
    body_map_pupil = forms.CharField(label=_("Body map of"), required=False)
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Facts: what you saw or heard. For a disclosure, the child's own words."),
        error_messages={"required": _("Describe what happened.")},
    )
    immediate_action = forms.CharField(
        label=_("Action taken at the time"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    reported_by = forms.CharField(
        label=_("Reported by"),
        max_length=200,
        required=False,
        help_text=_("Who told you: a pupil, a parent, a member of staff… Leave blank if you saw it yourself."),
    )
    # A list of checkboxes (a Ctrl-click multi-select cannot be used on a phone or by many keyboard users); the
    # page adds a search box above it (static/js/components.js, issue 15).
    alert_users = forms.TypedMultipleChoiceField(
        label=_("Also alert"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_(
            "Class teachers, and SLT for levels 4 and 5, are alerted anyway. Tick everyone else who should know."
        ),
    )
    slt_requested = forms.BooleanField(label=_("Ask SLT to look at this"), required=False)
    follow_up_assignee = forms.TypedChoiceField(
        label=_("Who follows up with the victim in two weeks"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Leave it to the victim's class teacher, or choose someone else."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, PNG, JPEG or Word (.docx), at most 10 MB each."),
        widget=MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx"}),
    )

    def __init__(self, *args, school, user, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.user = school, user
        self.category_list = list(services.categories_for_school(school))
        self.fields["categories"].queryset = services.categories_for_school(school)
        self.fields["alert_users"].choices = staff_choices(school, exclude_user=user)
        self.fields["follow_up_assignee"].choices = [("", _("The victim's class teacher")), *staff_choices(school)]
        self.levels = list(BehaviourLevel.objects.filter(school=school).order_by("level"))
        # The lesson or period and the subject, only where the school keeps those lists (issue 16 item 7).
        add_lesson_fields(self, school)
        self._set_error_anchors()
        if not self.is_bound:
            local_now = timezone.localtime(now or timezone.now())
            self.initial.setdefault("occurred_date", local_now.date())
            self.initial.setdefault("occurred_time", local_now.time().replace(second=0, microsecond=0))
        self.pupil_rows = self._posted_pupil_rows() if self.is_bound else []

    def _set_error_anchors(self):
        """Where the error summary's link for each field the template draws by hand takes the reader: the element
        ids of ``incidents/_record_*.html`` (``error_anchor``, read by ``includes/error_summary.html``)."""
        anchors = {"pupil": "pupils", "body_map": "bodymap"}
        groups = self.category_groups()
        if groups:
            first_category, _ticked = groups[0][2][0]
            anchors["categories"] = f"category-{first_category.pk}"
        if self.levels:
            anchors["behaviour_level"] = f"level-{self.levels[0].level}"
        for name, anchor in anchors.items():
            self.fields[name].error_anchor = anchor

    # Pupils ------------------------------------------------------------------------------------------------------

    def _posted_pupil_rows(self):
        """The pupils posted, as ``{"id", "pupil", "role", "name", "label"}`` in the page's order — only those of this
        school; ``self.unknown_pupils`` counts the rest (another school's, made up), never saying which."""
        ids, roles = self.data.getlist("pupil"), self.data.getlist("pupil_role")
        posted, self.unknown_pupils = [], 0
        for index, raw in enumerate(ids[: MAX_PUPILS * 2]):
            raw = (raw or "").strip()
            if not raw:
                continue
            try:
                public_id = uuid.UUID(raw)
            except ValueError:
                self.unknown_pupils += 1
                continue
            posted.append((public_id, roles[index] if index < len(roles) else ""))
        found = {
            pupil.public_id: pupil
            for pupil in Pupil.objects.for_school(self.school)
            .filter(public_id__in=[public_id for public_id, _role in posted])
            .select_related("school_class", "year_group")
        }
        rows = []
        for public_id, role in posted:
            pupil = found.get(public_id)
            if pupil is None:
                self.unknown_pupils += 1
                continue
            rows.append(
                {
                    "id": str(public_id),
                    "pupil": pupil,
                    "role": role,
                    "name": pupil.display_name,
                    "label": pupil_label(pupil),
                }
            )
        return rows

    def pupil_role_choices(self):
        return IncidentPupil.Role.choices

    def fallback_groups(self):
        return fallback_pupils(self.school, self.user)

    fallback_rows = range(FALLBACK_ROWS)

    # Categories and levels, for the template -------------------------------------------------------------------

    def _chosen_category_ids(self):
        if self.is_bound:
            return {str(value) for value in self.data.getlist("categories")}
        return {str(getattr(value, "pk", value)) for value in self.initial.get("categories", [])}

    def category_groups(self):
        """``[(group value, group label, [(category, ticked)])]`` in the order of ``CategoryGroup``."""
        chosen = self._chosen_category_ids()
        by_group = {group: [] for group in CategoryGroup}
        for category in self.category_list:
            by_group[CategoryGroup(category.group)].append((category, str(category.pk) in chosen))
        return [(group.value, group.label, rows) for group, rows in by_group.items() if rows]

    def level_rows(self):
        chosen = str(self.data.get("behaviour_level", "")) if self.is_bound else ""
        return [(level, str(level.level) == chosen) for level in self.levels]

    def chosen_groups(self):
        return {category.group for category in self.cleaned_data.get("categories") or []}

    # Cleaning ---------------------------------------------------------------------------------------------------

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("Attach at most %(max)s files.") % {"max": MAX_ATTACHMENTS})
        errors = []
        for uploaded in files:
            try:
                attachment_check(uploaded)
            except DomainError as error:
                errors.append(error.message)
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean_body_map(self):
        raw = (self.cleaned_data.get("body_map") or "").strip()
        if not raw:
            return []
        try:
            marks = json.loads(raw)
        except ValueError:
            marks = None
        if not isinstance(marks, list) or not all(isinstance(mark, dict) for mark in marks):
            raise forms.ValidationError(_("The body map could not be read. Place the marks again."))
        if len(marks) > MAX_BODY_MAP_MARKS:
            raise forms.ValidationError(_("Place at most %(max)s marks.") % {"max": MAX_BODY_MAP_MARKS})
        for mark in marks:
            try:
                float(mark.get("x", 0)), float(mark.get("y", 0))
            except (TypeError, ValueError):
                raise forms.ValidationError(_("The body map could not be read. Place the marks again.")) from None
        return marks

    def clean(self):
        data = super().clean()
        if self.unknown_pupils:
            self.add_error("pupil", _("A pupil you chose could not be found in this school's list. Choose again."))
        elif not self.pupil_rows:
            self.add_error("pupil", _("Add at least one pupil involved."))
        elif any(row["role"] not in IncidentPupil.Role.values for row in self.pupil_rows):
            self.add_error("pupil", _("Choose each pupil's role."))
        data["pupils"] = [(row["pupil"], row["role"]) for row in self.pupil_rows]
        if data.get("occurred_date") and data.get("occurred_time"):
            data["occurred_at"] = timezone.make_aware(
                datetime.datetime.combine(data["occurred_date"], data["occurred_time"])
            )
        groups = self.chosen_groups()
        if "categories" in data:
            # What does not belong to the groups ticked is dropped: a field left filled in a section that was
            # hidden again must not end up on the record.
            if not groups & set(LEVEL_GROUPS):
                data["behaviour_level"] = None
            elif CategoryGroup.BEHAVIOUR in groups and data.get("behaviour_level") is None:
                self.add_error("behaviour_level", _("Choose the behaviour level (1 to 5)."))
            if CategoryGroup.BULLYING not in groups:
                data["bullying_type"] = ""
                data["follow_up_assignee"] = None
            elif not data.get("bullying_type"):
                self.add_error("bullying_type", _("Choose the type of bullying."))
            if not groups & {CategoryGroup.BULLYING, CategoryGroup.PREJUDICE}:
                data["protected_characteristic"] = ""
            if CategoryGroup.PHYSICAL_INTERVENTION in groups:
                if not (data.get("pi_staff_involved") or "").strip():
                    self.add_error("pi_staff_involved", _("Say who intervened."))
                if not data.get("pi_duration_minutes") and "pi_duration_minutes" not in self.errors:
                    self.add_error("pi_duration_minutes", _("Say how long the intervention lasted, in minutes."))
        return data

    def service_arguments(self):
        """The keyword arguments of ``incident_record`` from the cleaned form (besides actor and school)."""
        data = self.cleaned_data
        groups = self.chosen_groups()
        arguments = {
            "occurred_at": data["occurred_at"],
            "location": data["location"],
            "location_detail": data["location_detail"],
            "categories": list(data["categories"]),
            "pupils": data["pupils"],
            "description": data["description"],
            "behaviour_level": data.get("behaviour_level"),
            "bullying_type": data.get("bullying_type", ""),
            "protected_characteristic": data.get("protected_characteristic", ""),
            "immediate_action": data["immediate_action"],
            "reported_by": data["reported_by"],
            "slt_requested": data["slt_requested"],
            "alert_user_ids": data["alert_users"],
            "period": data.get("period"),
            "subject": data.get("subject"),
        }
        if data.get("follow_up_assignee"):
            arguments["follow_up_assignee"] = User.objects.filter(pk=data["follow_up_assignee"]).first()
        if CategoryGroup.PHYSICAL_INTERVENTION in groups:
            arguments["physical_intervention"] = {
                "staff_involved": data["pi_staff_involved"],
                "staff_trained": data["pi_staff_trained"],
                "method": data["pi_method"],
                "duration_minutes": data["pi_duration_minutes"],
                "parents_informed_at": data["pi_parents_informed_at"],
            }
        if CategoryGroup.SAFEGUARDING in groups and data["body_map"]:
            wanted = data.get("body_map_pupil") or ""
            pupil = next((row["pupil"] for row in self.pupil_rows if row["id"] == wanted), None)
            pupil = pupil or (self.pupil_rows[0]["pupil"] if self.pupil_rows else None)
            if pupil is not None:
                arguments["body_map"] = {"pupil": pupil, "marks": data["body_map"]}
        return arguments
