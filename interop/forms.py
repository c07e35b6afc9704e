"""Forms of the OneRoster and CTF imports: the upload (size and kind checked here) and the confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_UPLOAD_BYTES


class _UploadForm(forms.Form):
    extensions = ()

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB."), params={"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if not uploaded.name.lower().endswith(self.extensions):
            raise forms.ValidationError(
                _("Upload a file ending in %(extensions)s."), params={"extensions": " / ".join(self.extensions)}
            )
        return uploaded


class OneRosterUploadForm(_UploadForm):
    """The OneRoster 1.2 CSV zip; its files are checked by ``services.interop_import_preview``."""

    extensions = (".zip",)
    file = forms.FileField(
        label=_("OneRoster file (zip)"),
        help_text=_("The bulk OneRoster 1.2 CSV zip from your district or student information system, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class CtfUploadForm(_UploadForm):
    """The Common Transfer File (XML) exported from the MIS or downloaded from School to School."""

    extensions = (".xml",)
    file = forms.FileField(
        label=_("Common Transfer File (XML)"),
        help_text=_("The CTF as exported by your MIS or downloaded from School to School, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,text/xml,application/xml"}),
    )


class ImportConfirmForm(forms.Form):
    """Apply a previewed import. Leavers are marked and parents invited only when the office ticks the box."""

    mark_absent_as_left = forms.BooleanField(
        label=_("Mark the pupils listed above as left today"),
        required=False,
        help_text=_("Pupils are never deleted."),
    )
    invite_guardians = forms.BooleanField(
        label=_("E-mail an account invitation to each new parent or carer with parental responsibility"),
        required=False,
    )
    invite_staff = forms.BooleanField(
        label=_("Invite new staff: e-mail each person given a role a link to set their password"),
        required=False,
        help_text=_("The same invitation as on the staff page. People who can already sign in get none."),
    )
    invite_students = forms.BooleanField(
        label=_("Invite students who are old enough: e-mail each a link to set up their own account"),
        required=False,
        help_text=_(
            "Only pupils the school's setting for pupils' own accounts covers, with an e-mail address in the file and "
            "no account or open invitation yet."
        ),
    )
    end_staff_roles = forms.BooleanField(
        label=_("End the roles of the staff listed as leaving (tobedeleted) today"),
        required=False,
        help_text=_("Their accounts and history stay; roles the file cannot give (such as DSL) are not ended."),
    )


class DistrictImportConfirmForm(forms.Form):
    """Apply a previewed district import in every school of the file. No parent or student invitations from the
    district: inviting a family or a pupil is each school's office's step (``INVITE_GUARDIAN``)."""

    mark_absent_as_left = forms.BooleanField(
        label=_("Mark the pupils listed as leaving as left today, in every school"),
        required=False,
        help_text=_("Pupils are never deleted."),
    )
    invite_staff = ImportConfirmForm.base_fields["invite_staff"]
    end_staff_roles = ImportConfirmForm.base_fields["end_staff_roles"]


class RosterSyncForm(forms.ModelForm):
    """Configure a scheduled roster sync. The secret is write-only: never rendered back, kept when left blank.

    Checks the source here (the folder inside the school's drop folder, https:// or sftp://) so the office sees the
    problem beside the field; ``services_sync.roster_sync_save`` checks it again."""

    secret = forms.CharField(
        label=_("Password, token or private key"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the one saved."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the saved password, token or key"), required=False)

    class Meta:
        from .models import RosterSync

        model = RosterSync
        fields = [
            "name",
            "kind",
            "source",
            "folder",
            "url",
            "auth",
            "username",
            "host_key",
            "schedule",
            "run_at",
            "mark_leavers",
            "enabled",
        ]
        widgets = {"run_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {
            "folder": _(
                "For a folder source: a file or folder inside the school's drop folder on the server (leave empty for "
                "the drop folder itself). The newest file of the format is imported."
            ),
            "url": _("https://… (HTTPS) or sftp://user@host:22/path/roster.csv (SFTP)."),
            "host_key": _("SFTP only: the server's public host key as ssh-keyscan prints it, e.g. ssh-ed25519 AAAA…"),
            "run_at": _("Daily: the time of day in the school's time zone. Hourly: the minute past each hour."),
            "mark_leavers": _(
                "Off: pupils missing from the file stay on roll and are listed on the sync's page until you confirm "
                "them."
            ),
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean(self):
        from safeguard.base import DomainError

        from .models import RosterSync
        from .services_sync import check_https_url, check_sftp_url, resolve_folder

        data = super().clean()
        source, auth = data.get("source"), data.get("auth")
        try:
            if source == RosterSync.Source.FOLDER:
                resolve_folder(self.school, data.get("folder", ""))
            elif source == RosterSync.Source.HTTPS:
                check_https_url(data.get("url", ""))
            elif source == RosterSync.Source.SFTP:
                check_sftp_url(data.get("url", ""))
        except DomainError as error:
            self.add_error("folder" if source == RosterSync.Source.FOLDER else "url", error.message)
        allowed = {
            RosterSync.Source.FOLDER: {RosterSync.Auth.NONE},
            RosterSync.Source.HTTPS: {RosterSync.Auth.NONE, RosterSync.Auth.BASIC, RosterSync.Auth.BEARER},
            RosterSync.Source.SFTP: {RosterSync.Auth.PASSWORD, RosterSync.Auth.PRIVATE_KEY},
        }
        if source in allowed and auth not in allowed[source]:
            self.add_error("auth", _("This sign-in does not fit the source."))
        has_secret = bool(data.get("secret")) or (
            bool(self.instance.pk and self.instance.secret) and not data.get("clear_secret")
        )
        if auth not in (None, RosterSync.Auth.NONE) and not has_secret:
            self.add_error("secret", _("Enter the password, token or key."))
        if auth == RosterSync.Auth.BASIC and not data.get("username"):
            self.add_error("username", _("Enter the user name."))
        if source == RosterSync.Source.SFTP and len((data.get("host_key") or "").split()) < 2:
            self.add_error("host_key", _("Enter the server's host key (ssh-keyscan prints it)."))
        return data
