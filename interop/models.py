"""Stored roster files from other systems (OneRoster zips, DfE Common Transfer Files) and the identifiers those
systems give our records. Nothing in ``safeguard.directory`` changes: pupils, parents and classes stay there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel, TimeStampedModel
from safeguard.directory.models import Guardian, Organisation, Pupil, School, SchoolClass


class InteropImport(PublicIdModel):
    """A OneRoster 1.2 CSV zip or a CTF XML file uploaded by office staff, kept so that what is applied is exactly
    the file that was previewed.

    Lifecycle (as ``RosterImport``): uploaded and checked → ``pending`` (preview shown) or ``rejected`` (the report
    lists every error) → ``applying`` when the office confirms (claimed by a conditional UPDATE; the apply runs in a
    Celery task, ``interop.tasks.apply_interop_import``) → ``applied`` once, or ``failed`` (the task's transaction
    rolled back: nothing applied); ``cancelled`` when a newer file of the same kind is uploaded first. A scheduled
    sync applies in its own task, ``pending`` → ``applied`` directly. ``payload`` is the uploaded bytes, ``sha256``
    their hash; ``summary`` holds the preview's counts and errors, the confirm form's ``apply_options``, and, once
    applied, what was changed (or the ``failure``). ``applied_by`` confirmed it; ``notified_at`` is set when they were
    e-mailed the result. Never deleted. See ``interop.services``.
    """

    class Kind(models.TextChoices):
        ONEROSTER = "oneroster", _("OneRoster 1.2 CSV")
        CTF = "ctf", _("Common Transfer File (CTF)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        REJECTED = "rejected", _("Has errors")
        APPLYING = "applying", _("Being applied")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed: nothing was applied")
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
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    notified_at = models.DateTimeField(_("result e-mailed at"), null=True, blank=True)
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


class DistrictImport(PublicIdModel):
    """One OneRoster 1.2 zip for a whole trust or district, uploaded by its administrator (``MANAGE_SCHOOLS`` on the
    organisation): each org of type school in ``orgs.csv`` is matched to a school of the organisation and imported as
    that school's OneRoster import would be, all schools in one transaction.

    Lifecycle as ``InteropImport``: ``pending`` or ``rejected`` → ``applying`` (confirmed; a Celery task applies it,
    ``interop.tasks.apply_district_import``) → ``applied`` once or ``failed`` (nothing applied in any school);
    ``cancelled`` when a newer zip is uploaded first. ``summary`` holds the per-school counts (``schools``, by school
    public id), the errors and notes, and once applied what was changed. Never deleted. See
    ``interop.services_district``.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="district_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    original_filename = models.CharField(_("file name"), max_length=255)
    payload = models.BinaryField(_("file"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=InteropImport.Status.choices, default=InteropImport.Status.PENDING
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    notified_at = models.DateTimeField(_("result e-mailed at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("district roster import")
        verbose_name_plural = _("district roster imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="applied") & Q(applied_at__isnull=False))
                | (~Q(status="applied") & Q(applied_at__isnull=True)),
                name="interop_districtimport_applied_at_iff_applied",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="interop_district_import_status")]

    def __str__(self):
        return f"{self.original_filename} ({self.get_status_display()})"


class ExternalId(TimeStampedModel):
    """The identifier another system gives one of our records (a OneRoster ``sourcedId``), so the next file finds
    the same pupil, parent, class, member of staff or school even after names change. Written when an import is
    applied; never edited. Exactly one of ``pupil``, ``guardian``, ``school_class``, ``user`` is set, matching
    ``kind``; for ``kind`` school none is (the row's ``school`` is the school the district's org is)."""

    class Kind(models.TextChoices):
        PUPIL = "pupil", _("pupil")
        GUARDIAN = "guardian", _("parent or carer")
        CLASS = "class", _("class")
        STAFF = "staff", _("member of staff")
        SCHOOL = "school", _("school")

    class Source(models.TextChoices):
        ONEROSTER = "oneroster", _("OneRoster")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source_id = models.CharField(_("identifier in the source"), max_length=255)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("external identifier")
        verbose_name_plural = _("external identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "source", "kind", "source_id"], name="interop_externalid_unique_per_school"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="pupil")
                    & Q(pupil__isnull=False)
                    & Q(guardian__isnull=True)
                    & Q(school_class__isnull=True)
                    & Q(user__isnull=True)
                )
                | (
                    Q(kind="guardian")
                    & Q(guardian__isnull=False)
                    & Q(pupil__isnull=True)
                    & Q(school_class__isnull=True)
                    & Q(user__isnull=True)
                )
                | (
                    Q(kind="class")
                    & Q(school_class__isnull=False)
                    & Q(pupil__isnull=True)
                    & Q(guardian__isnull=True)
                    & Q(user__isnull=True)
                )
                | (
                    Q(kind="staff")
                    & Q(user__isnull=False)
                    & Q(pupil__isnull=True)
                    & Q(guardian__isnull=True)
                    & Q(school_class__isnull=True)
                )
                | (
                    Q(kind="school")
                    & Q(user__isnull=True)
                    & Q(pupil__isnull=True)
                    & Q(guardian__isnull=True)
                    & Q(school_class__isnull=True)
                ),
                name="interop_externalid_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.source}:{self.kind}:{self.source_id}"


class RosterSync(PublicIdModel):
    """A scheduled re-import of a school's roster from a file the school's systems leave for us: a file dropped in a
    folder on the server (under ``settings.ROSTER_SYNC_DIR/<school slug>/``), or fetched from an HTTPS or SFTP URL.

    Lifecycle: configured by the office or headteacher (``configured_by``: the runs act as this person, and stop
    with a failed run once they no longer manage the roster) → due at ``next_run_at`` (daily at ``run_at`` in the
    school's time zone, or hourly at ``run_at``'s minute) → claimed by the sweep with a conditional UPDATE on
    ``running_since`` → one ``RosterSyncRun`` per run. Disabled rather than deleted. ``secret`` (password, bearer
    token or private key) is stored encrypted (``interop.services_sync.seal``) and never shown again. See
    ``interop.services_sync`` and ``docs/roster-import.md``.
    """

    class Kind(models.TextChoices):
        CSV = "csv", _("Roster CSV (our template)")
        ONEROSTER = "oneroster", _("OneRoster 1.2 CSV zip")
        CTF = "ctf", _("Common Transfer File (CTF)")

    class Source(models.TextChoices):
        FOLDER = "folder", _("A folder on the server")
        HTTPS = "https", _("An HTTPS address")
        SFTP = "sftp", _("An SFTP server")

    class Auth(models.TextChoices):
        NONE = "none", _("None")
        BASIC = "basic", _("User name and password (HTTP basic)")
        BEARER = "bearer", _("Bearer token")
        PASSWORD = "password", _("Password (SFTP)")
        PRIVATE_KEY = "private_key", _("Private key (SFTP)")

    class Schedule(models.TextChoices):
        DAILY = "daily", _("Daily")
        HOURLY = "hourly", _("Hourly")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="roster_syncs")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("format"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    folder = models.CharField(_("folder or file"), max_length=255, blank=True)
    url = models.CharField(_("address"), max_length=500, blank=True)
    auth = models.CharField(_("sign-in"), max_length=20, choices=Auth.choices, default=Auth.NONE)
    username = models.CharField(_("user name"), max_length=150, blank=True)
    secret = models.TextField(_("secret (encrypted)"), blank=True)
    host_key = models.CharField(_("SFTP server's host key"), max_length=2000, blank=True)
    schedule = models.CharField(_("schedule"), max_length=20, choices=Schedule.choices, default=Schedule.DAILY)
    run_at = models.TimeField(_("time of day"))
    mark_leavers = models.BooleanField(_("mark pupils missing from the file as left"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    configured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("configured by")
    )
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    last_applied_sha256 = models.CharField(_("SHA-256 of the last file applied"), max_length=64, blank=True)
    last_failed_sha256 = models.CharField(_("SHA-256 of the last file that failed"), max_length=64, blank=True)
    # Who changed the settings and when; the secret is never copied into history rows.
    history = HistoricalRecords(excluded_fields=["secret", "next_run_at", "running_since"])

    class Meta:
        verbose_name = _("roster sync")
        verbose_name_plural = _("roster syncs")
        ordering = ["name"]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="interop_rostersync_due")]

    def __str__(self):
        return self.name


class RosterSyncRun(PublicIdModel):
    """One run of a ``RosterSync``: the file fetched (name, SHA-256), what happened and the report.

    Lifecycle: ``running`` when the sweep (or "run now") claims the sync → ``ok`` (applied), ``no_change`` (the same
    file as the last one applied: nothing read further, nothing written, no e-mail) or ``failed`` (could not fetch,
    or the file has errors: nothing applied; the office and headteacher are e-mailed once, ``emailed_at``).
    ``report`` holds ``errors`` (file, line, record, field, message), ``message``, the import's ``import_id`` and
    the ``absent_pupils`` (public ids) a person may then confirm as leavers (``leavers_confirmed_at``/``_by``).
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Applied")
        NO_CHANGE = "no_change", _("No change")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Run now")

    sync = models.ForeignKey(RosterSync, on_delete=models.PROTECT, related_name="runs")
    trigger = models.CharField(_("started by"), max_length=20, choices=Trigger.choices, default=Trigger.SCHEDULE)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    leavers_confirmed_at = models.DateTimeField(_("leavers confirmed at"), null=True, blank=True)
    leavers_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leavers confirmed by"),
    )

    class Meta:
        verbose_name = _("roster sync run")
        verbose_name_plural = _("roster sync runs")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["sync", "-started_at"], name="interop_rostersyncrun_recent")]

    def __str__(self):
        return f"{self.sync} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class CtfExport(PublicIdModel):
    """One download of a leaver's Common Transfer File: who made it, when, the SHA-256 of the XML, and the leaving it
    belongs to (``left_on``, the pupil's leaving date at the time).

    The CTF carries the main pupil record only; a child protection file goes separately from the DSL to the new
    school's DSL (KCSIE), recorded by ``incidents.FileTransfer``. This row is what links the two for the DSL team:
    their transfer pages list the pupil's CTF exports beside the transfers. ``dsl_notified_at`` is set on the first
    export of a leaving, when the DSL team is e-mailed (``interop.tasks.send_leaver_ctf_notice``); later downloads of
    the same leaving notify no one. Rows are never changed otherwise.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="ctf_exports")
    left_on = models.DateField(_("left on"))
    exported_at = models.DateTimeField(_("exported at"))
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("exported by")
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    dsl_notified_at = models.DateTimeField(_("DSL team told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("CTF export")
        verbose_name_plural = _("CTF exports")
        ordering = ["-exported_at", "-pk"]
        indexes = [models.Index(fields=["pupil", "-exported_at"], name="interop_ctfexport_pupil")]

    def __str__(self):
        return f"CTF {self.pupil_id} {self.exported_at:%Y-%m-%d %H:%M}"
