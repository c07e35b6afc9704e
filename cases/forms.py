"""Forms of cases and incident links. They validate input only, narrowing their choices to the school (its pupils on
roll, its DSL team, the concerns about the case's pupils); the rules are in ``cases.services``."""

import re

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from safeguard.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from .models import Case
from .selectors import cases as case_selectors

TEXT = forms.Textarea(attrs={"rows": 4})
SHORT_TEXT = forms.Textarea(attrs={"rows": 2})


def concern_label(incident):
    """ "12 Mar 2026 10:40 · Neglect" — when and what, never the description (a select's options are read aloud)."""
    when = formats.date_format(timezone.localtime(incident.occurred_at), "j M Y H:i")
    categories = ", ".join(category.name for category in incident.categories.all())
    return f"{when} · {categories}" if categories else when


class PupilChoiceField(SafeModelChoiceField):
    def label_from_instance(self, pupil):
        return f"{pupil.display_name} · {pupil.school_class}" if pupil.school_class_id else pupil.display_name


class PupilsChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, pupil):
        return f"{pupil.display_name} · {pupil.school_class}" if pupil.school_class_id else pupil.display_name


class ConcernsChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, incident):
        return concern_label(incident)


class ConcernChoiceField(SafeModelChoiceField):
    def label_from_instance(self, incident):
        return concern_label(incident)


class OwnerChoiceField(SafeModelChoiceField):
    def label_from_instance(self, user):
        return str(user)


class CaseOpenForm(forms.Form):
    """Open a case. ``pupil``: the pupil it starts from (from the pupil's page), or None to choose one here; with a
    pupil, their suggested brothers and sisters and their concerns are offered as ticks."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("A short name the DSL team will recognise, such as “Home situation”."),
    )

    def __init__(self, *args, school, pupil=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = OwnerChoiceField(
            label=_("Owner"), queryset=case_selectors.dsl_team(school), empty_label=None
        )
        if pupil is None:
            self.fields["pupil"] = PupilChoiceField(
                label=_("Pupil"), queryset=case_selectors.pupils_on_roll(school), to_field_name="public_id"
            )
            siblings, concerns = [], None
        else:
            siblings = case_selectors.suggested_siblings([pupil])
            concerns = case_selectors.concerns_of_pupils(school, [pupil]).prefetch_related("categories")
        if siblings:
            self.fields["siblings"] = PupilsChoiceField(
                label=_("Also about"),
                required=False,
                queryset=case_selectors.pupils_on_roll(school).filter(pk__in=[sibling.pk for sibling in siblings]),
                to_field_name="public_id",
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Pupils who share a parent or carer: tick those the case is also about (a family case)."),
            )
        if concerns is not None and concerns.exists():
            self.fields["concerns"] = ConcernsChoiceField(
                label=_("Concerns to add"),
                required=False,
                queryset=concerns,
                to_field_name="public_id",
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields["note"] = forms.CharField(
            label=_("Why the case is opened"), required=False, widget=SHORT_TEXT, help_text=_("The first case note.")
        )


class CaseNoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=TEXT, help_text=_("A discussion, a decision and the reason for it."))


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Case.Status.choices)
    summary = forms.CharField(
        label=_("Closing summary, or why it is reopened"),
        required=False,
        widget=SHORT_TEXT,
        help_text=_("Needed to close the case: what was done and why it can close."),
    )


class CaseOwnerForm(forms.Form):
    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = OwnerChoiceField(
            label=_("Owner"), queryset=case_selectors.dsl_team(school), empty_label=None
        )


class CasePupilForm(forms.Form):
    def __init__(self, *args, school, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"] = PupilChoiceField(
            label=_("Pupil"),
            queryset=case_selectors.pupils_on_roll(school).exclude(pk__in=exclude),
            to_field_name="public_id",
        )


class CaseConcernForm(forms.Form):
    """Add a concern about one of the case's pupils (``concerns``: the queryset to choose from)."""

    def __init__(self, *args, concerns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"] = ConcernChoiceField(
            label=_("Concern"), queryset=concerns.prefetch_related("categories"), to_field_name="public_id"
        )


class CaseListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open or under review")), *Case.Status.choices, ("all", _("All"))],
    )
    mine = forms.BooleanField(label=_("Only cases I own"), required=False)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class IncidentLinkForm(forms.Form):
    """Link an incident to another: chosen from the suggestions, or by pasting the other record's web address.
    ``candidates``: the suggested incidents (``cases.selectors.links.link_candidates``). Cleans ``other_id`` (a
    UUID string) — the look-up and the permission check are the view's and the service's."""

    # A select of suggestions, but any incident id is accepted: the suggestions are built for the form shown on the
    # record, and the view looks up and checks whatever is posted.
    other = forms.CharField(label=_("Link to"), required=False, widget=forms.Select)
    address = forms.CharField(
        label=_("Or paste the other incident's web address"),
        required=False,
        max_length=500,
        help_text=_("Open the other incident and copy the address from the browser's address bar."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("Optional: how they are related, such as “same event” or “follow-on”."),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].widget.choices = [("", _("Choose an incident"))] + [
            (str(incident.public_id), concern_label(incident)) for incident in candidates
        ]

    def clean(self):
        cleaned = super().clean()
        match = _UUID.search(cleaned.get("address") or "")
        other = cleaned.get("other") or (match.group(0).lower() if match else "")
        if not other:
            raise forms.ValidationError(_("Choose the incident to link to, or paste its address."))
        cleaned["other_id"] = other
        return cleaned
