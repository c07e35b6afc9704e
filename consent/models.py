"""Photo and video consent.

A school's ``ConsentForm`` has ``ConsentFormVersion``s (draft → published → superseded; one published at a time),
each with its ``ConsentPurpose``s (images and videos × website, social media, local press, marketing — the eight
questions of the Sigma photography policy's form — and any the school adds). A parent with parental responsibility
(or a pupil old enough) submits a ``ConsentResponse`` with one ``ConsentAnswer`` per purpose; a change or withdrawal
is a new response carrying only the changed answers, so every answer ever given stays, with when and how. The DSL's
``PhotoMeasure`` for a looked-after, adopted or at-risk pupil overrides consent. ``consent.rules`` computes the one
effective answer per pupil, purpose and day.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from aup.models import get_private_storage
from safeguard.base import PublicIdModel, TimeStampedModel


class ConsentForm(PublicIdModel):
    """A school's photo and video consent form. Its wording and purposes live in versions."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="consent_forms")
    title = models.CharField(_("title"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent form")
        verbose_name_plural = _("consent forms")
        ordering = ["school", "title"]

    def __str__(self):
        return self.title


class ConsentFormVersion(PublicIdModel):
    """One wording of a consent form. Publishing a new version supersedes the old one; answers to the old version
    still count for purposes whose wording did not change (same code, same wording)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    class Duration(models.TextChoices):
        ACADEMIC_YEAR = "academic_year", _("One academic year")
        WHOLE_STAY = "whole_stay", _("The child's whole time at the school")

    class WhoseAnswerCounts(models.TextChoices):
        STRICTER = "stricter", _("The stricter of the pupil's and the parents' answers")
        PARENTS = "parents", _("The parents' answer")
        PUPIL = "pupil", _("The pupil's own answer")

    form = models.ForeignKey(ConsentForm, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    introduction = models.TextField(_("introduction"), blank=True)
    organisations = models.TextField(_("organisations that may use images"), blank=True, help_text=_("One per line."))
    duration = models.CharField(
        _("an answer lasts"), max_length=20, choices=Duration.choices, default=Duration.ACADEMIC_YEAR
    )
    pupil_answer_age = models.PositiveSmallIntegerField(
        _("pupils answer for themselves from age"),
        default=13,
        help_text=_("UK GDPR: from 13 a child can consent for online services."),
    )
    whose_answer_counts = models.CharField(
        _("when a pupil answers too"),
        max_length=20,
        choices=WhoseAnswerCounts.choices,
        default=WhoseAnswerCounts.STRICTER,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent form version")
        verbose_name_plural = _("consent form versions")
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="consent_consentformversion_number_unique"),
            models.UniqueConstraint(
                fields=["form"], condition=Q(status="published"), name="consent_consentformversion_one_published"
            ),
        ]

    def __str__(self):
        return f"{self.form} v{self.number}"

    def organisation_list(self):
        return [line.strip() for line in self.organisations.splitlines() if line.strip()]


class ConsentPurpose(TimeStampedModel):
    """One yes/no question on a version, e.g. "Images of your child on the school website".

    ``code`` is stable across versions; ``wording_sha256`` changes when the wording does, so an answer counts for a
    later version only if the same question was asked in the same words. ``is_publication`` marks uses outside the
    school (website, social media, press, marketing): a DSL measure "internal use only" refuses exactly these.
    """

    class Media(models.TextChoices):
        IMAGES = "images", _("Images")
        VIDEOS = "videos", _("Videos")
        OTHER = "other", _("Other")

    class IfUnanswered(models.TextChoices):
        """What silence means: opt-in (the English default — consent is a positive act, silence is not consent) or
        opt-out (common in US districts — yes unless a parent objects, online or in writing to the office)."""

        OPT_IN = "opt_in", _("No answer means no (opt-in)")
        OPT_OUT = "opt_out", _("Yes unless a parent objects (opt-out)")

    version = models.ForeignKey(ConsentFormVersion, on_delete=models.PROTECT, related_name="purposes")
    code = models.SlugField(_("code"), max_length=60)
    media = models.CharField(_("media"), max_length=10, choices=Media.choices, default=Media.IMAGES)
    label = models.CharField(_("short label"), max_length=100)
    wording = models.TextField(_("question as asked"))
    wording_sha256 = models.CharField(max_length=64, editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_publication = models.BooleanField(_("published outside the school"), default=True)
    pupils_may_answer = models.BooleanField(_("pupils old enough may answer"), default=True)
    if_unanswered = models.CharField(
        _("if a parent does not answer"), max_length=10, choices=IfUnanswered.choices, default=IfUnanswered.OPT_IN
    )

    class Meta:
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="consent_consentpurpose_code_unique"),
        ]

    def __str__(self):
        return self.label


class ConsentResponse(PublicIdModel):
    """One submission of answers for one pupil by one respondent, with its evidence.

    Made when a parent (or the pupil) answers online, or when the office records a paper form or a phone call. A
    change or withdrawal is a new response holding only the answers that changed. Never edited or deleted.
    """

    class Method(models.TextChoices):
        PASSWORD_SESSION = "password_session", _("Signed in with e-mail and password")
        INVITATION_LINK = "invitation_link", _("Personal link sent by e-mail")
        PAPER = "paper", _("Paper form returned to the office")
        PHONE = "phone", _("By telephone, recorded by the office")
        CLASS_CODE = "class_code", _("By the pupil, with a class code their teacher opened")

    class Kind(models.TextChoices):
        ANSWERS = "answers", _("Answers")
        CHANGE = "change", pgettext_lazy("a changed consent answer", "Change")
        WITHDRAWAL = "withdrawal", _("Withdrawal")

    version = models.ForeignKey(ConsentFormVersion, on_delete=models.PROTECT, related_name="responses")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="consent_responses")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="consent_responses")
    academic_year = models.ForeignKey(
        "directory.AcademicYear", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guardian = models.ForeignKey(
        "directory.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="consent_responses"
    )
    answered_by_pupil = models.BooleanField(_("answered by the pupil"), default=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ANSWERS)
    method = models.CharField(_("how"), max_length=30, choices=Method.choices)
    signer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    typed_name = models.CharField(_("full name as typed"), max_length=200)
    content = models.JSONField(_("what was shown"), default=dict)
    content_sha256 = models.CharField(_("SHA-256 of what was shown"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted at (UTC)"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(_("browser (user agent)"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # The teacher who opened the class code a pupil answered with (method ``CLASS_CODE``; aup's class codes, issue 13
    # item 8): recorded as present, as on a pupil's signature in class.
    teacher_present = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("teacher present"),
    )
    phone_caller = models.CharField(_("who called"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    paper_scan = models.FileField(_("scan"), storage=get_private_storage, upload_to="consent/%Y/", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent response")
        verbose_name_plural = _("consent responses")
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(guardian__isnull=False) & Q(answered_by_pupil=False))
                | (Q(guardian__isnull=True) & Q(answered_by_pupil=True)),
                name="consent_consentresponse_guardian_or_pupil",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "submitted_at"], name="consent_response_pupil")]

    def __str__(self):
        return f"{self.pupil} — {self.get_kind_display()} {self.submitted_at:%Y-%m-%d}"


class ConsentAnswer(TimeStampedModel):
    """Yes or no to one purpose within a response. There is no third value: an unanswered purpose has no row."""

    response = models.ForeignKey(ConsentResponse, on_delete=models.PROTECT, related_name="answers")
    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="answers")
    answer = models.BooleanField(_("answer"))

    class Meta:
        verbose_name = _("consent answer")
        verbose_name_plural = _("consent answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "purpose"], name="consent_consentanswer_once_per_response"),
        ]

    def __str__(self):
        return f"{self.purpose}: {'yes' if self.answer else 'no'}"


class PhotoMeasure(PublicIdModel):
    """The DSL's decision for a looked-after, adopted or at-risk pupil (Sigma photography policy §6): photos as
    usual, internal use only (never published), or no photos at all; a court order means no photos at all.

    One current measure per pupil; changing it ends the current one (``ended_at``) and starts another. Staff see only
    the effect ("no photos", "internal use only"), never the reason.
    """

    class Measure(models.TextChoices):
        AS_USUAL = "as_usual", _("Photos as usual")
        INTERNAL_ONLY = "internal_only", _("Internal use only")
        NO_PHOTOS = "no_photos", _("No photos")

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="photo_measures")
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    court_order = models.BooleanField(_("subject to a court order"), default=False)
    reason = models.TextField(_("reason (DSL team only)"))
    review_on = models.DateField(_("review on"), null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("photo measure")
        verbose_name_plural = _("photo measures")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(ended_at__isnull=True), name="consent_photomeasure_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.pupil}: {self.get_measure_display()}"


class PhotoEvent(PublicIdModel):
    """A trip, performance or press visit: the pupils taking part and the uses planned for images taken there."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="photo_events")
    name = models.CharField(_("name"), max_length=200)
    happens_on = models.DateField(_("date"))
    purpose_codes = models.JSONField(_("planned uses"), default=list)
    pupils = models.ManyToManyField("directory.Pupil", related_name="photo_events", verbose_name=_("pupils"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(m2m_fields=[pupils])

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-happens_on"]

    def __str__(self):
        return self.name


class ConsentNotificationSent(TimeStampedModel):
    """A class teacher told that their class's do-not-photograph list changed: unique per change and recipient, so
    the notification task is idempotent."""

    change_key = models.CharField(max_length=80)
    recipient = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change_key", "recipient"], name="consent_notification_once"),
        ]


class ConsentRequest(TimeStampedModel):
    """A pupil's family asked to answer a form version for an academic year (the office's "ask every family").

    Opened by ``consent.services_forms.consent_requests_send`` for each pupil whose answers are not complete; unique
    per version, pupil and year, so asking twice opens nothing new. ``sent_at`` is set when its e-mails went out;
    reminders count their days from it.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="consent_requests")
    version = models.ForeignKey(ConsentFormVersion, on_delete=models.PROTECT, related_name="requests")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="consent_requests")
    academic_year = models.ForeignKey("directory.AcademicYear", on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "pupil", "academic_year"], name="consent_consentrequest_once_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.pupil} — {self.version}"


class ConsentReminderSent(TimeStampedModel):
    """One e-mail of a request to one guardian: offset 0 is the request itself, then the reminders (7, 14, 28 days).
    Inserted before sending (unique), so a retried or repeated task e-mails nobody twice."""

    request = models.ForeignKey(ConsentRequest, on_delete=models.PROTECT, related_name="reminders_sent")
    offset_days = models.PositiveSmallIntegerField()
    recipient = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "offset_days", "recipient"], name="consent_consentremindersent_once"
            ),
        ]


class NamingLevel(models.TextChoices):
    """How much of a pupil's name may be published with their image, strictest first (Sigma photography policy:
    names are not published with images unless separately agreed; first names only where allowed)."""

    NO_NAME = "no_name", _("No name")
    FIRST_NAME = "first_name", _("First name only")
    FULL_NAME = "full_name", _("Full name, with consent")


class ImageLevel(models.TextChoices):
    """How a pupil may appear in images, strictest first (one school never shows faces clearly on social media)."""

    FACES_HIDDEN = "faces_hidden", _("No identifiable images (faces not clearly shown)")
    PER_CONSENT = "per_consent", _("Images as the consent answers allow")


# Strictness order of the levels: a lower rank is stricter.
NAMING_RANK = {NamingLevel.NO_NAME.value: 0, NamingLevel.FIRST_NAME.value: 1, NamingLevel.FULL_NAME.value: 2}
IMAGE_RANK = {ImageLevel.FACES_HIDDEN.value: 0, ImageLevel.PER_CONSENT.value: 1}


class NamingRule(PublicIdModel):
    """A school's naming and image rule for a band of year groups (grades), from ``year_from`` to ``year_to`` by
    ``YearGroup.order``, e.g. Reception–Year 2: first name only, faces not clearly shown.

    Bands of one school do not overlap (checked by ``consent.services_naming``). A rule is never deleted: ending it
    sets ``ended_at``; history keeps every change. A pupil in no band has no naming rule.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="naming_rules")
    year_from = models.ForeignKey(
        "directory.YearGroup", on_delete=models.PROTECT, related_name="+", verbose_name=_("from year group")
    )
    year_to = models.ForeignKey(
        "directory.YearGroup", on_delete=models.PROTECT, related_name="+", verbose_name=_("to year group")
    )
    naming = models.CharField(_("names with images"), max_length=20, choices=NamingLevel.choices)
    images = models.CharField(_("images"), max_length=20, choices=ImageLevel.choices)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("naming rule")
        verbose_name_plural = _("naming rules")
        ordering = ["school", "year_from__order"]

    def __str__(self):
        return f"{self.year_from}–{self.year_to}: {self.get_naming_display()}, {self.get_images_display()}"


class PupilNamingChoice(PublicIdModel):
    """A parent's choice of a stricter naming and image level for their child than the school's band allows.

    One current choice per pupil; a new choice ends the current one (``ended_at``), so every choice stays with who
    made it and when. The stricter of the band's rule and the choice applies (``consent.selectors_naming``).
    """

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="naming_choices")
    naming = models.CharField(_("names with images"), max_length=20, choices=NamingLevel.choices)
    images = models.CharField(_("images"), max_length=20, choices=ImageLevel.choices)
    guardian = models.ForeignKey(
        "directory.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("naming choice")
        verbose_name_plural = _("naming choices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(ended_at__isnull=True), name="consent_pupilnamingchoice_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.pupil}: {self.get_naming_display()}, {self.get_images_display()}"
