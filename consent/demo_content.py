"""The photo and video consent demo: a form for each demo school and a realistic spread of answers.

``manage.py load_demo`` calls ``load()`` after the directory demo. Demo Primary School uses the Sigma-style form:
version 1 (the eight questions) was answered by some families last year and has expired; version 2 adds "first
name shown with image" and is the one in use, answered one academic year at a time. Örnek İlkokulu's form is in
Turkish, adds an eTwinning question (faces not shown) and lasts for the child's whole time at the school.

Forms and versions go through the form services; every answer goes through ``consent_response_record`` — online by
e-mailed link or signed in, paper forms (no scan) and phone calls recorded by the office, changes and withdrawals —
with fictional evidence: IP addresses from the documentation ranges (RFC 5737), common browsers, typed names equal
to the carer's name on file. Some parents disagree, some say no to everything, some have not answered. The DSL sets
measures for three looked-after pupils: internal use only, no photos, and a court order. ``parent@demo.test``'s
younger child is left unanswered, so the demo can start with a parent answering on a phone.

Naming and image rules by band of year groups: Demo Primary publishes no name with images up to Year 2 and first
names only from Year 3; Örnek İlkokulu first names only, faces never shown clearly.

Idempotent: a school that already has consent answers gets none added, and a second run creates nothing. Recording
happens inside ``notifications_deferred``: no teacher notification or PDF copy is queued for the demo's answers.
"""

import dataclasses
import datetime
import random
import zoneinfo

from django.db import transaction
from django.utils import timezone

from aup.demo_content import DESKTOP_AGENTS, HOME_NETWORKS, PHONE_AGENTS
from aup.evidence import content_sha256
from aup.services import current_academic_year
from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import AcademicYear, Pupil, PupilGuardian, School, YearGroup

from . import services, services_forms, services_naming
from .models import ConsentForm, ConsentFormVersion, ConsentResponse, ImageLevel, NamingLevel, NamingRule, PhotoMeasure

SEED = demo.SEED + 400
Method = ConsentResponse.Method
Kind = ConsentResponse.Kind

ORNEK_FORM = {
    "title": "Fotoğraf ve video izin formu",
    "introduction": (
        "Okulumuzda öğrencilerimizin etkinliklerini ve başarılarını paylaşmak için fotoğraf ve video çekiyoruz. "
        "İzniniz olmadan çocuğunuzun görüntüsünü kullanmayız. Görüntülerin yanında çocuğunuzun adı, soyadı, adresi "
        "veya telefon numarası asla paylaşılmaz. Verdiğiniz izni istediğiniz zaman değiştirebilir veya geri "
        "alabilirsiniz; geri alma, daha önce yayımlanmış görüntüleri kaldırmaz."
    ),
    "organisations": "İlçe Milli Eğitim Müdürlüğü\neTwinning ortak okullarımız\nYerel gazeteler",
}
# Naming and image rules by band of year groups (orders as in the directory demo): names are never published with
# images unless agreed, first names only where allowed (Sigma photography policy); at Örnek İlkokulu faces are never
# shown clearly (its AUP: social media and eTwinning).
DEMO_PRIMARY_NAMING = [
    (0, 2, NamingLevel.NO_NAME, ImageLevel.PER_CONSENT),  # Reception–Year 2
    (3, 6, NamingLevel.FIRST_NAME, ImageLevel.PER_CONSENT),  # Year 3–Year 6
]
ORNEK_NAMING = [(1, 4, NamingLevel.FIRST_NAME, ImageLevel.FACES_HIDDEN)]  # 1.–4. Sınıf

ETWINNING_TR = {
    "code": "etwinning_faces_hidden",
    "label": "eTwinning projeleri, yüzler gösterilmeden",
    "wording": (
        "Çocuğunuzun etkinliklerinin fotoğraflarını, yüzü gösterilmeden, eTwinning projelerindeki ortak "
        "okullarımızla paylaşabilir miyiz?"
    ),
}


@dataclasses.dataclass(frozen=True)
class Mix:
    """Shares of families (the rest have not answered)."""

    link: float
    paper: float
    phone: float
    refused_all: float
    disagree: float
    withdrawn: float
    last_year_only: float


DEMO_PRIMARY_MIX = Mix(
    link=0.40, paper=0.07, phone=0.04, refused_all=0.06, disagree=0.05, withdrawn=0.05, last_year_only=0.08
)
ORNEK_MIX = Mix(link=0.45, paper=0.15, phone=0.03, refused_all=0.04, disagree=0.04, withdrawn=0.04, last_year_only=0)


def load(*, now=None):
    """Create whatever part of the consent demo is missing; return summary lines (list of str).

    Args:
        now: an aware datetime standing for "now" (default: the current time); this year's answers fall in the
            weeks before it.
    Needs the directory demo; does nothing if it is not loaded.
    """
    now = now or timezone.now()
    primary = School.objects.filter(slug=demo.DEMO_PRIMARY["slug"]).first()
    ornek = School.objects.filter(slug=demo.ORNEK["slug"]).first()
    if primary is None or ornek is None:
        return ["Photo consent: the demo schools are not loaded; nothing to add."]
    loader = _Loader(now)
    # The commit happens inside notifications_deferred, so the on-commit hooks of hundreds of answers queue nothing.
    with services.notifications_deferred(), transaction.atomic():
        loader.primary(primary)
        loader.ornek(ornek)
    return [loader.summary(school) for school in (primary, ornek)] + [
        f"{demo.PARENT_EMAIL} has one child to answer photo consent for (the younger).",
        f"Created this run: {loader.created_responses} consent responses, {loader.created_measures} photo measures.",
    ]


class _Loader:
    def __init__(self, now):
        self.now = now
        self.created_responses = 0
        self.created_measures = 0

    # Schools

    def primary(self, school):
        office = _user("office@demo.test")
        year = current_academic_year(school, now=self.now)
        if year is None:
            return
        last_year = AcademicYear.objects.filter(school=school, ends_on__lt=year.starts_on).order_by("-ends_on").first()
        form = ConsentForm.objects.filter(school=school).first()
        fresh = form is None
        if fresh:
            v1 = services_forms.form_create_default(actor=office, school=school)
            form = v1.form
            v1_published = _local(school, last_year.starts_on + datetime.timedelta(days=2), 9, 0) if last_year else None
            services.version_publish(actor=office, version=v1, now=v1_published or self.now)
        has_answers = ConsentResponse.objects.filter(school=school).exists()
        if not has_answers and last_year is not None:
            v1 = form.versions.get(number=1)
            if v1.status == ConsentFormVersion.Status.PUBLISHED:
                self._last_year_answers(school, v1, last_year, office)
        if fresh:
            v2 = services_forms.version_new(actor=office, form=form)
            services_forms.purpose_extra_add(actor=office, version=v2, key="first_name_with_image")
            published = min(_local(school, year.starts_on + datetime.timedelta(days=1), 9, 0), self.now)
            services.version_publish(actor=office, version=v2, now=published)
        if not has_answers:
            self._this_year_answers(school, services.current_version(school), year, office, DEMO_PRIMARY_MIX)
        self._measures(school)
        self._naming_rules(school, office, DEMO_PRIMARY_NAMING)

    def ornek(self, school):
        office = _user("office.tr@demo.test")
        year = current_academic_year(school, now=self.now)
        if year is None:
            return
        if not ConsentForm.objects.filter(school=school).exists():
            version = services_forms.form_create_default(actor=office, school=school)
            ConsentForm.objects.filter(pk=version.form_id).update(title=ORNEK_FORM["title"])
            services_forms.version_settings_save(
                actor=office,
                version=version,
                introduction=ORNEK_FORM["introduction"],
                organisations=ORNEK_FORM["organisations"],
                duration=ConsentFormVersion.Duration.WHOLE_STAY,
                pupil_answer_age=13,
                whose_answer_counts=ConsentFormVersion.WhoseAnswerCounts.STRICTER,
            )
            services.purpose_save(actor=office, version=version, order=8, **ETWINNING_TR)
            published = min(_local(school, year.starts_on, 9, 0), self.now)
            services.version_publish(actor=office, version=version, now=published)
        if not ConsentResponse.objects.filter(school=school).exists():
            self._this_year_answers(school, services.current_version(school), year, office, ORNEK_MIX)
        self._naming_rules(school, office, ORNEK_NAMING)

    def _naming_rules(self, school, office, bands):
        """The school's naming and image bands, unless it has rules already. ``bands``: ``(from order, to order,
        naming level, image level)``; a band whose year groups the school lacks is left out."""
        if NamingRule.objects.filter(school=school).exists():
            return
        year_groups = {yg.order: yg for yg in YearGroup.objects.filter(school=school)}
        for first, last, naming, images in bands:
            if first in year_groups and last in year_groups:
                services_naming.naming_rule_save(
                    actor=office,
                    school=school,
                    year_from=year_groups[first],
                    year_to=year_groups[last],
                    naming=naming,
                    images=images,
                    now=self.now,
                )

    # Answers

    def _families(self, school):
        """Pupils on roll (with their school) and ``{pupil pk: [Guardian with parental responsibility]}``."""
        pupils = list(
            Pupil.objects.on_roll(school.today(self.now))
            .filter(school=school)
            .select_related("school", "school_class")
            .order_by("pk")
        )
        carers = {}
        for link in (
            PupilGuardian.objects.current()
            .filter(pupil__school=school, has_parental_responsibility=True)
            .select_related("guardian__user")
            .order_by("pupil_id", "contact_order")
        ):
            carers.setdefault(link.pupil_id, []).append(link.guardian)
        return pupils, carers

    def _last_year_answers(self, school, version, last_year, office):
        """A share of families answered last year's form (and not this year's): their answers have expired."""
        rng = random.Random(f"{SEED}:{school.slug}:last-year")
        pupils, carers = self._families(school)
        start = _local(school, last_year.starts_on + datetime.timedelta(days=3), 8, 0)
        end = min(_local(school, last_year.ends_on - datetime.timedelta(days=40), 20, 0), self.now)
        version = _prefetched(version)
        shown = _shown(version)
        for pupil in pupils:
            guardians = carers.get(pupil.pk)
            if not guardians or _is_demo_parent(guardians) or rng.random() >= DEMO_PRIMARY_MIX.last_year_only:
                continue
            if pupil.on_roll_from and pupil.on_roll_from > last_year.ends_on:
                continue
            at = start + (end - start) * rng.random()
            self._online(pupil, version, guardians[0], _all(version, True), shown, rng, at)

    def _this_year_answers(self, school, version, year, office, mix):
        version = _prefetched(version)
        rng = random.Random(f"{SEED}:{school.slug}:this-year")
        pupils, carers = self._families(school)
        shown = _shown(version)
        start = max(
            _local(school, year.starts_on + datetime.timedelta(days=2), 8, 0), self.now - datetime.timedelta(weeks=10)
        )
        end = self.now - datetime.timedelta(hours=1)
        answered_last_year = set(ConsentResponse.objects.filter(school=school).values_list("pupil_id", flat=True))
        for pupil in pupils:
            guardians = carers.get(pupil.pk)
            if not guardians or pupil.pk in answered_last_year:
                continue  # looked-after children: no carer with parental responsibility answers here
            at = start + (end - start) * rng.random()
            if _is_demo_parent(guardians):
                self._demo_parent(pupil, version, guardians, shown, at)
                continue
            outcome = _outcome(rng.random(), mix)
            if outcome is None:
                continue  # no response yet
            guardian = guardians[0]
            answers = _typical(version, rng)
            if outcome == "link":
                self._online(pupil, version, guardian, answers, shown, rng, at)
            elif outcome == "paper":
                self._record(
                    pupil, version, guardian, answers, shown, at, method=Method.PAPER, recorded_by=office,
                    note="Paper form returned in the book bag.",
                )  # fmt: skip
            elif outcome == "phone":
                self._record(
                    pupil, version, guardian, answers, shown, at, method=Method.PHONE, recorded_by=office,
                    phone_caller=guardian.full_name, note="Rang the office after pick-up.",
                )  # fmt: skip
            elif outcome == "refused_all":
                self._online(pupil, version, guardian, _all(version, False), shown, rng, at)
            elif outcome == "disagree":
                self._online(pupil, version, guardian, _all(version, True), shown, rng, at)
                other = guardians[1] if len(guardians) > 1 else None
                if other is not None:
                    later = min(at + datetime.timedelta(hours=rng.randint(2, 72)), end)
                    no_social = {**_all(version, True), "images_social_media": False, "videos_social_media": False}
                    self._online(pupil, version, other, no_social, shown, rng, later)
            elif outcome == "withdrawn":
                self._online(pupil, version, guardian, _all(version, True), shown, rng, at)
                later = min(at + datetime.timedelta(days=rng.randint(3, 20)), end)
                code = rng.choice(["images_social_media", "images_website", "images_local_press"])
                self._online(pupil, version, guardian, {code: False}, shown, rng, later, kind=Kind.WITHDRAWAL)

    def _demo_parent(self, pupil, version, guardians, shown, at):
        """``parent@demo.test`` / ``veli.tr@demo.test``: the elder child answered signed in, the younger left for the
        demo."""
        mine = [g for g in guardians if g.email in (demo.PARENT_EMAIL, demo.PARENT_TR_EMAIL)][0]
        siblings = Pupil.objects.filter(guardian_links__guardian=mine).order_by("date_of_birth")
        if siblings.first() != pupil:
            return  # the younger child: left for the demo
        answers = {**_all(version, True), "videos_social_media": False, "videos_local_press": False}
        self._record(
            pupil, version, mine, answers, shown, at, method=Method.PASSWORD_SESSION, signer_user=mine.user,
            ip_address="198.51.100.23", user_agent=PHONE_AGENTS[0],
        )  # fmt: skip

    def _online(self, pupil, version, guardian, answers, shown, rng, at, *, kind=Kind.ANSWERS):
        device = random.Random(f"{SEED}:guardian:{guardian.pk}")
        ip = f"{device.choice(HOME_NETWORKS)}{device.randint(2, 254)}"
        agent = device.choice(PHONE_AGENTS) if device.random() < 0.8 else device.choice(DESKTOP_AGENTS)
        self._record(
            pupil, version, guardian, answers, shown, at, method=Method.INVITATION_LINK, kind=kind, ip_address=ip,
            user_agent=agent,
        )  # fmt: skip

    def _record(self, pupil, version, guardian, answers, shown, at, **kwargs):
        services.consent_response_record(
            pupil=pupil, version=version, answers=answers, guardian=guardian, typed_name=guardian.full_name,
            shown_sha256=shown, now=at, **kwargs,
        )  # fmt: skip
        self.created_responses += 1

    # Measures

    def _measures(self, school):
        """The DSL's measures for three looked-after pupils (the first three by class)."""
        dsl = _user("dsl@demo.test")
        looked_after = list(
            Pupil.objects.on_roll(school.today(self.now))
            .filter(school=school, is_looked_after=True)
            .order_by("school_class__year_group__order", "school_class__name", "pk")
        )
        review = datetime.date(self.now.year + 1, 3, 1)
        specs = [
            (PhotoMeasure.Measure.INTERNAL_ONLY, False, "Placement address must not be traceable; in-school displays "
             "are fine (agreed with the social worker)."),
            (PhotoMeasure.Measure.NO_PHOTOS, False, "Birth family is looking for the child; no images at all until "
             "the placement review."),
            (PhotoMeasure.Measure.NO_PHOTOS, True, "Court order restricts any image of the child (copy on the CP "
             "file)."),
        ]  # fmt: skip
        for pupil, (measure, court_order, reason) in zip(looked_after, specs, strict=False):
            if PhotoMeasure.objects.filter(pupil=pupil).exists():
                continue
            services.photo_measure_set(
                actor=dsl, pupil=pupil, measure=measure, reason=reason, court_order=court_order, review_on=review
            )
            self.created_measures += 1

    def summary(self, school):
        version = services.current_version(school)
        responses = ConsentResponse.objects.filter(school=school)
        answered = responses.values("pupil_id").distinct().count()
        measures = PhotoMeasure.objects.filter(pupil__school=school, ended_at__isnull=True).count()
        number = version.number if version else "—"
        return (
            f"{school.name}: consent form version {number}, {responses.count()} responses for {answered} pupils, "
            f"{measures} photo measures"
        )


def _outcome(draw, mix):
    """How a family answered, from a uniform draw in [0, 1): a key of ``Mix``, or None for no answer yet."""
    for outcome in ("link", "paper", "phone", "refused_all", "disagree", "withdrawn"):
        share = getattr(mix, outcome)
        if draw < share:
            return outcome
        draw -= share
    return None


def _user(email):
    return User.objects.get(email__iexact=email)


def _is_demo_parent(guardians):
    return any(g.email in (demo.PARENT_EMAIL, demo.PARENT_TR_EMAIL) for g in guardians)


def _prefetched(version):
    """The version with its form and questions loaded once: the response service reads them for every answer."""
    return ConsentFormVersion.objects.select_related("form").prefetch_related("purposes").get(pk=version.pk)


def _shown(version):
    return content_sha256(services.form_content(version))


def _all(version, value):
    codes = getattr(version, "_demo_codes", None)
    if codes is None:
        codes = version._demo_codes = list(version.purposes.order_by("order").values_list("code", flat=True))
    return dict.fromkeys(codes, value)


def _typical(version, rng):
    """Most families say yes to everything; some keep their child off social media or out of the press."""
    answers = _all(version, True)
    if rng.random() < 0.25:
        answers.update({"images_social_media": False, "videos_social_media": False})
    if rng.random() < 0.15:
        answers.update({"images_local_press": False, "videos_local_press": False})
    if "first_name_with_image" in answers and rng.random() < 0.4:
        answers["first_name_with_image"] = False
    return answers


def _local(school, day, hour, minute):
    tz = zoneinfo.ZoneInfo(school.time_zone)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz).astimezone(datetime.UTC)
