"""Forms of the office's sending tools: sending an agreement to a selection (issue 17 item 5) with how long it stays
valid (item 3), reminding now (item 4) and reopening a declined request (item 2).

They validate input only; who may act and what happens is decided by ``services_requests``, ``services_chase`` and
``services_decline``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.directory.models import SchoolClass, YearGroup
from safeguard.forms import SafeModelChoiceField

from .models import AgreementChase
from .services_chase import MAX_MESSAGE_CHARS
from .services_decline import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS, MIN_EXPIRY_DAYS


def _expiry_field():
    return forms.IntegerField(
        label=_("The request and its links are valid for (days)"),
        min_value=MIN_EXPIRY_DAYS,
        max_value=MAX_EXPIRY_DAYS,
        initial=DEFAULT_EXPIRY_DAYS,
        help_text=_("After this, the link explains that it has expired and offers a new one by e-mail."),
    )


class SendForm(forms.Form):
    """Who to send an agreement to: everyone who has not signed, a class, a year group, or chosen pupils (pupil and
    parent agreements); everyone or chosen people (staff and governor agreements). ``people`` holds public ids.

    Args:
        school: the ``School``; pupils: True for a pupil or parent agreement.
        people: ``[(public id, label)]`` the office may choose from (pupils, or staff).
    """

    EVERYONE, CLASS, YEAR_GROUP, CHOSEN = "everyone", "class", "year_group", "chosen"

    who = forms.ChoiceField(label=_("Send to"), widget=forms.RadioSelect)
    school_class = SafeModelChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False)
    year_group = SafeModelChoiceField(label=_("Year group"), queryset=YearGroup.objects.none(), required=False)
    people = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    expiry_days = _expiry_field()

    def __init__(self, *args, school, pupils, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupils = pupils
        self.fields["people"].choices = people
        if pupils:
            self.fields["who"].choices = [
                (self.EVERYONE, _("Everyone who has not signed")),
                (self.CLASS, _("A class")),
                (self.YEAR_GROUP, _("A year group")),
                (self.CHOSEN, _("The pupils I choose")),
            ]
            self.fields["school_class"].queryset = SchoolClass.objects.filter(school=school).select_related(
                "year_group"
            )
            self.fields["year_group"].queryset = YearGroup.objects.filter(school=school)
            self.fields["people"].label = _("Pupils who have not signed")
        else:
            self.fields["who"].choices = [
                (self.EVERYONE, _("Everyone who has not signed")),
                (self.CHOSEN, _("The people I choose")),
            ]
            del self.fields["school_class"], self.fields["year_group"]
            self.fields["people"].label = _("People who have not signed")
        self.fields["who"].initial = self.EVERYONE

    def clean(self):
        data = super().clean()
        who = data.get("who")
        if who == self.CLASS and not data.get("school_class"):
            self.add_error("school_class", _("Choose the class to send it to."))
        if who == self.YEAR_GROUP and not data.get("year_group"):
            self.add_error("year_group", _("Choose the year group to send it to."))
        if who == self.CHOSEN and not data.get("people"):
            self.add_error("people", _("Tick at least one name."))
        return data

    def selection(self):
        """The keyword arguments of ``services_requests.requests_send`` for the choice made."""
        data, who = self.cleaned_data, self.cleaned_data["who"]
        chosen = {"expiry_days": data["expiry_days"]}
        if who == self.CLASS:
            chosen["school_class"] = data["school_class"]
        elif who == self.YEAR_GROUP:
            chosen["year_group"] = data["year_group"]
        elif who == self.CHOSEN:
            chosen["pupil_ids" if self.pupils else "user_ids"] = data["people"]
        return chosen


class ChaseForm(forms.Form):
    """Remind now: whom (``AgreementChase.Scope``), which class, year group or requests, and an optional message.

    Args:
        school: the ``School``; pupils: True for a pupil or parent agreement.
        waiting: ``[(request public id, label)]`` of the requests that may be reminded now.
    """

    who = forms.ChoiceField(label=_("Remind"), widget=forms.RadioSelect)
    school_class = SafeModelChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False)
    year_group = SafeModelChoiceField(label=_("Year group"), queryset=YearGroup.objects.none(), required=False)
    requests = forms.MultipleChoiceField(
        label=_("Waiting for a signature"), required=False, widget=forms.CheckboxSelectMultiple
    )
    message = forms.CharField(
        label=_("Message from the office (optional)"),
        max_length=MAX_MESSAGE_CHARS,
        required=False,
        help_text=_("Added to the reminder e-mail, for example a date by which to sign."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, school, pupils, waiting, **kwargs):
        super().__init__(*args, **kwargs)
        Scope = AgreementChase.Scope
        self.fields["requests"].choices = waiting
        if pupils:
            self.fields["who"].choices = [
                (Scope.EVERYONE, _("Everyone who has not signed")),
                (Scope.CLASS, _("A class")),
                (Scope.YEAR_GROUP, _("A year group")),
                (Scope.SELECTED, _("The people I tick")),
            ]
            self.fields["school_class"].queryset = SchoolClass.objects.filter(school=school).select_related(
                "year_group"
            )
            self.fields["year_group"].queryset = YearGroup.objects.filter(school=school)
        else:
            self.fields["who"].choices = [
                (Scope.EVERYONE, _("Everyone who has not signed")),
                (Scope.SELECTED, _("The people I tick")),
            ]
            del self.fields["school_class"], self.fields["year_group"]
        self.fields["who"].initial = Scope.EVERYONE

    def clean(self):
        data = super().clean()
        Scope, who = AgreementChase.Scope, data.get("who")
        if who == Scope.CLASS and not data.get("school_class"):
            self.add_error("school_class", _("Choose the class to remind."))
        if who == Scope.YEAR_GROUP and not data.get("year_group"):
            self.add_error("year_group", _("Choose the year group to remind."))
        if who == Scope.SELECTED and not data.get("requests"):
            self.add_error("requests", _("Tick at least one name."))
        return data

    def chase_kwargs(self):
        """The keyword arguments of ``services_chase.chase_send`` for the choice made (one ticked name is ``ONE``)."""
        data, Scope = self.cleaned_data, AgreementChase.Scope
        scope = data["who"]
        if scope == Scope.SELECTED and len(data["requests"]) == 1:
            scope = Scope.ONE
        return {
            "scope": scope,
            "request_ids": data.get("requests") or (),
            "school_class": data.get("school_class") if scope == Scope.CLASS else None,
            "year_group": data.get("year_group") if scope == Scope.YEAR_GROUP else None,
            "message": data.get("message", ""),
        }


class ReopenForm(forms.Form):
    """Reopening a declined request: how long the new e-mail's link is valid."""

    expiry_days = _expiry_field()
