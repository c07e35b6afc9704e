"""The demo: a trust, two fictional schools, about 400 fictional pupils with their carers, and an account per role.

Run by ``manage.py load_demo`` (``make demo``). Nothing here is real: names come from Faker with a fixed seed, UPNs
use local-authority number 999 (not assigned to any LA), English phone numbers are Ofcom's drama range
(07700 900xxx) and every e-mail address is on a reserved ``.test`` domain. Turkish carers get no phone number:
Türkiye has no range set aside for fiction.

Loading is idempotent. Rows are found by stable keys (slugs, dates, codes, class names, e-mail addresses) and
created only when missing; a school that already has pupils gets no new ones; passwords are re-hashed only when
they no longer match. A second run therefore changes nothing.

This is seeding, like a fixture: it writes with the ORM inside one transaction (the roll in bulk, with history
rows) rather than through services — there are no services for creating schools, and invitations are not needed
to give the demo's parents an account.
"""

import collections
import dataclasses
import datetime
import random
import unicodedata

from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from faker import Faker
from simple_history.utils import bulk_create_with_history

from safeguard.accounts.models import User
from safeguard.audit.services import audit_log

from .models import (
    AcademicYear,
    Guardian,
    Organisation,
    OrganisationRole,
    OrganisationRoleKind,
    Pupil,
    PupilGuardian,
    Role,
    School,
    SchoolClass,
    StaffRole,
    Term,
    YearGroup,
)
from .validators import upn_check_letter

SEED = 20260901
DEFAULT_PASSWORD = "safeguard-demo"
CHANGE_REASON = "Demo data"
ACCOUNT_DOMAIN = "demo.test"
CARER_DOMAIN = "example.test"

Relationship = PupilGuardian.Relationship
date = datetime.date

# The two schools --------------------------------------------------------------------------------------------------

TRUST = {"slug": "demo-trust", "name": "Demo Learning Trust", "kind": Organisation.Kind.TRUST}

DEMO_PRIMARY = {
    "slug": "demo-primary",
    "name": "Demo Primary School",
    "urn": "999101",
    "laestab": "9992001",
    "phase": School.Phase.PRIMARY,
    "country": School.Country.ENGLAND,
    "default_language": "en-gb",
    "time_zone": "Europe/London",
    "calendar_model": School.CalendarModel.THREE_TERMS,
}
ORNEK = {
    "slug": "ornek-ilkokulu",
    "name": "Örnek İlkokulu",
    "phase": School.Phase.PRIMARY,
    "country": School.Country.TURKEY,
    "default_language": "tr",
    "time_zone": "Europe/Istanbul",
    "calendar_model": School.CalendarModel.TWO_SEMESTERS,
}

# English academic years run 1 September – 31 August; term dates follow a typical LA calendar (Easter 2026 is
# 5 April, Easter 2027 is 28 March).
ENGLISH_YEARS = [
    (
        "2025/26",
        date(2025, 9, 1),
        date(2026, 8, 31),
        [
            (Term.Kind.AUTUMN, date(2025, 9, 3), date(2025, 12, 19)),
            (Term.Kind.SPRING, date(2026, 1, 5), date(2026, 3, 27)),
            (Term.Kind.SUMMER, date(2026, 4, 13), date(2026, 7, 22)),
        ],
    ),
    (
        "2026/27",
        date(2026, 9, 1),
        date(2027, 8, 31),
        [
            (Term.Kind.AUTUMN, date(2026, 9, 2), date(2026, 12, 18)),
            (Term.Kind.SPRING, date(2027, 1, 4), date(2027, 3, 26)),
            (Term.Kind.SUMMER, date(2027, 4, 12), date(2027, 7, 21)),
        ],
    ),
]
# Turkish state schools: teaching from mid-September to late June, two semesters with a two-week break.
TURKISH_YEARS = [
    (
        "2026-2027",
        date(2026, 9, 14),
        date(2027, 6, 25),
        [
            (Term.Kind.SEMESTER_1, date(2026, 9, 14), date(2027, 1, 22)),
            (Term.Kind.SEMESTER_2, date(2027, 2, 8), date(2027, 6, 25)),
        ],
    ),
]
# First day of school in Türkiye, by year: when each Turkish cohort came on roll.
TURKISH_FIRST_DAYS = {2023: date(2023, 9, 11), 2024: date(2024, 9, 9), 2025: date(2025, 9, 8), 2026: date(2026, 9, 14)}

# (code, name, order); order 0 is Reception, order n is Year n / n. Sınıf.
ENGLISH_YEAR_GROUPS = [("R", "Reception", 0)] + [(str(n), f"Year {n}", n) for n in range(1, 7)]
TURKISH_YEAR_GROUPS = [(str(n), f"{n}. Sınıf", n) for n in range(1, 5)]


def english_class_names(code):
    return ["R Robins", "R Wrens"] if code == "R" else [f"{code} Oak", f"{code} Ash"]


def turkish_class_names(code):
    return [f"{code}-A", f"{code}-B"]


# The accounts -----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StaffAccount:
    email: str
    role: Role
    job_title: str
    teaches: str = ""  # the name of the class this person teaches, if any


DEMO_PRIMARY_STAFF = [
    StaffAccount("office@demo.test", Role.OFFICE, "Office manager"),
    StaffAccount("teacher@demo.test", Role.TEACHER, "Class teacher", teaches="3 Oak"),
    StaffAccount("dsl@demo.test", Role.DSL, "Designated safeguarding lead"),
    StaffAccount("deputy.dsl@demo.test", Role.DEPUTY_DSL, "SENCo and deputy DSL"),
    StaffAccount("slt@demo.test", Role.SLT, "Deputy headteacher"),
    StaffAccount("head@demo.test", Role.HEADTEACHER, "Headteacher"),
    StaffAccount("governor@demo.test", Role.GOVERNOR, "Safeguarding governor"),
]
ORNEK_STAFF = [
    StaffAccount("office.tr@demo.test", Role.OFFICE, "Okul sekreteri"),
    StaffAccount("mudur.tr@demo.test", Role.HEADTEACHER, "Okul müdürü"),
    StaffAccount("teacher.tr@demo.test", Role.TEACHER, "Sınıf öğretmeni", teaches="3-A"),
]
TRUST_ADMIN_EMAIL = "trust@demo.test"
ADMIN_EMAIL = "admin@demo.test"  # a platform operator: the Django admin (beat schedule, failed tasks, outbox)
PARENT_EMAIL = "parent@demo.test"  # mother, with parental responsibility, of two pupils at Demo Primary
PARENT_TR_EMAIL = "veli.tr@demo.test"  # mother, with parental responsibility, of two pupils at Örnek İlkokulu


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    """One line of the table the command prints."""

    email: str
    role: str
    place: str


@dataclasses.dataclass
class DemoSummary:
    """What ``load_demo`` found or made: ``accounts`` (main personas), ``class_teachers`` (the rest of the staff),
    ``created`` (model verbose name → rows created this run) and ``pupils`` (school name → pupils on file)."""

    accounts: list
    class_teachers: list
    created: collections.Counter
    pupils: dict


class DemoError(Exception):
    """The demo cannot be loaded as asked (e.g. DEMO_PASSWORD fails the password validators)."""


# Entry point -----------------------------------------------------------------------------------------------------


def load_demo(*, password=DEFAULT_PASSWORD):
    """Create whatever part of the demo is missing and return a ``DemoSummary``.

    Args:
        password: the password every demo account gets; it must pass ``AUTH_PASSWORD_VALIDATORS``.

    Raises ``DemoError`` (and writes nothing) when the password is rejected. Writes one audit event,
    ``directory.demo.loaded``, when it created anything.
    """
    _validate(password, None)
    created = collections.Counter()
    passwords = _Passwords(password)
    with transaction.atomic():
        trust = _get_or_create(Organisation.objects, created, slug=TRUST["slug"], defaults=TRUST)
        primary = _get_or_create(
            School.objects, created, slug=DEMO_PRIMARY["slug"], defaults={**DEMO_PRIMARY, "organisation": trust}
        )
        ornek = _get_or_create(School.objects, created, slug=ORNEK["slug"], defaults=ORNEK)
        primary_classes = _calendar(primary, ENGLISH_YEARS, ENGLISH_YEAR_GROUPS, english_class_names, created)
        ornek_classes = _calendar(ornek, TURKISH_YEARS, TURKISH_YEAR_GROUPS, turkish_class_names, created)

        staff_en = _faker("en_GB", SEED)
        staff_tr = _faker("tr_TR", SEED)
        accounts, class_teachers = [], []
        for school, staff, classes, faker, prefix, class_job in [
            (primary, DEMO_PRIMARY_STAFF, primary_classes, staff_en, "teacher", "Class teacher"),
            (ornek, ORNEK_STAFF, ornek_classes, staff_tr, "ogretmen", "Sınıf öğretmeni"),
        ]:
            for person in staff:
                user = _user(person.email, _full_name(faker), passwords, created)
                _staff_role(user, school, person.role, person.job_title, created)
                if person.teaches:
                    _teach(classes[person.teaches], user)
                accounts.append(DemoAccount(user.email, str(person.role.label), school.name))
            # Every class without a named teacher gets one of its own.
            taught = {person.teaches for person in staff}
            for name, school_class in classes.items():
                if name in taught:
                    continue
                user = _user(f"{prefix}.{slugify(name)}@{ACCOUNT_DOMAIN}", _full_name(faker), passwords, created)
                _staff_role(user, school, Role.TEACHER, class_job, created)
                _teach(school_class, user)
                class_teachers.append(DemoAccount(user.email, f"{Role.TEACHER.label}, {name}", school.name))

        trust_admin = _user(TRUST_ADMIN_EMAIL, _full_name(staff_en), passwords, created)
        _get_or_create(
            OrganisationRole.objects.current(),
            created,
            user=trust_admin,
            organisation=trust,
            role=OrganisationRoleKind.TRUST_ADMIN,
        )
        accounts.append(DemoAccount(trust_admin.email, str(OrganisationRoleKind.TRUST_ADMIN.label), trust.name))

        if not primary.pupils.exists():
            _english_roll(primary, primary_classes).save(created)
        if not ornek.pupils.exists():
            _turkish_roll(ornek, ornek_classes).save(created)

        for email, school in [(PARENT_EMAIL, primary), (PARENT_TR_EMAIL, ornek)]:
            account = _parent(email, school, passwords, created)
            if account is not None:
                accounts.append(account)

        _administrator(passwords, created)

        if created:
            audit_log(actor=None, action="directory.demo.loaded", data={"created": dict(created)})
    pupils = {school.name: school.pupils.count() for school in (primary, ornek)}
    # Each school's people together: English staff, then its parent and the trust, then the Turkish school.
    accounts.sort(key=lambda account: (account.place == ornek.name, account.email.startswith(("parent", "veli"))))
    accounts.append(DemoAccount(ADMIN_EMAIL, "Administrator (Django admin, /admin/)", "—"))
    return DemoSummary(accounts=accounts, class_teachers=class_teachers, created=created, pupils=pupils)


# Small helpers ---------------------------------------------------------------------------------------------------


def _faker(locale, seed):
    faker = Faker(locale)
    faker.seed_instance(seed)
    return faker


def _full_name(faker):
    return f"{faker.first_name()} {faker.last_name()}"


def _get_or_create(queryset, created, *, defaults=None, **keys):
    obj, was_created = queryset.get_or_create(defaults=defaults, **keys)
    if was_created:
        created[str(obj._meta.verbose_name_plural)] += 1
    return obj


def _validate(password, user):
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DemoError("DEMO_PASSWORD is not accepted: " + " ".join(error.messages)) from error


class _Passwords:
    """Gives every demo account the same password, hashing it once.

    PBKDF2 takes a noticeable fraction of a second per hash on purpose; hashing once and sharing the encoded value
    (same salt) keeps the load fast. Acceptable for a demo whose password is printed on the screen anyway.
    """

    def __init__(self, password):
        self.password = password
        self._encoded = None
        self._checked = {}

    def matches(self, encoded):
        if not is_password_usable(encoded):
            return False  # and cheaply: check_password would hash once to even out timing
        if encoded not in self._checked:
            self._checked[encoded] = check_password(self.password, encoded)
            if self._checked[encoded] and self._encoded is None:
                self._encoded = encoded
        return self._checked[encoded]

    def apply(self, user):
        """Give ``user`` the demo password unless they already have it. Returns True if it changed."""
        if self.matches(user.password):
            return False
        if self._encoded is None:
            self._encoded = make_password(self.password)
            self._checked[self._encoded] = True
        # QuerySet.update: no history row (the password is excluded from User.history anyway).
        User.objects.filter(pk=user.pk).update(password=self._encoded)
        user.password = self._encoded
        return True


def _user(email, full_name, passwords, created):
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        _validate(passwords.password, User(email=email, full_name=full_name))
        # A blank language: pages follow the school's default language (Turkish at Örnek İlkokulu).
        user = User.objects.create_user(email, password=None, full_name=full_name, language="")
        created[str(User._meta.verbose_name_plural)] += 1
        passwords.apply(user)
    elif passwords.apply(user):
        created["passwords reset"] += 1
    return user


def _administrator(passwords, created):
    """``admin@demo.test``: a superuser with the demo password and no role in any school — the Django admin shows
    the beat schedule (Periodic tasks), failed background tasks and the outbox."""
    existed = User.objects.filter(email__iexact=ADMIN_EMAIL).exists()
    user = _user(ADMIN_EMAIL, "Demo Administrator", passwords, created)
    if not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser", "updated_at"])
        if existed:
            created["administrator rights restored"] += 1
    return user


def _staff_role(user, school, role, job_title, created):
    return _get_or_create(
        StaffRole.objects.current(), created, user=user, school=school, role=role, defaults={"job_title": job_title}
    )


def _teach(school_class, user):
    # add() of an existing teacher would still send m2m_changed and write a history row; check first.
    if not school_class.teachers.filter(pk=user.pk).exists():
        school_class.teachers.add(user)


def _calendar(school, years, year_groups, class_names, created):
    """Academic years with their terms, year groups, and two classes per year group in the latest year.

    Returns ``{class name: SchoolClass}`` for the latest academic year.
    """
    academic_year = None
    for name, starts_on, ends_on, terms in years:
        academic_year = _get_or_create(
            AcademicYear.objects,
            created,
            school=school,
            starts_on=starts_on,
            defaults={"name": name, "ends_on": ends_on},
        )
        for kind, term_starts, term_ends in terms:
            _get_or_create(
                Term.objects,
                created,
                academic_year=academic_year,
                kind=kind,
                defaults={"starts_on": term_starts, "ends_on": term_ends},
            )
    classes = {}
    for code, name, order in year_groups:
        year_group = _get_or_create(
            YearGroup.objects, created, school=school, code=code, defaults={"name": name, "order": order}
        )
        for class_name in class_names(code):
            classes[class_name] = _get_or_create(
                SchoolClass.objects,
                created,
                school=school,
                academic_year=academic_year,
                name=class_name,
                defaults={"year_group": year_group},
            )
    return classes


def _parent(email, school, passwords, created):
    """Give the guardian with ``email`` at ``school`` a parent account; None if the school has no such carer."""
    guardian = Guardian.objects.filter(school=school, email__iexact=email).first()
    if guardian is None:
        return None
    user = _user(email, guardian.full_name, passwords, created)
    if guardian.user_id != user.pk:
        guardian.user = user
        guardian.save(update_fields=["user", "updated_at"])
    return DemoAccount(user.email, "Parent (parental responsibility for two pupils)", school.name)


def _ascii(text):
    text = text.replace("ı", "i").replace("İ", "I").replace("ə", "e").replace("Ə", "E")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in text.lower() if char.isalnum())


def _random_date(rng, first, last):
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


# The roll --------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Family:
    """A household: the children's surname, the carers (guardian, relationship, parental responsibility) and
    facts the children share."""

    surname: str
    faker: Faker
    carers: list
    eal: bool = False
    pupil_premium: bool = False
    open_to_siblings: bool = True  # False for the households the demo describes exactly
    year_orders: list = dataclasses.field(default_factory=list)


# Household shapes: (weight, [(relationship, parental responsibility, sex, shares the children's surname)]).
ENGLISH_SHAPES = [
    (52, [(Relationship.MOTHER, True, "f", True), (Relationship.FATHER, True, "m", True)]),
    (18, [(Relationship.MOTHER, True, "f", True)]),
    (5, [(Relationship.FATHER, True, "m", True)]),
    (6, [(Relationship.MOTHER, True, "f", True), (Relationship.STEP_PARENT, False, "m", False)]),
    (6, [(Relationship.MOTHER, True, "f", True), (Relationship.GRANDPARENT, False, "f", False)]),
    # An unmarried father not named on the birth certificate has no parental responsibility.
    (4, [(Relationship.MOTHER, True, "f", True), (Relationship.FATHER, False, "m", False)]),
    # Special guardianship or a child arrangements order gives a grandparent or kinship carer responsibility.
    (5, [(Relationship.GRANDPARENT, True, "f", True), (Relationship.GRANDPARENT, True, "m", True)]),
    (4, [(Relationship.CARER, True, "f", False)]),
]
TURKISH_SHAPES = [
    (76, [(Relationship.MOTHER, True, "f", True), (Relationship.FATHER, True, "m", True)]),
    (8, [(Relationship.MOTHER, True, "f", True)]),
    (3, [(Relationship.FATHER, True, "m", True)]),
    # After a divorce custody (velayet) goes to one parent; the other stays a contact.
    (5, [(Relationship.MOTHER, True, "f", True), (Relationship.FATHER, False, "m", True)]),
    (5, [(Relationship.MOTHER, True, "f", True), (Relationship.GRANDPARENT, False, "f", False)]),
    (3, [(Relationship.GRANDPARENT, True, "m", True)]),
]


class _Roll:
    """Collects one school's pupils, carers and links in memory, then inserts them in bulk with history rows."""

    def __init__(self, school, *, seed, shapes, mis_id, phones, title=True):
        self.school = school
        self.rng = random.Random(seed)
        self.shapes = shapes
        self.mis_id = mis_id  # callable: serial → MIS id
        self.phones = phones
        self.title = title
        self.pupils, self.guardians, self.links, self.families = [], [], [], []
        self._emails = set()
        self._upn_serials = collections.Counter()

    # Carers

    def carer(
        self,
        faker,
        *,
        sex,
        last_name=None,
        language="",
        email=None,
        email_domain=CARER_DOMAIN,
        title=None,
        always_email=False,
    ):
        """A new guardian; most have an e-mail address (``always_email``: all) and, in England, a phone."""
        rng = self.rng
        first = faker.first_name_female() if sex == "f" else faker.first_name_male()
        last = last_name or faker.last_name()
        if email is None and (rng.random() < 0.94 or always_email):
            email = self._email(first, last, email_domain)
        if title is None and self.title:
            title = rng.choice(["Mrs", "Mrs", "Ms", "Miss", "Dr"]) if sex == "f" else rng.choice(["Mr"] * 6 + ["Dr"])
        guardian = Guardian(
            school=self.school,
            title=title or "",
            first_name=first,
            last_name=last,
            email=email or "",
            phone=f"07700 900{rng.randrange(1000):03d}" if self.phones and rng.random() < 0.97 else "",
            preferred_language=language,
        )
        guardian.clean_fields(exclude=["school", "user"])
        self._emails.add(guardian.email.lower())
        self.guardians.append(guardian)
        return guardian

    def _email(self, first, last, domain):
        local = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{local}@{domain}", 1
        while email in self._emails:
            n += 1
            email = f"{local}{n}@{domain}"
        return email

    def family(self, faker, *, shape=None, language="", eal=False, pupil_premium=None, emails=()):
        """A new household of the given ``shape`` (or a random one); ``emails`` fixes the carers' addresses."""
        rng = self.rng
        if shape is None:
            shape = rng.choices([s for _, s in self.shapes], weights=[w for w, _ in self.shapes])[0]
        surname = faker.last_name()
        carers = []
        for index, (relationship, responsibility, sex, same_surname) in enumerate(shape):
            shares = same_surname and (relationship != Relationship.MOTHER or rng.random() < 0.8)
            guardian = self.carer(
                faker,
                sex=sex,
                last_name=surname if shares else None,
                language=language,
                email=emails[index] if index < len(emails) else None,
            )
            carers.append((guardian, relationship, responsibility))
        if pupil_premium is None:
            pupil_premium = rng.random() < 0.25
        family = _Family(surname=surname, faker=faker, carers=carers, eal=eal, pupil_premium=pupil_premium)
        self.families.append(family)
        return family

    # Pupils

    def pupil(self, family, *, year_group, school_class, born, on_roll_from, upn_year=None, left_on=None, **flags):
        """Add a child of ``family``; ``born`` is a (first, last) date range, ``upn_year`` the year a UPN was
        allocated (None: no UPN)."""
        rng, faker = self.rng, family.faker
        first = faker.first_name_female() if rng.random() < 0.5 else faker.first_name_male()
        upn = ""
        if upn_year is not None:
            self._upn_serials[upn_year] += 1
            body = f"999{DEMO_PRIMARY['laestab'][3:]}{upn_year % 100:02d}{self._upn_serials[upn_year]:03d}"
            upn = upn_check_letter(body) + body
        pupil = Pupil(
            school=self.school,
            legal_first_name=first,
            legal_last_name=family.surname,
            date_of_birth=_random_date(rng, *born),
            upn=upn,
            mis_id=self.mis_id(len(self.pupils) + 1),
            year_group=year_group,
            school_class=school_class,
            on_roll_from=on_roll_from,
            left_on=left_on,
            has_sen=flags.pop("has_sen", rng.random() < 0.15),
            is_eal=family.eal,
            is_pupil_premium=family.pupil_premium,
            **flags,
        )
        pupil.clean_fields(exclude=["school", "year_group", "school_class"])
        self.pupils.append(pupil)
        family.year_orders.append(year_group.order)
        for guardian, relationship, responsibility in family.carers:
            self.links.append((pupil, guardian, relationship, responsibility))
        return pupil

    def sibling_family(self, year_order, chance):
        """An existing household with no child in this year group and fewer than three children, or None."""
        if self.rng.random() >= chance:
            return None
        candidates = [
            family
            for family in self.families
            if family.open_to_siblings and year_order not in family.year_orders and len(family.year_orders) < 3
        ]
        return self.rng.choice(candidates) if candidates else None

    def save(self, created):
        bulk_create_with_history(self.pupils, Pupil, default_change_reason=CHANGE_REASON)
        bulk_create_with_history(self.guardians, Guardian, default_change_reason=CHANGE_REASON)
        order = collections.Counter()
        links = []
        for pupil, guardian, relationship, responsibility in self.links:
            order[pupil.pk] += 1
            links.append(
                PupilGuardian(
                    pupil=pupil,
                    guardian=guardian,
                    relationship=relationship,
                    has_parental_responsibility=responsibility,
                    contact_order=order[pupil.pk],
                )
            )
        bulk_create_with_history(links, PupilGuardian, default_change_reason=CHANGE_REASON)
        for model, rows in [(Pupil, self.pupils), (Guardian, self.guardians), (PupilGuardian, links)]:
            created[str(model._meta.verbose_name_plural)] += len(rows)


def _english_roll(school, classes):
    """About 250 pupils in 14 classes, Reception to Year 6, plus a few who left last year.

    Dates of birth follow the English school year (Reception: 4 on 1 September). Looked-after and previously
    looked-after pupils attract pupil premium plus, so they are always flagged pupil premium. About a quarter of
    households are EAL; those with Turkish names prefer Turkish, so the demo shows Turkish-speaking parents at an
    English school.
    """
    roll = _Roll(school, seed=SEED + 1, shapes=ENGLISH_SHAPES, mis_id=lambda n: f"{1000 + n:06d}", phones=True)
    rng = roll.rng
    english = _faker("en_GB", SEED + 1)
    eal_fakers = [
        (_faker("tr_TR", SEED + 2), "tr", 40),
        (_faker("pl_PL", SEED + 3), "", 30),
        (_faker("ro_RO", SEED + 4), "", 20),
        (_faker("pt_PT", SEED + 5), "", 10),
    ]
    year_groups = {yg.order: yg for yg in YearGroup.objects.filter(school=school)}

    def born(order):  # born in the school year that puts them in this year group in 2026/27
        return date(2021 - order, 9, 1), date(2022 - order, 8, 31)

    def entry(order):
        return date(2026 - order, 9, 1)

    def add(family, school_class, **flags):
        order = school_class.year_group.order
        joined = entry(order)
        if rng.random() < 0.08:  # joined part-way through
            joined = _random_date(rng, joined + datetime.timedelta(days=30), date(2026, 11, 13))
        return roll.pupil(
            family,
            year_group=school_class.year_group,
            school_class=school_class,
            born=born(order),
            on_roll_from=joined,
            upn_year=entry(order).year,
            **flags,
        )

    def new_family():
        if rng.random() < 0.26:
            faker, language = rng.choices(
                [(f, lang) for f, lang, _ in eal_fakers], weights=[w for _, _, w in eal_fakers]
            )[0]
            return roll.family(faker, language=language, eal=True)
        return roll.family(english)

    # The demo parent: mother and father, both with parental responsibility, of a Year 3 and a Year 1 pupil.
    parents = roll.family(english, shape=ENGLISH_SHAPES[0][1], pupil_premium=False, emails=[PARENT_EMAIL])
    parents.open_to_siblings = False
    add(parents, classes["3 Oak"], has_sen=False)
    add(parents, classes["1 Ash"], has_sen=False)

    # Children looked after by the local authority: the foster carer is the first contact and, like the social
    # worker, has no parental responsibility (Children Act 1989: the LA shares it with the birth parents).
    council = _faker("en_GB", SEED + 6)
    social_workers = [
        roll.carer(council, sex=sex, email_domain="demo-council.example.test", title="", always_email=True)
        for sex in ("f", "m")
    ]
    for class_names, social_worker in [
        (["2 Oak", "4 Ash"], social_workers[0]),
        (["5 Oak"], social_workers[1]),
        (["R Wrens"], social_workers[0]),
    ]:
        foster_carer = roll.carer(english, sex=rng.choice("fm"))
        family = _Family(
            surname=english.last_name(),
            faker=english,
            carers=[
                (foster_carer, Relationship.FOSTER_CARER, False),
                (social_worker, Relationship.SOCIAL_WORKER, False),
            ],
            pupil_premium=True,
            open_to_siblings=False,
        )
        roll.families.append(family)
        for name in class_names:
            add(family, classes[name], is_looked_after=True)

    # Everyone else: 17–19 per class, about one in five a younger or older sibling of a child already on roll.
    for school_class in classes.values():
        size = rng.randint(17, 19)
        while len([p for p in roll.pupils if p.school_class is school_class]) < size:
            family = roll.sibling_family(school_class.year_group.order, 0.2) or new_family()
            add(family, school_class)

    # Adopted from care: a handful of single-child households with two parents holding responsibility.
    _mark_adopted(roll, rng.sample(_adoptive_candidates(roll), 5), pupil_premium_plus=True)

    # A few left during 2025/26 (moved away, changed school): no class this year, their last year group kept.
    for order in (1, 2, 4, 5, 6):
        family = new_family()
        roll.pupil(
            family,
            year_group=year_groups[order],
            school_class=None,
            born=(date(2020 - order, 9, 1), date(2021 - order, 8, 31)),
            on_roll_from=date(2025 - order, 9, 1),
            upn_year=2025 - order,
            left_on=_random_date(rng, date(2025, 10, 1), date(2026, 7, 17)),
        )
    return roll


def _adoptive_candidates(roll):
    return [
        family
        for family in roll.families
        if family.open_to_siblings
        and len(family.year_orders) == 1
        and len(family.carers) == 2
        and all(responsibility for _, _, responsibility in family.carers)
    ]


def _mark_adopted(roll, families, *, pupil_premium_plus):
    """Flag the children of ``families`` as previously looked after (adopted from care).

    In England they attract pupil premium plus, hence ``pupil_premium_plus``.
    """
    first_carers = {id(family.carers[0][0]) for family in families}
    for pupil, guardian, _, _ in roll.links:
        if id(guardian) in first_carers:
            pupil.is_previously_looked_after = True
            pupil.is_pupil_premium = pupil.is_pupil_premium or pupil_premium_plus


def _turkish_roll(school, classes):
    """About 150 pupils in 8 classes, 1. Sınıf to 4. Sınıf, plus a few who left last year.

    Turkish children start 1. Sınıf in the September after they turn about six; cohorts here are calendar years.
    Carers prefer Turkish. A few households are Azerbaijani-speaking (EAL). Pupil premium is an English grant, so
    no pupil here has it.
    """
    roll = _Roll(
        school, seed=SEED + 11, shapes=TURKISH_SHAPES, mis_id=lambda n: str(100 + n), phones=False, title=False
    )
    rng = roll.rng
    turkish = _faker("tr_TR", SEED + 11)
    azerbaijani = _faker("az_AZ", SEED + 12)
    year_groups = {yg.order: yg for yg in YearGroup.objects.filter(school=school)}

    def born(grade):
        return date(2021 - grade, 1, 1), date(2021 - grade, 12, 31)

    def add(family, school_class, **flags):
        grade = school_class.year_group.order
        return roll.pupil(
            family,
            year_group=school_class.year_group,
            school_class=school_class,
            born=born(grade),
            on_roll_from=TURKISH_FIRST_DAYS[2027 - grade],
            has_sen=flags.pop("has_sen", rng.random() < 0.12),
            **flags,
        )

    def new_family():
        if rng.random() < 0.06:
            return roll.family(azerbaijani, language="", eal=True, pupil_premium=False)
        return roll.family(turkish, language="tr", pupil_premium=False)

    parents = roll.family(
        turkish, shape=TURKISH_SHAPES[0][1], language="tr", pupil_premium=False, emails=[PARENT_TR_EMAIL]
    )
    parents.open_to_siblings = False
    add(parents, classes["3-A"], has_sen=False)
    add(parents, classes["1-B"], has_sen=False)

    # One child in foster care (koruyucu aile), with the provincial social services' social worker as contact.
    social_worker = roll.carer(
        turkish, sex="f", language="tr", email_domain="sosyal-hizmet.example.test", always_email=True
    )
    foster_carer = roll.carer(turkish, sex="f", language="tr")
    foster = _Family(
        surname=turkish.last_name(),
        faker=turkish,
        carers=[(foster_carer, Relationship.FOSTER_CARER, False), (social_worker, Relationship.SOCIAL_WORKER, False)],
        open_to_siblings=False,
    )
    roll.families.append(foster)
    add(foster, classes["2-B"], is_looked_after=True)

    for school_class in classes.values():
        size = rng.randint(18, 20)
        while len([p for p in roll.pupils if p.school_class is school_class]) < size:
            family = roll.sibling_family(school_class.year_group.order, 0.2) or new_family()
            add(family, school_class)

    _mark_adopted(roll, rng.sample(_adoptive_candidates(roll), 1), pupil_premium_plus=False)

    for grade in (1, 2, 3):
        family = new_family()
        roll.pupil(
            family,
            year_group=year_groups[grade],
            school_class=None,
            born=(date(2020 - grade, 1, 1), date(2020 - grade, 12, 31)),
            on_roll_from=TURKISH_FIRST_DAYS[2026 - grade],
            left_on=_random_date(rng, date(2025, 10, 1), date(2026, 6, 19)),
        )
    return roll
