"""Forms of the incident list, an incident's follow-up (actions, parent contacts, sanctions, DSL notes, closing,
reopening, voiding) and the actions page. They validate input only and narrow their choices to the school and the
incident; the rules (who may, the 45-day suspension limit, rationale for concerns…) are in ``incidents.services``.
"""

from django import forms
from django.db.models import F, Value
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.directory.models import Guardian, Pupil, SchoolClass, StaffRole, YearGroup
from safeguard.filter_fields import FastSelect
from safeguard.forms import SafeModelChoiceField

from .models import Action, CategoryGroup, Incident, LessonPeriod, ParentContact, Sanction, Subject, SuspensionReason

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SHORT_TEXT = forms.Textarea(attrs={"rows": 2})
TEXT = forms.Textarea(attrs={"rows": 4})


def staff_of(school, capability=permissions.RECORD_INCIDENT):
    """Active users holding a current role of ``school`` that grants ``capability``, by name."""
    roles = permissions.CAPABILITIES[capability]
    holders = StaffRole.objects.current().filter(school=school, role__in=roles).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("full_name", "email")


class LessonEntryField(forms.ChoiceField):
    """A choice among a school's lesson periods or subjects (``entries``: a list of ``LessonPeriod`` / ``Subject``),
    keyed by public id; cleans to the entry, or None when none is chosen. Removed entries read "(no longer used)"."""

    def __init__(self, *, entries, empty_label, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.entries = {str(entry.public_id): entry for entry in entries}
        self.choices = [("", empty_label)] + [
            (key, _("%(name)s (no longer used)") % {"name": entry.name} if entry.is_removed else entry.name)
            for key, entry in self.entries.items()
        ]

    def prepare_value(self, value):
        return str(value.public_id) if hasattr(value, "public_id") else value

    def to_python(self, value):
        return "" if value in self.empty_values else str(value)

    def clean(self, value):
        key = super().clean(value)
        return self.entries.get(key) if key else None


LESSON_LISTS = {"periods": LessonPeriod, "subjects": Subject}


def lesson_lists(school, *, include_removed=False):
    """``{"periods": [LessonPeriod], "subjects": [Subject]}``: ``school``'s lesson periods and subjects, each list in
    the order of ``selectors.lesson_entries`` (in use first, then removed ones if ``include_removed``; by order, name)
    — both read in one query (``UNION ALL``), as every form offering them needs both."""
    fields = [field.attname for field in LessonPeriod._meta.concrete_fields]
    parts = []
    for kind, model in LESSON_LISTS.items():
        entries = model.objects.filter(school=school)
        if not include_removed:
            entries = entries.filter(removed_at__isnull=True)
        parts.append(entries.order_by().annotate(list_kind=Value(kind)).values("list_kind", *fields))
    rows = (
        parts[0]
        .union(parts[1], all=True)
        .order_by("list_kind", F("removed_at").asc(nulls_first=True), "order", "name", "id")
    )
    lists = {kind: [] for kind in LESSON_LISTS}
    for row in rows:
        model = LESSON_LISTS[row["list_kind"]]
        lists[row["list_kind"]].append(model.from_db(rows.db, fields, [row[name] for name in fields]))
    return lists


def add_lesson_fields(form, school, *, include_removed=False, keep=None, empty_labels=None):
    """Add ``period`` and ``subject`` choice fields to ``form`` for each list ``school`` keeps (issue 16 item 7):
    nothing at all for a school that keeps neither. ``keep``: ``{"period": entry, "subject": entry}`` to offer even
    if removed (the record's own, when correcting it). ``empty_labels``: ``{"period": label, "subject": label}``
    for the choice of none. One query (``lesson_lists``)."""
    keep = keep or {}
    labels = {"period": _("Lesson or period"), "subject": pgettext_lazy("school subject", "Subject")}
    empties = {"period": _("Not in a lesson"), "subject": _("No subject"), **(empty_labels or {})}
    lists = lesson_lists(school, include_removed=include_removed)
    for name, kind in (("period", "periods"), ("subject", "subjects")):
        entries = lists[kind]
        if keep.get(name) is not None and keep[name] not in entries:
            entries.append(keep[name])
        if entries:
            form.fields[name] = LessonEntryField(label=labels[name], entries=entries, empty_label=empties[name])


class ListedChoiceIterator(ModelChoiceIterator):
    """Lists a choice field's rows with one plain ``SELECT``. Django's own iterator reads them with ``.iterator()``,
    which on PostgreSQL opens a server-side cursor (``DECLARE … WITH HOLD``, ``FETCH``, ``CLOSE``: three round trips
    and the rows copied at commit) — costly for the few dozen rows of a drop-down."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ListedModelChoiceField(SafeModelChoiceField):
    """``SafeModelChoiceField`` whose choices are read with one plain query (``ListedChoiceIterator``)."""

    iterator = ListedChoiceIterator


class IncidentFilterForm(forms.Form):
    """The incident list's filter bar. The list view draws its fields with ``safeguard.filter_fields.field_group``
    (crispy-forms' Bootstrap 5 markup built in Python: the bar is drawn on every page of the busiest list), so its
    drop-downs are ``FastSelect``s."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    group = forms.ChoiceField(label=_("Group"), required=False, widget=FastSelect)
    level = forms.TypedChoiceField(label=_("Level"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open and closed")), *Incident.Status.choices],
        widget=FastSelect,
    )
    text = forms.CharField(
        label=_("Search the records"),
        required=False,
        max_length=100,
        help_text=_("Words in what happened, actions, notes and contacts with families."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    q = forms.CharField(label=_("Pupil"), required=False, max_length=100)
    year_group = ListedModelChoiceField(
        label=_("Year group"),
        queryset=YearGroup.objects.none(),
        required=False,
        empty_label=_("All year groups"),
        widget=FastSelect,
    )
    school_class = ListedModelChoiceField(
        label=_("Class"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("All classes"),
        widget=FastSelect,
    )
    # "all": every year, where a reader of their own records otherwise sees this academic year's by default (the
    # lead's decision for issue 18 item 4; views_incidents.list_window). Carried as a hidden input, set by the
    # notice's "Show every year" button (which submits the filter form).
    years = forms.ChoiceField(required=False, choices=[("", ""), ("all", "all")], widget=forms.HiddenInput)

    VOIDED = "voided"
    EVERY_YEAR = "all"

    def __init__(self, *args, school, show_concerns, show_voided=False, **kwargs):
        super().__init__(*args, **kwargs)
        if show_voided:
            # Voided records are listed only to those who manage incidents (SLT, head, DSL team — issue 12 #19).
            self.fields["status"].choices = [*self.fields["status"].choices, (self.VOIDED, _("Voided"))]
        groups = [(value, label) for value, label in CategoryGroup.choices]
        if not show_concerns:
            groups = [(value, label) for value, label in groups if value != CategoryGroup.SAFEGUARDING]
        self.fields["group"].choices = [("", _("All groups")), *groups]
        self.fields["level"].choices = [("", _("All levels"))] + [(n, str(n)) for n in range(1, 6)]
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=school).order_by("order", "name")
        self.fields["school_class"].queryset = (
            SchoolClass.objects.filter(school=school)
            .select_related("academic_year")
            .order_by("-academic_year__starts_on", "name")
        )
        # Where the school keeps lesson periods and subjects, the list filters by them, removed ones included.
        add_lesson_fields(
            self,
            school,
            include_removed=True,
            empty_labels={"period": _("Any lesson or period"), "subject": _("Any subject")},
        )
        for name in ("period", "subject"):
            if name in self.fields:
                widget = FastSelect(attrs=self.fields[name].widget.attrs)
                widget.choices = self.fields[name].widget.choices
                self.fields[name].widget = widget

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What needs doing"), choices=Action.Kind.choices)
    assignee = SafeModelChoiceField(label=_("Who"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DATE_INPUT)
    description = forms.CharField(label=_("Details"), required=False, widget=SHORT_TEXT)

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        # Actions on a concern go to the DSL team (incidents.services.action_add says so too).
        capability = permissions.VIEW_SAFEGUARDING if incident.is_safeguarding else permissions.RECORD_INCIDENT
        self.fields["assignee"].queryset = staff_of(incident.school, capability)


class ActionCompleteForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=SHORT_TEXT)


class ActionFilterForm(forms.Form):
    DUE_CHOICES = [("", _("All open actions")), ("overdue", _("Overdue")), ("week", _("Due within a week"))]

    assignee = SafeModelChoiceField(
        label=_("Who"), queryset=User.objects.none(), required=False, empty_label=_("Everyone")
    )
    kind = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Every kind")), *Action.Kind.choices])
    due = forms.ChoiceField(label=_("Due"), required=False, choices=DUE_CHOICES)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_of(school)


def _involved_pupils(incident):
    return Pupil.objects.filter(incident_involvements__incident=incident).order_by(
        "legal_last_name", "legal_first_name"
    )


class PupilChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class ParentContactForm(forms.Form):
    pupil = PupilChoiceField(label=_("About"), queryset=Pupil.objects.none())
    guardian = SafeModelChoiceField(
        label=_("Parent or carer"),
        queryset=Guardian.objects.none(),
        required=False,
        empty_label=_("Someone else (name them below)"),
    )
    contact_name = forms.CharField(label=_("Who was contacted"), max_length=200, required=False)
    method = forms.ChoiceField(label=_("How"), choices=ParentContact.Method.choices)
    contacted_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT)
    summary = forms.CharField(label=_("What was said"), widget=TEXT)

    def __init__(self, *args, incident, guardian_links, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = _involved_pupils(incident)
        self.guardian_links = list(guardian_links)
        self.fields["guardian"].queryset = Guardian.objects.filter(
            pk__in=[link.guardian_id for link in self.guardian_links]
        )
        self.fields["guardian"].label_from_instance = self._guardian_label

    def _guardian_label(self, guardian):
        pupils = [link.pupil.display_name for link in self.guardian_links if link.guardian_id == guardian.pk]
        return f"{guardian.full_name} ({', '.join(pupils)})"

    def clean(self):
        data = super().clean()
        guardian, pupil = data.get("guardian"), data.get("pupil")
        if guardian and pupil:
            if not any(link.guardian_id == guardian.pk and link.pupil_id == pupil.pk for link in self.guardian_links):
                self.add_error("guardian", _("This parent or carer is not linked to the pupil chosen."))
            elif not data.get("contact_name"):
                data["contact_name"] = guardian.full_name
        if not data.get("contact_name") and not guardian:
            self.add_error("contact_name", _("Say who was contacted."))
        return data


class SanctionForm(forms.Form):
    pupil = PupilChoiceField(label=_("Pupil"), queryset=Pupil.objects.none())
    kind = forms.ChoiceField(label=_("Sanction or outcome"))
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_INPUT)
    days = forms.DecimalField(
        label=_("School days (suspension)"),
        required=False,
        min_value=0,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
        help_text=_("Half days allowed. A pupil may be suspended for at most 45 school days in an academic year."),
    )
    reason_1 = forms.ChoiceField(label=_("Reason"), required=False)
    reason_2 = forms.ChoiceField(label=_("Second reason"), required=False)
    reason_3 = forms.ChoiceField(label=_("Third reason"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=SHORT_TEXT)

    # DomainError codes of incidents.services.sanction_record → the field the message belongs to.
    ERROR_FIELDS = {
        "kind": "kind",
        "pupil": "pupil",
        "starts_on": "starts_on",
        "academic_year": "starts_on",
        "days": "days",
        "suspension_limit": "days",
        "reasons": "reason_1",
    }

    def __init__(self, *args, incident, can_suspend, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = _involved_pupils(incident)
        exclusions = {Sanction.Kind.SUSPENSION, Sanction.Kind.PERMANENT_EXCLUSION}
        self.fields["kind"].choices = [
            (value, label) for value, label in Sanction.Kind.choices if can_suspend or value not in exclusions
        ]
        reasons = [("", _("None")), *SuspensionReason.choices]
        for name in ("reason_1", "reason_2", "reason_3"):
            self.fields[name].choices = reasons
        if not can_suspend:
            for name in ("days", "reason_1", "reason_2", "reason_3"):
                del self.fields[name]

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "pupil": data["pupil"],
            "kind": data["kind"],
            "starts_on": data["starts_on"],
            "days": data.get("days"),
            "reasons": [data.get(name, "") for name in ("reason_1", "reason_2", "reason_3")],
            "notes": data.get("notes", ""),
        }


class DSLNoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=TEXT)


class CloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=SHORT_TEXT)
    rationale = forms.CharField(
        label=_("Rationale"), required=False, widget=SHORT_TEXT, help_text=_("Why a referral was, or was not, made.")
    )

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rationale"].required = incident.is_safeguarding


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reopened"), widget=SHORT_TEXT)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is voided"),
        widget=SHORT_TEXT,
        help_text=_("For an incident recorded in error. It is kept with its history but left out of lists."),
    )


class RacistReportSentForm(forms.Form):
    """When the local authority's racist incident form was sent."""

    sent_on = forms.DateField(label=_("Sent to the local authority on"), widget=DATE_INPUT)
