#!/usr/bin/env python
"""`make bench-sweeps`: what the periodic (beat) tasks cost at trust scale on a busy day and on a quiet one (issue 18
item 3: "a quiet day costs under 1 s of CPU at trust scale"; before: the agreement-reminder sweep spent 11–25 s of
CPU and 32,608 statements on a day when it sent nothing).

1. The database (``--database``, default ``safeguard_bench_sweeps``: a copy of the page benchmark's trust made with
   ``createdb -T safeguard_bench``) must have "bench" in its name and must not be the page benchmark's own
   (``safeguard_bench``, ``safeguard_bench_small``): the sweeps write. It is migrated, then given once the history a
   live trust would have (``prepare``): the agreement request e-mails and the 7- and 14-day reminders already sent to
   every parent still to sign; every family asked for photo consent at the start of the year (a ``ConsentRequest``
   per pupil, its e-mail sent, reminders sent while the family had not answered) — the last 3% of families (by
   pupil) have not answered this year yet (their answers count for last year); a quarter of the class teachers chose
   the daily digest, with their unopened alerts of the last three days waiting for it.
2. Each run measures a fresh copy (``<database>_run``, ``createdb -T``) so the busy day is the same every time; the
   copy is dropped at the end (``--keep`` keeps it).
3. In one process (``DEBUG=false``, one connection throughout, ``jit=off`` and ``random_page_cost=1.1`` as
   production's Postgres): every daily sweep of the beat schedule (``django_celery_beat`` ``PeriodicTask`` rows with a
   crontab), in the order of the day, is run once — the busy day, sending what is due — and then ``--samples`` more
   times on the same day: the quiet day, nothing left to send (median and min–max). The frequent sweeps (interval
   schedules and hourly crontabs: the outbox drain, the roster syncs, the pre-counted figures) are run the same way
   and reported apart, as runs a day × the quiet median.

Counted for each run: the Django process's CPU (``time.process_time``) and its Postgres backend's (read from /proc
via ``pg_backend_pid()``, the same machine), the statements executed (a connection ``execute_wrapper``), the e-mails
sent and the tasks queued (outbox rows). What a sweep queues is run at once in the same process
(``CELERY_TASK_ALWAYS_EAGER=true``, the locmem e-mail backend: rendering and "sending" each e-mail), so the figures
include the work of the tasks it enqueues — a worker would spend it later. A fixed calibration workload
(``reports.benchmeasure.calibrate``) is run before and after, so runs on two machines compare.

Target: the quiet day's total, app + DB, of every daily sweep under 1,000 ms. The table is printed and written to
``var/bench/sweeps-<timestamp>.md`` and ``.json``.

    .venv/bin/python scripts/bench_sweeps.py                                    # safeguard_bench_sweeps
    .venv/bin/python scripts/bench_sweeps.py --database safeguard_bench_small_h4 --samples 3
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from reports import benchmeasure  # noqa: E402 — Django-free helpers (medians, calibration)

BENCH_DIR = ROOT / "var" / "bench"
PYTHON = sys.executable
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
DEFAULT_DB = "safeguard_bench_sweeps"
PAGE_BENCH_DBS = ("safeguard_bench", "safeguard_bench_small")  # scripts/bench_trust.py's: never written here
SAMPLES = 5
TARGET_MS = 1000  # the quiet day, app + DB, every daily sweep together
JSON_MARK = "BENCH_SWEEPS_JSON:"
PG_SESSION = ("SET jit = off", "SET random_page_cost = 1.1")  # production's Postgres (docker-compose.yml)
# The scenario (``prepare``)
LATE_FAMILIES = 33  # every 33rd pupil's family (3%) has not answered this year's consent form yet
DIGEST_TEACHERS = 4  # one class teacher in 4 chose the daily digest
WAITING_ALERT_DAYS = 3


# Measuring helpers (Django-free, tested in reports/tests/test_bench_sweeps.py) --------------------------------------


def check_database_name(name):
    """Refuse (``SystemExit``) a database the sweeps must not write to: a name without "bench", or the page
    benchmark's own databases (``PAGE_BENCH_DBS``, or their ``_run`` copies)."""
    if "bench" not in name.lower():
        raise SystemExit(f"{name!r} does not look like a benchmark database (no 'bench' in its name): refusing.")
    if name in PAGE_BENCH_DBS or name.removesuffix("_run") in PAGE_BENCH_DBS:
        raise SystemExit(
            f"{name!r} is the page benchmark's database: the sweeps write to it. Measure a copy "
            f"(createdb -T {name} {DEFAULT_DB})."
        )
    return name


class StatementCounter:
    """A connection ``execute_wrapper`` that counts statements (``executemany`` counts once) — no query log, so the
    count costs the measured process almost nothing (unlike ``CaptureQueriesContext``, which keeps every SQL)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


backend_cpu_ms = benchmeasure.backend_cpu_ms  # the same reading as scripts/bench_trust.py


def measure(run, *, backend_cpu, counter):
    """Run ``run()`` once; returns ``{"app": ms, "db": ms, "statements": n, "result": what run() returned}``:
    this process's CPU, the backend's (``backend_cpu()``: its CPU ms so far; ``None`` when it cannot be read) and the
    statements ``counter`` (a ``StatementCounter``) saw meanwhile."""
    statements = counter.count
    try:
        db_before = backend_cpu()
    except OSError:
        db_before = None
    app_before = time.process_time()
    result = run()
    app = (time.process_time() - app_before) * 1000
    db = None
    if db_before is not None:
        try:
            db = backend_cpu() - db_before
        except OSError:
            db = None
    return {"app": app, "db": db, "statements": counter.count - statements, "result": result}


def quiet_summary(samples):
    """The quiet day's figures from several runs (``measure`` results plus ``emails``): the median and spread of the
    app, DB and app + DB milliseconds (``reports.benchmeasure.summarise``), the statements (the median; ``flat`` says
    whether every run made as many) and the e-mails sent in all of them (a quiet day sends none)."""
    with_db = [sample for sample in samples if sample["db"] is not None]
    summary = {"app": benchmeasure.summarise([sample["app"] for sample in samples])}
    if with_db:
        summary["db"] = benchmeasure.summarise([sample["db"] for sample in with_db])
        summary["total"] = benchmeasure.summarise([sample["app"] + sample["db"] for sample in with_db])
    counts = [sample["statements"] for sample in samples]
    summary["statements"] = int(statistics.median(counts))
    summary["statements_flat"] = len(set(counts)) == 1
    summary["emails"] = sum(sample.get("emails", 0) for sample in samples)
    return summary


def _ms(value):
    return "–" if value is None else f"{value:,.0f}"


def table(sweeps, *, samples):
    """The Markdown table of ``sweeps`` (the worker's rows): busy day and quiet day (median of ``samples``) per sweep,
    then the quiet day's total of the daily sweeps."""
    lines = [
        "| sweep | schedule | busy: app ms | busy: DB ms | busy: statements | busy: e-mails | busy: tasks queued "
        f"| quiet: app ms | quiet: DB ms | quiet: app + DB ms (median of {samples}, min–max) | quiet: statements "
        "| quiet: e-mails |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    total = {"app": 0.0, "db": 0.0, "total": 0.0, "statements": 0}
    frequent = {"app": 0.0, "db": 0.0, "total": 0.0, "statements": 0}
    for row in sweeps:
        busy, quiet = row["busy"], row["quiet"]
        quiet_total = quiet.get("total", quiet["app"])
        spread = f"{_ms(quiet_total['median'])} ({_ms(quiet_total['min'])}–{_ms(quiet_total['max'])})"
        statements = f"{quiet['statements']:,}" + ("" if quiet["statements_flat"] else " (varies)")
        busy_cells = [_ms(busy["app"]), _ms(busy["db"]), f"{busy['statements']:,}", str(busy["emails"])]
        busy_cells.append(str(busy["queued"]))
        lines.append(
            f"| {row['name']} | {row['schedule']} | "
            + " | ".join(busy_cells)
            + f" | {_ms(quiet['app']['median'])} | {_ms(quiet.get('db', {}).get('median'))} | {spread} | {statements}"
            f" | {quiet['emails']} |"
        )
        into, runs = (total, 1) if row["daily"] else (frequent, row["runs_a_day"])
        into["app"] += runs * quiet["app"]["median"]
        into["db"] += runs * quiet.get("db", {}).get("median", 0)
        into["total"] += runs * quiet_total["median"]
        into["statements"] += runs * quiet["statements"]
    verdict = "under" if total["total"] < TARGET_MS else "OVER"
    lines.append(
        f"| **every daily sweep, quiet day** | | | | | | | **{_ms(total['app'])}** | **{_ms(total['db'])}** "
        f"| **{_ms(total['total'])}** ({verdict} the {TARGET_MS:,} ms target) | **{total['statements']:,}** | |"
    )
    if any(not row["daily"] for row in sweeps):
        lines.append(
            f"| the more frequent sweeps, a quiet day (runs a day × median) | | | | | | | {_ms(frequent['app'])} "
            f"| {_ms(frequent['db'])} | {_ms(frequent['total'])} | {frequent['statements']:,} | |"
        )
    total["frequent"] = frequent
    return "\n".join(lines), total


# The parent: databases and the report --------------------------------------------------------------------------------


def _env(database):
    """A production-like environment pointed at ``database``: DEBUG off, Celery eager (queued work runs here, and is
    counted), e-mail kept in memory, no Redis (caches are this process's), one connection kept open."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SAFEGUARD_"))}
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "safeguard.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}",
            "DATABASE_CONN_MAX_AGE": "3600",
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_URL": "memorymail://",
            "SAFEGUARD_VAR_DIR": str(BENCH_DIR / "var"),
            "MEDIA_ROOT": str(BENCH_DIR / "media"),
            "LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _run(args, env, *, capture=False):
    result = subprocess.run(args, cwd=ROOT, env=env, text=True, capture_output=capture, check=False)  # noqa: S603
    if result.returncode != 0:
        if capture:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"failed ({result.returncode}): {' '.join(args)}")
    return result.stdout if capture else ""


def _postgres(database="postgres"):
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, autocommit=True)


def _exists(name):
    with _postgres() as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} not found (the PostgreSQL client tools)")
    return [path, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER]


def fresh_copy(template, copy):
    """``copy`` made anew from ``template`` (``dropdb --if-exists`` + ``createdb -T``): every run measures the same
    busy day. Both names are checked by ``check_database_name``."""
    check_database_name(template)
    check_database_name(copy)
    subprocess.run([*_tool("dropdb"), "--if-exists", copy], check=True)  # noqa: S603
    subprocess.run([*_tool("createdb"), "-T", template, copy], check=True)  # noqa: S603


def _child(mode, database, options=()):
    output = _run([PYTHON, __file__, "--child", mode, "--database", database, *options], _env(database), capture=True)
    line = [line for line in output.splitlines() if line.startswith(JSON_MARK)][-1]
    return json.loads(line[len(JSON_MARK) :])


def _machine():
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--database", default=DEFAULT_DB, help=f"the prepared copy to measure (default {DEFAULT_DB})")
    parser.add_argument("--samples", type=int, default=SAMPLES, help=f"quiet-day runs per sweep (default {SAMPLES})")
    parser.add_argument("--sweeps", nargs="*", help="only these tasks (dotted names or beat names)")
    parser.add_argument("--keep", action="store_true", help="keep <database>_run afterwards")
    parser.add_argument("--no-migrate", action="store_true", help="do not run manage.py migrate on the database")
    args = parser.parse_args()
    if args.child:
        check_database_name(args.database)
        return _worker(args)

    database = check_database_name(args.database)
    if not _exists(database):
        raise SystemExit(
            f"No database {database!r}. Copy the page benchmark's trust: createdb -h {PG_HOST} -U {PG_USER} "
            f"-T safeguard_bench {database}  (or build one: DATABASE_URL=… manage.py migrate && … bench_build)"
        )
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not args.no_migrate:
        print(f"Migrating {database}")
        _run([PYTHON, "manage.py", "migrate", "-v0"], _env(database))
    options = ["--samples", str(args.samples)] + (["--sweeps", *args.sweeps] if args.sweeps else [])
    prepared = _child("prepare", database)
    print("Scenario:", json.dumps(prepared))
    copy = f"{database}_run"
    print(f"Copying {database} to {copy}")
    fresh_copy(database, copy)
    try:
        result = _child("measure", copy, options)
    finally:
        if not args.keep:
            subprocess.run([*_tool("dropdb"), "--if-exists", copy], check=False)  # noqa: S603
    result.update({"database": database, "scenario": prepared, "machine": _machine()})
    markdown, total = table(result["sweeps"], samples=args.samples)
    result["quiet_total"] = total
    stamp = time.strftime("%Y%m%d-%H%M%S")
    head = (
        f"Sweeps on {database} ({result['counts']}), {result['now']}; {args.samples} quiet-day runs per sweep.\n"
        "CPU: the Django process (time.process_time) and its Postgres backend (/proc). Tasks a sweep queues ran "
        "eagerly in the same process (CELERY_TASK_ALWAYS_EAGER, locmem e-mail), so sending is counted in the "
        "sweep's figures.\n"
        f"Calibration (reports.benchmeasure): before {result['calibration']['before']}, after "
        f"{result['calibration']['after']}.\n"
    )
    text = head + "\n" + markdown + "\n"
    print()
    print(text)
    (BENCH_DIR / f"sweeps-{stamp}.md").write_text(text)
    (BENCH_DIR / f"sweeps-{stamp}.json").write_text(json.dumps(result, indent=2, default=str))
    print(f"Written: var/bench/sweeps-{stamp}.md and .json")
    return 0 if total["total"] < TARGET_MS else 1


# The child: the scenario and the measurement (Django) -----------------------------------------------------------------


def _setup_django():
    import django

    django.setup()
    from safeguard.celery import app

    app.loader.import_default_modules()  # every app's tasks.py, as a worker does


def _worker(args):
    _setup_django()
    result = _prepare() if args.child == "prepare" else _measure(args)
    print(JSON_MARK + json.dumps(result, default=str))
    return 0


def _prepare():
    """Give the bench trust the history of a live one (see the module's docstring), once: a database whose pupils
    have consent requests already is left as it is. Returns what was added."""
    from django.db import transaction
    from django.db.models import Min
    from django.utils import timezone

    from aup.models import ReminderSent, SignatureRequest
    from aup.services import current_academic_year
    from aup.tasks import recipients_by_request
    from consent.models import ConsentReminderSent, ConsentRequest, ConsentResponse
    from consent.services import current_version
    from incidents.models import Alert
    from notifications.models import Delivery, NotificationPreference
    from safeguard.directory.models import PupilGuardian, School, SchoolClass

    if ConsentRequest.objects.exists():
        return {"prepared": "already"}
    now = timezone.now()
    added = {}
    with transaction.atomic():
        # Agreements: the request e-mail and the reminders at 7 and 14 days went to every recipient still to sign.
        pending = list(
            SignatureRequest.objects.filter(
                status__in=[SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED],
                sent_at__isnull=False,
            ).select_related("agreement", "school", "user")
        )
        rows, recipients = [], recipients_by_request(pending)
        for request in pending:
            elapsed = (now - request.sent_at).days
            offsets = [0] + [o for o in request.agreement.reminder_offsets() if o <= elapsed][:-1]
            for email, _guardian, _language in recipients[request.pk]:
                rows += [ReminderSent(request=request, offset_days=o, recipient=email.lower()) for o in offsets]
        ReminderSent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        added["agreement_reminders_sent"] = len(rows)

        # Consent: every family asked at the start of the year; reminded while it had not answered.
        requests, late = [], 0
        for school in School.objects.all():
            version, year = current_version(school), current_academic_year(school, now=now)
            if version is None or year is None:
                continue
            sent = datetime.datetime.combine(year.starts_on + datetime.timedelta(days=3), datetime.time(8), now.tzinfo)
            pupils = list(school.pupils.values_list("pk", flat=True))
            for pupil_id in pupils:
                requests.append(
                    ConsentRequest(school=school, version=version, pupil_id=pupil_id, academic_year=year, sent_at=sent)
                )
            late_pupils = [pupil_id for pupil_id in pupils if pupil_id % LATE_FAMILIES == 0]
            late += ConsentResponse.objects.filter(pupil_id__in=late_pupils, academic_year=year).update(
                academic_year=_previous_year(year)
            )
        ConsentRequest.objects.bulk_create(requests, batch_size=2000)
        first_answer = dict(
            ConsentResponse.objects.filter(guardian__isnull=False)
            .values_list("pupil_id")
            .annotate(first=Min("submitted_at"))
            .values_list("pupil_id", "first")
        )
        guardians = {}
        for pupil_id, email in (
            PupilGuardian.objects.current()
            .filter(has_parental_responsibility=True)
            .exclude(guardian__email="")
            .values_list("pupil_id", "guardian__email")
        ):
            guardians.setdefault(pupil_id, []).append(email.lower())
        rows = []
        for request in ConsentRequest.objects.only("pk", "pupil_id", "sent_at"):
            answered = first_answer.get(request.pupil_id)
            for offset in (0, 7, 14):
                due = request.sent_at + datetime.timedelta(days=offset)
                if offset and (due > now or (answered is not None and answered <= due)):
                    continue
                rows += [
                    ConsentReminderSent(request_id=request.pk, offset_days=offset, recipient=email)
                    for email in guardians.get(request.pupil_id, [])
                ]
        ConsentReminderSent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        added.update(consent_requests=len(requests), consent_emails_sent=len(rows), consent_responses_moved=late)

        # The daily digest: a quarter of the class teachers chose it; their alerts of the last days wait for it.
        teachers = sorted(set(SchoolClass.teachers.through.objects.values_list("user_id", flat=True)))
        teachers = teachers[::DIGEST_TEACHERS]
        NotificationPreference.objects.bulk_create(
            [NotificationPreference(user_id=pk, delivery=Delivery.DIGEST) for pk in teachers], ignore_conflicts=True
        )
        waiting = (
            Alert.objects.filter(
                recipient_id__in=teachers,
                read_at__isnull=True,
                incident__is_safeguarding=False,
                created_at__gte=now - datetime.timedelta(days=WAITING_ALERT_DAYS),
            )
            .exclude(reason=Alert.Reason.DSL_TEAM)
            .update(emailed_at=None)
        )
        added.update(digest_teachers=len(teachers), alerts_waiting_for_digest=waiting)
    return added


def _previous_year(year):
    from safeguard.directory.models import AcademicYear

    earlier = AcademicYear.objects.filter(school_id=year.school_id, starts_on__lt=year.starts_on)
    return earlier.order_by("-starts_on").first()


def runs_per_day(*, minute="", hour="", every_seconds=None):
    """How often a beat entry runs in a day: ``every_seconds`` for an interval schedule; else a crontab's ``minute``
    and ``hour`` fields (a number, ``*``, ``*/n`` or a comma list; other fields are taken as ``*``)."""
    if every_seconds:
        return max(1, round(86400 / every_seconds))

    def count(field, size):
        field = field.strip() or "*"
        if field == "*":
            return size
        if field.startswith("*/") and field[2:].isdigit():
            return -(-size // int(field[2:]))
        return len(field.split(","))

    return count(minute, 60) * count(hour, 24)


def _schedule():
    """``[(beat name, task name, args, kwargs, schedule text, runs a day)]`` of the enabled beat entries, in the order
    of the day (daily ones by their time), then the more frequent ones."""
    from django_celery_beat.models import PeriodicTask

    entries = []
    for task in PeriodicTask.objects.filter(enabled=True).select_related("crontab", "interval"):
        args, kwargs = json.loads(task.args or "[]"), json.loads(task.kwargs or "{}")
        if task.crontab_id:
            cron = task.crontab
            runs = runs_per_day(minute=cron.minute, hour=cron.hour)
            if runs == 1 and cron.hour.isdigit() and cron.minute.isdigit():
                key, text = (0, int(cron.hour), int(cron.minute)), f"daily {int(cron.hour):02d}:{int(cron.minute):02d}"
            else:
                key, text = (1, -runs, 0), f"cron {cron.minute} {cron.hour} ({runs}× a day)"
        elif task.interval_id:
            seconds = task.interval.schedule.run_every.total_seconds()
            runs = runs_per_day(every_seconds=seconds)
            key, text = (1, -runs, 0), f"{task.interval} ({runs:,}× a day)"
        else:
            continue
        entries.append((key, task.name, task.task, args, kwargs, text, runs))
    return [entry[1:] for entry in sorted(entries)]


def _measure(args):
    """The measurement in this process (``DEBUG=false``, eager Celery, locmem e-mail): the calibration, then each
    daily sweep's busy run, each sweep's quiet runs, the calibration again."""
    from celery import current_app
    from django.core import mail
    from django.db import connection
    from django.utils import timezone

    from safeguard.directory.models import Guardian, Pupil, School
    from safeguard.jobs.models import OutboxTask

    with connection.cursor() as cursor:
        for statement in PG_SESSION:
            cursor.execute(statement)
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid

    def backend_cpu():
        return backend_cpu_ms(backend)

    def calibration():
        with connection.cursor() as cursor:
            runs = [benchmeasure.calibrate(cursor, backend_cpu) for _ in range(3)]
        return {part: round(statistics.median(run[part] for run in runs), 3) for part in ("python_s", "postgres_s")}

    counts = {
        "schools": School.objects.count(),
        "pupils": Pupil.objects.count(),
        "guardians": Guardian.objects.count(),
    }
    before = calibration()
    entries = _schedule()
    if args.sweeps:
        entries = [entry for entry in entries if entry[0] in args.sweeps or entry[1] in args.sweeps]
    counter = StatementCounter()
    mail.outbox = []

    def run_once(task, task_args, task_kwargs):
        emails, last_task = len(mail.outbox), OutboxTask.objects.order_by("-pk").values_list("pk", flat=True).first()
        with connection.execute_wrapper(counter):
            sample = measure(lambda: task(*task_args, **task_kwargs), backend_cpu=backend_cpu, counter=counter)
        if connection.connection is None or connection.connection.info.backend_pid != backend:
            sample["db"] = None  # the connection changed: the backend's CPU is not this run's
        sample["emails"] = len(mail.outbox) - emails
        sample["queued"] = OutboxTask.objects.filter(pk__gt=last_task or 0).count()
        if not isinstance(sample["result"], int | bool | None):
            sample["result"] = str(sample["result"])
        return sample

    rows = []
    for name, task_name, task_args, task_kwargs, schedule, runs in entries:
        task = current_app.tasks[task_name]
        rows.append({"name": name, "task": task_name, "args": task_args, "kwargs": task_kwargs, "schedule": schedule})
        rows[-1].update(runs_a_day=runs, daily=runs == 1)
        rows[-1]["busy"] = _rounded(run_once(task, task_args, task_kwargs))
    for row in rows:
        task = current_app.tasks[row["task"]]
        samples = [run_once(task, row["args"], row["kwargs"]) for _ in range(args.samples)]
        row["quiet"] = quiet_summary(samples)
        row["quiet"]["samples"] = [_rounded(sample) for sample in samples]
    after = calibration()
    return {
        "now": timezone.now().isoformat(),
        "counts": counts,
        "samples": args.samples,
        "sweeps": rows,
        "calibration": {"before": before, "after": after},
        "counting": "app CPU includes the tasks each sweep queued, run eagerly with the locmem e-mail backend",
    }


def _rounded(sample):
    return {key: (round(value, 1) if isinstance(value, float) else value) for key, value in sample.items()}


if __name__ == "__main__":
    sys.exit(main())
