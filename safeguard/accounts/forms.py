"""Forms for signing in, accepting an invitation and choosing a language."""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import User
from .selectors import user_language


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, labelled for e-mail addresses (the username field keeps its name for django-axes)."""

    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": _(
            "That e-mail address and password do not match an account. Check them and try again: "
            "the password is case-sensitive."
        ),
        "inactive": _("This account has been closed. Please contact the school office."),
    }

    def confirm_login_allowed(self, user):
        # A pupil's own account opens nothing once the pupil has left or the school turned pupil accounts off
        # (``permissions.pupil_account_closed``): it is refused here as a closed account.
        super().confirm_login_allowed(user)
        from safeguard import permissions

        if permissions.pupil_account_closed(user):
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")

    def clean_username(self):
        # Addresses are stored in lower case; phones capitalise the first letter. Lower-casing here also keys
        # django-axes' lockout on the address however it was typed.
        return self.cleaned_data["username"].lower()


class InvitationAcceptForm(forms.Form):
    """A parent chooses their password when accepting an invitation.

    ``email`` is the address the account will use, so the password validators can refuse one too like it.
    """

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

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        elif cleaned.get("password1"):
            # An unsaved user, so UserAttributeSimilarityValidator compares with the e-mail address and name.
            user = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(cleaned["password1"], user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("My school's language"))] + list(settings.LANGUAGES),
        required=False,
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's "forgotten password" form, but the e-mail is queued for the worker rather than sent during the
    request: a slow or dead mail server must not hold the page (or tell anyone whether the address has an account
    by how long it takes)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        from .services import password_reset_email_queue

        user = context["user"]
        password_reset_email_queue(user=user, language=user_language(user) or translation.get_language())
