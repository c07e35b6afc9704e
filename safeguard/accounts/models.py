"""People who sign in: staff, governors, trust staff and parents share one user model, keyed on e-mail."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # E-mail addresses are unique whatever their case (accounts_user_email_ci_unique), so sign-in ignores case.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin, PublicIdModel):
    """A person who signs in with e-mail and password.

    What they may do comes from their roles (``directory.StaffRole``, ``directory.OrganisationRole``) and, for
    parents, their linked ``directory.Guardian`` records — never from Django's is_staff flag, which only opens the
    admin site to the platform's operators. Users are deactivated, never deleted.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Leave blank to use the school's language."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform operator"), default=False)
    ical_token = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Invitation(PublicIdModel):
    """A single-use, expiring link that lets a parent or carer — or a pupil, where the school gives pupils their own
    accounts (``directory.PupilAccountSetting``) — set a password and sign in. Exactly one of ``guardian`` and
    ``pupil`` is set; accepting links the account to that record (``Guardian.user`` or ``Pupil.user``).

    Lifecycle: created by office staff (``invitation_create``) → e-mailed by a Celery task after commit
    (``sent_at``) → accepted once (``accepted_at``), or expires at ``expires_at``, or is revoked (``revoked_at``)
    when a newer invitation replaces it. The link carries the public id signed with SECRET_KEY (``tokens.py``):
    nothing secret is stored, so a database reader cannot make a working link, and changing SECRET_KEY voids every
    open link (the parent then asks the office for a new one).
    """

    guardian = models.ForeignKey(
        "directory.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    pupil = models.ForeignKey(
        "directory.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="account_invitations"
    )
    email = models.EmailField(_("e-mail address"))
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations_created"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(guardian__isnull=False) & models.Q(pupil__isnull=True))
                | (models.Q(guardian__isnull=True) & models.Q(pupil__isnull=False)),
                name="accounts_invitation_guardian_or_pupil",
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.created_at:%Y-%m-%d})"

    @property
    def invitee(self):
        """The ``Guardian`` or ``Pupil`` the invitation is for."""
        return self.guardian if self.guardian_id is not None else self.pupil

    @property
    def school(self):
        return self.invitee.school

    @property
    def invitee_name(self):
        """The name the school holds for the person invited (str)."""
        return self.guardian.full_name if self.guardian_id is not None else self.pupil.display_name


class PasswordResetEmail(models.Model):
    """One e-mail with a password-reset link, asked for on the "forgotten password" page.

    Lifecycle: created by ``password_reset_email_queue`` when someone asks → sent once by the worker
    (``tasks.send_password_reset``, which claims the row by setting ``sent_at``). The link itself is made when the
    e-mail is sent and is never stored: it stays valid until the password changes or ``PASSWORD_RESET_TIMEOUT``.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="password_reset_emails")
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset e-mail")
        verbose_name_plural = _("password reset e-mails")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"
