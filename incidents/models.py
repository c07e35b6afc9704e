"""The incident log: behaviour incidents (levels 1–5), bullying, prejudice-related incidents, online safety,
physical intervention and safeguarding concerns — with the pupils involved, alerts, actions, parent contacts,
sanctions, the DSL's notes and the transfer of a child protection file.

Rules come from the Westminster behaviour policy (behaviour steps table in Appendix 2; §8 exceptional circumstances;
§11 racist incidents, Macpherson definition; §12 bullying and child-on-child abuse) and the St James online safety
policy (online safety log, cyber-bullying, radicalisation, sexting). Nothing here is deleted: an incident recorded in
error is voided with a reason and kept; every model keeps its history.

The category *group* of each incident is kept on the incident as flags (``is_safeguarding``, ``is_bullying``…), set
by ``incidents.services`` from its categories, so lists, dashboards and the permission filter never join categories.
"""

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from aup.models import get_private_storage
from safeguard.base import PublicIdModel, TimeStampedModel


class CategoryGroup(models.TextChoices):
    """The groups categories belong to; a group decides who is alerted and who may see the incident."""

    BEHAVIOUR = "behaviour", _("Behaviour")
    BULLYING = "bullying", _("Bullying")
    PREJUDICE = "prejudice", _("Prejudice-related")
    ONLINE_SAFETY = "online_safety", _("Online safety")
    PHYSICAL_INTERVENTION = "physical_intervention", _("Physical intervention")
    SAFEGUARDING = "safeguarding", _("Safeguarding concern")


GROUP_FLAGS = {
    CategoryGroup.BEHAVIOUR: "is_behaviour",
    CategoryGroup.BULLYING: "is_bullying",
    CategoryGroup.PREJUDICE: "is_prejudice",
    CategoryGroup.ONLINE_SAFETY: "is_online_safety",
    CategoryGroup.PHYSICAL_INTERVENTION: "is_physical_intervention",
    CategoryGroup.SAFEGUARDING: "is_safeguarding",
}


class BullyingType(models.TextChoices):
    """Types of bullying (Westminster §12, with cyber-bullying from St James and disability-related)."""

    EMOTIONAL = "emotional", _("Emotional")
    PHYSICAL = "physical", _("Physical")
    RACIST = "racist", _("Racist")
    SEXUAL = "sexual", _("Sexual")
    HOMOPHOBIC = "homophobic", _("Homophobic")
    VERBAL = "verbal", _("Verbal")
    CYBER = "cyber", _("Cyber-bullying")
    DISABILITY = "disability", _("Disability-related")


class ProtectedCharacteristic(models.TextChoices):
    """The protected characteristics of the Equality Act 2010 (Westminster Appendix 5)."""

    AGE = "age", _("Age")
    DISABILITY = "disability", _("Disability")
    GENDER_REASSIGNMENT = "gender_reassignment", _("Gender reassignment")
    MARRIAGE = "marriage", _("Marriage and civil partnership")
    PREGNANCY = "pregnancy", _("Pregnancy and maternity")
    RACE = "race", _("Race")
    RELIGION = "religion", _("Religion or belief")
    SEX = "sex", _("Sex")
    SEXUAL_ORIENTATION = "sexual_orientation", _("Sexual orientation")


class IncidentCategory(PublicIdModel):
    """A category a school records incidents under, with guidance shown while recording.

    Every new school gets the default set (``incidents.defaults``); a school may rename, add or retire
    (``is_active`` False) categories — never delete one that incidents use.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="incident_categories")
    group = models.CharField(_("group"), max_length=30, choices=CategoryGroup.choices)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    guidance = models.TextField(_("guidance shown while recording"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")
        ordering = ["school", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="incidents_category_code_unique")]

    def __str__(self):
        return self.name


class BehaviourLevel(TimeStampedModel):
    """One of a school's behaviour levels 1–5: what it looks like and the responses available (Westminster
    behaviour steps table, Appendix 2: "Level 3 may involve SLT. Level 4 and 5 must involve SLT")."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="behaviour_levels")
    level = models.PositiveSmallIntegerField(_("level"))
    title = models.CharField(_("title"), max_length=120)
    descriptors = models.TextField(_("what it looks like"))
    responses = models.TextField(_("available responses"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("behaviour level")
        verbose_name_plural = _("behaviour levels")
        ordering = ["school", "level"]
        constraints = [
            models.UniqueConstraint(fields=["school", "level"], name="incidents_level_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="incidents_level_1_to_5"),
        ]

    def __str__(self):
        return f"{self.level}: {self.title}"


class Location(models.TextChoices):
    CLASSROOM = "classroom", _("Classroom")
    PLAYGROUND = "playground", _("Playground")
    CORRIDOR = "corridor", _("Corridor or stairs")
    DINING_HALL = "dining_hall", _("Dining hall")
    HALL = "hall", _("Hall or PE")
    TOILETS = "toilets", _("Toilets")
    ENTRANCE = "entrance", _("Entrance or gate")
    ONLINE = "online", _("Online")
    OFF_SITE = "off_site", _("Off site or trip")
    HOME = "home", _("At home (disclosed)")
    OTHER = "other", _("Other")


class SchoolListEntry(PublicIdModel):
    """Abstract: one entry of a short list a school keeps for its incident log (its lesson periods, its subjects).

    Added and removed by whoever sets the school up (``incidents.services.lesson_entry_add`` / ``_remove``). Never
    deleted: a removed entry (``removed_at``) stays on the incidents recorded with it and in its history, but is no
    longer offered when recording. At most one entry of a name is in use at a time.
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["school", "order", "name"]

    def __str__(self):
        return self.name

    @property
    def is_removed(self):
        return self.removed_at is not None


class LessonPeriod(SchoolListEntry):
    """A period of the school day an incident may be recorded in ("Period 1", "Break", "Lunch", "After school"),
    for schools that use them (issue 16 item 7). Ordered as the school's day runs."""

    history = HistoricalRecords()

    class Meta(SchoolListEntry.Meta):
        verbose_name = _("lesson or period")
        verbose_name_plural = _("lessons and periods")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], condition=Q(removed_at__isnull=True), name="incidents_lessonperiod_name_once"
            )
        ]


class Subject(SchoolListEntry):
    """A subject taught at the school ("Maths", "PE"), which an incident in a lesson may be recorded against
    (issue 16 item 7). Ordered by name unless the school orders them."""

    history = HistoricalRecords()

    class Meta(SchoolListEntry.Meta):
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], condition=Q(removed_at__isnull=True), name="incidents_subject_name_once"
            )
        ]


class Incident(PublicIdModel):
    """What happened, when and where, who recorded it and who was involved.

    ``occurred_at`` may be earlier than ``created_at`` (backdated): chronologies order by ``occurred_at``.
    Status: open → closed (outcome and rationale). ``voided_at``: recorded in error — kept, hidden from lists and
    reports, visible in history to those entitled.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="incidents")
    occurred_at = models.DateTimeField(_("when it happened"), db_index=True)
    location = models.CharField(_("where"), max_length=20, choices=Location.choices)
    location_detail = models.CharField(_("where exactly"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_recorded"
    )
    # The lesson or period and the subject, for schools that keep those lists (issue 16 item 7); optional.
    period = models.ForeignKey(
        LessonPeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("lesson or period"),
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents", verbose_name=_("subject")
    )
    categories = models.ManyToManyField(IncidentCategory, related_name="incidents", verbose_name=_("categories"))
    behaviour_level = models.PositiveSmallIntegerField(_("behaviour level"), null=True, blank=True)
    bullying_type = models.CharField(_("type of bullying"), max_length=20, choices=BullyingType.choices, blank=True)
    protected_characteristic = models.CharField(
        _("protected characteristic"), max_length=30, choices=ProtectedCharacteristic.choices, blank=True
    )
    description = models.TextField(_("what happened"))
    immediate_action = models.TextField(_("action taken at the time"), blank=True)
    reported_by = models.CharField(
        _("reported by"), max_length=200, blank=True, help_text=_("Who told you: a pupil, a parent, a member of staff…")
    )
    slt_requested = models.BooleanField(_("ask SLT to look at this"), default=False)
    # Category groups, denormalised from the categories (incidents.services keeps them in step).
    is_behaviour = models.BooleanField(default=False)
    is_bullying = models.BooleanField(default=False)
    is_prejudice = models.BooleanField(default=False)
    is_online_safety = models.BooleanField(default=False)
    is_physical_intervention = models.BooleanField(default=False)
    is_safeguarding = models.BooleanField(default=False, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_rationale = models.TextField(
        _("rationale"), blank=True, help_text=_("Why a referral was, or was not, made.")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    # The local authority's racist incident monitoring form (Westminster §11): when it was sent, and who says so.
    la_report_sent_on = models.DateField(_("sent to the local authority on"), null=True, blank=True)
    la_report_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "-occurred_at"], name="incidents_school_occurred"),
            models.Index(fields=["school", "is_safeguarding", "-occurred_at"], name="incidents_school_sg_occurred"),
            # A class teacher's own records since a date (their list's default window, this academic year:
            # permissions._incident_ids_of_a_teacher), read without every school's incidents of those months.
            models.Index(fields=["recorded_by", "occurred_at"], name="incidents_recorder_occurred"),
            # Dashboard counts read only the index (PostgreSQL index-only scans; SQLite ignores INCLUDE).
            models.Index(
                fields=["school", "occurred_at"],
                include=[
                    "id",
                    "is_safeguarding",
                    "behaviour_level",
                    "location",
                    "bullying_type",
                    "is_behaviour",
                    "is_bullying",
                    "is_prejudice",
                    "is_online_safety",
                    "is_physical_intervention",
                    "recorded_by",
                ],
                condition=Q(voided_at__isnull=True),
                name="incidents_dashboard_counts",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(behaviour_level__isnull=True) | Q(behaviour_level__gte=1, behaviour_level__lte=5),
                name="incidents_incident_level_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_location_display()}"

    @property
    def is_void(self):
        return self.voided_at is not None

    def groups(self):
        """The ``CategoryGroup`` values of this incident, from its flags, in the order of ``CategoryGroup``."""
        return [group for group, flag in GROUP_FLAGS.items() if getattr(self, flag)]


class IncidentPupil(TimeStampedModel):
    """A pupil involved in an incident, with their role (Westminster §11: perpetrators and victims each have their
    own record, so repeated incidents are visible)."""

    class Role(models.TextChoices):
        SUBJECT = "subject", _("Subject of concern")
        VICTIM = "victim", _("Victim")
        ALLEGED_PERPETRATOR = "alleged_perpetrator", _("Alleged perpetrator")
        WITNESS = "witness", _("Witness")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involvements")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="incident_involvements")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pupil involved")
        verbose_name_plural = _("pupils involved")
        ordering = ["incident", "pk"]
        constraints = [models.UniqueConstraint(fields=["incident", "pupil"], name="incidents_pupil_once")]
        # The pupils of one term's incidents, found from each incident (a nested loop that reads only this index)
        # rather than by reading every year's links: repeated incidents and rates per cohort (reports.figures).
        indexes = [models.Index(fields=["incident"], include=["pupil", "role"], name="incidents_pupil_by_incident")]

    def __str__(self):
        return f"{self.pupil} ({self.get_role_display()})"


class Attachment(PublicIdModel):
    """A file attached to an incident: type checked by content, size-limited, stored privately, served only through
    a permission check (``incidents.views_files``)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(storage=get_private_storage, upload_to="incidents/%Y/")
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["incident", "created_at"]

    def __str__(self):
        return self.name


class BodyMap(PublicIdModel):
    """Marks seen on a pupil's body, placed on front and back outlines and described.

    ``marks``: a list of ``{"side": "front"|"back", "x": 0–100, "y": 0–100, "description": str}``; x and y are
    percentages of the outline's width and height.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="body_maps")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="+")
    marks = models.JSONField(_("marks"), default=list)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("body map")
        verbose_name_plural = _("body maps")
        ordering = ["incident", "created_at"]


class PhysicalIntervention(TimeStampedModel):
    """The record of a physical intervention: who intervened, whether trained, how long, and when parents were told."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="physical_intervention")
    staff_involved = models.CharField(_("staff who intervened"), max_length=300)
    staff_trained = models.BooleanField(_("the staff were trained in positive handling"), default=False)
    method = models.CharField(_("hold or method used"), max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    parents_informed_at = models.DateTimeField(_("parents told at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("physical intervention")
        verbose_name_plural = _("physical interventions")


class Alert(TimeStampedModel):
    """An in-portal alert of an incident to one person; ``read_at`` records when they opened it. ``emailed_at`` is
    claimed by the e-mail task before sending, so an alert is e-mailed at most once."""

    class Reason(models.TextChoices):
        CHOSEN = "chosen", _("Chosen by the person recording")
        CLASS_TEACHER = "class_teacher", _("Class teacher of a pupil involved")
        SLT = "slt", _("Senior leadership (level 3 to 5)")
        DSL_TEAM = "dsl_team", _("DSL team (safeguarding concern)")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="alerts")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_alerts")
    reason = models.CharField(_("why"), max_length=20, choices=Reason.choices)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # When its incident happened, copied as on ``Action`` (``incident_occurred_at``): a class teacher's list of this
    # academic year reads the alerts of this year's incidents only (issue 18 item 4). ``save`` sets it from the
    # incident; ``services.incident_amend`` updates it.
    incident_occurred_at = models.DateTimeField(editable=False)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["incident", "recipient"], name="incidents_alert_once")]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="incidents_alert_unread"),
            # A person's alerts of the incidents since a date (permissions._incident_ids_of_a_teacher).
            models.Index(
                fields=["recipient", "incident_occurred_at"],
                include=["incident"],
                name="incidents_alert_recipient_when",
            ),
        ]

    def save(self, *args, **kwargs):
        if self.incident_occurred_at is None:
            self.incident_occurred_at = self.incident.occurred_at
        super().save(*args, **kwargs)


class Action(PublicIdModel):
    """Something someone must do about an incident, by a date; reminders go when due and when overdue."""

    class Kind(models.TextChoices):
        INVESTIGATE = "investigate", _("Investigate")
        CONTACT_PARENTS = "contact_parents", _("Contact parents or carers")
        RESTORATIVE = "restorative", _("Restorative conversation")
        REFER_EARLY_HELP = "refer_early_help", _("Refer to early help")
        REFER_SOCIAL_CARE = "refer_social_care", _("Refer to children's social care")
        REFER_POLICE = "refer_police", _("Refer to the police")
        REFER_PREVENT = "refer_prevent", _("Refer to Prevent")
        FOLLOW_UP_VICTIM = "follow_up_victim", _("Follow up with the victim")
        FOLLOW_UP_REFERRAL = "follow_up_referral", _("Follow up a referral")
        OTHER = "other", _("Other")

    REFERRALS = (Kind.REFER_EARLY_HELP, Kind.REFER_SOCIAL_CARE, Kind.REFER_POLICE, Kind.REFER_PREVENT)

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("action"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("details"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_actions", verbose_name=_("who")
    )
    due_on = models.DateField(_("due on"), db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_note = models.TextField(_("what was done"), blank=True)
    # When its incident happened (``Incident.occurred_at``), copied: ``save`` sets it from the incident, and
    # ``services.incident_amend`` updates it when a correction moves the incident in time. It lets one index on
    # (assignee, incident_occurred_at) give the actions of one person's incidents since a date, so a class teacher's
    # list of this academic year reads this year's actions, not every year's (issue 18 item 4). Derived data: not
    # in the history (the incident's history has the time).
    incident_occurred_at = models.DateTimeField(editable=False)
    history = HistoricalRecords(excluded_fields=["incident_occurred_at"])

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "pk"]
        indexes = [
            # Open actions of one period's incidents (reports.figures.action_counts): a small index holding only
            # open actions, read instead of every year's actions.
            models.Index(
                fields=["incident"],
                include=["kind", "due_on"],
                condition=Q(completed_at__isnull=True),
                name="incidents_action_open",
            ),
            # A person's actions on the incidents since a date (permissions._incident_ids_of_a_teacher).
            models.Index(
                fields=["assignee", "incident_occurred_at"],
                include=["incident"],
                name="incidents_action_assignee_when",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

    def save(self, *args, **kwargs):
        if self.incident_occurred_at is None:
            self.incident_occurred_at = self.incident.occurred_at
        super().save(*args, **kwargs)


class ActionReminderSent(TimeStampedModel):
    """A reminder e-mailed for an action ("due" on the due date, "overdue:<n>" for the n-th overdue week) — the
    unique row makes the daily sweep idempotent."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="reminders")
    key = models.CharField(max_length=20)
    recipient = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "key", "recipient"], name="incidents_actionreminder_once")
        ]


class ActionDigestSent(TimeStampedModel):
    """The claim of one person's daily e-mail listing their due and overdue actions: one row per person per day, so
    the daily sweep, run twice or redelivered, sends one e-mail (issue 12 #27). ``actions``: how many it listed."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    actions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="incidents_actiondigest_once")]


class ParentContact(TimeStampedModel):
    """A contact with a pupil's family about an incident: who, how, when, what was said (for bullying, both
    families — Westminster §12)."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call")
        IN_PERSON = "in_person", _("In person")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="parent_contacts")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="+")
    guardian = models.ForeignKey(
        "directory.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(_("who was contacted"), max_length=200)
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    contacted_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("what was said"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parent contact")
        verbose_name_plural = _("parent contacts")
        ordering = ["incident", "contacted_at"]


class SuspensionReason(models.TextChoices):
    """DfE suspension and permanent exclusion reason codes (school census)."""

    PP = "PP", _("PP — Physical assault against a pupil")
    PA = "PA", _("PA — Physical assault against an adult")
    VP = "VP", _("VP — Verbal abuse or threatening behaviour against a pupil")
    VA = "VA", _("VA — Verbal abuse or threatening behaviour against an adult")
    OW = "OW", _("OW — Use or threat of use of an offensive weapon or prohibited item")
    BU = "BU", _("BU — Bullying")
    RA = "RA", _("RA — Racist abuse")
    LG = "LG", _("LG — Abuse against sexual orientation or gender identity")
    DS = "DS", _("DS — Abuse relating to disability")
    SM = "SM", _("SM — Sexual misconduct")
    DA = "DA", _("DA — Drug and alcohol related")
    DM = "DM", _("DM — Damage")
    TH = "TH", _("TH — Theft")
    DB = "DB", _("DB — Persistent or general disruptive behaviour")
    MT = "MT", _("MT — Inappropriate use of social media or online technology")


class Sanction(PublicIdModel):
    """A sanction or outcome for one pupil: reflection time, loss of break, an after-school restorative session, a
    suspension (days, with up to three DfE reason codes) or a permanent exclusion.

    A pupil may not be suspended for more than 45 school days in one academic year (School Discipline Regulations
    2012; checked in ``incidents.services.sanction_record``).
    """

    class Kind(models.TextChoices):
        REFLECTION = "reflection", _("Reflection time")
        LOSS_OF_BREAK = "loss_of_break", _("Loss of break")
        RESTORATIVE_SESSION = "restorative_session", _("After-school restorative session")
        SUSPENSION = "suspension", _("Suspension")
        PERMANENT_EXCLUSION = "permanent_exclusion", _("Permanent exclusion")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="sanctions")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="sanctions")
    academic_year = models.ForeignKey("directory.AcademicYear", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("sanction"), max_length=30, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"))
    days = models.DecimalField(
        _("school days"), max_digits=4, decimal_places=1, null=True, blank=True, help_text=_("Half days allowed.")
    )
    reason_1 = models.CharField(_("reason"), max_length=2, choices=SuspensionReason.choices, blank=True)
    reason_2 = models.CharField(_("second reason"), max_length=2, choices=SuspensionReason.choices, blank=True)
    reason_3 = models.CharField(_("third reason"), max_length=2, choices=SuspensionReason.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    voided_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["starts_on", "pk"]

    def reasons(self):
        return [code for code in (self.reason_1, self.reason_2, self.reason_3) if code]


class DSLNote(TimeStampedModel):
    """A note by the DSL team on a safeguarding concern — never shown to the member of staff who raised it."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="dsl_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("DSL note")
        verbose_name_plural = _("DSL notes")
        ordering = ["incident", "created_at"]


class Professional(TimeStampedModel):
    """A professional involved with a pupil (social worker, early help worker, police officer, school nurse…), for
    the front sheet of the child protection file."""

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="professionals")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(pgettext_lazy("a professional's job", "role"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    ended_on = models.DateField(_("no longer involved since"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("professional involved")
        verbose_name_plural = _("professionals involved")
        ordering = ["pupil", "name"]


class FileTransfer(PublicIdModel):
    """The transfer of a pupil's child protection file to a new school: exported, sent (when, how, to whom) and
    receipt confirmed. Unconfirmed after 5 school days, the DSL team is warned (KCSIE: the file is transferred
    separately from the main pupil file, with confirmation of receipt).

    The file is prepared by the worker (issue 18 item 2): ``prepared_file`` is the request for it, and
    ``file_sha256`` is empty until that file is ready, then its SHA-256. A request that failed is replaced by a new
    one when the DSL team asks again; the transfer itself is recorded at once and never lost."""

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="file_transfers")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    destination_school = models.CharField(_("new school"), max_length=200)
    destination_dsl = models.CharField(_("new school's DSL"), max_length=200)
    destination_email = models.EmailField(_("DSL's e-mail address"), blank=True)
    method = models.CharField(_("sent by"), max_length=200, help_text=_("For example: secure e-mail, by hand."))
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_sha256 = models.CharField(max_length=64, blank=True)
    prepared_file = models.ForeignKey(
        "jobs.PreparedFile",
        verbose_name=_("file prepared"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    receipt_confirmed_at = models.DateTimeField(_("receipt confirmed at"), null=True, blank=True)
    receipt_confirmed_by = models.CharField(_("confirmed by"), max_length=200, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("child protection file transfer")
        verbose_name_plural = _("child protection file transfers")
        ordering = ["-sent_at"]


class IncidentAmendment(PublicIdModel):
    """A correction of an incident's record — a typo in what happened, the wrong category or level, when or where —
    by someone who may manage it, with the reason (issue 16 item 2). Written once by
    ``incidents.services.incident_amend`` and never changed: the record's history shows each one with who, when,
    why and the previous values, so nothing recorded is lost. A record made in error is voided instead.

    ``changes``: ``[{"field": name, "old": value, "new": value}]`` in the order of ``AMENDABLE_FIELDS``; values as
    JSON — text, a choice's value, a level, an ISO 8601 datetime for ``occurred_at``, the name of the period or subject
    (or "") for ``period`` and ``subject``, and a list of category names for ``categories``.
    """

    AMENDABLE_FIELDS = [
        "occurred_at",
        "location",
        "location_detail",
        "period",
        "subject",
        "categories",
        "behaviour_level",
        "bullying_type",
        "protected_characteristic",
        "description",
        "immediate_action",
        "reported_by",
    ]

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="amendments")
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason for the correction"))
    changes = models.JSONField(default=list)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["incident", "created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="incidents_amendment_reason_required")]

    def __str__(self):
        return f"{self.incident_id} {self.created_at:%Y-%m-%d %H:%M}"


class PupilFlag(PublicIdModel):
    """A fact about a pupil's safeguarding situation that the DSL team keeps, with the dates it held (issue 16 item
    4): a child protection plan, a child in need plan, early help, a young carer, or a case open to children's social
    care (Working Together to Safeguard Children 2023, KCSIE). Started and ended by the DSL team
    (``incidents.services_flags``); never deleted — an ended flag stays in the pupil's history. At most one current
    flag of each kind per pupil.

    Seen only by those with ``VIEW_SAFEGUARDING``: a discreet marker on the pupil's page, nothing for anyone else.
    """

    class Kind(models.TextChoices):
        CP_PLAN = "cp_plan", _("Child protection plan")
        CIN = "cin", _("Child in need (CIN)")
        EARLY_HELP = "early_help", _("Early help")
        YOUNG_CARER = "young_carer", _("Young carer")
        SOCIAL_CARE = "social_care", _("Open to children's social care")

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="safeguarding_flags")
    kind = models.CharField(_("flag"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(_("why it ended"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("safeguarding flag")
        verbose_name_plural = _("safeguarding flags")
        ordering = ["pupil", "-starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "kind"], condition=Q(ends_on__isnull=True), name="incidents_pupilflag_one_current"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="incidents_pupilflag_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()


class Referral(PublicIdModel):
    """A referral of a safeguarding concern to an agency outside the school — children's social care or the MASH,
    the police, Prevent (Channel), the LADO, early help — with the agency's reference, the date, the outcome and a
    follow-up date (issue 16 item 5; KCSIE: every decision and action, and its outcome, is recorded).

    Recorded and updated by the DSL team (``incidents.services_referrals``); the follow-up is an ``Action`` on the
    concern due on ``follow_up_on``, so the daily reminders e-mail it when due and overdue. Never deleted.
    """

    class Agency(models.TextChoices):
        SOCIAL_CARE = "social_care", _("Children's social care or MASH")
        POLICE = "police", _("Police")
        PREVENT = "prevent", _("Prevent (Channel)")
        LADO = "lado", _("LADO (allegation against an adult)")
        EARLY_HELP = "early_help", _("Early help")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="referrals")
    agency = models.CharField(_("referred to"), max_length=20, choices=Agency.choices)
    referred_on = models.DateField(_("referred on"))
    reference = models.CharField(_("their reference"), max_length=100, blank=True)
    contact = models.CharField(_("who took the referral"), max_length=200, blank=True)
    summary = models.TextField(_("what was referred"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_on = models.DateField(_("outcome known on"), null=True, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    follow_up_action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["incident", "referred_on", "pk"]

    def __str__(self):
        return self.get_agency_display()


def school_year_key(school_id, occurred_at):
    """``IncidentSearchDocument.school_year`` of an incident: ``school_id`` (int) × 10,000 + the calendar year, in
    UTC, of ``occurred_at`` (an aware ``datetime``) — an int such as 120_2026. UTC so that the key rises with the
    time whatever the school's time zone: a walk of the keys newest first meets the incidents newest first."""
    return school_id * 10_000 + occurred_at.astimezone(datetime.UTC).year


class IncidentSearchDocument(models.Model):
    """The words of one incident that the incident list's free-text search looks in: what happened, the action taken
    at the time, who reported it, where exactly, the outcome and rationale, its actions and what was done, its
    contacts with families and — on a safeguarding concern only — the DSL team's notes. Everything here is shown on
    the record to whoever may read it in full, so a search finds nothing the reader could not read.

    Derived data, rebuilt by ``incidents.services_search.search_document_refresh`` whenever a service changes one of
    those texts (no history kept: the record's own history has it). ``text``: the words, one string (searched with
    ``icontains`` on SQLite); ``vector``: the same as a PostgreSQL ``tsvector`` in the school's language ('english',
    'turkish'), NULL on SQLite. ``school``: the incident's school, copied so that one GIN index on (school, vector)
    (``btree_gin``; migration 0013) finds the matching words of one school only, not of every school of the
    database before the school's filter (issue 18 items 4 and 6). ``school_year``: the school and the calendar year
    (UTC) of the incident, ``school_year_key``; the GIN index is on (school_year, vector) (migration 0018), so a
    search reads one school's one year at a time. The services set both; on PostgreSQL a trigger sets them too for
    a row written without them (bulk-loaded benchmark data).
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, null=True, related_name="+")
    # The school and the calendar year (UTC) the incident happened in, as one number (``school_year_key``), so that
    # one GIN index on (school_year, vector) finds one school's matches of one year: a search walks the years
    # newest first and stops when it has counted enough (``selectors.search_years``; issue 18 item 4).
    school_year = models.BigIntegerField(null=True, editable=False)
    text = models.TextField(blank=True)
    vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("incident search text")
        verbose_name_plural = _("incident search texts")

    def __str__(self):
        return str(self.incident_id)


class SavedIncidentFilter(PublicIdModel):
    """A filter of the incident list that one member of staff saved under a name, to apply again in one click
    (issue 16 item 9). Private to its owner: nobody else lists, applies or removes it. Removing it sets
    ``removed_at``; it is never deleted.

    ``filters``: ``{field name of incidents.forms_incidents.IncidentFilterForm: value as posted (str)}``, only the
    fields the form accepted and that were not empty; applying one opens the list with those values, where the form
    checks them again (a filter saved before a year group was renamed, or a concern's group saved by someone who
    has since left the DSL team, filters by nothing it may no longer use).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    filters = models.JSONField(default=dict)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["owner", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "school", "name"],
                condition=Q(removed_at__isnull=True),
                name="incidents_savedfilter_name_once",
            )
        ]

    def __str__(self):
        return self.name
