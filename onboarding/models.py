"""Records the set-up pages keep beyond the directory's own: staff invitations and year roll-overs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel, TimeStampedModel


class StaffInvitation(PublicIdModel):
    """A single-use, expiring link that lets a new member of staff (or a trust or district admin) set a password.

    Lifecycle: the person's account is created with no usable password and their roles are given at once
    (``staff_invite``, ``installation_start``, ``organisation_school_head_invite``), so a class can name its teacher
    before they have signed in → this invitation is e-mailed by a Celery task after commit (``sent_at``) → accepted
    once (``accepted_at``: the password is set), or expires at ``expires_at``, or is revoked (``revoked_at``) when a
    newer invitation replaces it. An expired or replaced link asks for a new one, sent to the address on record, so
    nobody is left with an account and no way to sign in. The link carries the public id signed with SECRET_KEY
    (``onboarding.tokens``); nothing secret is stored.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_invitations")
    email = models.EmailField(_("e-mail address"))
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="staff_invitations"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="staff_invitations"
    )
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.created_at:%Y-%m-%d})"

    @property
    def place(self):
        """The school or organisation the person was invited to (for the e-mail and the accept page)."""
        return self.school or self.organisation


class YearRollOver(TimeStampedModel):
    """One school's move from one academic year to the next: classes copied, pupils moved up, leavers marked left.

    The unique ``from_year`` claims the roll-over, so it happens once however often the button is pressed. Kept as
    the record of what was done (``summary``: counts).
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="roll_overs")
    from_year = models.OneToOneField(
        "directory.AcademicYear", on_delete=models.PROTECT, related_name="roll_over_from", verbose_name=_("from")
    )
    to_year = models.OneToOneField(
        "directory.AcademicYear", on_delete=models.PROTECT, related_name="roll_over_to", verbose_name=_("to")
    )
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("year roll-over")
        verbose_name_plural = _("year roll-overs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.from_year} → {self.to_year}"
