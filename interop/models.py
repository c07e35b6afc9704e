"""Stored roster files from other systems (OneRoster zips, DfE Common Transfer Files) and the identifiers those
systems give our records. Nothing in ``safeguard.directory`` changes: pupils, parents and classes stay there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeguard.base import PublicIdModel, TimeStampedModel
from safeguard.directory.models import Guardian, Pupil, School, SchoolClass


class InteropImport(PublicIdModel):
    """A OneRoster 1.2 CSV zip or a CTF XML file uploaded by office staff, kept so that what is applied is exactly
    the file that was previewed.

    Lifecycle (as ``RosterImport``): uploaded and checked → ``pending`` (preview shown) or ``rejected`` (the report
    lists every error) → ``applied`` once, claimed by a conditional UPDATE, or ``cancelled`` when a newer file of the
    same kind is uploaded first. ``payload`` is the uploaded bytes, ``sha256`` their hash; ``summary`` holds the
    preview's counts and errors and, once applied, what was changed. Never deleted. See ``interop.services``.
    """

    class Kind(models.TextChoices):
        ONEROSTER = "oneroster", _("OneRoster 1.2 CSV")
        CTF = "ctf", _("Common Transfer File (CTF)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        REJECTED = "rejected", _("Has errors")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="interop_imports")
    kind = models.CharField(_("format"), max_length=20, choices=Kind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    original_filename = models.CharField(_("file name"), max_length=255)
    payload = models.BinaryField(_("file"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("roster file import")
        verbose_name_plural = _("roster file imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="applied") & Q(applied_at__isnull=False))
                | (~Q(status="applied") & Q(applied_at__isnull=True)),
                name="interop_interopimport_applied_at_iff_applied",
            ),
        ]
        indexes = [models.Index(fields=["school", "kind", "status"], name="interop_import_status")]

    def __str__(self):
        return f"{self.original_filename} ({self.get_status_display()})"


class ExternalId(TimeStampedModel):
    """The identifier another system gives one of our records (a OneRoster ``sourcedId``), so the next file finds
    the same pupil, parent or class even after names change. Written when an import is applied; never edited.
    Exactly one of ``pupil``, ``guardian``, ``school_class`` is set, matching ``kind``."""

    class Kind(models.TextChoices):
        PUPIL = "pupil", _("pupil")
        GUARDIAN = "guardian", _("parent or carer")
        CLASS = "class", _("class")

    class Source(models.TextChoices):
        ONEROSTER = "oneroster", _("OneRoster")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source_id = models.CharField(_("identifier in the source"), max_length=255)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("external identifier")
        verbose_name_plural = _("external identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "source", "kind", "source_id"], name="interop_externalid_unique_per_school"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="pupil") & Q(pupil__isnull=False) & Q(guardian__isnull=True) & Q(school_class__isnull=True)
                )
                | (
                    Q(kind="guardian")
                    & Q(guardian__isnull=False)
                    & Q(pupil__isnull=True)
                    & Q(school_class__isnull=True)
                )
                | (Q(kind="class") & Q(school_class__isnull=False) & Q(pupil__isnull=True) & Q(guardian__isnull=True)),
                name="interop_externalid_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.source}:{self.kind}:{self.source_id}"
