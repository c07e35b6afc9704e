"""Cases and linked incidents (issue 16 item 3), as CPOMS and MyConcern keep them.

- A **case** groups the safeguarding concerns about one child, or one family (several pupils, such as siblings), with
  an owner from the DSL team, a status (open → under review → closed with a closing summary, and reopened when
  needed), case notes and its own chronology (KCSIE: "a chronology … of significant events"). Cases are the DSL
  team's only (``safeguard.permissions.VIEW_SAFEGUARDING``), behind the second factor.
- An **incident link** joins two incidents of one school that belong together ("same event", "follow-on"); it is
  shown on both to whoever may read both.

Nothing here is deleted: a pupil or a concern taken off a case, and a link undone, keep their row with when and by
whom (``removed_at``/``ended_at``); every model keeps its history; every change is audited by ``cases.services``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel, TimeStampedModel


class CaseQuerySet(models.QuerySet):
    def for_school(self, school):
        return self.filter(school=school)

    def not_closed(self):
        return self.exclude(status=Case.Status.CLOSED)


class Case(PublicIdModel):
    """Concerns about one child or one family, followed together by an owner from the DSL team.

    Lifecycle: opened (status ``open``, with its first pupil and owner) → ``under_review`` (the DSL team is deciding
    whether to close, step down or escalate) → ``closed`` with a closing summary; a closed case may be reopened. Each
    change of status or owner is kept as a ``CaseChange`` for the case's chronology.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UNDER_REVIEW = "under_review", _("Under review")
        CLOSED = "closed", _("Closed")

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(
        _("title"), max_length=200, help_text=_("A short name the DSL team will recognise, such as “Home situation”.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_owned", verbose_name=_("owner")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    closing_summary = models.TextField(_("closing summary"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"], name="cases_case_school_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(closing_summary=""), name="cases_case_closed_has_summary"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED


class CasePupil(TimeStampedModel):
    """A pupil the case is about. A family case has several (siblings). Taken off the case by ``removed_at``, never
    deleted; at most one current row per pupil per case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="case_pupils")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="case_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(_("taken off the case at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pupil on a case")
        verbose_name_plural = _("pupils on cases")
        ordering = ["case", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "pupil"], condition=Q(removed_at__isnull=True), name="cases_casepupil_once"
            ),
        ]

    def __str__(self):
        return str(self.pupil)


class CaseConcern(TimeStampedModel):
    """A safeguarding concern (an ``incidents.Incident`` with ``is_safeguarding``) grouped into the case. Taken off
    by ``removed_at``, never deleted; at most one current row per concern per case (a concern may sit in two cases,
    one per sibling, say)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="case_concerns")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="case_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(_("taken off the case at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("concern in a case")
        verbose_name_plural = _("concerns in cases")
        ordering = ["case", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "incident"], condition=Q(removed_at__isnull=True), name="cases_caseconcern_once"
            ),
        ]


class CaseNote(PublicIdModel):
    """A case note by the DSL team: a discussion, a decision and the reason for it (KCSIE). Never edited or deleted
    by the application."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["case", "created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="cases_casenote_text_required")]


class CaseChange(TimeStampedModel):
    """One step in a case's life, for its chronology: opened, status changed or owner changed — with the status and
    owner after it and, for a closing or a reopening, what was said. Written by ``cases.services``, never changed."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        STATUS = "status", _("Status changed")
        OWNER = "owner", _("Owner changed")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Case.Status.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("change of a case")
        verbose_name_plural = _("changes of cases")
        ordering = ["case", "created_at", "pk"]


class IncidentLink(PublicIdModel):
    """Two incidents of one school that belong together — the same event recorded twice, a follow-on, a pattern —
    with an optional note. The pair is stored once, lower id first (``incident_a``), so a link reads the same from
    either incident. Undone by ``ended_at`` (kept, with who ended it); at most one current link per pair."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    incident_a = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="links_as_a")
    incident_b = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="links_as_b")
    note = models.CharField(_("note"), max_length=200, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("unlinked at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident link")
        verbose_name_plural = _("incident links")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(incident_a__lt=F("incident_b")), name="cases_incidentlink_ordered"),
            models.UniqueConstraint(
                fields=["incident_a", "incident_b"],
                condition=Q(ended_at__isnull=True),
                name="cases_incidentlink_once",
            ),
        ]
        indexes = [models.Index(fields=["incident_b"], name="cases_incidentlink_b")]

    def other(self, incident):
        """The incident at the other end of the link from ``incident``."""
        return self.incident_b if incident.pk == self.incident_a_id else self.incident_a
