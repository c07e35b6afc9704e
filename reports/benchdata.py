"""A trust-scale dataset for the benchmark (issue 7 "Benchmark"; issue 6 acceptance 3): one trust of 20 primary schools,
8,000 pupils, 16,000 guardians and 200,000 incidents over three academic years, with consent answers and agreement
signatures for every pupil and about 25 policies per school.

``manage.py bench_build`` calls ``build()``; ``scripts/bench_trust.py`` builds it into a dedicated Postgres database
(``safeguard_bench``) and measures the pages on it. Everything is fictional and deterministic: names come from Faker
with a fixed seed, every other choice from ``random.Random`` streams seeded per school and per purpose, and dates are
relative to ``today`` (only days before it are used), so the same ``today`` gives the same data.

What a school looks like: Reception to Year 6 (``classes_per_year`` classes each, named after trees) with a class
teacher each; a headteacher, a DSL and a deputy, two SLT members, two office staff and five governors; three
academic years with their autumn, spring and summer terms (half-term weeks off). Pupils entered Reception in the
September their year group says, so this year's Reception has incidents this year only. Incidents fall on school
days at plausible times (more at break and lunch), with the mix of ``incidents.demo_content.SHAPES`` (most at
levels 1–2; bullying with a victim and an alleged perpetrator; prejudice-related, online safety, physical
intervention; about 9% safeguarding concerns with DSL notes and referrals). A few pupils account for many incidents,
as in any school; one pupil per school for very many (the heaviest chronology). Older incidents are closed; actions
(referrals, follow-ups with victims, contacting parents — some overdue), parent contacts, sanctions (suspensions
within the 45-day limit) and a fortnight of alerts come with them; a few incidents are voided.

This is seeding, like the demo loaders: rows are bulk-created (without history rows) rather than made through the
services, which would take hours and send e-mails. The schools are set up one after another, then the incidents of
all schools are inserted in time order, as a live system receives them (ids and the rows' physical order follow
``occurred_at``, not the school — building school by school would cluster each school's rows and flatter its
queries). The whole build is one transaction. Only the school itself (its post_save signal loads the default
categories and behaviour levels) and the consent form (``form_create_default``, ``version_publish``) go through the
application's code. ``created_at`` of incidents and their rows is set to when they would have been recorded, so no
incident looks backdated that was not.
"""

import bisect
import contextlib
import dataclasses
import datetime
import decimal
import itertools
import random
import time
import typing
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from aup.evidence import agreement_content, content_sha256
from aup.models import (
    Agreement,
    AgreementStatement,
    Audience,
    Policy,
    PolicyReview,
    PolicyReviewStep,
    PolicyVersion,
    Signature,
    SignatureRequest,
)
from aup.services_library import render_markdown
from consent import services as consent_services
from consent import services_forms as consent_forms
from consent.models import ConsentAnswer, ConsentResponse, PhotoMeasure
from incidents.demo_content import SHAPES, TEXTS
from incidents.models import (
    GROUP_FLAGS,
    Action,
    Alert,
    BullyingType,
    CategoryGroup,
    DSLNote,
    Incident,
    IncidentCategory,
    IncidentPupil,
    ParentContact,
    PhysicalIntervention,
    Sanction,
)
from safeguard.accounts.models import User
from safeguard.directory.models import (
    AcademicYear,
    Guardian,
    Organisation,
    OrganisationRole,
    Pupil,
    PupilGuardian,
    Role,
    School,
    SchoolClass,
    StaffRole,
    Term,
    YearGroup,
)

SEED = 20261107
TRUST_SLUG = "bench-trust"
DEFAULT_PASSWORD = "bench-trust-password-2026"
TRUST_ADMIN_EMAIL = "trust.admin@bench.test"
BATCH = 2000
ZONE = "Europe/London"
CLASS_SIZE = 28  # pupils per class the year groups are split by
GOVERNORS = 5
TREES = ["Oak", "Ash", "Birch", "Elm", "Hazel", "Rowan", "Willow", "Beech", "Cedar", "Maple"]
SUSPENSION_LIMIT = decimal.Decimal(45)  # school days per pupil per academic year (incidents.services)
BREAK_AND_LUNCH = [(9, 15), (10, 5), (10, 40), (10, 50), (11, 30), (12, 10), (12, 25), (12, 40), (12, 55), (13, 40)]
AFTERNOON = [(14, 30), (15, 5), (15, 20)]
PAIR_CODES = {"bullying", "racist", "homophobic", "disablist", "cyberbullying", "physical-harm"}
PREJUDICE_BULLYING = {  # a bullying incident that is also prejudice-related: (category, bullying type, characteristic)
    "racist": (BullyingType.RACIST, "race"),
    "homophobic": (BullyingType.HOMOPHOBIC, "sexual_orientation"),
    "disablist": (BullyingType.DISABILITY, "disability"),
}
INCIDENT_CHUNK = 5000  # incidents (of any school, in time order) inserted together with their rows
STAMPED_MODELS = (Incident, IncidentPupil, Action, ParentContact, Sanction, DSLNote, Alert, PhysicalIntervention)
SUSPENSION_REASONS = {"physical-harm": "PP", "racist": "RA", "bullying": "BU", "verbal-abuse": "VP", "homophobic": "LG"}


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How big the trust is. ``guardians`` must be at least ``pupils`` (every pupil has one with parental
    responsibility; the rest are second guardians, so at most two per pupil). ``years``: academic years of
    incidents, ending with the current one. ``policies``: per school, including the trust's three whole-trust
    policies."""

    schools: int = 20
    pupils: int = 8000
    guardians: int = 16000
    incidents: int = 200_000
    years: int = 3
    policies: int = 25

    def __post_init__(self):
        if self.schools < 1 or self.pupils < self.schools * 7 or self.years < 1:
            raise ValueError("need at least one school, seven pupils per school and one academic year")
        if not self.pupils <= self.guardians <= 2 * self.pupils:
            raise ValueError("need one or two guardians per pupil")
        if not 5 <= self.policies <= len(SCHOOL_POLICIES) + len(TRUST_POLICIES):
            raise ValueError(f"policies per school: 5 to {len(SCHOOL_POLICIES) + len(TRUST_POLICIES)}")


def school_slug(number):
    """``bench-01`` … ``bench-20``: the schools' short names (number from 1)."""
    return f"bench-{number:02d}"


def staff_email(slug, key):
    """The bench accounts: ``head@bench-01.bench.test``, ``dsl@…``, ``slt.1@…``, ``office.1@…``, ``teacher.01@…``
    (class teacher of the school's first class), ``governor.1@…``."""
    return f"{key}@{slug}.bench.test"


def is_built():
    """Whether the bench trust is in this database (the marker ``bench_build`` checks before building)."""
    return Organisation.objects.filter(slug=TRUST_SLUG).exists()


def split(total, parts):
    """``total`` split into ``parts`` near-equal ints, the larger first: split(10, 3) == [4, 3, 3]."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


# The school calendar --------------------------------------------------------------------------------------------


def academic_start(day):
    """The calendar year the academic year containing ``day`` starts in (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def term_dates(start_year):
    """``[(Term.Kind, starts_on, ends_on)]`` of the academic year starting in September ``start_year``."""
    return [
        (Term.Kind.AUTUMN, datetime.date(start_year, 9, 3), datetime.date(start_year, 12, 19)),
        (Term.Kind.SPRING, datetime.date(start_year + 1, 1, 5), datetime.date(start_year + 1, 3, 27)),
        (Term.Kind.SUMMER, datetime.date(start_year + 1, 4, 13), datetime.date(start_year + 1, 7, 22)),
    ]


def academic_years_create(school, starts):
    """Create ``school``'s academic years starting in September of each of ``starts`` (ints), with their three
    terms (``term_dates``); returns ``{start: AcademicYear}``."""
    years = {}
    for start in starts:
        years[start] = AcademicYear.objects.create(
            school=school,
            name=f"{start}/{(start + 1) % 100:02d}",
            starts_on=datetime.date(start, 9, 1),
            ends_on=datetime.date(start + 1, 8, 31),
        )
    _bulk(
        Term,
        [
            Term(academic_year=year, kind=kind, starts_on=starts_on, ends_on=ends_on)
            for start, year in years.items()
            for kind, starts_on, ends_on in term_dates(start)
        ],
    )
    return years


def _monday(day):
    return day - datetime.timedelta(days=day.weekday())


def school_days(start_year, *, before):
    """The school days (weekdays in term, half-term weeks off) of the academic year starting in ``start_year``,
    earlier than ``before`` (a date)."""
    half_terms = {
        _monday(datetime.date(start_year, 10, 27)),
        _monday(datetime.date(start_year + 1, 2, 17)),
        _monday(datetime.date(start_year + 1, 5, 27)),
    }
    days = []
    for _kind, starts_on, ends_on in term_dates(start_year):
        day = starts_on
        while day <= ends_on and day < before:
            if day.weekday() < 5 and _monday(day) not in half_terms:
                days.append(day)
            day += datetime.timedelta(days=1)
    return days


# Policies --------------------------------------------------------------------------------------------------------

Category = Policy.Category
Body = Policy.ApprovingBody
Cycle = Policy.ReviewCycle
RESOURCES = "Resources Committee"
CURRICULUM = "Curriculum and Standards Committee"

FGB, HEAD, COMMITTEE = Body.FULL_GOVERNING_BODY, Body.HEADTEACHER, Body.COMMITTEE
YEARS = Cycle.EVERY_N_YEARS

# (title, category, approving body, committee, cycle, interval in years or month, owner key)
SCHOOL_POLICIES = [
    ("Online safety and acceptable use policy", Category.ONLINE_SAFETY, FGB, "", YEARS, 1, "dsl"),
    ("Home–school agreement", Category.HOME_SCHOOL, HEAD, "", YEARS, 1, "head"),
    ("Child protection and safeguarding policy", Category.SAFEGUARDING, FGB, "", Cycle.FIXED_MONTH, 9, "dsl"),
    ("Behaviour policy", Category.BEHAVIOUR, FGB, "", YEARS, 1, "head"),
    ("Anti-bullying policy", Category.BEHAVIOUR, COMMITTEE, CURRICULUM, YEARS, 1, "slt.1"),
    ("SEND information report", Category.SEND, FGB, "", YEARS, 1, "slt.2"),
    ("Accessibility plan", Category.SEND, COMMITTEE, RESOURCES, YEARS, 3, "slt.2"),
    ("Attendance policy", Category.OTHER, HEAD, "", YEARS, 1, "office.1"),
    ("Health and safety policy", Category.HEALTH_AND_SAFETY, COMMITTEE, RESOURCES, YEARS, 1, "office.1"),
    ("First aid policy", Category.HEALTH_AND_SAFETY, HEAD, "", YEARS, 2, "office.2"),
    ("Supporting pupils with medical conditions", Category.HEALTH_AND_SAFETY, FGB, "", YEARS, 2, "slt.2"),
    ("Staff code of conduct", Category.STAFF_CONDUCT, FGB, "", YEARS, 1, "head"),
    ("Whistleblowing policy", Category.STAFF_CONDUCT, FGB, "", YEARS, 2, "head"),
    ("Relationships and health education policy", Category.CURRICULUM, COMMITTEE, CURRICULUM, YEARS, 2, "slt.1"),
    ("Curriculum policy", Category.CURRICULUM, HEAD, "", YEARS, 2, "slt.1"),
    ("Homework policy", Category.CURRICULUM, HEAD, "", Cycle.TERMLY, 1, "slt.1"),
    ("Photography and video policy", Category.DATA_PROTECTION, FGB, "", YEARS, 2, "office.1"),
    ("Freedom of information publication scheme", Category.DATA_PROTECTION, FGB, "", YEARS, 2, "office.2"),
    ("Equality objectives", Category.OTHER, FGB, "", YEARS, 4, "head"),
    ("Remote learning policy", Category.CURRICULUM, HEAD, "", YEARS, 1, "slt.1"),
    ("Intimate care policy", Category.SAFEGUARDING, FGB, "", YEARS, 2, "dsl"),
    ("Lettings policy", Category.OTHER, COMMITTEE, RESOURCES, YEARS, 3, "office.2"),
]
TRUST_POLICIES = [
    ("Trust complaints procedure", Category.OTHER, Body.TRUST_BOARD, "", Cycle.EVERY_N_YEARS, 2),
    ("Trust pay policy", Category.STAFF_CONDUCT, Body.TRUST_BOARD, "", Cycle.FIXED_MONTH, 9),
    ("Trust data protection policy", Category.DATA_PROTECTION, Body.TRUST_BOARD, "", Cycle.EVERY_N_YEARS, 2),
]
# Where each policy's next review falls, in days from today (in the order of the school's policies after shuffling).
REVIEW_OFFSETS = [-40, -20, -3, 5, 15, 28, 40, 55]

PUPIL_STATEMENTS = [
    "I will only use the internet when a teacher is present.",
    "I will only use my own login and password, and keep my password secret.",
    "I will only open or delete my own files.",
    "I will not bring files into school without permission.",
    "I will only e-mail and message people I know, or that my teacher has approved.",
    "I will be polite and responsible when I communicate with others.",
    "I will not give out my home address or phone number, or arrange to meet someone.",
    "I will tell a teacher if I see anything I am unhappy with.",
]
STAFF_STATEMENTS = [
    "I will use school systems and devices for school purposes and keep my passwords private.",
    "I will keep personal data secure and only take it off site when it is encrypted.",
    "I will communicate with pupils and parents only through school channels.",
    "I will only take images of pupils on school equipment, with consent.",
    "I will report any concern about a pupil's online safety to the DSL at once.",
    "I understand that my use of school systems is monitored.",
]
GOVERNOR_STATEMENTS = [
    "I will keep confidential what I read as a governor.",
    "I will use my school e-mail account for governing body business.",
    "I will keep any documents about pupils or staff secure.",
    "I will report any safeguarding concern to the DSL.",
]
PARENT_STATEMENTS = [
    "We will make sure our child arrives on time, every day, ready to learn.",
    "We will support the school's behaviour policy.",
    "We will tell the school about anything that might affect our child's learning or behaviour.",
    "We will support our child with homework and reading at home.",
    "We will be polite and respectful to staff, pupils and other parents, online too.",
    "We will attend parents' evenings and meetings about our child.",
]

PARENT_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
TABLET_AGENT = "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"

FULL = Sizes()
SMALL = Sizes(schools=2, pupils=100, guardians=200, incidents=2000)


class _Record(typing.NamedTuple):
    """An incident drawn for a school, not yet saved: the unsaved ``Incident``, its categories, the pupils involved
    (indexes into ``school.pupils`` with their role) and what decides its follow-up."""

    school: "_SchoolBuilder"
    number: int
    incident: Incident
    categories: list
    involved: list
    code: str
    level: int | None
    referral: bool
    day: datetime.date
    start: int  # the academic year's starting year


@contextlib.contextmanager
def _timestamps_as_given(*models):
    """Within the block, ``created_at`` / ``updated_at`` of ``models`` keep the values the builder sets (bulk seeding
    of records made in the past); ``auto_now_add`` and ``auto_now`` are restored afterwards."""
    saved = []
    for model in models:
        for name in ("created_at", "updated_at"):
            field = model._meta.get_field(name)
            saved.append((field, field.auto_now, field.auto_now_add))
            field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _stamp(obj, when):
    obj.created_at = obj.updated_at = when
    return obj


def _bulk(model, rows):
    """Insert ``rows`` in batches; returns them with their primary keys (Postgres and SQLite return them)."""
    return model.objects.bulk_create(rows, batch_size=BATCH)


# The builder ------------------------------------------------------------------------------------------------------


def build(sizes=FULL, *, today=None, seed=SEED, password=DEFAULT_PASSWORD, log=print):
    """Build the bench trust into the default database; return a summary dict of counts and seconds.

    Args:
        sizes: a ``Sizes`` (``FULL``: 20 schools, 8,000 pupils, 16,000 guardians, 200,000 incidents; ``SMALL``).
        today: the schools' local date the data leads up to (``datetime.date``; default: today in Europe/London).
            Incidents, answers and signatures fall before it.
        seed: the seed of every random choice and of Faker (same seed and today → same data).
        password: every bench account's password (one hash, shared).
        log: called with one progress line (str) at a time.
    Raises ``RuntimeError`` if the bench trust is already here (``is_built``).
    """
    if is_built():
        raise RuntimeError("The bench trust is already in this database.")
    started = time.perf_counter()
    zone = zoneinfo.ZoneInfo(ZONE)
    if today is None:
        now = timezone.now()
        today = now.astimezone(zone).date()
    else:
        now = datetime.datetime.combine(today, datetime.time(16, 0), zone)
    builder = _TrustBuilder(sizes, today=today, now=now, seed=seed, password=password, log=log, started=started)
    summary = builder.build()
    if connection.vendor == "postgresql":
        # VACUUM cannot run inside a transaction (a test's); ANALYZE alone gives the planner its statistics there.
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        log(builder.stamp(f"{statement} (fresh statistics for the planner)"))
        with connection.cursor() as cursor:
            cursor.execute(statement)
    # The rows went in without the signals that keep the pre-counted figures current (reports.precount).
    from reports import precount

    summary["snapshots"] = precount.rebuild_all(log=lambda line: log(builder.stamp(line)))
    summary["seconds"] = round(time.perf_counter() - started, 1)
    log(builder.stamp(f"done in {summary['seconds']} s"))
    return summary


class _TrustBuilder:
    def __init__(self, sizes, *, today, now, seed, password, log, started):
        self.sizes, self.today, self.now, self.seed, self.log, self.started = sizes, today, now, seed, log, started
        self.zone = zoneinfo.ZoneInfo(ZONE)
        self.password_hash = make_password(password)
        self.current_start = academic_start(today)
        self.year_starts = [self.current_start - offset for offset in range(sizes.years - 1, -1, -1)]
        self.counts = dict.fromkeys(
            [
                "schools",
                "users",
                "pupils",
                "guardians",
                "guardian_links",
                "incidents",
                "involvements",
                "actions",
                "sanctions",
                "alerts",
                "consent_responses",
                "consent_answers",
                "signature_requests",
                "signatures",
                "policies",
            ],
            0,
        )

    def stamp(self, text):
        return f"[{time.perf_counter() - self.started:7.1f}s] {text}"

    def local(self, day, hour, minute=0):
        return datetime.datetime.combine(day, datetime.time(hour, minute), self.zone)

    def build(self):
        faker = Faker("en_GB")
        faker.seed_instance(self.seed)
        # One transaction: a build that fails leaves nothing behind (the bench trust is the "built" marker).
        with transaction.atomic():
            self.organisation = Organisation.objects.create(
                name=f"{faker.city()} Learning Trust", slug=TRUST_SLUG, kind=Organisation.Kind.TRUST
            )
            admin = User.objects.create(
                email=TRUST_ADMIN_EMAIL, full_name=faker.name(), password=self.password_hash, language=""
            )
            OrganisationRole.objects.create(user=admin, organisation=self.organisation)
            self.trust_policies = self._trust_policies(admin)
            self.counts["users"] += 1
            self.counts["policies"] += len(self.trust_policies)
            records = []
            town_names = set()
            for index, (pupils, guardians, incidents) in enumerate(
                zip(
                    split(self.sizes.pupils, self.sizes.schools),
                    split(self.sizes.guardians, self.sizes.schools),
                    split(self.sizes.incidents, self.sizes.schools),
                    strict=True,
                ),
                start=1,
            ):
                school_faker = Faker("en_GB")
                school_faker.seed_instance(self.seed * 100 + index)
                town = school_faker.city()
                while town in town_names:
                    town = school_faker.city()
                town_names.add(town)
                school = _SchoolBuilder(self, index, f"{town} Primary School", school_faker)
                records += school.build(pupils, guardians, incidents)
            # Incidents arrive in time order across the schools, as in a live system: ids and the rows' physical
            # order follow occurred_at, not the school (which would flatter per-school queries).
            records.sort(key=lambda record: (record.incident.occurred_at, record.school.index, record.number))
            rng = random.Random(f"{self.seed}:incident-rows")
            suspended = {}
            for start in range(0, len(records), INCIDENT_CHUNK):
                chunk = records[start : start + INCIDENT_CHUNK]
                with _timestamps_as_given(*STAMPED_MODELS):
                    _insert_incidents(
                        chunk, rng, now=self.now, today=self.today, counts=self.counts, suspended=suspended
                    )
                self.log(self.stamp(f"incidents: {start + len(chunk)} of {len(records)}"))
            # The incident list's search by words (issue 16 item 1) reads each incident's search text.
            made = search_documents_build(log=lambda text: self.log(self.stamp(text)))
            self.counts["search_documents"] = made
        return dict(self.counts)

    def _trust_policies(self, admin):
        policies = []
        for title, category, body, committee, cycle, value in TRUST_POLICIES[: max(0, self.sizes.policies - 22)]:
            policies.append(
                _policy(
                    title=title,
                    category=category,
                    body=body,
                    committee=committee,
                    cycle=cycle,
                    value=value,
                    owner=admin,
                    next_review_on=self.today + datetime.timedelta(days=90 + 30 * len(policies)),
                    organisation=self.organisation,
                )
            )
        return policies


def _policy(*, title, category, body, committee, cycle, value, owner, next_review_on, school=None, organisation=None):
    """A policy with its current approved version, approved one cycle before ``next_review_on``."""
    if cycle == Cycle.TERMLY:
        approved = next_review_on - relativedelta(months=4)
    elif cycle == Cycle.FIXED_MONTH:
        approved = next_review_on - relativedelta(years=1)
    else:
        approved = next_review_on - relativedelta(years=value)
    policy = Policy.objects.create(
        school=school,
        organisation=organisation,
        title=title,
        category=category,
        owner=owner,
        approving_body=body,
        approving_committee=committee,
        signing_frequency=Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
        review_cycle=cycle,
        review_interval=value if cycle in (Cycle.EVERY_N_YEARS, Cycle.EVERY_N_MONTHS) else 1,
        review_month=value if cycle == Cycle.FIXED_MONTH else None,
        last_approved_on=approved,
        next_review_on=next_review_on,
    )
    body_markdown = f"# {title}\n\nWhat this policy covers, who is responsible and how it is put into practice."
    PolicyVersion.objects.create(
        policy=policy,
        number=f"{max(1, approved.year - 2020)}.0",
        author=owner.full_name,
        status=PolicyVersion.Status.APPROVED,
        approved_by=committee or Body(body).label,
        approved_on=approved,
        issue_date=approved,
        summary_of_changes="Reviewed; contacts and dates updated.",
        body_markdown=body_markdown,
        body_html=render_markdown(body_markdown),
    )
    policy.current_version = policy.versions.get()
    return policy


class _SchoolBuilder:
    def __init__(self, trust, index, name, faker):
        self.trust, self.index, self.name, self.faker = trust, index, name, faker
        self.slug = school_slug(index)
        self.today, self.now, self.zone = trust.today, trust.now, trust.zone
        self.counts = trust.counts

    def local(self, day, hour, minute=0):
        return self.trust.local(day, hour, minute)

    def rng(self, purpose):
        return random.Random(f"{self.trust.seed}:{self.slug}:{purpose}")

    def log(self, text):
        self.trust.log(self.trust.stamp(f"{self.slug} ({self.index}/{self.trust.sizes.schools}) {text}"))

    def build(self, pupils, guardians, incidents):
        self.school = School(name=self.name, slug=self.slug, organisation=self.trust.organisation, time_zone=ZONE)
        self.school.save()  # the post_save signal loads the default categories and behaviour levels
        self.counts["schools"] += 1
        self._calendar()
        self._staff(pupils)
        self._roll(pupils, guardians)
        self.log(f"{pupils} pupils, {guardians} guardians, {len(self.users)} staff and governors")
        self._policies()
        self._agreements()
        self._consent()
        self.log("policies, agreements and consent answers")
        records = self._incidents(incidents)
        self.log(f"{incidents} incidents drawn")
        return records

    # Calendar, classes, people ----------------------------------------------------------------------------------

    def _calendar(self):
        self.years = academic_years_create(self.school, self.trust.year_starts)
        self.current_year = self.years[self.trust.current_start]
        self.year_groups = _bulk(
            YearGroup,
            [
                YearGroup(school=self.school, code="R" if order == 0 else f"Y{order}", name=name, order=order)
                for order, name in enumerate(["Reception"] + [f"Year {n}" for n in range(1, 7)])
            ],
        )

    def _staff(self, pupils):
        per_year = max(1, round(pupils / 7 / CLASS_SIZE))
        self.classes = _bulk(
            SchoolClass,
            [
                SchoolClass(
                    school=self.school,
                    academic_year=self.current_year,
                    year_group=year_group,
                    name=f"{year_group.code.removeprefix('Y')} {TREES[n % len(TREES)]}",
                )
                for year_group in self.year_groups
                for n in range(per_year)
            ],
        )
        people = [
            ("head", Role.HEADTEACHER, "Headteacher"),
            ("dsl", Role.DSL, "Designated safeguarding lead"),
            ("deputy.dsl", Role.DEPUTY_DSL, "Deputy DSL"),
            ("slt.1", Role.SLT, "Deputy headteacher"),
            ("slt.2", Role.SLT, "Assistant headteacher"),
            ("office.1", Role.OFFICE, "School business manager"),
            ("office.2", Role.OFFICE, "Administrator"),
        ]
        people += [(f"teacher.{n:02d}", Role.TEACHER, "Class teacher") for n in range(1, len(self.classes) + 1)]
        people += [(f"governor.{n}", Role.GOVERNOR, "Governor") for n in range(1, GOVERNORS + 1)]
        users = _bulk(
            User,
            [
                User(
                    email=staff_email(self.slug, key),
                    full_name=f"{self.faker.first_name()} {self.faker.last_name()}",
                    password=self.trust.password_hash,
                    language="",
                )
                for key, _role, _title in people
            ],
        )
        _bulk(
            StaffRole,
            [
                StaffRole(user=user, school=self.school, role=role, job_title=title)
                for user, (_key, role, title) in zip(users, people, strict=True)
            ],
        )
        self.users = {key: user for user, (key, _role, _title) in zip(users, people, strict=True)}
        self.roles = {user.pk: role for user, (_key, role, _title) in zip(users, people, strict=True)}
        self.counts["users"] += len(users)
        self.teachers = [self.users[f"teacher.{n:02d}"] for n in range(1, len(self.classes) + 1)]
        self.class_teacher = {
            school_class.pk: teacher for school_class, teacher in zip(self.classes, self.teachers, strict=True)
        }
        Through = SchoolClass.teachers.through
        _bulk(
            Through,
            [Through(schoolclass_id=c.pk, user_id=t.pk) for c, t in zip(self.classes, self.teachers, strict=True)],
        )
        self.head, self.dsl, self.deputy = self.users["head"], self.users["dsl"], self.users["deputy.dsl"]
        self.slt = [self.users["slt.1"], self.users["slt.2"]]
        self.office = [self.users["office.1"], self.users["office.2"]]
        self.staff = [u for u in users if self.roles[u.pk] != Role.GOVERNOR]
        self.governors = [u for u in users if self.roles[u.pk] == Role.GOVERNOR]

    def _roll(self, count, guardian_count):
        rng = self.rng("roll")
        faker = self.faker
        by_year = {yg.order: [c for c in self.classes if c.year_group_id == yg.pk] for yg in self.year_groups}
        per_year = split(count, 7)
        orders = [order for order in range(7) for _ in range(per_year[order])]
        pupils = []
        for number, order in enumerate(orders, start=1):
            entered = self.trust.current_start - order
            born = datetime.date(entered - 5, 9, 1) + datetime.timedelta(days=rng.randrange(365))
            classes = by_year[order]
            first, last = faker.first_name(), faker.last_name()
            pupils.append(
                Pupil(
                    school=self.school,
                    legal_first_name=first,
                    legal_last_name=last,
                    preferred_first_name=faker.first_name() if rng.random() < 0.04 else "",
                    date_of_birth=born,
                    mis_id=f"{self.index:02d}{number:05d}",
                    year_group=self.year_groups[order],
                    school_class=classes[(number - 1) % len(classes)],
                    on_roll_from=datetime.date(entered, 9, 3),
                    has_sen=rng.random() < 0.15,
                    is_eal=rng.random() < 0.2,
                    is_pupil_premium=rng.random() < 0.25,
                    is_looked_after=rng.random() < 0.01,
                )
            )
        self.pupils = _bulk(Pupil, pupils)
        self.counts["pupils"] += len(self.pupils)
        # Every pupil has a guardian with parental responsibility; the rest are second guardians, in roll order.
        seconds = guardian_count - count
        guardians, links = [], []
        for number, pupil in enumerate(self.pupils):
            family = [("mother" if rng.random() < 0.8 else "father", pupil.legal_last_name)]
            if number < seconds:
                family.append(
                    (
                        "father" if family[0][0] == "mother" else "mother",
                        pupil.legal_last_name if rng.random() < 0.7 else faker.last_name(),
                    )
                )
            for order, (relationship, last) in enumerate(family, start=1):
                first = faker.first_name_female() if relationship == "mother" else faker.first_name_male()
                guardians.append(
                    Guardian(
                        school=self.school,
                        title="Mrs" if relationship == "mother" else "Mr",
                        first_name=first,
                        last_name=last,
                        email=f"{first}.{last}.{len(guardians) + 1}@example.com".lower()
                        .replace(" ", "")
                        .replace("'", ""),
                        phone=f"07700 9{rng.randrange(100000):05d}",
                    )
                )
                links.append((pupil, len(guardians) - 1, relationship, order))
        guardians = _bulk(Guardian, guardians)
        _bulk(
            PupilGuardian,
            [
                PupilGuardian(
                    pupil=pupil,
                    guardian=guardians[g],
                    relationship=relationship,
                    has_parental_responsibility=True,
                    contact_order=order,
                )
                for pupil, g, relationship, order in links
            ],
        )
        self.guardians_of = {}
        for pupil, g, _relationship, _order in links:
            self.guardians_of.setdefault(pupil.pk, []).append(guardians[g])
        self.counts["guardians"] += len(guardians)
        self.counts["guardian_links"] += len(links)

    # Policies and agreements ------------------------------------------------------------------------------------

    def _policies(self):
        rng = self.rng("policies")
        specs = SCHOOL_POLICIES[: self.trust.sizes.policies - len(self.trust.trust_policies)]
        offsets = list(REVIEW_OFFSETS) + [rng.randint(70, 700) for _ in range(max(0, len(specs) - len(REVIEW_OFFSETS)))]
        rng.shuffle(offsets)
        self.policies = {}
        for (title, category, body, committee, cycle, value, owner), offset in zip(specs, offsets, strict=False):
            self.policies[title] = _policy(
                title=title,
                category=category,
                body=body,
                committee=committee,
                cycle=cycle,
                value=value,
                owner=self.users[owner],
                next_review_on=self.today + datetime.timedelta(days=offset),
                school=self.school,
            )
        self.counts["policies"] += len(self.policies)
        # Two reviews in progress: one drafting a new version, one submitted to its approving body.
        candidates = [p for t, p in self.policies.items() if t not in (SCHOOL_POLICIES[0][0], SCHOOL_POLICIES[1][0])]
        governed = [p for p in candidates if p.approving_body in (Body.FULL_GOVERNING_BODY, Body.COMMITTEE)]
        for policy, status in (
            (candidates[-1], PolicyReview.Status.IN_REVIEW),
            (governed[0], PolicyReview.Status.SUBMITTED),
        ):
            draft = PolicyVersion.objects.create(
                policy=policy,
                number=f"{int(float(policy.current_version.number)) + 1}.0",
                author=policy.owner.full_name,
                status=PolicyVersion.Status.DRAFT,
                summary_of_changes="Updated for this year's statutory guidance.",
                body_markdown=policy.current_version.body_markdown,
                body_html=policy.current_version.body_html,
            )
            review = PolicyReview.objects.create(
                policy=policy, status=status, draft_version=draft, due_on=policy.next_review_on
            )
            steps = [PolicyReviewStep.Action.STARTED, PolicyReviewStep.Action.DRAFTED]
            if status == PolicyReview.Status.SUBMITTED:
                steps.append(PolicyReviewStep.Action.SUBMITTED)
            _bulk(PolicyReviewStep, [PolicyReviewStep(review=review, action=a, actor=policy.owner) for a in steps])

    def _agreement(self, policy, audience, title, statements, countersignature=Agreement.Countersignature.NONE):
        agreement = Agreement.objects.create(
            version=policy.current_version,
            audience=audience,
            title=title,
            introduction="Read each statement and tick it to show you agree.",
            countersignature=countersignature,
            parent_may_sign_for_pupil=audience == Audience.PUPIL,
            parent_signs_up_to_year=2 if audience == Audience.PUPIL else None,
        )
        _bulk(
            AgreementStatement,
            [AgreementStatement(agreement=agreement, order=n, text=t) for n, t in enumerate(statements, 1)],
        )
        content = agreement_content(agreement)
        return agreement, content, content_sha256(content)

    def _agreements(self):
        rng = self.rng("agreements")
        aup = self.policies[SCHOOL_POLICIES[0][0]]
        home_school = self.policies.get(SCHOOL_POLICIES[1][0])
        year = self.current_year
        sent = self.local(datetime.date(self.trust.current_start, 9, 10), 9)
        window_end = max(sent + datetime.timedelta(hours=1), self.local(self.today, 8) - datetime.timedelta(days=1))
        requests, signatures = [], []

        def when(after):
            return min(after + (window_end - after) * rng.random() ** 2, window_end)

        def signature(request, party, content, sha, at, **fields):
            signatures.append(
                Signature(
                    request=request,
                    party=party,
                    statements_confirmed=[s["number"] for s in content["statements"]],
                    content=content,
                    content_sha256=sha,
                    request_sent_at=request.sent_at,
                    first_viewed_at=at - datetime.timedelta(minutes=4),
                    signed_at=at,
                    **fields,
                )
            )

        # Staff and governors: everyone has signed this year's agreement (the sign-in gate lets them through).
        for audience, people, title, statements in (
            (Audience.STAFF, self.staff, "Staff acceptable use agreement", STAFF_STATEMENTS),
            (Audience.GOVERNOR, self.governors, "Governor acceptable use agreement", GOVERNOR_STATEMENTS),
        ):
            agreement, content, sha = self._agreement(aup, audience, title, statements)
            for user in people:
                at = when(sent)
                request = SignatureRequest(
                    agreement=agreement,
                    school=self.school,
                    academic_year=year,
                    user=user,
                    status=SignatureRequest.Status.COMPLETED,
                    sent_at=sent,
                    first_viewed_at=at - datetime.timedelta(minutes=4),
                    completed_at=at,
                )
                requests.append(
                    (
                        request,
                        [
                            (
                                Signature.Party.SIGNER,
                                content,
                                sha,
                                at,
                                {
                                    "method": Signature.Method.PASSWORD_SESSION,
                                    "signer_user": user,
                                    "typed_name": user.full_name,
                                    "ip_address": "192.0.2.20",
                                    "user_agent": DESKTOP_AGENT,
                                },
                            )
                        ],
                    )
                )

        # Pupils: the pupil agreement (countersigned by a parent; a parent signs for Reception to Year 2) — 75%
        # complete, 10% waiting for the pupil, 15% not yet signed; the home–school agreement (parents) 80% complete.
        pupil_agreement, p_content, p_sha = self._agreement(
            aup, Audience.PUPIL, "Pupil acceptable use agreement", PUPIL_STATEMENTS, Agreement.Countersignature.PARENT
        )
        parent_agreement = None
        if home_school is not None:
            parent_agreement, h_content, h_sha = self._agreement(
                home_school, Audience.PARENT, "Home–school agreement", PARENT_STATEMENTS
            )
        order_of = {yg.pk: yg.order for yg in self.year_groups}
        for pupil in self.pupils:
            guardian = self.guardians_of[pupil.pk][0]
            parent = {
                "method": Signature.Method.INVITATION_LINK,
                "signer_guardian": guardian,
                "typed_name": guardian.full_name,
                "ip_address": f"198.51.100.{rng.randint(2, 254)}",
                "user_agent": PARENT_AGENT,
            }
            draw = rng.random()
            request = SignatureRequest(
                agreement=pupil_agreement, school=self.school, academic_year=year, pupil=pupil, sent_at=sent
            )
            parties = []
            if draw < 0.85:
                parent_at = when(sent)
                parties.append((Signature.Party.PARENT, p_content, p_sha, parent_at, parent))
                if draw < 0.75:
                    if order_of[pupil.year_group_id] <= 2:
                        behalf = {**parent, "on_behalf_of_pupil": True, "signer_pupil": pupil}
                        parties.append(
                            (Signature.Party.PUPIL, p_content, p_sha, parent_at + datetime.timedelta(minutes=2), behalf)
                        )
                    else:
                        parties.append(
                            (
                                Signature.Party.PUPIL,
                                p_content,
                                p_sha,
                                when(parent_at),
                                {
                                    "method": Signature.Method.TEACHER_PRESENT,
                                    "signer_pupil": pupil,
                                    "teacher_present": self.class_teacher[pupil.school_class_id],
                                    "typed_name": pupil.display_name,
                                    "ip_address": "192.0.2.10",
                                    "user_agent": TABLET_AGENT,
                                },
                            )
                        )
            self._request_status(request, parties)
            requests.append((request, parties))
            if parent_agreement is not None:
                request = SignatureRequest(
                    agreement=parent_agreement, school=self.school, academic_year=year, pupil=pupil, sent_at=sent
                )
                parties = [(Signature.Party.PARENT, h_content, h_sha, when(sent), parent)] if rng.random() < 0.8 else []
                self._request_status(request, parties)
                requests.append((request, parties))
        for request, parties in requests:
            if request.status == SignatureRequest.Status.COMPLETED and request.completed_at is None:
                request.completed_at = max(at for _party, _c, _s, at, _f in parties)
        _bulk(SignatureRequest, [request for request, _parties in requests])
        for request, parties in requests:
            for party, content, sha, at, fields in parties:
                signature(request, party, content, sha, at, **fields)
        _bulk(Signature, signatures)
        self.counts["signature_requests"] += len(requests)
        self.counts["signatures"] += len(signatures)

    @staticmethod
    def _request_status(request, parties):
        if not parties:
            request.status = SignatureRequest.Status.PENDING
            return
        request.first_viewed_at = min(at for _party, _c, _s, at, _f in parties) - datetime.timedelta(minutes=4)
        required = {Signature.Party.PUPIL, Signature.Party.PARENT}
        if request.agreement.audience == Audience.PARENT:
            required = {Signature.Party.PARENT}
        signed = {party for party, *_rest in parties}
        request.status = (
            SignatureRequest.Status.COMPLETED if required <= signed else SignatureRequest.Status.PARTLY_SIGNED
        )

    # Consent ------------------------------------------------------------------------------------------------------

    def _consent(self):
        """The default form, published last September; every pupil answered this year (a guardian with parental
        responsibility; some second guardians too, some disagreeing; a few withdrawals), most older pupils last year
        too. A DSL measure for looked-after pupils."""
        rng = self.rng("consent")
        office = self.office[0]
        first_start = self.trust.year_starts[-2] if len(self.trust.year_starts) > 1 else self.trust.current_start
        version = consent_forms.form_create_default(actor=office, school=self.school, now=self.now)
        consent_services.version_publish(
            actor=office, version=version, now=self.local(datetime.date(first_start, 9, 4), 9)
        )
        version.refresh_from_db()
        purposes = list(version.purposes.order_by("order"))
        content = consent_services.form_content(version)
        sha = content_sha256(content)
        responses = []  # (ConsentResponse, {purpose code: bool})
        last_year = self.years.get(self.trust.current_start - 1)
        order_of = {yg.pk: yg.order for yg in self.year_groups}

        def answers():
            values = {p.code: True for p in purposes}
            draw = rng.random()
            if draw < 0.06:
                return dict.fromkeys(values, False)
            if draw < 0.3:
                values.update({code: False for code in values if "social" in code})
            if rng.random() < 0.15:
                values.update({code: False for code in values if "press" in code})
            return values

        def response(pupil, guardian, year, at, values, kind=ConsentResponse.Kind.ANSWERS):
            paper = rng.random()
            method = ConsentResponse.Method.INVITATION_LINK
            if paper < 0.15:
                method = ConsentResponse.Method.PAPER
            elif paper < 0.2:
                method = ConsentResponse.Method.PHONE
            online = method == ConsentResponse.Method.INVITATION_LINK
            responses.append(
                (
                    ConsentResponse(
                        version=version,
                        school=self.school,
                        pupil=pupil,
                        academic_year=year,
                        guardian=guardian,
                        kind=kind,
                        method=method,
                        typed_name=guardian.full_name,
                        content=content,
                        content_sha256=sha,
                        submitted_at=at,
                        ip_address=f"203.0.113.{rng.randint(2, 254)}" if online else None,
                        user_agent=PARENT_AGENT if online else "",
                        recorded_by=None if online else office,
                        phone_caller=guardian.full_name if method == ConsentResponse.Method.PHONE else "",
                    ),
                    values,
                )
            )

        this_start = self.local(datetime.date(self.trust.current_start, 9, 4), 8)
        this_end = max(this_start + datetime.timedelta(hours=1), self.local(self.today, 8) - datetime.timedelta(days=1))
        for pupil in self.pupils:
            guardians = self.guardians_of[pupil.pk]
            if last_year is not None and order_of[pupil.year_group_id] >= 1 and rng.random() < 0.85:
                start = self.local(last_year.starts_on + datetime.timedelta(days=4), 8)
                response(pupil, guardians[0], last_year, start + datetime.timedelta(days=40) * rng.random(), answers())
            at = this_start + (this_end - this_start) * rng.random() ** 2
            values = answers()
            response(pupil, guardians[0], self.current_year, at, values)
            if len(guardians) > 1 and rng.random() < 0.1:
                other = dict(values)
                if rng.random() < 0.5:
                    other.update({code: False for code in other if "social" in code})
                response(
                    pupil, guardians[1], self.current_year, min(at + datetime.timedelta(hours=30), this_end), other
                )
            if rng.random() < 0.04:
                code = rng.choice([code for code, value in values.items() if value] or [purposes[0].code])
                later = min(at + datetime.timedelta(days=rng.randint(3, 30)), this_end)
                response(pupil, guardians[0], self.current_year, later, {code: False}, ConsentResponse.Kind.WITHDRAWAL)
        made = _bulk(ConsentResponse, [row for row, _values in responses])
        by_code = {p.code: p for p in purposes}
        answer_rows = [
            ConsentAnswer(response=row, purpose=by_code[code], answer=value)
            for row, (_unsaved, values) in zip(made, responses, strict=True)
            for code, value in values.items()
        ]
        _bulk(ConsentAnswer, answer_rows)
        measures = [
            PhotoMeasure(
                pupil=pupil,
                measure=rng.choice([PhotoMeasure.Measure.INTERNAL_ONLY, PhotoMeasure.Measure.NO_PHOTOS]),
                reason="Looked-after child: agreed with the social worker.",
                set_by=self.dsl,
            )
            for pupil in self.pupils
            if pupil.is_looked_after
        ]
        _bulk(PhotoMeasure, measures)
        self.counts["consent_responses"] += len(made)
        self.counts["consent_answers"] += len(answer_rows)

    # Incidents ----------------------------------------------------------------------------------------------------

    def _incidents(self, count):
        rng = self.rng("incidents")
        order_of = {yg.pk: yg.order for yg in self.year_groups}

        # Who is involved: a few pupils account for many incidents; one (in Year 5 or 6) for very many.
        weights = [rng.choice((1, 1, 1, 1, 2, 3, 12)) for _ in self.pupils]
        victim_weights = [rng.choice((1, 1, 1, 1, 1, 2, 6)) for _ in self.pupils]
        oldest = [n for n, p in enumerate(self.pupils) if order_of[p.year_group_id] >= 5] or list(
            range(len(self.pupils))
        )
        weights[rng.choice(oldest)] = 30
        eligible = {}
        for start in self.trust.year_starts:
            chosen = [
                n for n, p in enumerate(self.pupils) if self.trust.current_start - order_of[p.year_group_id] <= start
            ]
            eligible[start] = (
                chosen,
                list(itertools.accumulate(weights[n] for n in chosen)),
                list(itertools.accumulate(victim_weights[n] for n in chosen)),
            )

        days = [
            (day, start)
            for start in self.trust.year_starts
            if eligible[start][0]
            for day in school_days(start, before=self.today)
        ]
        return draw_incidents(self, rng, count, eligible=eligible, days=days)

    def teacher_of(self, pupil):
        """Who records most of ``pupil``'s incidents and is alerted to them: their class teacher."""
        return self.class_teacher[pupil.school_class_id]


def draw_incidents(b, rng, count, *, eligible, days, closed_chance=0.95):
    """Draw ``count`` incidents of the school ``b`` (a ``_SchoolBuilder``, or an object with the same ``school``,
    ``pupils``, ``staff``, ``roles``, ``dsl``, ``slt``, ``today``, ``now``, ``local`` and ``teacher_of``) with
    ``rng``; returns ``_Record``s (unsaved, in drawing order).

    Args:
        eligible: ``{academic year start: (pupil indexes, cumulative weights, cumulative victim weights)}`` — who
            can be involved in that year (indexes into ``b.pupils``).
        days: ``[(school day, academic year start)]``, drawn from uniformly.
        closed_chance: the share of incidents older than a fortnight that are closed (the rest stay open).
    """
    if not days:
        return []
    texts = TEXTS["en-gb"]
    categories = {c.code: c for c in IncidentCategory.objects.filter(school=b.school)}
    shapes = [shape for shape in SHAPES if shape[0] in categories]
    codes = [shape[0] for shape in shapes]
    cum_weights = list(itertools.accumulate(shape[1] for shape in shapes))
    shape_of = {shape[0]: shape for shape in shapes}
    staff = [u for u in b.staff if b.roles[u.pk] in (Role.TEACHER, Role.SLT, Role.OFFICE)]

    def pick(start, exclude=None, victim=False):
        chosen, cum, victim_cum = eligible[start]
        cum = victim_cum if victim else cum
        while True:
            n = chosen[bisect.bisect_right(cum, rng.random() * cum[-1])]
            if n != exclude:
                return n

    records = []
    for _ in range(count):
        day, start = rng.choice(days)
        code = rng.choices(codes, cum_weights=cum_weights)[0]
        _code, _weight, levels, locations = shape_of[code]
        category = categories[code]
        hour, minute = rng.choice(BREAK_AND_LUNCH if rng.random() < 0.8 else AFTERNOON)
        occurred_at = b.local(day, hour, minute + rng.randint(0, 4))
        subject = pick(start)
        pupil = b.pupils[subject]
        teacher = b.teacher_of(pupil)
        recorder = teacher if rng.random() < 0.75 else rng.choice(staff)
        level = rng.choice(levels) if levels else None
        extra = None
        if code == "bullying" and rng.random() < 0.1:
            extra = rng.choice(sorted(PREJUDICE_BULLYING))
        flags = dict.fromkeys(GROUP_FLAGS.values(), False)
        flags[GROUP_FLAGS[category.group]] = True
        if extra:
            flags[GROUP_FLAGS[CategoryGroup.PREJUDICE]] = True
        bullying_type, characteristic = "", ""
        if code == "bullying":
            bullying_type = rng.choice([BullyingType.VERBAL, BullyingType.EMOTIONAL, BullyingType.PHYSICAL])
            if extra:
                bullying_type, characteristic = PREJUDICE_BULLYING[extra]
        elif code == "cyberbullying":
            bullying_type = BullyingType.CYBER
        elif code in PREJUDICE_BULLYING:
            characteristic = PREJUDICE_BULLYING[code][1]
        safeguarding = category.group == CategoryGroup.SAFEGUARDING
        age_days = (b.today - day).days
        closed = age_days > 14 and rng.random() < closed_chance
        recorded = occurred_at + datetime.timedelta(minutes=rng.randint(5, 120))
        if rng.random() < 0.04:
            recorded += datetime.timedelta(days=rng.randint(1, 3))  # written up later: backdated
        recorded = min(recorded, b.now)
        referral = safeguarding and rng.random() < 0.3
        voided = rng.random() < 0.003
        incident = Incident(
            school=b.school,
            occurred_at=occurred_at,
            location=rng.choice(locations),
            recorded_by=recorder,
            behaviour_level=level,
            bullying_type=bullying_type,
            protected_characteristic=characteristic,
            description=texts[code],
            immediate_action=texts["action"],
            reported_by=rng.choice(["", "", "", "Lunchtime supervisor", "A pupil", "A parent"]),
            slt_requested=level == 3 and rng.random() < 0.2,
            status=Incident.Status.CLOSED if closed else Incident.Status.OPEN,
            outcome=texts["outcome"] if closed else "",
            outcome_rationale=(texts["referral_rationale"] if referral else texts["rationale"])
            if closed and safeguarding
            else "",
            closed_at=min(recorded + datetime.timedelta(days=rng.randint(1, 6)), b.now) if closed else None,
            closed_by=(b.dsl if safeguarding else rng.choice(b.slt)) if closed else None,
            voided_at=recorded + datetime.timedelta(hours=2) if voided else None,
            voided_by=recorder if voided else None,
            void_reason="Recorded on the wrong pupil." if voided else "",
            **flags,
        )
        _stamp(incident, recorded)
        involved = [
            (subject, IncidentPupil.Role.ALLEGED_PERPETRATOR if code in PAIR_CODES else IncidentPupil.Role.SUBJECT)
        ]
        if code in PAIR_CODES:
            involved.append((pick(start, exclude=subject, victim=True), IncidentPupil.Role.VICTIM))
        if not safeguarding and rng.random() < 0.1:
            witness = pick(start, exclude=subject, victim=True)
            if witness not in {n for n, _role in involved}:
                involved.append((witness, IncidentPupil.Role.WITNESS))
        categories_of = [category] + ([categories[extra]] if extra else [])
        records.append(_Record(b, len(records), incident, categories_of, involved, code, level, referral, day, start))
    return records


def _insert_incidents(records, rng, *, now, today, counts, suspended, settled=False):
    """Insert ``records`` (``_Record``, in time order, any schools) with their categories, pupils, actions, parent
    contacts, sanctions, DSL notes, physical interventions and alerts. ``suspended``: ``{(pupil pk, academic year
    start): days}`` suspended so far (kept across calls: the 45-day limit holds). ``settled``: every action due
    before ``today`` is done (history: nothing years old is still overdue). A pupil missing from ``guardians_of`` (a
    leaver added by ``reports.benchhistory``) gets parent contacts that name a parent without linking a guardian."""
    texts = TEXTS["en-gb"]
    incidents = _bulk(Incident, [record.incident for record in records])
    counts["incidents"] += len(incidents)
    Through = Incident.categories.through
    _bulk(
        Through,
        [
            Through(incident_id=i.pk, incidentcategory_id=c.pk)
            for i, r in zip(incidents, records, strict=True)
            for c in r.categories
        ],
    )
    involvements = [
        _stamp(IncidentPupil(incident=incident, pupil=record.school.pupils[n], role=role), incident.created_at)
        for incident, record in zip(incidents, records, strict=True)
        for n, role in record.involved
    ]
    _bulk(IncidentPupil, involvements)
    counts["involvements"] += len(involvements)

    actions, contacts, sanctions, notes, interventions, alerts = [], [], [], [], [], []
    recent = now - datetime.timedelta(days=14)
    for incident, record in zip(incidents, records, strict=True):
        b = record.school  # the school's people, pupils and calendar
        code, level, referral, day, start = record.code, record.level, record.referral, record.day, record.start
        recorded = incident.created_at
        pupils = [(b.pupils[n], role) for n, role in record.involved]
        subject = pupils[0][0]

        def action(kind, assignee, due, *, done_chance=0.93, incident=incident, recorded=recorded, b=b):
            done = due < today and rng.random() < (1.0 if settled else done_chance)
            done_at = min(b.local(due, 15), now) if done else None
            actions.append(
                _stamp(
                    Action(
                        incident=incident,
                        incident_occurred_at=incident.occurred_at,
                        kind=kind,
                        assignee=assignee,
                        due_on=due,
                        created_by=incident.recorded_by,
                        completed_at=done_at,
                        completed_by=assignee if done else None,
                        completion_note=texts["follow_up"] if done else "",
                    ),
                    recorded,
                )
            )

        if incident.is_safeguarding:
            notes.append(_stamp(DSLNote(incident=incident, author=b.dsl, text=texts["dsl_note"]), recorded))
            if referral:
                kind = Action.Kind.REFER_SOCIAL_CARE if rng.random() < 0.6 else Action.Kind.REFER_EARLY_HELP
                action(kind, b.dsl, day + datetime.timedelta(days=1), done_chance=0.97)
        if code == "physical-intervention":
            interventions.append(
                _stamp(
                    PhysicalIntervention(
                        incident=incident,
                        staff_involved=f"{incident.recorded_by.full_name}, {rng.choice(b.slt).full_name}",
                        staff_trained=rng.random() < 0.9,
                        method="Guide to a safe space (Team Teach)",
                        duration_minutes=rng.randint(2, 8),
                        parents_informed_at=incident.occurred_at + datetime.timedelta(hours=3),
                    ),
                    recorded,
                )
            )
        if code in ("bullying", "cyberbullying"):
            action(Action.Kind.FOLLOW_UP_VICTIM, incident.recorded_by, day + datetime.timedelta(days=14))
        if level and level >= 3:
            if rng.random() < 0.3:
                action(Action.Kind.CONTACT_PARENTS, incident.recorded_by, day + datetime.timedelta(days=1))
            for pupil, role in pupils:
                if role == IncidentPupil.Role.WITNESS:
                    continue
                guardian = b.guardians_of[pupil.pk][0] if pupil.pk in b.guardians_of else None
                contacts.append(
                    _stamp(
                        ParentContact(
                            incident=incident,
                            pupil=pupil,
                            guardian=guardian,
                            contact_name=guardian.full_name if guardian else f"Parent of {pupil.legal_first_name}",
                            method=rng.choice([ParentContact.Method.PHONE, ParentContact.Method.IN_PERSON]),
                            contacted_at=incident.occurred_at + datetime.timedelta(hours=4),
                            summary=texts["contact"],
                            recorded_by=incident.recorded_by,
                        ),
                        recorded,
                    )
                )
        if level:
            year = b.years[start]
            kind, days, reason = None, None, ""
            if level == 2 and rng.random() < 0.4:
                kind = Sanction.Kind.REFLECTION
            elif level == 3 and rng.random() < 0.5:
                kind = Sanction.Kind.LOSS_OF_BREAK
            elif level >= 4 and rng.random() < 0.2:
                days = decimal.Decimal(rng.choice(["0.5", "1", "1", "2", "3", "5"]))
                key = (subject.pk, start)
                if suspended.get(key, 0) + days <= SUSPENSION_LIMIT:
                    suspended[key] = suspended.get(key, 0) + days
                    kind, reason = Sanction.Kind.SUSPENSION, SUSPENSION_REASONS.get(code, "DB")
                elif rng.random() < 0.5:
                    kind, days = Sanction.Kind.RESTORATIVE_SESSION, None
                else:
                    days = None
            if kind:
                sanctions.append(
                    _stamp(
                        Sanction(
                            incident=incident,
                            pupil=subject,
                            academic_year=year,
                            kind=kind,
                            starts_on=day + datetime.timedelta(days=1 if days else 0),
                            days=days,
                            reason_1=reason,
                            reason_2="DB" if reason and reason != "DB" and rng.random() < 0.2 else "",
                            recorded_by=b.head if days else incident.recorded_by,
                        ),
                        recorded,
                    )
                )
        if incident.occurred_at >= recent and incident.voided_at is None:
            recipients = {}
            for pupil, _role in pupils:
                recipients.setdefault(b.teacher_of(pupil).pk, Alert.Reason.CLASS_TEACHER)
            if level and level >= 4:
                for user in [*b.slt, b.head]:
                    recipients.setdefault(user.pk, Alert.Reason.SLT)
            if incident.is_safeguarding:
                recipients = {user.pk: Alert.Reason.DSL_TEAM for user in (b.dsl, b.deputy, b.head)}
            recipients.pop(incident.recorded_by_id, None)
            read = incident.occurred_at < now - datetime.timedelta(days=3)
            for user_id, reason in recipients.items():
                alerts.append(
                    _stamp(
                        Alert(
                            incident=incident,
                            incident_occurred_at=incident.occurred_at,
                            recipient_id=user_id,
                            reason=reason,
                            read_at=recorded + datetime.timedelta(hours=2) if read else None,
                            emailed_at=recorded,
                        ),
                        recorded,
                    )
                )
    _bulk(Action, actions)
    _bulk(ParentContact, contacts)
    _bulk(Sanction, sanctions)
    _bulk(DSLNote, notes)
    _bulk(PhysicalIntervention, interventions)
    _bulk(Alert, alerts)
    counts["actions"] += len(actions)
    counts["sanctions"] += len(sanctions)
    counts["alerts"] += len(alerts)


# The incident list's search texts ----------------------------------------------------------------------------------


def search_documents_build(*, schools=None, log=print):
    """Give every incident of the bench trust's schools (or of ``schools``, a queryset of ``School``) that has none
    its ``IncidentSearchDocument``, as ``incidents.services_search.search_text`` composes it — the same words in the
    same order — but school by school in a few queries rather than four per incident; on PostgreSQL each school's
    ``tsvector`` is then set in its language with one ``UPDATE``. For data written without the services (this
    module's bulk inserts; a bench database built before the search existed). Returns how many were made."""
    from incidents.models import IncidentSearchDocument
    from incidents.services_search import search_config, uses_full_text_search

    if schools is None:
        schools = School.objects.filter(organisation__slug=TRUST_SLUG)
    made = 0
    for school in schools.order_by("pk"):
        missing = Incident.objects.filter(school=school, search_document__isnull=True).order_by()
        parts = {}
        fields = ["description", "immediate_action", "reported_by", "location_detail", "outcome", "outcome_rationale"]
        for pk, *texts in missing.values_list("pk", *fields):
            parts[pk] = list(texts)
        if not parts:
            continue
        ids = missing.values("pk")
        for incident_id, description, note in (
            Action.objects.filter(incident__in=ids)
            .order_by("incident_id", "due_on", "pk")
            .values_list("incident_id", "description", "completion_note")
        ):
            parts[incident_id] += [description, note]
        for incident_id, name, summary in (
            ParentContact.objects.filter(incident__in=ids)
            .order_by("incident_id", "contacted_at", "pk")
            .values_list("incident_id", "contact_name", "summary")
        ):
            parts[incident_id] += [name, summary]
        for incident_id, text in (
            DSLNote.objects.filter(incident__in=ids, incident__is_safeguarding=True)
            .order_by("incident_id", "created_at", "pk")
            .values_list("incident_id", "text")
        ):
            parts[incident_id].append(text)
        documents = [
            IncidentSearchDocument(
                incident_id=pk,
                school_id=school.pk,  # its incident's school (the database's trigger would fill it otherwise)
                text="\n\n".join(part.strip() for part in texts if part and part.strip()),
            )
            for pk, texts in parts.items()
        ]
        IncidentSearchDocument.objects.bulk_create(documents, batch_size=BATCH)
        if uses_full_text_search(IncidentSearchDocument.objects.db):
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE incidents_incidentsearchdocument AS d SET vector = to_tsvector(%s::regconfig, d.text)"
                    " FROM incidents_incident AS i WHERE i.id = d.incident_id AND i.school_id = %s"
                    " AND d.vector IS NULL",
                    [search_config(school), school.pk],
                )
        made += len(documents)
        log(f"search texts: {school.slug}, {len(documents)}")
    return made
