"""Forms of the policy library, coverage, paper returns and revoking. They validate input only and narrow their
choices to the school; the rules (who may, what may change) are in ``services_library``, ``services_requests`` and
``services``."""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import User
from safeguard.base import DomainError
from safeguard.directory.models import OrganisationRole, OrganisationRoleKind, Role, SchoolClass, StaffRole, YearGroup
from safeguard.filter_fields import FastSelect, model_choices
from safeguard.forms import SafeModelChoiceField

from .agreement_templates import TEMPLATES, agreement_template
from .models import Agreement, Audience, Policy, Signature
from .selectors_library import CoverageStatus
from .services import AUDIENCE_ROLES
from .services_library import FileKind, check_upload, default_resign_by, parse_reminder_days, parse_statements

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PolicyFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Policy.Category.choices], required=False
    )


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Policy.Category.choices)
    owner = SafeModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, help_text=_("Who keeps this policy up to date.")
    )
    approving_body = forms.ChoiceField(label=_("Approving body"), choices=Policy.ApprovingBody.choices)
    approving_committee = forms.CharField(
        label=_("Committee"),
        max_length=200,
        required=False,
        help_text=_("When a committee approves it, its name — for example: Audit and Risk Committee."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    signing_frequency = forms.ChoiceField(
        label=_("Agreements are signed"),
        choices=Policy.SigningFrequency.choices,
        initial=Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
    )

    def __init__(self, *args, school=None, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            # A trust-wide policy (issue 13 item 6): owned by a trust administrator or staff of one of its schools.
            staff = StaffRole.objects.current().filter(school__organisation=organisation).exclude(role=Role.GOVERNOR)
            admins = OrganisationRole.objects.current().filter(
                organisation=organisation, role=OrganisationRoleKind.TRUST_ADMIN
            )
            people = Q(pk__in=staff.values("user_id")) | Q(pk__in=admins.values("user_id"))
            self.fields["owner"].queryset = User.objects.filter(people, is_active=True).order_by("full_name")
            self.fields["approving_body"].initial = Policy.ApprovingBody.TRUST_BOARD
            first = organisation.schools.order_by("name").first()
            self.fields["language"].initial = first.default_language if first is not None else None
            return
        staff = StaffRole.objects.current().filter(school=school).exclude(role=Role.GOVERNOR).values("user_id")
        self.fields["owner"].queryset = User.objects.filter(pk__in=staff, is_active=True).order_by("full_name")
        self.fields["language"].initial = school.default_language

    def clean(self):
        data = super().clean()
        if data.get("approving_body") == Policy.ApprovingBody.COMMITTEE and not data.get("approving_committee"):
            self.add_error("approving_committee", _("Please name the committee that approves this policy."))
        return data


class PolicyVersionForm(forms.Form):
    number = forms.CharField(label=_("Version"), max_length=20, help_text=_("For example: 3, or 2026.1."))
    author = forms.CharField(label=_("Author"), max_length=200, help_text=_("Names or initials, e.g. JEI/KHo."))
    issue_date = forms.DateField(label=_("Issue date"), required=False, widget=DATE_INPUT)
    summary_of_changes = forms.CharField(
        label=_("What changed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: Annual review; operational changes."),
    )
    body_markdown = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Headings start with #, lists with -. Or upload the document instead."),
    )
    document = forms.FileField(
        label=_("Or upload the document (PDF or Word .docx)"),
        required=False,
        help_text=_("At most 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".pdf,.docx,application/pdf,application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document"
            }
        ),
    )

    def clean_document(self):
        uploaded = self.cleaned_data.get("document")
        if uploaded:
            try:
                check_upload(uploaded, allowed={FileKind.PDF, FileKind.DOCX})
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return uploaded

    def clean(self):
        data = super().clean()
        has_text = bool((data.get("body_markdown") or "").strip())
        has_document = bool(data.get("document")) or "document" in self.errors
        if has_text == has_document and "document" not in self.errors:
            raise forms.ValidationError(_("Write the policy's text or upload its document — one of the two."))
        return data


class VersionApproveForm(forms.Form):
    approved_by = forms.CharField(
        label=_("Approved by"),
        max_length=200,
        help_text=_("As it should read in the history, e.g. Audit and Risk Committee, or Headteacher N. Smith."),
    )
    approved_on = forms.DateField(label=_("Approved on"), widget=DATE_INPUT)
    issue_date = forms.DateField(
        label=_("Issue date"), required=False, widget=DATE_INPUT, help_text=_("Leave blank to use the approval date.")
    )
    resign_by = forms.DateField(
        label=_("Sign the new version by"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Until then, a signature of the previous version stays valid. Blank: in 30 days."),
    )

    def __init__(self, *args, school=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        if school is not None:
            self.fields["approved_on"].initial = school.today()
            self.fields["resign_by"].initial = default_resign_by(school)
        elif today is not None:  # a trust-wide policy: ``services_library.policy_today_bounds``
            self.fields["approved_on"].initial = today
            self.fields["resign_by"].initial = default_resign_by(None, today=today)


class AgreementForm(forms.Form):
    audience = forms.ChoiceField(label=_("Who signs"), choices=Audience.choices)
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("For example: Pupil acceptable use agreement.")
    )
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the statements."),
    )
    statements = forms.CharField(
        label=_("Statements"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One statement per line, e.g. “I will not share my password.” They are numbered for you."),
    )
    countersignature = forms.ChoiceField(
        label=_("Countersigned by"), choices=Agreement.Countersignature.choices, initial=Agreement.Countersignature.NONE
    )
    parent_may_sign_for_pupil = forms.BooleanField(label=_("A parent may sign for a younger pupil"), required=False)
    parent_signs_up_to_year = forms.IntegerField(
        label=_("… for pupils up to year"),
        required=False,
        min_value=0,
        max_value=14,
        help_text=_("The year group's number: 0 for Reception, 2 for Year 2. Blank: any year."),
    )
    reminder_days = forms.CharField(
        label=_("Remind after (days)"),
        max_length=50,
        initial="7,14,28",
        help_text=_("Days after the request at which non-signers are reminded, separated by commas."),
    )
    # The shipped template the office started from, if any (``aup.agreement_templates``): kept in the audit event.
    template = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, consent_purposes=(), **kwargs):
        """``consent_purposes``: the questions of the school's published photo consent form a permission statement
        may answer (``services_library.consent_questions_for``); each gets a field for the number of the statement
        that answers it (issue 13 item 10)."""
        super().__init__(*args, **kwargs)
        self.consent_purposes = list(consent_purposes)
        for purpose in self.consent_purposes:
            self.fields[f"consent_link_{purpose.code}"] = forms.IntegerField(
                label=_("Statement that answers “%(question)s”") % {"question": purpose.label},
                required=False,
                min_value=1,
                help_text=_(
                    "A parent or carer who signs and ticks this statement also answers yes to this photo consent "
                    "question. Blank: none."
                ),
            )

    def clean_template(self):
        key = self.cleaned_data.get("template", "")
        return key if agreement_template(key) is not None else ""

    def clean_statements(self):
        statements = parse_statements(self.cleaned_data["statements"])
        if not statements:
            raise forms.ValidationError(_("Please write at least one statement for people to confirm."))
        return statements

    def clean(self):
        """Gather the statement numbers linked to consent questions into ``consent_links`` ({number: code})."""
        data = super().clean()
        links = {}
        for purpose in self.consent_purposes:
            number = data.pop(f"consent_link_{purpose.code}", None)
            if number is None:
                continue
            if number in links:
                self.add_error(
                    f"consent_link_{purpose.code}", _("One statement answers one consent question; choose another.")
                )
            links[number] = purpose.code
        data["consent_links"] = links
        return data

    def clean_reminder_days(self):
        try:
            parse_reminder_days(self.cleaned_data["reminder_days"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        return self.cleaned_data["reminder_days"]

    @staticmethod
    def initial_for(agreement):
        return {
            "audience": agreement.audience,
            "title": agreement.title,
            "introduction": agreement.introduction,
            "statements": "\n".join(s.text for s in agreement.statements.order_by("order")),
            "countersignature": agreement.countersignature,
            "parent_may_sign_for_pupil": agreement.parent_may_sign_for_pupil,
            "parent_signs_up_to_year": agreement.parent_signs_up_to_year,
            "reminder_days": agreement.reminder_days,
            **{
                f"consent_link_{s.consent_purpose_code}": s.order
                for s in agreement.statements.all()
                if s.consent_purpose_code
            },
        }


class AgreementTemplateForm(forms.Form):
    """The office's choice of a shipped template to fill the agreement form from (GET; nothing is saved)."""

    template = forms.ChoiceField(
        label=_("Template"),
        choices=[],
        help_text=_(
            "Fills in who signs, the title, the introduction and the statements below. You can change any of it "
            "before you save."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "choose_%s")  # the agreement form on the same page has its own id_template
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("Choose a template")), *[(t.key, t.name) for t in TEMPLATES]]

    def chosen(self):
        """The chosen ``AgreementTemplate`` once the form is valid, else None."""
        return agreement_template(self.cleaned_data["template"]) if self.is_valid() else None


class CoverageFilterForm(forms.Form):
    """Filters on the coverage page: class and year group for pupils, role for staff; status for both. Drawn on
    every view of the page: the drop-downs are ``FastSelect``s whose classes and year groups are read by one plain
    query each (``safeguard.filter_fields``); the view draws the fields with ``field_group``."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Everyone")), *CoverageStatus.choices], required=False, widget=FastSelect
    )
    school_class = SafeModelChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False, widget=FastSelect
    )
    year_group = SafeModelChoiceField(
        label=_("Year group"), queryset=YearGroup.objects.none(), required=False, widget=FastSelect
    )
    role = forms.ChoiceField(label=_("Role"), choices=[], required=False, widget=FastSelect)

    def __init__(self, *args, school, pupils, audience, **kwargs):
        super().__init__(*args, **kwargs)
        if pupils:
            del self.fields["role"]
            # One school: the models' orders without their first key (the school), which would join its row.
            classes = SchoolClass.objects.filter(school=school).order_by("year_group__order", "name")
            model_choices(self.fields["school_class"], classes)
            model_choices(self.fields["year_group"], YearGroup.objects.filter(school=school).order_by("order", "name"))
        else:
            del self.fields["school_class"], self.fields["year_group"]
            roles = AUDIENCE_ROLES.get(audience) or set()
            self.fields["role"].choices = [("", _("All roles"))] + [
                (value, label) for value, label in Role.choices if value in roles
            ]


class PaperReturnForm(forms.Form):
    """A paper form returned to the office: when, who brought it, the names written on it, and a scan."""

    returned_on = forms.DateField(label=_("Returned on"), widget=DATE_INPUT)
    returned_by = forms.CharField(
        label=_("Returned by"), max_length=200, help_text=_("Who handed it in, e.g. the pupil's mother.")
    )
    scan = forms.FileField(
        label=_("Scan of the signed form (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("At most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, parties, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Signature.Party.choices)
        self.party_fields = []
        for party in parties:
            name = f"name_{party}"
            self.fields[name] = forms.CharField(
                label=_("Name written by: %(party)s") % {"party": labels[party]},
                max_length=200,
                required=False,
                help_text=_("Leave blank if this person did not sign the paper form."),
            )
            self.party_fields.append((party, name))
        if school is not None:
            self.fields["returned_on"].initial = school.today()

    def clean_scan(self):
        uploaded = self.cleaned_data.get("scan")
        if uploaded:
            try:
                check_upload(uploaded, allowed={FileKind.PDF, FileKind.JPEG, FileKind.PNG})
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return uploaded

    def clean(self):
        data = super().clean()
        if self.party_fields and not any((data.get(name) or "").strip() for _party, name in self.party_fields):
            raise forms.ValidationError(_("Please write the name of at least one person who signed the paper form."))
        return data

    def names(self):
        return {party: self.cleaned_data.get(name, "") for party, name in self.party_fields}


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the signature's history, e.g. “signed for the wrong pupil”."),
    )
