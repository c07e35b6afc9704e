"""Governor termly reports: a school's figures for one term (or a trust's, across its schools), with the
headteacher's commentary, issued to governors.

A report is drafted for a term by a senior leader or the headteacher (a trust roll-up by a trust administrator),
shows live figures while it is a draft, and is published once: publishing keeps the figures exactly as issued (a JSON
snapshot of what the page shows, already suppressed — never the raw small counts) and the PDF bytes, with their
SHA-256, in private storage. Later changes to incidents never alter a published report. Nothing is deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aup.models import get_private_storage
from safeguard.base import PublicIdModel, TimeStampedModel
from safeguard.directory.models import Term


class GovernorReport(PublicIdModel):
    """One termly report: for a ``school`` and its ``term``, or for an ``organisation`` (a trust roll-up) and a term
    identified by ``academic_year_start`` and ``term_kind`` (its schools' terms of that kind in that academic year).

    Lifecycle: draft (live figures, visible to SLT and the head; the head writes the commentary) → published (the
    figures, the commentary and the PDF are kept as issued; governors read it). One report per school and term, and
    per trust and term.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="governor_reports"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="governor_reports",
        verbose_name=_("trust or district"),
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, related_name="governor_reports")
    academic_year_start = models.PositiveSmallIntegerField(
        _("academic year"), help_text=_("The calendar year the academic year starts in, e.g. 2026 for 2026/27.")
    )
    term_kind = models.CharField(_("term"), max_length=20, choices=Term.Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    commentary = models.TextField(_("commentary"), blank=True)
    commentary_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commentary_at = models.DateTimeField(_("commentary written at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    figures = models.JSONField(_("figures as issued"), default=dict, blank=True)
    pdf = models.FileField(storage=get_private_storage, upload_to="governor-reports/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("governor report")
        verbose_name_plural = _("governor reports")
        ordering = ["-academic_year_start", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(school__isnull=False, organisation__isnull=True, term__isnull=False))
                | Q(school__isnull=True, organisation__isnull=False, term__isnull=True),
                name="reports_governorreport_school_or_trust",
            ),
            models.UniqueConstraint(
                fields=["school", "term"],
                condition=Q(school__isnull=False),
                name="reports_governorreport_one_per_school_term",
            ),
            models.UniqueConstraint(
                fields=["organisation", "academic_year_start", "term_kind"],
                condition=Q(organisation__isnull=False),
                name="reports_governorreport_one_per_trust_term",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False, published_by__isnull=False),
                name="reports_governorreport_published_when_by_whom",
            ),
        ]

    def __str__(self):
        return f"{self.owner_name} — {self.term_label}"

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def is_trust(self):
        return self.organisation_id is not None

    @property
    def owner_name(self):
        return str(self.organisation if self.is_trust else self.school)

    @property
    def term_key(self):
        """The term as ``"2026-autumn"`` (the key the dashboards' term filter uses)."""
        return f"{self.academic_year_start}-{self.term_kind}"

    @property
    def term_label(self):
        """ "Autumn term 2026/27"."""
        return term_label(self.academic_year_start, self.term_kind)


def term_label(year, kind):
    """A term's name from its academic year's starting year and kind: "Autumn term 2026/27"."""
    return f"{Term.Kind(kind).label} {year}/{(year + 1) % 100:02d}"


class BehaviourThreshold(PublicIdModel):
    """A school's rule that raises an action when one pupil reaches ``incidents`` behaviour incidents within
    ``school_days`` school days ("5 incidents in 10 school days", issue 16 item 10).

    Counted: incidents not voided, not safeguarding concerns, with a behaviour level of ``min_level`` or above, where
    the pupil is the alleged perpetrator or the subject; only pupils of ``year_group`` when one is set. The action goes
    to ``assignee`` (e.g. the head of year) while they are staff of the school, otherwise to a senior leader.

    Lifecycle: the school's default rule (5 in 10, ``is_default``) is made the first time its rules are needed; SLT,
    the head and the DSL team add and edit rules and turn them off (``is_active``) — never deleted, history kept.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="behaviour_thresholds")
    incidents = models.PositiveSmallIntegerField(
        _("incidents"), default=5, help_text=_("How many behaviour incidents for one pupil raise an action.")
    )
    school_days = models.PositiveSmallIntegerField(
        _("within school days"), default=10, help_text=_("Counted back from the day of the latest incident.")
    )
    min_level = models.PositiveSmallIntegerField(
        _("lowest level counted"), default=1, help_text=_("Incidents of this behaviour level or above count.")
    )
    year_group = models.ForeignKey(
        "directory.YearGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("year group"),
        help_text=_("Only pupils of this year group; empty for every pupil."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who acts"),
        help_text=_("Who is asked to act, e.g. the head of year; empty for a senior leader."),
    )
    is_active = models.BooleanField(_("on"), default=True)
    is_default = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("behaviour threshold")
        verbose_name_plural = _("behaviour thresholds")
        ordering = ["school", "-is_active", "school_days", "incidents", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incidents__gte=2, incidents__lte=50, school_days__gte=1, school_days__lte=100),
                name="reports_behaviourthreshold_sensible_numbers",
            ),
            models.CheckConstraint(
                condition=Q(min_level__gte=1, min_level__lte=5), name="reports_behaviourthreshold_level_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_default=True), name="reports_behaviourthreshold_one_default"
            ),
        ]

    def __str__(self):
        return str(
            _("%(incidents)s incidents in %(days)s school days")
            % {"incidents": self.incidents, "days": self.school_days}
        )


class ThresholdAlert(TimeStampedModel):
    """A threshold reached by one pupil, and the action it raised: the record that stops the same rule being raised
    for the same pupil twice within its window. ``window_starts_on`` is the local date of the first incident counted,
    ``raised_on`` the school's local date when it was raised; ``incidents_counted`` how many were counted."""

    rule = models.ForeignKey(BehaviourThreshold, on_delete=models.PROTECT, related_name="alerts")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey("incidents.Action", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    window_starts_on = models.DateField()
    raised_on = models.DateField()
    incidents_counted = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("threshold reached")
        verbose_name_plural = _("thresholds reached")
        ordering = ["-raised_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "pupil", "window_starts_on"], name="reports_thresholdalert_once_per_window"
            ),
        ]
        indexes = [models.Index(fields=["rule", "pupil", "-raised_on"], name="reports_thresholdalert_latest")]


# Pre-counted figures (issue 18 item 1) ------------------------------------------------------------------------------


class SchoolDataVersion(models.Model):
    """A school's *database-side* data version for one ``safeguard.datacache`` topic: a counter raised by one
    ``INSERT … ON CONFLICT DO UPDATE SET version = version + 1`` inside the transaction of every change the topic's
    signals see (``bump``), so it commits — or rolls back — with the change itself. No row means version 0.

    ``FigureSnapshot`` rows carry the version they were counted from and are read only while it is still the
    school's; unlike ``datacache``'s tokens (held in the cache, lost with it), this survives a cache flush or a deploy.

    A counter, not a record anyone decides: no history (nothing to audit; every change it counts is audited where
    it is made). Concurrent writers of one school queue on its row for the rest of their transaction — a few
    milliseconds each.
    """

    LOCK_CLASS = 18_001  # the first key of a school's advisory lock (``bump``): used by nothing else
    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=20)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "topic"], name="reports_schooldataversion_one_per_topic"),
        ]

    def __str__(self):
        return f"{self.school_id}:{self.topic}={self.version}"

    @classmethod
    def bump(cls, school_id, topic):
        """Raise the version of ``school_id`` (int) for ``topic`` by one, in the current transaction (one upsert;
        PostgreSQL and SQLite ≥ 3.24 both read ``ON CONFLICT``). Blocks while another open transaction has bumped
        any topic of the school (PostgreSQL: the school's advisory lock; the row itself elsewhere), so the two
        changes are counted one after the other."""
        from django.db import connection

        table = connection.ops.quote_name(cls._meta.db_table)
        params = [school_id, topic]
        # The model's own table and columns; the values are parameters.
        rows = "VALUES (%s, %s, 1)"
        if connection.vendor == "postgresql":
            # One school's rows are locked in whatever order its topics are bumped (a signature bumps agreements then
            # consent, a pupil's save consent then agreements): the school's advisory lock, taken first and held to
            # the end of the transaction, lets one transaction at a time hold them, so two cannot deadlock.
            rows = "SELECT %s, %s, 1 FROM (SELECT pg_advisory_xact_lock(%s::int, %s::int)) AS school_lock"
            params += [cls.LOCK_CLASS, school_id]
        sql = (
            f"INSERT INTO {table} (school_id, topic, version) {rows} "  # noqa: S608
            f"ON CONFLICT (school_id, topic) DO UPDATE SET version = {table}.version + 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


class FigureSnapshot(models.Model):
    """Every count of a school's incident dashboard for one period, counted in advance (``reports.precount``), so
    that a dashboard, the trust comparison or last year's headline counts read one row instead of counting again
    when the figures cache is cold.

    A row is the ``figures.DashboardCounts`` of one school (``reports.precount.full_counts``: pupils with repeated
    incidents as rows, the rates per cohort and the pupils on roll — every page's shape is cut from it) as exact JSON
    (``reports.precount.encode``), for:

    - ``scope``: who the figures are for (``figures._scope_key``: concerns left out; counted; counted but not in the
      figures that pick out pupils);
    - ``date_from``/``date_to``: the period (the school's local dates, inclusive);
    - ``counted_on``: the school's local date it was counted on ("overdue" actions depend on it), and its
      ``time_zone`` then;
    - ``data_version``: the school's ``SchoolDataVersion`` for incidents, read *before* counting, and
      ``figures_version``: ``figures.FIGURES_VERSION``.

    A row is read only while all of these still hold (``precount.read``): after any change to the school's incidents
    its version has moved and the page counts live, as it always did. ``self_contained`` is False when the counts
    name another school (a sanction or cohort counted in a pupil's new school): such a row serves that school's own
    dashboard, never a sum across schools.

    Lifecycle: written by the rebuild (a task after each change, debounced; an hourly sweep for each school's new day;
    the bench build) — never by a page that counted live; replaced in place; rows of earlier days are deleted by the
    sweep. Derived and rebuildable at any time, holding counts and ids only (no person's name): no history — it
    would record nothing anybody decided, and double every rebuild's writes.

    A governor report's sections row (``scope`` ``precount.GOVERNOR_SECTIONS``, both dates the day counted on) holds
    the facts of its acceptable use, consent and policy sections — counts, and the titles of policies and consent
    questions — with the school's versions of those topics in ``counts["versions"]`` (``data_version`` unused).
    """

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=40)
    date_from = models.DateField()
    date_to = models.DateField()
    counted_on = models.DateField()
    time_zone = models.CharField(max_length=63)
    figures_version = models.PositiveIntegerField()
    data_version = models.BigIntegerField()
    self_contained = models.BooleanField(default=True)
    counts = models.JSONField()
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "scope", "date_from", "date_to", "counted_on", "time_zone", "figures_version"],
                name="reports_figuresnapshot_one_per_period",
            ),
        ]

    def __str__(self):
        return f"{self.school_id} {self.scope} {self.date_from}–{self.date_to} on {self.counted_on}"


def _data_changed(sender, topic, school_id, **kwargs):
    """``safeguard.datacache.changed`` (inside the change's transaction): raise the school's data version of ``topic``
    — incidents for the pre-counted figures, acceptable use, consent and policies for a governor report's pre-counted
    coverage and policy sections (``reports.precount.governor_sections_read``)."""
    SchoolDataVersion.bump(school_id, topic)


def _data_committed(sender, topic, school_id, **kwargs):
    """``safeguard.datacache.committed`` (after commit): queue the school's snapshots' rebuild (debounced) — all of
    them for an incident change, only the governor report's sections for another topic's."""
    from safeguard import datacache

    from .precount import queue_rebuild, queue_sections_rebuild

    if topic == datacache.INCIDENTS:
        queue_rebuild(school_id)
    else:
        queue_sections_rebuild(school_id)


# Services that write pupils in bulk (``bulk_create_with_history`` / ``bulk_update_with_history`` send no model
# signals, so the ``Pupil`` watch in ``ReportsConfig.ready`` never sees them), each saving its own record inside the
# same transaction: a roster, OneRoster or CTF import creating pupils (``directory.roster.write_roster_plan``; a
# district import for each school of the trust) and the year's roll-over marking leavers left. Pupils on roll and the
# cohorts are in the pre-counted figures, which unlike the figures cache have no maximum age: without a bump here they
# would be served until the school's next day.
_BULK_PUPIL_WRITERS = {
    "directory.RosterImport": lambda record: [record.school_id],
    "interop.InteropImport": lambda record: [record.school_id],
    "onboarding.YearRollOver": lambda record: [record.school_id],
    "interop.DistrictImport": lambda record: _organisation_school_ids(record.organisation_id),
}


def _organisation_school_ids(organisation_id):
    from safeguard.directory.models import School

    return list(School.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True))


def _pupils_written_in_bulk(sender, instance, raw=False, **kwargs):
    """``post_save`` of a ``_BULK_PUPIL_WRITERS`` record: bump every ``safeguard.datacache`` topic of its schools, as a
    saved ``Pupil`` does (inside the import's or roll-over's transaction, so the version moves with the pupils)."""
    if raw:
        return
    for school_id in _BULK_PUPIL_WRITERS[sender._meta.label](instance):
        _bump_every_topic(school_id)


def _bump_every_topic(school_id):
    from safeguard import datacache

    for topic in datacache.TOPICS:
        datacache.bump(topic, school_id)


def _pupil_school_before(sender, instance, raw=False, update_fields=None, **kwargs):
    """``pre_save`` of a ``Pupil``: note the school it is moving from, if any (one query, only for a saved pupil whose
    save may change its school — the office's saves name their fields and skip it). The ``Pupil`` watch bumps only
    the pupil's school after the save, but the school it left counted it too: on roll, in its cohorts, and its
    suspensions (counted under the pupil's school)."""
    if raw or instance._state.adding:
        return
    if update_fields is not None and not {"school", "school_id"} & set(update_fields):
        return
    before = sender._base_manager.filter(pk=instance.pk).values_list("school_id", flat=True).first()
    if before is not None and before != instance.school_id:
        instance._precount_moved_from = before


def _pupil_moved(sender, instance, raw=False, **kwargs):
    """``post_save`` of a ``Pupil``: bump every topic of the school it moved from (``_pupil_school_before``), in the
    save's transaction, after the write."""
    moved_from = instance.__dict__.pop("_precount_moved_from", None)
    if moved_from is not None and not raw:
        _bump_every_topic(moved_from)


def _connect_precount():
    """Connected when the models load, so that every process that can save an incident (web, worker, shell,
    management command) keeps the versions. (``ReportsConfig.ready`` is the natural home; see ``reports.precount``.)
    """
    from django.db.models.signals import post_save, pre_save

    from safeguard import datacache

    datacache.changed.connect(_data_changed, dispatch_uid="reports.precount.changed")
    datacache.committed.connect(_data_committed, dispatch_uid="reports.precount.committed")
    for label in _BULK_PUPIL_WRITERS:
        post_save.connect(
            _pupils_written_in_bulk, sender=label, weak=False, dispatch_uid=f"reports.precount.bulk_pupils:{label}"
        )
    pre_save.connect(_pupil_school_before, sender="directory.Pupil", dispatch_uid="reports.precount.pupil_moving")
    post_save.connect(_pupil_moved, sender="directory.Pupil", dispatch_uid="reports.precount.pupil_moved")


_connect_precount()
