"""The directory: organisations, schools, the school calendar, pupils, guardians and staff roles.

Every feature app hangs its records on a ``School``; every person's rights come from ``StaffRole`` /
``OrganisationRole`` rows (roles are data, capabilities are code — see ``safeguard.permissions``). Nothing here is
hard-deleted: pupils are marked left, roles and guardian links are ended, and django-simple-history keeps every
change.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel, TimeStampedModel

from .validators import validate_laestab, validate_time_zone, validate_upn, validate_urn


class Organisation(PublicIdModel):
    """A multi-academy trust, US school district or local authority that runs several schools (optional)."""

    class Kind(models.TextChoices):
        TRUST = "trust", _("Multi-academy trust")
        DISTRICT = "district", _("School district")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TRUST)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(PublicIdModel):
    """A school (a US "campus"), the unit every record belongs to; staff of one school never see another's."""

    class Phase(models.TextChoices):
        NURSERY = "nursery", _("Nursery")
        PRIMARY = "primary", _("Primary")
        SECONDARY = "secondary", _("Secondary")
        ALL_THROUGH = "all_through", _("All-through")
        SPECIAL = "special", _("Special")
        OTHER = "other", _("Other")

    class Country(models.TextChoices):
        ENGLAND = "england", _("England")
        WALES = "wales", _("Wales")
        SCOTLAND = "scotland", _("Scotland")
        NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")
        TURKEY = "turkey", _("Türkiye")
        UNITED_STATES = "united_states", _("United States")
        OTHER = "other", _("Other")

    class CalendarModel(models.TextChoices):
        THREE_TERMS = "terms", _("Three terms (autumn, spring, summer)")
        TWO_SEMESTERS = "semesters", _("Two semesters")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schools",
        verbose_name=_("trust or district"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    urn = models.CharField(_("URN"), max_length=6, blank=True, validators=[validate_urn])
    laestab = models.CharField(_("LAESTAB"), max_length=7, blank=True, validators=[validate_laestab])
    district_code = models.CharField(_("district or campus code"), max_length=40, blank=True)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.PRIMARY)
    country = models.CharField(_("country"), max_length=20, choices=Country.choices, default=Country.ENGLAND)
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="en-gb"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    calendar_model = models.CharField(
        _("school calendar"), max_length=20, choices=CalendarModel.choices, default=CalendarModel.THREE_TERMS
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["urn"], condition=~Q(urn=""), name="directory_school_urn_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def uses_uk_identifiers(self):
        """Whether the English school identifiers and funding flags mean something here: URN and LAESTAB for the
        school, UPN and pupil premium for its pupils (DfE, England only). Pages and forms show them only then."""
        return self.country == self.Country.ENGLAND

    @property
    def reads_dates_month_first(self):
        """Whether the school writes dates month first (MM/DD/YYYY, the United States): its roster files are read
        that way; its pages are in American English (``safeguard.country_words``)."""
        return self.country == self.Country.UNITED_STATES

    def today(self, now=None):
        """The school's local date (``now`` is an aware datetime; defaults to the current time)."""
        import zoneinfo

        return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(self.time_zone)).date()


class AcademicYear(TimeStampedModel):
    """A school's academic year, e.g. "2026/27" from 1 September to 31 August. Its terms divide it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="academic_years")
    name = models.CharField(_("name"), max_length=20)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        ordering = ["school", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["school", "starts_on"], name="directory_academicyear_school_start_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="directory_academicyear_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    def contains(self, day):
        return self.starts_on <= day <= self.ends_on


class CurrentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(removed_at__isnull=True)


class CurrentManager(models.Manager.from_queryset(CurrentQuerySet)):
    """The default manager of a calendar record that can be removed (``removed_at``): removed rows are left out of
    every list, form and lookup — a removed term or year group is gone for the school, while its row and history stay
    (nothing is hard-deleted). ``all_objects`` sees them too; a foreign key to one still reads it (the base manager)."""

    def get_queryset(self):
        return super().get_queryset().filter(removed_at__isnull=True)


class Term(TimeStampedModel):
    """A term (autumn, spring, summer) or semester within an academic year.

    Lifecycle: added with its year (from a preset) or when the year is edited → its dates changed → removed
    (``removed_at``, kept with its history; ``Term.objects`` no longer lists it, ``Term.all_objects`` does).
    """

    class Kind(models.TextChoices):
        AUTUMN = "autumn", _("Autumn term")
        SPRING = "spring", _("Spring term")
        SUMMER = "summer", _("Summer term")
        SEMESTER_1 = "semester_1", _("First semester")
        SEMESTER_2 = "semester_2", _("Second semester")

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="terms")
    kind = models.CharField(_("term"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = CurrentManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["academic_year", "starts_on"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "kind"],
                condition=Q(removed_at__isnull=True),
                name="directory_term_year_kind_unique",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="directory_term_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.academic_year}"


class TermBreak(TimeStampedModel):
    """Days within an academic year when the school is closed to pupils though it is term time: a half-term, a
    holiday (a bank holiday, a US district's Thanksgiving or spring break) or a closure or training (INSET) day. As
    an MIS keeps them, a break lies inside the year and usually inside a term; the days between terms need none.

    ``starts_on`` and ``ends_on`` are the first and last day off (the same day for one day). School days
    (``safeguard.directory.calendar.school_days_between``) are term days, Monday to Friday, outside every break.
    Lifecycle: added with its year from a preset (England's three half-terms) or one by one → its dates or name
    changed → removed (``removed_at``, kept with its history).
    """

    class Kind(models.TextChoices):
        HALF_TERM = "half_term", _("Half-term")
        HOLIDAY = "holiday", _("Holiday")
        CLOSURE = "closure", _("Closure or training day")

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="breaks")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HALF_TERM)
    name = models.CharField(_("name"), max_length=100, help_text=_("For example: Autumn half-term."))
    starts_on = models.DateField(_("first day off"))
    ends_on = models.DateField(_("last day off"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = CurrentManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("break")
        verbose_name_plural = _("breaks")
        ordering = ["academic_year", "starts_on"]
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="directory_termbreak_ends_on_or_after_start"
            ),
        ]

    def __str__(self):
        return self.name


class YearGroup(TimeStampedModel):
    """A year group (US grade), e.g. Reception, Year 1 … Year 6, or "1. Sınıf"; ``order`` sorts them.

    Lifecycle: added from a preset or by a roster import → renamed → removed (``removed_at``) once no pupil and no
    class uses it; the row and its history stay, ``YearGroup.objects`` no longer lists it (``all_objects`` does),
    and its code is free for a new year group.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="year_groups")
    code = models.CharField(_("code"), max_length=20, help_text=_("As in the MIS export, e.g. R, 1, Y1."))
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = CurrentManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("year group")
        verbose_name_plural = _("year groups")
        ordering = ["school", "order", "name"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "code"],
                condition=Q(removed_at__isnull=True),
                name="directory_yeargroup_school_code_unique",
            ),
        ]

    def __str__(self):
        return self.name


class SchoolClass(TimeStampedModel):
    """A class or form group in one academic year, with its class teachers."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="classes")
    year_group = models.ForeignKey(YearGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="classes")
    name = models.CharField(_("name"), max_length=50)
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="classes_taught", verbose_name=_("class teachers")
    )
    history = HistoricalRecords(m2m_fields=[teachers])

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school", "year_group__order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year", "name"], name="directory_schoolclass_year_name_unique"
            ),
        ]

    def __str__(self):
        return self.name


class PupilQuerySet(models.QuerySet):
    def for_school(self, school):
        return self.filter(school=school)

    def on_roll(self, day=None):
        day = day or datetime.date.today()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=day))


class Pupil(PublicIdModel):
    """A pupil (US student) on a school's roll.

    Lifecycle: added by roster import or by office staff → on roll from ``on_roll_from`` → marked left with
    ``left_on`` when they leave. A pupil is never deleted: their records (agreements, consents, incidents) stay.

    ``sex``: ``M`` or ``F`` (DfE CBDS sex codes, the CTF's ``<Sex>``, ``<Gender>`` before CTF 24); blank when the
    school has not recorded it. Never guessed from a name or another system's "other"/"unspecified".
    """

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    legal_first_name = models.CharField(_("legal first name"), max_length=100)
    legal_last_name = models.CharField(_("legal last name"), max_length=100)
    preferred_first_name = models.CharField(_("preferred first name"), max_length=100, blank=True)
    preferred_last_name = models.CharField(_("preferred last name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    upn = models.CharField(_("UPN"), max_length=13, blank=True, validators=[validate_upn])
    mis_id = models.CharField(_("MIS id"), max_length=50, blank=True)
    year_group = models.ForeignKey(YearGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="pupils")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="pupils", verbose_name=_("class")
    )
    on_roll_from = models.DateField(_("on roll from"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    is_looked_after = models.BooleanField(_("looked after (CLA)"), default=False)
    is_previously_looked_after = models.BooleanField(_("previously looked after or adopted"), default=False)
    has_sen = models.BooleanField(_("SEN"), default=False)
    is_eal = models.BooleanField(_("EAL"), default=False)
    is_pupil_premium = models.BooleanField(_("pupil premium"), default=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    # The pupil's own e-mail address, where the school keeps one (OneRoster users.csv ``email`` for a student, or
    # typed by the office); a pupil account invitation goes to it. The CTF carries none.
    email = models.EmailField(_("pupil's e-mail address"), blank=True)
    # The pupil's own account, once they accepted an invitation (``PupilAccountSetting`` says who may have one).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pupil_record",
        verbose_name=_("pupil's own account"),
    )
    history = HistoricalRecords()

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["legal_last_name", "legal_first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "upn"], condition=~Q(upn=""), name="directory_pupil_school_upn_unique"
            ),
            models.UniqueConstraint(
                fields=["school", "mis_id"], condition=~Q(mis_id=""), name="directory_pupil_school_mis_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["school", "legal_last_name"], name="directory_pupil_school_name")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name staff use: preferred names where given, otherwise legal names."""
        first = self.preferred_first_name or self.legal_first_name
        last = self.preferred_last_name or self.legal_last_name
        return f"{first} {last}"

    def is_on_roll(self, day=None):
        day = day or datetime.date.today()
        return self.left_on is None or self.left_on > day


class PupilAccountSetting(TimeStampedModel):
    """A school's choice that its pupils have their own accounts — from an age (``from_age``) or from a year group
    (``from_year_group``), one or the other; neither means off, the default. An account lets a pupil sign their own
    agreements and see what they have signed, and nothing else (``safeguard.permissions.pupil_of_user``).

    Where the rule comes from:
    - UK GDPR Art. 8 with the Data Protection Act 2018 s.9: from 13 a child can consent for themselves to an online
      ("information society") service; below 13 a parent's consent is needed where consent is the lawful basis. A
      school usually provides accounts under its public task, so the law does not fix the age, but 13 is the
      suggested one and the page says what a younger age means.
    - Gillick competence (Gillick v West Norfolk AHA, 1985): whether a child under 16 understands what they sign is
      judged child by child; the school decides by inviting each pupil (or ticking "invite students" on an import).
    - United States, COPPA (15 U.S.C. §6501–6506, 16 CFR Part 312): an online service collecting personal information
      from a child under 13 needs verifiable parental consent, which a school may give for school use only.
    Ages accepted: ``PUPIL_ACCOUNT_AGES`` (8 to 18). Year groups: the school's own (their ``order``).

    Lifecycle: one row per school, created on first save, changed in place (history); turning it off ends every
    pupil's access at once (their accounts stay, unusable, until it is turned on again). Never deleted.
    """

    school = models.OneToOneField(
        School, on_delete=models.PROTECT, related_name="pupil_account_setting", verbose_name=_("school")
    )
    from_age = models.PositiveSmallIntegerField(_("pupils have accounts from age"), null=True, blank=True)
    from_year_group = models.ForeignKey(
        YearGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pupils have accounts from year group"),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pupils' own accounts")
        verbose_name_plural = _("pupils' own accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(from_age__isnull=True) | Q(from_year_group__isnull=True),
                name="directory_pupilaccountsetting_age_or_year_group",
            ),
        ]

    def __str__(self):
        return f"{self.school}: {self.from_age or self.from_year_group or '-'}"

    @property
    def is_on(self):
        return self.from_age is not None or self.from_year_group_id is not None


class Guardian(PublicIdModel):
    """A parent or carer known to a school, from its MIS. A parent account (``user``) may be linked once invited.

    Whether this person may sign or consent for a pupil depends on the link's ``has_parental_responsibility``,
    not on this record.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="guardians")
    title = models.CharField(pgettext_lazy("a person's title, such as Mrs or Dr", "title"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guardian_records",
        verbose_name=_("parent account"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parent or carer")
        verbose_name_plural = _("parents and carers")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                "school", Lower("email"), condition=~Q(email=""), name="directory_guardian_school_email_unique"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class PupilGuardianQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class PupilGuardian(TimeStampedModel):
    """How a guardian is linked to a pupil: relationship, parental responsibility and contact order.

    Only a guardian with parental responsibility may sign agreements or answer consent for the pupil. A link that
    no longer holds is ended (``ended_on``), never deleted.
    """

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        PARENT = "parent", _("Parent")
        STEP_PARENT = "step_parent", _("Step-parent")
        GRANDPARENT = "grandparent", _("Grandparent")
        FOSTER_CARER = "foster_carer", _("Foster carer")
        CARER = "carer", _("Carer")
        SOCIAL_WORKER = "social_worker", _("Social worker")
        OTHER = "other", _("Other relative or contact")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="guardian_links")
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="pupil_links")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    has_parental_responsibility = models.BooleanField(_("parental responsibility"), default=False)
    contact_order = models.PositiveSmallIntegerField(_("contact order"), default=1)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = PupilGuardianQuerySet.as_manager()

    class Meta:
        verbose_name = _("pupil–guardian link")
        verbose_name_plural = _("pupil–guardian links")
        ordering = ["pupil", "contact_order"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "guardian"], name="directory_pupilguardian_pair_unique"),
        ]

    def __str__(self):
        return f"{self.guardian} → {self.pupil} ({self.get_relationship_display()})"


class Role(models.TextChoices):
    """Roles a person holds in a school. What each role may do is decided in ``safeguard.permissions``."""

    OFFICE = "office", _("Office staff")
    TEACHER = "teacher", _("Teacher")
    DSL = "dsl", _("Designated safeguarding lead")
    DEPUTY_DSL = "deputy_dsl", _("Deputy DSL")
    SLT = "slt", _("Senior leadership team")
    HEADTEACHER = "headteacher", _("Headteacher")
    GOVERNOR = "governor", _("Governor")


class OrganisationRoleKind(models.TextChoices):
    TRUST_ADMIN = "trust_admin", _("Trust or district administrator")


class StaffRoleQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class StaffRole(TimeStampedModel):
    """One role held by one person in one school. A person may hold several roles in several schools.

    Ending a role (``ended_on``) removes its rights at once; the row stays as history.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_roles")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = StaffRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"],
                condition=Q(ended_on__isnull=True),
                name="directory_staffrole_current_unique",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}, {self.school}"


class OrganisationRole(TimeStampedModel):
    """A role at trust, district or local-authority level (trust admin): sees every school of the organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organisation_roles")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(
        _("role"), max_length=20, choices=OrganisationRoleKind.choices, default=OrganisationRoleKind.TRUST_ADMIN
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = StaffRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation role")
        verbose_name_plural = _("organisation roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(ended_on__isnull=True),
                name="directory_organisationrole_current_unique",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}, {self.organisation}"


class RosterImport(PublicIdModel):
    """A roster CSV uploaded by office staff, kept so that what is applied is exactly the file that was previewed.

    Lifecycle: uploaded and checked → ``pending`` when every row is valid (the preview is shown), or ``rejected``
    when the file has errors (nothing can be done with it but upload a corrected file) → ``applied`` once, when the
    office confirms (claimed by a conditional UPDATE so a double submit applies once), or ``cancelled`` when a newer
    file is uploaded for the school before this one was confirmed. ``summary`` holds the preview's counts and errors
    and, once applied, what was changed. ``sha256`` is the hash of ``content`` encoded as UTF-8. Never deleted.
    See ``safeguard.directory.roster`` and ``docs/roster-import.md``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        REJECTED = "rejected", _("Has errors")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="roster_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    original_filename = models.CharField(_("file name"), max_length=255)
    content = models.TextField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="applied") & Q(applied_at__isnull=False))
                | (~Q(status="applied") & Q(applied_at__isnull=True)),
                name="directory_rosterimport_applied_at_iff_applied",
            ),
        ]
        indexes = [models.Index(fields=["school", "status"], name="directory_rosterimport_status")]

    def __str__(self):
        return f"{self.original_filename} ({self.get_status_display()})"
