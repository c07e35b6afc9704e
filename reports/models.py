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
from safeguard.base import PublicIdModel
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
