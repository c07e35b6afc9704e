"""The US district demo: Demo Unified School District, beside the English trust and the Turkish school (issue 13).

``manage.py load_demo`` calls ``load()`` after the directory, agreements and consent demos. A small district of three
campuses — Demo Elementary School (K–5), Demo Middle School (6–8), Demo High School (9–12) — in the United States,
Central time, its pages in American English (the school's country decides: ``safeguard.country_words``; "en-us" is
a variant the product activates, not an entry of ``settings.LANGUAGES``, so the schools' default language is English).

Built as a district would build itself, through the onboarding services: the district administrator adds the
campuses (``school_create``); each principal adds the school year with its two semesters (``academic_year_create``,
the US preset: mid-August to December, January to late May), the grades from the country's presets
(``year_groups_add_preset``) and the homerooms with their teachers (``school_class_save``). The school year is the one
in progress on the day of loading, so the demo always shows a current year.

As the directory demo does, accounts, staff roles and the roll are seeded with the ORM (invitations are not needed
to give demo people a password; the roll goes in bulk with history rows). Everything is fictional: names from Faker
with a fixed seed, e-mail addresses on reserved ``.test`` domains, phone numbers in the 555-0100–555-0199 range set
aside for fiction, no student ID that exists anywhere.

The district-wide acceptable use policy (``Policy.organisation``: one policy for every campus) has student, parent
and staff agreements, signed every school year; like the acceptable use demo, the policy and its agreements are
seeded and every signature goes through ``signature_request_open`` and ``signature_record``. Each campus has a photo
and web consent form whose questions are opt-out ("yes unless a parent objects"), answered through
``consent_response_record``; one elementary parent's written objection is recorded by the office.

Idempotent: rows are found by stable keys and created only when missing; a campus that has students gets no new
ones, a campus with consent answers gets no more, a request that exists is left as it is. A second run changes nothing.
"""

import collections
import datetime
import os
import random
import zoneinfo

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_update_with_history

from aup import services as aup_services
from aup.evidence import agreement_content, content_sha256
from aup.models import Agreement, AgreementStatement, Audience, Policy, PolicyVersion, Signature, SignatureRequest
from aup.services_library import render_markdown
from consent import services as consent_services
from consent import services_forms as consent_forms
from consent.models import ConsentForm, ConsentPurpose, ConsentResponse
from safeguard import permissions
from safeguard.directory import demo
from safeguard.directory.models import (
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
    YearGroup,
)

from .services import calendar, schools

SEED = demo.SEED + 1300
Relationship = PupilGuardian.Relationship
Party = Signature.Party
Method = Signature.Method
OPT_OUT = ConsentPurpose.IfUnanswered.OPT_OUT

DISTRICT = {"slug": "demo-usd", "name": "Demo Unified School District", "kind": Organisation.Kind.DISTRICT}
DISTRICT_ADMIN_EMAIL = "district@demo.test"
OFFICE_US_EMAIL = "office.us@demo.test"
PARENT_US_EMAIL = "parent.us@demo.test"  # mother, with parental responsibility, of a grade 2 student at the elementary
# A high school student with their own account (issue 14 item 1): accounts from 13 at Demo High School, and this
# student's agreement left for them to sign.
STUDENT_US_EMAIL = "student.us@demo.test"
STUDENT_ACCOUNTS_SLUG = "demo-high-school"
STUDENT_ACCOUNTS_FROM_AGE = 13
TIME_ZONE = "America/Chicago"
DISTRICT_IP = "198.51.100.200"  # the district's network (RFC 5737 documentation range)


class Campus:
    """One of the district's three schools: its name, phase, grade preset and homerooms ``(grade code, name)``."""

    def __init__(self, key, name, phase, preset, homerooms, class_size, entry_grade):
        self.key, self.name, self.phase, self.preset = key, name, phase, preset
        self.homerooms, self.class_size, self.entry_grade = homerooms, class_size, entry_grade

    @property
    def slug(self):
        return slugify(self.name)

    @property
    def principal_email(self):
        return f"principal.{self.key}@demo.test"


CAMPUSES = [
    Campus(
        "elementary",
        "Demo Elementary School",
        School.Phase.PRIMARY,
        "us_k5",
        [
            ("K", "K Room 1"),
            ("1", "1 Room 2"),
            ("2", "2 Room 3"),
            ("3", "3 Room 4"),
            ("4", "4 Room 5"),
            ("5", "5 Room 6"),
        ],
        (5, 7),
        0,
    ),
    Campus(
        "middle",
        "Demo Middle School",
        School.Phase.SECONDARY,
        "us_6_8",
        [("6", "6 Homeroom A"), ("7", "7 Homeroom A"), ("8", "8 Homeroom A")],
        (9, 11),
        6,
    ),
    Campus(
        "high",
        "Demo High School",
        School.Phase.SECONDARY,
        "us_9_12",
        [("9", "9 Homeroom A"), ("10", "10 Homeroom A"), ("11", "11 Homeroom A"), ("12", "12 Homeroom A")],
        (7, 9),
        9,
    ),
]

# Households (weight, [(relationship, parental responsibility, sex, shares the children's surname)]).
US_SHAPES = [
    (55, [(Relationship.MOTHER, True, "f", True), (Relationship.FATHER, True, "m", True)]),
    (20, [(Relationship.MOTHER, True, "f", True)]),
    (6, [(Relationship.FATHER, True, "m", True)]),
    (8, [(Relationship.MOTHER, True, "f", True), (Relationship.STEP_PARENT, False, "m", False)]),
    (6, [(Relationship.GRANDPARENT, True, "f", True)]),
    (5, [(Relationship.MOTHER, True, "f", True), (Relationship.GRANDPARENT, False, "f", False)]),
]

# The district-wide acceptable use policy (our own words, after the seed AUPs' facts).
AUP_TITLE = "Acceptable Use of Technology"
AUP_BODY = """\
# Acceptable Use of Technology

Demo Unified School District provides computers, Chromebooks, tablets, networks and online accounts so that students
can learn and staff can teach. This policy applies on every campus of the district, to district devices wherever they
are used and to personal devices brought onto a campus.

## What we expect

Everyone uses district technology for learning and for the district's work, treats others with respect online, keeps
passwords private and reports anything that makes them feel unsafe. The district filters and monitors its network;
there is no expectation of privacy on district systems.

## Signing

Students sign the student agreement and a parent or guardian signs the parent agreement at the start of each school
year. Staff sign the staff agreement each year before using district systems.
"""
AUP_AGREEMENTS = [
    (
        Audience.PUPIL,
        "Student acceptable use agreement",
        "Read each statement with your teacher, then sign.",
        [
            "I will use school devices and the internet for schoolwork, when a teacher says I may.",
            "I will keep my password to myself and log out when I finish.",
            "I will be kind online and will not share pictures of other people without asking them.",
            "I will tell a teacher straight away if I see something that worries me or makes me uncomfortable.",
            "I will not try to get around the district's filters.",
        ],
    ),
    (
        Audience.PARENT,
        "Parent and guardian agreement",
        "Please read the policy and sign for each of your children.",
        [
            "I have read the district's acceptable use policy and talked about it with my child.",
            "I give permission for my child to use district devices, the internet and district online accounts.",
            "I understand that the district filters and monitors its network and devices.",
        ],
    ),
    (
        Audience.STAFF,
        "Staff acceptable use agreement",
        "Sign each school year before using district systems.",
        [
            "I will use district systems for district work and keep student information confidential.",
            "I will not use personal devices or personal accounts to photograph or contact students.",
            "I will report any online safety concern about a student to the principal the same day.",
            "I will lock my device when I leave it and never share my password.",
        ],
    ),
]


def load(*, now=None):
    """Create whatever part of the district demo is missing; return summary lines (list of str).

    Args:
        now: an aware datetime standing for "now" (default: the current time); the school year is the one in progress
            on that day, and signatures and answers fall in the weeks before it.
    Needs the directory demo (its shared password hash); does nothing if it is not loaded.
    """
    now = now or timezone.now()
    if not School.objects.filter(slug=demo.DEMO_PRIMARY["slug"]).exists():
        return ["US district: the directory demo is not loaded; nothing to add."]
    loader = _Loader(now)
    with (
        aup_services.signed_documents_on_demand(),
        consent_services.notifications_deferred(),
        transaction.atomic(),
    ):
        loader.load()
    district = Organisation.objects.get(slug=DISTRICT["slug"])
    lines = []
    for school in district.schools.order_by("name"):
        students = Pupil.objects.filter(school=school).count()
        lines.append(f"{school.name}: {students} students")
    # The high school's students sign for themselves from 13 (class codes); aup's demo ran before the district existed.
    from aup.demo_content import pupils_sign_for_themselves

    lines.extend(pupils_sign_for_themselves())
    lines.append(f"Created this run (US district): {loader.summary()}.")
    return lines


def demo_accounts():
    """The district's accounts for ``load_demo``'s table (``demo.DemoAccount``), or [] if it is not loaded."""
    district = Organisation.objects.filter(slug=DISTRICT["slug"]).first()
    if district is None:
        return []
    rows = [demo.DemoAccount(DISTRICT_ADMIN_EMAIL, "District administrator", district.name)]
    for campus in CAMPUSES:
        rows.append(demo.DemoAccount(campus.principal_email, "Principal", campus.name))
    rows.append(demo.DemoAccount(OFFICE_US_EMAIL, "Office staff", CAMPUSES[0].name))
    rows.append(demo.DemoAccount(PARENT_US_EMAIL, "Parent (parental responsibility for one student)", CAMPUSES[0].name))
    if Pupil.objects.filter(user__email__iexact=STUDENT_US_EMAIL).exists():
        rows.append(demo.DemoAccount(STUDENT_US_EMAIL, "Student with their own account", "Demo High School"))
    return rows


class _Loader:
    def __init__(self, now):
        self.now = now
        self.passwords = demo._Passwords(os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD)
        self.counter = collections.Counter()  # what was created: name → rows
        self.faker = demo._faker("en_US", SEED)

    def summary(self):
        return ", ".join(f"{count} {name}" for name, count in sorted(self.counter.items()) if count) or "nothing"

    def _count(self, name, n=1):
        self.counter[name] += n

    def load(self):
        district = demo._get_or_create(Organisation.objects, self.counter, slug=DISTRICT["slug"], defaults=DISTRICT)
        admin = self.user(DISTRICT_ADMIN_EMAIL)
        demo._get_or_create(
            OrganisationRole.objects.current(),
            self.counter,
            user=admin,
            organisation=district,
            role=OrganisationRoleKind.TRUST_ADMIN,
        )
        permissions.forget_roles(admin)
        start_year = self.now.astimezone(zoneinfo.ZoneInfo(TIME_ZONE)).date()
        start_year = start_year.year if start_year.month >= 8 else start_year.year - 1
        campuses = []
        for index, campus in enumerate(CAMPUSES):
            school = self.school(district, admin, campus)
            principal = self.user(campus.principal_email)
            demo._staff_role(principal, school, Role.HEADTEACHER, "Principal", self.counter)
            permissions.forget_roles(principal)
            office = None
            if index == 0:
                office = self.user(OFFICE_US_EMAIL)
                demo._staff_role(office, school, Role.OFFICE, "Office manager", self.counter)
                permissions.forget_roles(office)
            year = self.school_year(school, principal, start_year)
            classes = self.homerooms(school, principal, campus, year)
            if not Pupil.objects.filter(school=school).exists():
                self.roll(school, campus, classes, start_year)
            campuses.append((campus, school, office or principal))
        self.parent_account(campuses[0][1])
        agreements = self.policy(district, admin, start_year)
        for campus, school, office in campuses:
            self.sign(school, campus, office, agreements)
            self.consent(school, campus, office)
        self.student_account(agreements)

    # People and places

    def user(self, email):
        return demo._user(email, demo._full_name(self.faker), self.passwords, self.counter)

    def school(self, district, admin, campus):
        school = School.objects.filter(slug=campus.slug).first()
        if school is None:
            school = schools.school_create(
                actor=admin,
                organisation=district,
                fields={
                    "name": campus.name,
                    "phase": campus.phase,
                    "country": School.Country.UNITED_STATES,
                    "time_zone": TIME_ZONE,
                    "district_code": f"DUSD-{campus.key[:4].upper()}",
                },
            )
            self._count("schools")
        return school

    def school_year(self, school, principal, start_year):
        preset = calendar.academic_year_preset("united_states", start_year)
        # Semesters: mid-August to just before the winter break, January to Memorial Day week.
        terms = [(kind, starts, ends) for kind, starts, ends in preset["terms"]]
        kind, starts, _ends = terms[1]
        terms[1] = (kind, starts, datetime.date(start_year + 1, 5, 28))
        year = AcademicYear.objects.filter(school=school, starts_on=preset["starts_on"]).first()
        if year is None:
            year = calendar.academic_year_create(
                actor=principal,
                school=school,
                name=f"{start_year}–{start_year + 1}",
                starts_on=preset["starts_on"],
                ends_on=preset["ends_on"],
                terms=terms,
            )
            self._count("school years")
        return year

    def homerooms(self, school, principal, campus, year):
        """The campus's grades (preset) and homerooms, each with its own teacher; ``{grade code: SchoolClass}``."""
        self._count(
            "grades", len(calendar.year_groups_add_preset(actor=principal, school=school, preset=campus.preset))
        )
        grades = {group.code: group for group in YearGroup.objects.filter(school=school)}
        classes = {}
        for code, name in campus.homerooms:
            teacher = self.user(f"teacher.{campus.key}.{slugify(name)}@{demo.ACCOUNT_DOMAIN}")
            demo._staff_role(teacher, school, Role.TEACHER, "Homeroom teacher", self.counter)
            permissions.forget_roles(teacher)
            school_class = SchoolClass.objects.filter(school=school, academic_year=year, name=name).first()
            if school_class is None:
                school_class, _changed = calendar.school_class_save(
                    actor=principal,
                    school=school,
                    academic_year=year,
                    year_group=grades[code],
                    name=name,
                    teachers=[teacher],
                )
                self._count("classes")
            classes[code] = school_class
        return classes

    def roll(self, school, campus, classes, start_year):
        """Students of every homeroom with their parents and guardians, inserted in bulk with history rows."""
        prefix = {"elementary": 1, "middle": 2, "high": 3}[campus.key]
        roll = demo._Roll(
            school,
            seed=f"{SEED}:{campus.key}",
            shapes=US_SHAPES,
            mis_id=lambda n: f"{prefix}{n:05d}",  # the district's student number
            phones=False,
            title=False,
        )
        rng = roll.rng
        faker = demo._faker("en_US", f"{SEED}:{campus.key}")
        for code, school_class in classes.items():
            grade = school_class.year_group.order  # K = 0
            if campus.key == "elementary" and code == "2":
                parents = roll.family(faker, shape=US_SHAPES[0][1], pupil_premium=False, emails=[PARENT_US_EMAIL])
                parents.open_to_siblings = False
                self.student(roll, parents, school_class, grade, start_year, campus)
            for _ in range(rng.randint(*campus.class_size)):
                family = roll.sibling_family(grade, 0.15) or roll.family(faker, pupil_premium=False)
                self.student(roll, family, school_class, grade, start_year, campus)
        for guardian in roll.guardians:
            if rng.random() < 0.9:  # fictional numbers: 555-0100 to 555-0199
                guardian.phone = f"312-555-01{rng.randrange(100):02d}"
        roll.save(self.counter)

    @staticmethod
    def student(roll, family, school_class, grade, start_year, campus):
        # Kindergarten at five on 1 September; each grade a year older. On roll since the campus's entry grade.
        born = (datetime.date(start_year - 6 - grade, 9, 2), datetime.date(start_year - 5 - grade, 9, 1))
        joined = datetime.date(start_year - (grade - campus.entry_grade), 8, 17)
        roll.pupil(
            family,
            year_group=school_class.year_group,
            school_class=school_class,
            born=born,
            on_roll_from=joined,
            has_sen=roll.rng.random() < 0.12,
        )

    def parent_account(self, school):
        guardian = Guardian.objects.filter(school=school, email__iexact=PARENT_US_EMAIL).first()
        if guardian is None:
            return
        user = demo._user(PARENT_US_EMAIL, guardian.full_name, self.passwords, self.counter)
        if guardian.user_id != user.pk:
            guardian.user = user
            bulk_update_with_history([guardian], Guardian, ["user"], default_change_reason=demo.CHANGE_REASON)

    def student_account(self, agreements):
        """``student.us@demo.test``: Demo High School gives students accounts from 13 (set by its principal through
        ``pupil_accounts_set``), and one student whose own agreement is still waiting gets the account. Idempotent:
        the student who has the account keeps it."""
        from onboarding.services.pupil_accounts import pupil_accounts_set
        from safeguard.directory.pupil_accounts import pupil_is_eligible, setting_for

        school = School.objects.filter(slug=STUDENT_ACCOUNTS_SLUG).first()
        if school is None:
            return
        setting = setting_for(school)
        if setting is None or setting.from_age != STUDENT_ACCOUNTS_FROM_AGE:
            principal = StaffRole.objects.current().filter(school=school, role=Role.HEADTEACHER).first()
            pupil_accounts_set(actor=principal.user, school=school, from_age=STUDENT_ACCOUNTS_FROM_AGE)
            self._count("pupil account settings")
        if Pupil.objects.filter(user__email__iexact=STUDENT_US_EMAIL).exists():
            return
        waiting = (
            SignatureRequest.objects.filter(
                school=school, agreement=agreements[Audience.PUPIL], status=SignatureRequest.Status.PENDING
            )
            .select_related("pupil")
            .order_by("pk")
        )
        student = next((request.pupil for request in waiting if pupil_is_eligible(request.pupil)), None)
        if student is None:
            return
        user = demo._user(STUDENT_US_EMAIL, student.display_name, self.passwords, self.counter)
        student.email, student.user = STUDENT_US_EMAIL, user
        bulk_update_with_history([student], Pupil, ["email", "user"], default_change_reason=demo.CHANGE_REASON)

    # The district's acceptable use policy

    def policy(self, district, admin, start_year):
        """The district-wide policy, version 1.0 approved by the board in July, with its three agreements."""
        approved_on = datetime.date(start_year, 7, 15)
        policy, created = Policy.objects.get_or_create(
            organisation=district,
            title=AUP_TITLE,
            defaults={
                "category": Policy.Category.ONLINE_SAFETY,
                "owner": admin,
                "approving_body": Policy.ApprovingBody.TRUST_BOARD,
                "signing_frequency": Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
                "review_cycle": Policy.ReviewCycle.FIXED_MONTH,
                "review_month": 7,
                "last_approved_on": approved_on,
                "next_review_on": datetime.date(start_year + 1, 7, 15),
            },
        )
        self._count("district-wide policies", int(created))
        version = PolicyVersion.objects.filter(policy=policy, number="1.0").first()
        if version is None:
            body = AUP_BODY.strip()
            version = PolicyVersion.objects.create(
                policy=policy,
                number="1.0",
                author=admin.full_name,
                status=PolicyVersion.Status.APPROVED,
                approved_by="Board of Education",
                approved_on=approved_on,
                issue_date=approved_on,
                summary_of_changes="First district-wide policy, replacing each campus's own.",
                body_markdown=body,
                body_html=render_markdown(body),
            )
        agreements = {}
        for audience, title, introduction, statements in AUP_AGREEMENTS:
            agreement, _ = Agreement.objects.get_or_create(
                version=version, audience=audience, defaults={"title": title, "introduction": introduction}
            )
            for order, text in enumerate(statements, start=1):
                AgreementStatement.objects.get_or_create(agreement=agreement, order=order, defaults={"text": text})
            agreements[audience] = agreement
        return agreements

    def sign(self, school, campus, office, agreements):
        """About two thirds of students and of parents have signed this year; every member of staff has (as in the
        acceptable use demo: staff sign before using the systems, and the sign-in gate would hold them)."""
        rng = random.Random(f"{SEED}:{campus.key}:sign")
        end = self.now - datetime.timedelta(hours=1)
        start = max(end - datetime.timedelta(weeks=10), _local(school, datetime.date(end.year, 8, 18), 8))
        if start >= end:
            start = end - datetime.timedelta(days=7)
        pupils = list(
            Pupil.objects.on_roll(school.today(self.now))
            .filter(school=school, school_class__isnull=False)
            .select_related("school_class")
            .order_by("pk")
        )
        carers = _carers(school)
        teachers = {
            school_class.pk: school_class.teachers.order_by("pk").first()
            for school_class in SchoolClass.objects.filter(school=school)
        }
        for audience in (Audience.PUPIL, Audience.PARENT):
            agreement = agreements[audience]
            shown = _shown(agreement)
            for pupil in pupils:
                signs = rng.random() < 0.68
                at = start + (end - start) * rng.random()
                request, created = aup_services.signature_request_open(
                    actor=office, agreement=agreement, school=school, pupil=pupil, now=self.now
                )
                if not created:
                    continue
                self._count("signature requests")
                guardian = next(iter(carers.get(pupil.pk, [])), None)
                if guardian is not None and guardian.email.lower() == PARENT_US_EMAIL:
                    signs = audience == Audience.PUPIL  # the parent agreement waits for parent.us@demo.test
                if not signs:
                    continue
                if audience == Audience.PUPIL:
                    self.record(
                        request, shown, party=Party.PUPIL, method=Method.TEACHER_PRESENT,
                        teacher_present=teachers[pupil.school_class_id], typed_name=pupil.display_name,
                        ip_address=DISTRICT_IP, user_agent=_agent("chromebook"), now=at,
                    )  # fmt: skip
                elif guardian is not None and guardian.email:
                    self.record(
                        request, shown, party=Party.PARENT, method=Method.INVITATION_LINK, signer_guardian=guardian,
                        typed_name=guardian.full_name, ip_address=f"203.0.113.{rng.randint(2, 254)}",
                        user_agent=_agent("phone"), now=at,
                    )  # fmt: skip
        staff_agreement = agreements[Audience.STAFF]
        shown = _shown(staff_agreement)
        staff = sorted(
            {role.user for role in StaffRole.objects.current().filter(school=school).select_related("user")},
            key=lambda user: user.email,
        )
        for user in staff:
            request, created = aup_services.signature_request_open(
                actor=office, agreement=staff_agreement, school=school, user=user, now=self.now
            )
            if not created:
                continue
            self._count("signature requests")
            self.record(
                request, shown, party=Party.SIGNER, method=Method.PASSWORD_SESSION, signer_user=user,
                typed_name=user.full_name, ip_address=DISTRICT_IP, user_agent=_agent("desktop"),
                now=start + (end - start) * rng.random(),
            )  # fmt: skip

    def record(self, request, shown, **kwargs):
        _signature, created = aup_services.signature_record(
            request=request, statements_confirmed=shown["numbers"], shown_sha256=shown["sha256"], **kwargs
        )
        self._count("signatures", int(created))

    # Photo and web consent

    def consent(self, school, campus, office):
        """An opt-out form (every question "yes unless a parent objects"), answered online by some families; at the
        elementary one parent's written objection to the website and social media, recorded by the office."""
        if not ConsentForm.objects.filter(school=school).exists():
            version = consent_forms.form_create_default(actor=office, school=school)
            for purpose in version.purposes.all():
                consent_services.purpose_save(
                    actor=office, version=version, code=purpose.code, label=purpose.label, wording=purpose.wording,
                    media=purpose.media, is_publication=purpose.is_publication,
                    pupils_may_answer=purpose.pupils_may_answer, order=purpose.order, if_unanswered=OPT_OUT,
                )  # fmt: skip
            published = _local(
                school, datetime.date(self.now.year if self.now.month >= 8 else self.now.year - 1, 8, 10), 9
            )
            consent_services.version_publish(actor=office, version=version, now=min(published, self.now))
            self._count("consent forms")
        if ConsentResponse.objects.filter(school=school).exists():
            return
        version = consent_services.current_version(school)
        version = type(version).objects.select_related("form").prefetch_related("purposes").get(pk=version.pk)
        shown = content_sha256(consent_services.form_content(version))
        codes = list(version.purposes.order_by("order").values_list("code", flat=True))
        rng = random.Random(f"{SEED}:{campus.key}:consent")
        end = self.now - datetime.timedelta(hours=2)
        start = end - datetime.timedelta(weeks=8)
        pupils = list(
            Pupil.objects.on_roll(school.today(self.now)).filter(school=school).select_related("school").order_by("pk")
        )
        carers = _carers(school)
        objection = campus.key == "elementary"
        for pupil in pupils:
            guardians = [g for g in carers.get(pupil.pk, []) if g.email.lower() != PARENT_US_EMAIL]
            if not guardians:
                continue
            guardian = guardians[0]
            at = start + (end - start) * rng.random()
            if objection:
                objection = False
                consent_services.consent_response_record(
                    pupil=pupil, version=version, answers={code: False for code in codes if "website" in code
                                                           or "social" in code},
                    method=ConsentResponse.Method.PAPER, typed_name=guardian.full_name, shown_sha256=shown,
                    guardian=guardian, recorded_by=office, note="Written objection handed to the office.", now=at,
                )  # fmt: skip
                self._count("consent responses")
                continue
            if rng.random() >= 0.45:
                continue  # silence: yes, on an opt-out form
            answers = dict.fromkeys(codes, True)
            if rng.random() < 0.25:
                answers.update({code: False for code in codes if "social" in code})
            consent_services.consent_response_record(
                pupil=pupil, version=version, answers=answers, method=ConsentResponse.Method.INVITATION_LINK,
                typed_name=guardian.full_name, shown_sha256=shown, guardian=guardian,
                ip_address=f"192.0.2.{rng.randint(2, 254)}", user_agent=_agent("phone"), now=at,
            )  # fmt: skip
            self._count("consent responses")


def objecting_pupil():
    """The elementary student whose parent objected in writing (for tests and the summary), or None."""
    response = (
        ConsentResponse.objects.filter(school__slug=CAMPUSES[0].slug, method=ConsentResponse.Method.PAPER)
        .select_related("pupil")
        .first()
    )
    return response.pupil if response else None


def _carers(school):
    """``{pupil pk: [Guardian with parental responsibility, in contact order]}``."""
    carers = {}
    for link in (
        PupilGuardian.objects.current()
        .filter(pupil__school=school, has_parental_responsibility=True)
        .select_related("guardian")
        .order_by("pupil_id", "contact_order")
    ):
        carers.setdefault(link.pupil_id, []).append(link.guardian)
    return carers


def _shown(agreement):
    content = agreement_content(agreement)
    return {"numbers": [s["number"] for s in content["statements"]], "sha256": content_sha256(content)}


def _agent(kind):
    return {
        "chromebook": "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/140.0.0.0 Safari/537.36",
        "phone": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.6 Mobile/15E148 Safari/604.1",
        "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/140.0.0.0 Safari/537.36",
    }[kind]


def _local(school, day, hour):
    tz = zoneinfo.ZoneInfo(school.time_zone)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz).astimezone(datetime.UTC)
