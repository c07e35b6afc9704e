"""The policy library and acceptable use agreements.

A ``Policy`` has ``PolicyVersion``s (draft → approved → superseded; one approved version is current). An approved
version may carry ``Agreement``s, one per audience (pupils, parents, staff, governors, volunteers, visitors), each a
list of ``AgreementStatement``s. Office staff (or the portal, at sign-in) open a ``SignatureRequest`` per person or
per pupil; each party's ``Signature`` records the evidence (who, how authenticated, UTC times, IP, user agent, typed
name, drawn signature, statements confirmed, SHA-256 of exactly what was shown). When every required party has
signed, the request is complete and a ``SignedDocument`` (the PDF with its certificate of completion) is stored with
its own SHA-256 for verification. Signatures are never edited or deleted: a mistaken one is revoked with a reason.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel, TimeStampedModel
from safeguard.downloads import clean_display_name


class PrivateStorage(LazyObject):
    """Uploaded documents live under MEDIA_ROOT/private and are served only through permission-checked views."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.MEDIA_ROOT / "private", base_url=None)


private_storage = PrivateStorage()


def get_private_storage():
    """The private storage, as a callable so migrations name it instead of freezing a path."""
    return private_storage


class Audience(models.TextChoices):
    """Who an agreement is for (BRIEF: pupils, parents, staff, governors, volunteers and visitors)."""

    PUPIL = "pupil", _("Pupils")
    PARENT = "parent", _("Parents and carers")
    STAFF = "staff", _("Staff")
    GOVERNOR = "governor", _("Governors")
    VOLUNTEER = "volunteer", _("Volunteers")
    VISITOR = "visitor", _("Visitors")


class Policy(PublicIdModel):
    """A school policy (or a trust-wide one) in the policy library, with its owner and approving body.

    Belongs to exactly one school, or to a whole trust or district (then every school of it uses it).
    """

    class Category(models.TextChoices):
        ONLINE_SAFETY = "online_safety", _("Online safety")
        BEHAVIOUR = "behaviour", _("Behaviour")
        DATA_PROTECTION = "data_protection", _("Data protection")
        SAFEGUARDING = "safeguarding", _("Safeguarding and child protection")
        HOME_SCHOOL = "home_school", _("Home–school agreement")
        STAFF_CONDUCT = "staff_conduct", _("Staff conduct")
        HEALTH_AND_SAFETY = "health_and_safety", _("Health and safety")
        SEND = "send", _("SEND")
        CURRICULUM = "curriculum", _("Curriculum")
        OTHER = "other", _("Other")

    class ApprovingBody(models.TextChoices):
        FULL_GOVERNING_BODY = "full_governing_body", _("Full governing body")
        COMMITTEE = "committee", _("A committee of the governing body")
        HEADTEACHER = "headteacher", _("Headteacher")
        TRUST_BOARD = "trust_board", _("Trust board")

    class ReviewCycle(models.TextChoices):
        EVERY_N_MONTHS = "months", _("Every N months")
        EVERY_N_YEARS = "years", _("Every N years")
        FIXED_MONTH = "fixed_month", _("Every year in a fixed month")
        TERMLY = "termly", _("Every term")

    class SigningFrequency(models.TextChoices):
        ON_JOINING = "on_joining", _("Once, on joining")
        EVERY_ACADEMIC_YEAR = "every_academic_year", _("Every academic year")
        EACH_NEW_VERSION = "each_new_version", _("Again whenever a new version is approved")

    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("whole trust or district"),
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies_owned",
        verbose_name=_("owner"),
    )
    approving_body = models.CharField(_("approving body"), max_length=30, choices=ApprovingBody.choices)
    approving_committee = models.CharField(
        _("committee"), max_length=200, blank=True, help_text=_("For example: Audit and Risk Committee.")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en-gb")
    signing_frequency = models.CharField(
        _("agreements are signed"),
        max_length=30,
        choices=SigningFrequency.choices,
        default=SigningFrequency.EVERY_ACADEMIC_YEAR,
    )
    review_cycle = models.CharField(
        _("reviewed"), max_length=20, choices=ReviewCycle.choices, default=ReviewCycle.EVERY_N_YEARS
    )
    review_interval = models.PositiveSmallIntegerField(
        _("every (months or years)"), default=1, help_text=_("N in 'every N months' or 'every N years'.")
    )
    review_month = models.PositiveSmallIntegerField(
        _("review month"), null=True, blank=True, help_text=_("For a review in a fixed month each year: 9 = September.")
    )
    last_approved_on = models.DateField(_("last approved on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review due"), null=True, blank=True, db_index=True)
    review_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="policies_reviewed", verbose_name=_("review team")
    )
    history = HistoricalRecords(m2m_fields=[review_team])

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(school__isnull=False) & Q(organisation__isnull=True))
                | (Q(school__isnull=True) & Q(organisation__isnull=False)),
                name="aup_policy_school_or_organisation",
            ),
        ]

    def __str__(self):
        return self.title

    def approving_body_label(self):
        if self.approving_body == self.ApprovingBody.COMMITTEE and self.approving_committee:
            return self.approving_committee
        return self.get_approving_body_display()


class PolicyVersion(PublicIdModel):
    """One version of a policy: its text (Markdown, sanitised) or an uploaded document, and its approval.

    Lifecycle: draft → approved (becomes current; the previous current version becomes superseded) → superseded.
    The database allows one approved version per policy.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        SUPERSEDED = "superseded", _("Superseded")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.CharField(_("version"), max_length=20)
    author = models.CharField(_("author"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    summary_of_changes = models.TextField(_("what changed"), blank=True)
    body_markdown = models.TextField(_("text (Markdown)"), blank=True)
    body_html = models.TextField(_("text as shown"), blank=True, editable=False)
    document = models.FileField(_("document"), storage=get_private_storage, upload_to="policies/%Y/", blank=True)
    document_name = models.CharField(_("document name"), max_length=255, blank=True)
    document_type = models.CharField(_("document type"), max_length=100, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    # Set when this version replaced an approved one whose agreements people had signed: until ``resign_by`` (a date,
    # inclusive, in the school's time) a completed signature of ``previous_version``'s agreement for the same
    # audience still counts, while the signers are asked to sign this version (``services_library`` approval).
    previous_version = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("replaced version")
    )
    resign_by = models.DateField(
        _("previous signatures valid until"),
        null=True,
        blank=True,
        help_text=_("People who signed the previous version sign this one by this date."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="aup_policyversion_number_unique"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(status="approved"), name="aup_policyversion_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.policy} v{self.number}"

    @property
    def document_display_name(self):
        """The uploaded document's name as shown on pages: without bidirectional control characters (a name may have
        been stored before they were stripped on upload). Downloads never use it (``safeguard.downloads``)."""
        return clean_display_name(self.document_name)


class Agreement(PublicIdModel):
    """What one audience confirms for one approved version: an introduction and numbered statements.

    ``countersignature`` names a second party whose signature completes it: a parent for a pupil agreement
    (St James AUP), the pupil for a home–school agreement signed by parent and child (Westminster behaviour policy),
    the headteacher for a staff camera agreement (Sigma photography policy, appendix).
    ``parent_may_sign_for_pupil`` lets a parent sign on behalf of a younger pupil instead.
    """

    class Countersignature(models.TextChoices):
        NONE = "none", _("None")
        PARENT = "parent", _("A parent or carer with parental responsibility")
        PUPIL = "pupil", _("The pupil")
        HEADTEACHER = "headteacher", _("The headteacher")

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="agreements")
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    countersignature = models.CharField(
        _("countersigned by"), max_length=20, choices=Countersignature.choices, default=Countersignature.NONE
    )
    parent_may_sign_for_pupil = models.BooleanField(_("a parent may sign for a younger pupil"), default=False)
    parent_signs_up_to_year = models.PositiveSmallIntegerField(
        _("a parent signs for pupils up to year"),
        null=True,
        blank=True,
        help_text=_("The year group's number: 0 for Reception, 2 for Year 2. Blank: any year."),
    )
    reminder_days = models.CharField(
        _("remind after (days)"),
        max_length=50,
        default="7,14,28",
        help_text=_("Days after the request at which non-signers are reminded, separated by commas."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["version", "audience"]
        constraints = [
            models.UniqueConstraint(fields=["version", "audience"], name="aup_agreement_version_audience_unique"),
        ]

    def __str__(self):
        return self.title

    def reminder_offsets(self):
        """The reminder offsets as a sorted list of positive ints (days)."""
        return sorted({int(part) for part in self.reminder_days.replace(" ", "").split(",") if part.isdigit()})


class AgreementStatement(TimeStampedModel):
    """One numbered statement the signer confirms ("I will only use the internet when a teacher is present")."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="statements")
    order = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("statement"))
    # A parent's permission statement may also answer one question of the school's photo consent form (issue 13
    # item 10): the question's stable ``ConsentPurpose.code``. A parent or carer with parental responsibility who
    # signs the agreement then answers that question yes, recorded through the consent services like any answer.
    consent_purpose_code = models.SlugField(_("also answers the consent question"), max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["agreement", "order"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "order"], name="aup_agreementstatement_order_unique"),
        ]

    def __str__(self):
        return f"{self.order}. {self.text[:60]}"


class SignatureRequest(PublicIdModel):
    """One agreement to be signed by one person (staff, governor, volunteer, visitor) or for one pupil (pupil and
    parent agreements), or by a visitor or volunteer at the front desk (``visitor_name``; not a User).

    Lifecycle: pending → (each required party signs) → completed; or cancelled by office staff. A revoked
    signature puts a completed request back to pending. ``academic_year`` is set when the policy is signed every
    academic year, so a new year opens a new request.

    Declining (issue 17 item 2): a parent with parental responsibility or the member of staff asked may decline with
    a reason → ``DECLINED`` (``declined_at``, ``declined_by`` — the account, if they were signed in —,
    ``declined_by_guardian`` — the parent's record, by session or by link —, ``decline_reason``). A declined request
    is not "not signed yet": it is counted apart and never reminded. The office may reopen it (back to pending,
    ``reopened_at``/``reopened_by``; the last decline stays on the row and every change in history).

    Expiry (issue 17 item 3): when the office sends it, the request and its signing links are valid for
    ``expiry_days`` days, until ``expires_at``; after that the signing pages explain it and offer a fresh link by
    e-mail (which moves ``expires_at`` on by ``expiry_days``), and reminders stop. A request never e-mailed (signed
    at the sign-in gate, in class, at the front desk) has no expiry.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for signature")
        PARTLY_SIGNED = "partly_signed", _("Waiting for countersignature")
        COMPLETED = "completed", _("Signed")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="requests")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="signature_requests")
    academic_year = models.ForeignKey(
        "directory.AcademicYear", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pupil = models.ForeignKey(
        "directory.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="signature_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="signature_requests"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(_("request sent at"), null=True, blank=True)
    first_viewed_at = models.DateTimeField(_("first viewed at"), null=True, blank=True)
    # When each party first opened the signing page: {party: ISO 8601 UTC}. A countersigner's "first viewed" is
    # their own view, never the first signer's (issue 12 #25).
    first_viewed_by_party = models.JSONField(_("first viewed, by party"), default=dict, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A visitor or volunteer signing at the front desk (issue 13 item 7) is not a User: the request names them as
    # they typed it. One request per arrival; it is opened and signed in one step (``services_front_desk``).
    visitor_name = models.CharField(_("visitor's name"), max_length=200, blank=True)
    visitor_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    visitor_role = models.CharField(
        _("visiting as"),
        max_length=20,
        blank=True,
        choices=[(Audience.VISITOR, _("Visitor")), (Audience.VOLUNTEER, _("Volunteer"))],
    )
    # Declining (issue 17 item 2): the last decline, kept after the office reopens the request.
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declined by (account)"),
    )
    declined_by_guardian = models.ForeignKey(
        "directory.Guardian",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declined by (parent or carer)"),
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Expiry (issue 17 item 3): set when the office sends the request.
    expiry_days = models.PositiveSmallIntegerField(_("valid for (days)"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(pupil__isnull=False) & Q(user__isnull=True) & Q(visitor_name=""))
                | (Q(pupil__isnull=True) & Q(user__isnull=False) & Q(visitor_name=""))
                | (Q(pupil__isnull=True) & Q(user__isnull=True) & ~Q(visitor_name="")),
                name="aup_signaturerequest_pupil_user_or_visitor",
            ),
            models.UniqueConstraint(
                fields=["agreement", "pupil", "academic_year"],
                condition=~Q(status="cancelled") & Q(pupil__isnull=False),
                name="aup_signaturerequest_one_per_pupil",
            ),
            models.UniqueConstraint(
                fields=["agreement", "user", "academic_year"],
                condition=~Q(status="cancelled") & Q(user__isnull=False),
                name="aup_signaturerequest_one_per_user",
            ),
        ]
        indexes = [models.Index(fields=["school", "agreement", "status"], name="aup_request_coverage")]

    def __str__(self):
        return f"{self.agreement} — {self.pupil or self.user or self.visitor_name}"

    def is_expired(self, now):
        """True when ``now`` (aware datetime) is past ``expires_at`` and the request still waits for a signature."""
        return (
            self.expires_at is not None
            and now >= self.expires_at
            and self.status in (self.Status.PENDING, self.Status.PARTLY_SIGNED)
        )


class Signature(PublicIdModel):
    """One party's signature on a request, with the evidence the Electronic Communications Act 2000 s.7 relies on.

    ``content`` is exactly what was shown (title, text, statements) and ``content_sha256`` its hash. Never edited:
    a mistaken signature is revoked (``revoked_at``, ``revoked_by``, ``revoked_reason``) and history keeps both.
    """

    class Party(models.TextChoices):
        SIGNER = "signer", _("Signer")
        PUPIL = "pupil", _("Pupil")
        PARENT = "parent", _("Parent or carer")
        HEADTEACHER = "headteacher", _("Headteacher")

    class Method(models.TextChoices):
        PASSWORD_SESSION = "password_session", _("Signed in with e-mail and password")
        INVITATION_LINK = "invitation_link", _("Personal link sent by e-mail")
        TEACHER_PRESENT = "teacher_present", _("In class, with a teacher present")
        PAPER_RETURN = "paper_return", _("Paper form returned to the office")
        FRONT_DESK = "front_desk", _("At the front desk, under the office's session")
        CLASS_CODE = "class_code", _("With a class code their teacher opened, on their own device")

    request = models.ForeignKey(SignatureRequest, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(_("signed as"), max_length=20, choices=Party.choices)
    method = models.CharField(_("how the signer was identified"), max_length=30, choices=Method.choices)
    signer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    signer_guardian = models.ForeignKey(
        "directory.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    signer_pupil = models.ForeignKey(
        "directory.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    teacher_present = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    front_desk_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("front desk signed in by"),
    )
    # The class code a pupil signed with (method ``CLASS_CODE``): which code, hence which teacher opened it for which
    # class and for how long; ``teacher_present`` names that teacher (issue 13 item 8).
    class_code = models.ForeignKey(
        "ClassSigningCode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("class code"),
    )
    on_behalf_of_pupil = models.BooleanField(_("signed by a parent on the pupil's behalf"), default=False)
    typed_name = models.CharField(_("full name as typed"), max_length=200)
    drawn_signature = models.TextField(_("drawn signature (PNG data URL)"), blank=True)
    statements_confirmed = models.JSONField(_("statements confirmed"), default=list)
    content = models.JSONField(_("what was shown"), default=dict)
    content_sha256 = models.CharField(_("SHA-256 of what was shown"), max_length=64)
    request_sent_at = models.DateTimeField(_("request sent at (UTC)"), null=True, blank=True)
    first_viewed_at = models.DateTimeField(_("first viewed at (UTC)"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at (UTC)"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(_("browser (user agent)"), blank=True)
    paper_returned_on = models.DateField(_("paper form returned on"), null=True, blank=True)
    paper_returned_by = models.CharField(_("returned by"), max_length=200, blank=True)
    paper_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paper_scan = models.FileField(_("scan"), storage=get_private_storage, upload_to="paper-returns/%Y/", blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["request", "signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "party"],
                condition=Q(revoked_at__isnull=True),
                name="aup_signature_one_per_party",
            ),
        ]

    def __str__(self):
        return f"{self.typed_name} ({self.get_party_display()}) {self.signed_at:%Y-%m-%d}"


class SignedDocument(PublicIdModel):
    """The signed PDF of a completed request, ending with its certificate of completion, and the PDF's SHA-256.

    A new document is made each time a request completes (e.g. again after a revoked signature was replaced);
    earlier documents stay, marked superseded.
    """

    request = models.ForeignKey(SignatureRequest, on_delete=models.PROTECT, related_name="documents")
    pdf = models.FileField(storage=get_private_storage, upload_to="signed/%Y/")
    sha256 = models.CharField(max_length=64, unique=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.request} ({self.sha256[:12]})"


class ReminderSent(TimeStampedModel):
    """A reminder e-mailed for a request at one offset (days after the request): the unique row makes the
    reminder task idempotent — each offset is sent at most once per request and recipient."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.PROTECT, related_name="reminders")
    offset_days = models.PositiveSmallIntegerField()
    recipient = models.EmailField()

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "offset_days", "recipient"], name="aup_remindersent_once_per_offset"
            ),
        ]


class AgreementChase(PublicIdModel):
    """The office pressing "remind now" (issue 17 item 4): for whom (``scope`` and the requests chosen), with what
    message, by whom. The e-mails go out from ``aup.tasks_chase``; each recipient's is claimed by a
    ``ChaseReminderSent`` row, so nobody is reminded twice on one school day."""

    class Scope(models.TextChoices):
        ONE = "one", _("One person")
        SELECTED = "selected", _("A selection")
        CLASS = "class", _("A class")
        YEAR_GROUP = "year_group", _("A year group")
        EVERYONE = "everyone", _("Everyone who has not signed")

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="chases")
    scope = models.CharField(_("who"), max_length=20, choices=Scope.choices)
    requests = models.ManyToManyField(SignatureRequest, related_name="chases", blank=True)
    message = models.TextField(_("message from the office"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(m2m_fields=[requests])

    class Meta:
        verbose_name = _("reminder sent by the office")
        verbose_name_plural = _("reminders sent by the office")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.agreement} ({self.get_scope_display()}, {self.created_at:%Y-%m-%d})"


class ChaseReminderSent(TimeStampedModel):
    """One reminder e-mail to one address on one school day (``day``, the school's date): the unique row is the rule
    "never reminded twice in the same school day" — a second chase that day, or a retried task, sends nothing.
    ``requests`` lists the public ids of the requests the e-mail named (a parent of two children gets one e-mail)."""

    chase = models.ForeignKey(AgreementChase, on_delete=models.PROTECT, related_name="sent")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    recipient = models.EmailField()
    day = models.DateField()
    requests = models.JSONField(default=list)

    class Meta:
        verbose_name = _("office reminder sent")
        verbose_name_plural = _("office reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["school", "recipient", "day"], name="aup_chasesent_once_a_day"),
        ]


class FreshLinkSent(TimeStampedModel):
    """A fresh signing link e-mailed for an expired request (issue 17 item 3) to the address on record: at most one
    per request, address and school day (``day``), which is the throttle of the "send me a new link" button."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.PROTECT, related_name="fresh_links")
    recipient = models.EmailField()
    day = models.DateField()

    class Meta:
        verbose_name = _("fresh signing link sent")
        verbose_name_plural = _("fresh signing links sent")
        constraints = [
            models.UniqueConstraint(fields=["request", "recipient", "day"], name="aup_freshlink_once_a_day"),
        ]


class PolicyReview(PublicIdModel):
    """One review of a policy: started → (a new draft version, or "no changes") → submitted to the approving body →
    returned with comments (back to in review) or approved (the version becomes current and the next review date
    moves on). Each step is a ``PolicyReviewStep`` with who, when and a note.
    """

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("In review")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_REVIEW)
    draft_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    no_changes = models.BooleanField(_("confirmed with no changes"), default=False)
    due_on = models.DateField(_("was due on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy review")
        verbose_name_plural = _("policy reviews")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status__in=["in_review", "submitted"]),
                name="aup_policyreview_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.policy} ({self.get_status_display()})"


class PolicyReviewStep(TimeStampedModel):
    """One recorded step of a review: who did what, when, with a note (the review's audit trail on the page)."""

    class Action(models.TextChoices):
        STARTED = "started", _("Review started")
        DRAFTED = "drafted", _("New version drafted")
        NO_CHANGES = "no_changes", _("Confirmed with no changes")
        SUBMITTED = "submitted", _("Submitted for approval")
        RETURNED = "returned", _("Returned with comments")
        APPROVED = "approved", _("Approved")

    review = models.ForeignKey(PolicyReview, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(_("step"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["review", "created_at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} — {self.actor}"


class ReviewReminderSent(TimeStampedModel):
    """A review reminder or escalation e-mailed for one policy, due date, offset and recipient — the unique row
    makes the daily sweep idempotent. ``offset_days`` is positive before the due date, negative (weeks overdue × 7)
    for escalations."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="review_reminders")
    due_on = models.DateField()
    offset_days = models.SmallIntegerField()
    recipient = models.EmailField()

    class Meta:
        verbose_name = _("review reminder sent")
        verbose_name_plural = _("review reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "due_on", "offset_days", "recipient"], name="aup_reviewremindersent_once"
            ),
        ]


class CalendarFeedToken(TimeStampedModel):
    """A person's secret for their iCalendar feed of policy review dates (``aup:calendar_ics``).

    Calendar apps cannot sign in, so the random token in the feed's address stands for the person; the feed lists
    reviews only of schools where they can read the policy library at the time it is fetched. Created on request;
    resetting it replaces the token (``rotated_at``), and the old address then answers 404.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token", verbose_name=_("person")
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    rotated_at = models.DateTimeField(_("last reset at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


# Pupils who sign for themselves (issue 13 item 8) ----------------------------------------------------------------


class PupilSelfSigning(TimeStampedModel):
    """A school's choice that pupils from ``from_age`` sign their own agreement and give their own photo consent with a
    class code their teacher opens (``ClassSigningCode``); ``from_age`` blank means off (the default: pupils sign in
    class on the teacher's device, and parents answer consent).

    Where the age comes from, and what the product decides:
    - UK GDPR Art. 8 with the Data Protection Act 2018 s.9: from 13 a child can consent for themselves to an
      information-society service. BRIEF ("For online services a child of 13 can consent for themselves") and the
      consent form's own ``pupil_answer_age`` (default 13) follow it.
    - Gillick competence (Gillick v West Norfolk AHA, 1985): a child under 16 may decide for themselves when they
      understand what is asked. It is judged child by child; software cannot judge it, so the product asks the
      school for one age and lets the teacher who opens a code decide whether the class is ready.
    - The seed policies: pupils sign the pupil agreement themselves, in class (St James AUP); the Sigma photography
      policy asks "parents, and pupils where appropriate" (§2, §4.8) and treats a disagreement as no (§4.10).
    So: a pupil of ``from_age`` or older may sign their agreement with a class code; their photo consent answer is
    taken only from the higher of ``from_age`` and the consent form's ``pupil_answer_age``, and it is recorded as
    the pupil's answer — ``consent.rules`` then decides as it always does (by default the stricter of the pupil's and
    the parents' answers; where the form says "the parents' answer", the parents' answer stays the rule).
    The age accepted is 11 to 18 (``services_class_codes.SELF_SIGNING_AGES``): younger pupils sign in class.

    One row per school, changed in place with history; never deleted.
    """

    school = models.OneToOneField(
        "directory.School", on_delete=models.PROTECT, related_name="pupil_self_signing", verbose_name=_("school")
    )
    from_age = models.PositiveSmallIntegerField(
        _("pupils sign for themselves from age"),
        null=True,
        blank=True,
        help_text=_(
            "Blank: off. From 13 a child can consent for themselves to online services (UK GDPR Art. 8, Data "
            "Protection Act 2018 s.9); photo consent also waits for the consent form's own age."
        ),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pupils signing for themselves")
        verbose_name_plural = _("pupils signing for themselves")

    def __str__(self):
        return f"{self.school}: {self.from_age or '-'}"


class ClassSigningCode(PublicIdModel):
    """A short code a teacher opens for one class, so its pupils old enough sign an agreement and/or answer the photo
    consent form on their own devices (issue 13 item 8) — no pupil accounts, no passwords.

    ``code`` is 6 characters from an alphabet without 0/O/1/I (``services_class_codes.CODE_ALPHABET``), unique for
    ever, so an old code never opens anything again. Lifecycle: open until ``expires_at`` (default 60 minutes after
    opening), or until revoked (``revoked_at``, ``revoked_by``). The teacher who opened it (``opened_by``) is
    recorded as present on every signature and consent answer given with it.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="class_signing_codes")
    school_class = models.ForeignKey(
        "directory.SchoolClass", on_delete=models.PROTECT, related_name="+", verbose_name=_("class")
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="class_codes",
        verbose_name=_("agreement"),
    )
    consent = models.BooleanField(_("photo consent form"), default=False)
    code = models.CharField(_("code"), max_length=12, unique=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    expires_at = models.DateTimeField(_("open until"))
    revoked_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class code")
        verbose_name_plural = _("class codes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement__isnull=False) | Q(consent=True), name="aup_classsigningcode_something_to_do"
            ),
        ]
        indexes = [models.Index(fields=["school", "expires_at"], name="aup_classcode_open")]

    def __str__(self):
        return self.code

    def is_open(self, now):
        """True while pupils may use it at ``now`` (aware datetime): not revoked and not expired."""
        return self.revoked_at is None and now < self.expires_at


class ClassCodeAttempt(TimeStampedModel):
    """One failed try on the pupils' class-code pages — a code that opens nothing, or a wrong date of birth — kept
    to slow guessing down (``services_class_codes`` counts them per code, per pupil and per IP address over a few
    minutes, as django-axes counts failed sign-ins). Append-only; nothing reads them but the throttle."""

    class Kind(models.TextChoices):
        UNKNOWN_CODE = "unknown_code", _("Code not recognised")
        WRONG_DETAILS = "wrong_details", _("Date of birth did not match")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.ForeignKey(ClassSigningCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("class code attempt")
        verbose_name_plural = _("class code attempts")
        indexes = [
            models.Index(fields=["ip_address", "created_at"], name="aup_codeattempt_ip"),
            models.Index(fields=["code", "created_at"], name="aup_codeattempt_code"),
        ]
