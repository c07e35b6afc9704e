"""Years of history for the trust bench (issue 18 item 4: "the bench adds a 2,000,000-incident build (10 years) and
shows each page's CPU flat against 200,000").

``manage.py bench_history`` calls ``add()`` on a database that ``bench_build`` has built: it adds ``years`` academic
years before the oldest one there, the pupils who were in the schools then and have left, and ``incidents``
incidents about them. The present is untouched — the same academic years, pupils, classes, guardians and incidents
as the copy it started from — so a page whose CPU grows with the history is reading other years' data.

Who was in school: each academic year a cohort (``leavers_per_cohort`` pupils per school, by default the size of
the school's year groups today) entered Reception and left after Year 6 in July. The cohorts that would still have
been in school when the present's oldest year began left that July instead (they moved on), so every leaver's
``left_on`` falls before the present and no present roll, chronology or count grows: each history year has seven
year groups of leavers and nobody else. Leavers have no guardians on record (their parent contacts name a parent)
and no class (their incidents are recorded by one of today's teachers).

The incidents are drawn as ``reports.benchdata`` draws them (``draw_incidents``, ``_insert_incidents``: the same
mix of categories, levels, times, repeat pupils, actions, parent contacts, sanctions and DSL notes), except that
nothing years old is still open or overdue. They are drawn and inserted one academic year at a time — all schools'
incidents of the year in time order, ``INCIDENT_CHUNK`` at a time — so at most one year is held in memory; ids
follow time within the history, after the present's. Their search texts are made year by year too. The whole
addition is one transaction: a run that fails leaves nothing, and the leavers are the marker a second run refuses
on.
"""

import datetime
import itertools
import random
import time
import zoneinfo

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from faker import Faker

from reports import benchdata
from safeguard.directory.models import AcademicYear, Pupil, Role, School, StaffRole, YearGroup

LEAVER_MIS_PREFIX = "L"  # leavers' MIS ids: L0100001 (school 1, leaver 1); the present's are digits only
YEAR_GROUPS = 7  # Reception to Year 6


def is_added():
    """Whether history has been added to this database's bench trust (its leavers are the marker)."""
    return Pupil.objects.filter(
        school__organisation__slug=benchdata.TRUST_SLUG, mis_id__startswith=LEAVER_MIS_PREFIX
    ).exists()


def add(
    *,
    years=7,
    incidents=1_800_000,
    leavers_per_cohort=None,
    today=None,
    seed=benchdata.SEED,
    log=print,
):
    """Add ``years`` academic years of history with ``incidents`` incidents to the bench trust; return a summary
    dict of counts and seconds.

    Args:
        years: academic years of history, ending with the one before the oldest academic year there (int, ≥ 1).
        incidents: incidents in all the history, split evenly between the years and then the schools (int, ≥ 0).
        leavers_per_cohort: pupils per school entering Reception each year of the history (default: the school's
            pupils today divided by its seven year groups).
        today: the schools' local date (``datetime.date``; default: today in Europe/London); only what "older than
            a fortnight" means depends on it, and the history is older.
        seed: the seed of every random choice and of Faker (same seed and database → same history).
        log: called with one progress line (str) at a time.
    Raises ``RuntimeError`` if the bench trust is not built here (``benchdata.is_built``) or history has been added
    already (``is_added``); ``ValueError`` on sizes out of range.
    """
    if years < 1 or incidents < 0 or (leavers_per_cohort is not None and leavers_per_cohort < 2):
        raise ValueError("need at least one year, no negative incidents and at least two leavers per cohort")
    if not benchdata.is_built():
        raise RuntimeError("The bench trust is not in this database: run bench_build first.")
    if is_added():
        raise RuntimeError("History has already been added to this bench database.")
    started = time.perf_counter()
    zone = zoneinfo.ZoneInfo(benchdata.ZONE)
    if today is None:
        now = timezone.now()
        today = now.astimezone(zone).date()
    else:
        now = datetime.datetime.combine(today, datetime.time(16, 0), zone)

    def stamp(text):
        return f"[{time.perf_counter() - started:7.1f}s] {text}"

    counts = dict.fromkeys(
        ["academic_years", "leavers", "incidents", "involvements", "actions", "sanctions", "alerts"], 0
    )
    counts["search_documents"] = 0
    with transaction.atomic():
        schools = list(School.objects.filter(organisation__slug=benchdata.TRUST_SLUG).order_by("slug"))
        oldest = AcademicYear.objects.filter(school__in=schools).aggregate(first=Min("starts_on"))["first"]
        present = benchdata.academic_start(oldest)
        starts = list(range(present - years, present))
        log(stamp(f"history: academic years {starts[0]}/{starts[0] + 1} to {starts[-1]}/{starts[-1] + 1}"))
        builders = []
        for index, school in enumerate(schools, start=1):
            builder = _HistorySchool(
                school, index, present=present, starts=starts, today=today, now=now, seed=seed, zone=zone
            )
            builder.prepare(leavers_per_cohort)
            counts["academic_years"] += len(starts)
            counts["leavers"] += len(builder.pupils)
            builders.append(builder)
            log(stamp(f"{school.slug}: {len(starts)} academic years, {len(builder.pupils)} leavers"))
        rng = random.Random(f"{seed}:history-rows")
        suspended = {}
        for start, total in zip(starts, benchdata.split(incidents, len(starts)), strict=True):
            records = []
            for builder, count in zip(builders, benchdata.split(total, len(builders)), strict=True):
                records += builder.draw(start, count)
            # Time order across the schools, as a live system receives them (see benchdata.build).
            records.sort(key=lambda record: (record.incident.occurred_at, record.school.index, record.number))
            for first in range(0, len(records), benchdata.INCIDENT_CHUNK):
                chunk = records[first : first + benchdata.INCIDENT_CHUNK]
                with benchdata._timestamps_as_given(*benchdata.STAMPED_MODELS):
                    benchdata._insert_incidents(
                        chunk, rng, now=now, today=today, counts=counts, suspended=suspended, settled=True
                    )
            log(stamp(f"{start}/{start + 1}: {len(records)} incidents (history so far: {counts['incidents']})"))
            del records  # one year at a time in memory
            counts["search_documents"] += benchdata.search_documents_build(
                schools=School.objects.filter(pk__in=[school.pk for school in schools]), log=lambda text: None
            )
            log(stamp(f"{start}/{start + 1}: search texts"))
    if connection.vendor == "postgresql":
        # VACUUM cannot run inside a transaction (a test's); ANALYZE alone gives the planner its statistics there.
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        log(stamp(f"{statement} (fresh statistics for the planner)"))
        with connection.cursor() as cursor:
            cursor.execute(statement)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    log(stamp(f"done in {counts['seconds']} s"))
    return counts


class _HistorySchool:
    """One school's history: its past academic years, its leavers and who may be involved in each year's incidents.
    Has what ``benchdata.draw_incidents`` and ``benchdata._insert_incidents`` read of a school builder."""

    def __init__(self, school, index, *, present, starts, today, now, seed, zone):
        self.school, self.index, self.slug = school, index, school.slug
        self.present, self.starts, self.today, self.now, self.seed, self.zone = present, starts, today, now, seed, zone
        self.guardians_of = {}  # leavers have no guardians on record

    def local(self, day, hour, minute=0):
        return datetime.datetime.combine(day, datetime.time(hour, minute), self.zone)

    def rng(self, purpose):
        return random.Random(f"{self.seed}:{self.slug}:history:{purpose}")

    def teacher_of(self, pupil):
        return self._teacher_of[pupil.pk]

    def prepare(self, leavers_per_cohort):
        self.years = benchdata.academic_years_create(self.school, self.starts)
        self._staff()
        self._leavers(leavers_per_cohort)

    def _staff(self):
        roles = list(StaffRole.objects.filter(school=self.school).select_related("user").order_by("user__email", "pk"))
        self.roles = {role.user_id: role.role for role in roles}
        self.staff = [role.user for role in roles if role.role != Role.GOVERNOR]
        by_role = {}
        for role in roles:
            by_role.setdefault(role.role, []).append(role.user)
        self.head, self.dsl = by_role[Role.HEADTEACHER][0], by_role[Role.DSL][0]
        self.deputy = by_role.get(Role.DEPUTY_DSL, [self.dsl])[0]
        self.slt = by_role.get(Role.SLT) or [self.head]
        self.teachers = by_role.get(Role.TEACHER) or self.slt

    def _leavers(self, per_cohort):
        """Bulk-create the leavers: cohorts entering Reception each September from the one in Year 6 in the first
        history year to the one entering in the last; each leaves in the July after Year 6, or in the July before
        the present's oldest year if that comes first."""
        rng = self.rng("leavers")
        faker = Faker("en_GB")
        faker.seed_instance(f"{self.seed}:{self.slug}:leavers")
        if per_cohort is None:
            per_cohort = max(2, round(Pupil.objects.filter(school=self.school).count() / YEAR_GROUPS))
        year_groups = {yg.order: yg for yg in YearGroup.objects.filter(school=self.school)}  # Reception (0) to Year 6
        pupils, cohorts = [], []
        for entered in range(self.starts[0] - (YEAR_GROUPS - 1), self.present):
            left = min(entered + YEAR_GROUPS, self.present)  # the July they left
            order = left - 1 - entered  # their year group when they left
            for _ in range(per_cohort):
                number = len(pupils) + 1
                pupils.append(
                    Pupil(
                        school=self.school,
                        legal_first_name=faker.first_name(),
                        legal_last_name=faker.last_name(),
                        preferred_first_name=faker.first_name() if rng.random() < 0.04 else "",
                        date_of_birth=datetime.date(entered - 5, 9, 1) + datetime.timedelta(days=rng.randrange(365)),
                        mis_id=f"{LEAVER_MIS_PREFIX}{self.index:02d}{number:05d}",
                        year_group=year_groups.get(order),
                        on_roll_from=datetime.date(entered, 9, 3),
                        left_on=benchdata.term_dates(left - 1)[-1][2],
                        has_sen=rng.random() < 0.15,
                        is_eal=rng.random() < 0.2,
                        is_pupil_premium=rng.random() < 0.25,
                        is_looked_after=rng.random() < 0.01,
                    )
                )
                cohorts.append((entered, left))
        self.pupils = benchdata._bulk(Pupil, pupils)
        self._teacher_of = {
            pupil.pk: self.teachers[(entered + n) % len(self.teachers)]
            for n, (pupil, (entered, _left)) in enumerate(zip(self.pupils, cohorts, strict=True))
        }
        # Who is involved: a few pupils account for many incidents; in every year one of the school's pupils for
        # very many (one in every seventh cohort, so one in school at a time), as bench_build draws the present.
        weights = [rng.choice((1, 1, 1, 1, 2, 3, 12)) for _ in self.pupils]
        victim_weights = [rng.choice((1, 1, 1, 1, 1, 2, 6)) for _ in self.pupils]
        for entered in range(self.starts[0] - (YEAR_GROUPS - 1), self.present):
            if entered % YEAR_GROUPS == self.index % YEAR_GROUPS:
                cohort = [n for n, (e, _left) in enumerate(cohorts) if e == entered]
                weights[rng.choice(cohort)] = 30
        self.eligible = {}
        for start in self.starts:
            chosen = [n for n, (entered, left) in enumerate(cohorts) if entered <= start < left]
            self.eligible[start] = (
                chosen,
                list(itertools.accumulate(weights[n] for n in chosen)),
                list(itertools.accumulate(victim_weights[n] for n in chosen)),
            )

    def draw(self, start, count):
        """``count`` incidents of the academic year starting in ``start`` (``benchdata._Record``s, unsaved)."""
        days = [(day, start) for day in benchdata.school_days(start, before=self.today)]
        return benchdata.draw_incidents(
            self, self.rng(f"incidents:{start}"), count, eligible=self.eligible, days=days, closed_chance=1.0
        )
