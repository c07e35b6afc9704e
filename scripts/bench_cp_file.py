#!/usr/bin/env python
"""The child protection file of a pupil with 300 incidents: CPU seconds and peak memory of building it.

Usage::

    .venv/bin/python scripts/bench_cp_file.py                      # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sg_bench_cp .venv/bin/python scripts/bench_cp_file.py

With a ``DATABASE_URL`` the database is dropped and created again (never name a database that holds anything).

It builds one school, a DSL, and one pupil with two parents, two professionals and 300 incidents over five years:
two in three behaviour incidents (levels 1–4), one in three safeguarding concerns with a DSL note; every other
incident has an action, every third a contact with the family, every tenth a sanction. Then it builds the CP file
``RUNS`` times, each in a fresh Python process (so the peak memory is the build's, not the data set-up's), the way
the worker does (``safeguard.jobs.prepared.build`` of a ``PreparedFile`` of kind ``incidents.cp_file`` when that
kind exists; before issue 18 item 2 it measured ``incidents.documents.cp_file_pdf``, which the web request called),
and prints:

- CPU seconds (user + system of that process, from ``resource.getrusage``) of the build: median and spread;
- the process's peak resident memory (``VmHWM``, reset just before the build through ``/proc/self/clear_refs``),
  and the memory the build added (that peak minus the resident memory just before it, after a warm-up PDF has
  loaded WeasyPrint and its fonts as a running worker has), in MB: median and spread; and the PDF's pages and size.

Each run's figures are printed as it ends; ``BENCH_RUNS`` sets the number of runs (3), and ``BENCH_KEEP_PDF`` (a
folder) keeps each run's PDF there to read it.

Target (issue 18 item 2): within 8 s of CPU and 120 MB. Measured on PostgreSQL (a shared 2-core machine, 4 runs
each; medians): the file laid out whole, 6.9 s and +148 MB (57 pages, 235 KB); laid out in parts of 60 incidents
(``incidents.documents.CP_FILE_PART_INCIDENTS``) and joined, 5.7 s and +49 MB (58 pages, 314 KB).
"""

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCIDENTS = 300
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SEED = 20261204


def _setup_django(folder, *, migrate):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "safeguard.settings"
    os.environ["SAFEGUARD_VAR_DIR"] = str(folder)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if migrate and os.environ["DATABASE_URL"].startswith("postgres"):
        _recreate_postgres(os.environ["DATABASE_URL"])
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _recreate_postgres(url):
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def _build_data():
    """The school, the DSL and the pupil with ``INCIDENTS`` incidents; returns ``(school pk, dsl pk, pupil pk)``."""
    import datetime
    import random

    import factory.random
    from django.utils import timezone

    from incidents.models import Action, DSLNote, IncidentPupil, ParentContact, Professional, Sanction
    from incidents.tests.factories import IncidentFactory
    from safeguard.directory.models import AcademicYear, Role
    from safeguard.directory.tests import factories

    rng = random.Random(SEED)
    factory.random.reseed_random(SEED)
    school = factories.SchoolFactory(name="Bench Primary School", slug="bench-primary")
    dsl = factories.StaffRoleFactory(school=school, role=Role.DSL, user__full_name="Dana Bench").user
    teacher = factories.StaffRoleFactory(school=school, role=Role.TEACHER).user
    pupil = factories.PupilFactory(school=school, legal_first_name="Amara", legal_last_name="Whitfield")
    for order in (1, 2):
        factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True, contact_order=order)
    for name in ("Priya Okafor", "Sam Reid"):
        Professional.objects.create(pupil=pupil, name=name, role="Social worker", organisation="Children's services")
    today = timezone.localdate()
    year, _created = AcademicYear.objects.get_or_create(
        school=school,
        starts_on=datetime.date(today.year - 1, 9, 1),
        defaults={"ends_on": datetime.date(today.year, 8, 31), "name": f"{today.year - 1}–{today.year}"},
    )
    now = timezone.now()
    for number in range(INCIDENTS):
        concern = number % 3 == 2
        occurred_at = now - datetime.timedelta(days=rng.randint(1, 5 * 365), minutes=rng.randint(0, 600))
        fields = {"is_safeguarding": True, "is_behaviour": False} if concern else {"behaviour_level": rng.randint(1, 4)}
        incident = IncidentFactory(school=school, recorded_by=teacher, occurred_at=occurred_at, **fields)
        IncidentPupil.objects.create(incident=incident, pupil=pupil, role=IncidentPupil.Role.SUBJECT)
        if concern:
            DSLNote.objects.create(incident=incident, author=dsl, text="Discussed with the deputy DSL; monitoring.")
        if number % 2 == 0:
            Action.objects.create(
                incident=incident,
                kind=Action.Kind.choices[number % len(Action.Kind.choices)][0],
                description="Follow up with the class teacher and the family.",
                assignee=dsl,
                created_by=dsl,
                due_on=(occurred_at + datetime.timedelta(days=7)).date(),
                completed_at=occurred_at + datetime.timedelta(days=5),
                completed_by=dsl,
                completion_note="Done; no further concern raised.",
            )
        if number % 3 == 0:
            ParentContact.objects.create(
                incident=incident,
                pupil=pupil,
                contact_name="Mother",
                method=ParentContact.Method.choices[0][0],
                contacted_at=occurred_at + datetime.timedelta(hours=3),
                summary="Told the family what happened and what the school will do.",
                recorded_by=dsl,
            )
        if number % 10 == 0:
            Sanction.objects.create(
                incident=incident,
                pupil=pupil,
                academic_year=year,
                kind=Sanction.Kind.choices[0][0],
                starts_on=occurred_at.date(),
                notes="Reflection time with the head of year.",
                recorded_by=dsl,
            )
    return school.pk, dsl.pk, pupil.pk


def _reset_peak():
    with contextlib.suppress(OSError):  # Linux: "5" resets VmHWM to the current RSS
        Path("/proc/self/clear_refs").write_text("5")


def _status_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb():
    return _status_mb("VmHWM")


def _rss_mb():
    return _status_mb("VmRSS")


def _cpu_seconds():
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(folder, school_id, dsl_id, pupil_id):
    """One build in this (fresh) process; prints a JSON line ``{"cpu", "peak_mb", "bytes", "pages", "how"}``."""
    _setup_django(folder, migrate=False)
    import io

    from django.utils import timezone
    from pypdf import PdfReader

    from safeguard.accounts.models import User
    from safeguard.directory.models import Pupil, School

    school, dsl, pupil = School.objects.get(pk=school_id), User.objects.get(pk=dsl_id), Pupil.objects.get(pk=pupil_id)
    try:
        from safeguard.jobs import prepared as machinery

        machinery.get_kind("incidents.cp_file")
    except (ImportError, LookupError):
        machinery = None
    if machinery is None:
        from incidents.documents import cp_file_pdf

        how = "incidents.documents.cp_file_pdf (in the web request)"
        _warm_up()
        before = _rss_mb()
        _reset_peak()
        started = _cpu_seconds()
        data = cp_file_pdf(school=school, pupil=pupil, actor=dsl, now=timezone.now())
        cpu = _cpu_seconds() - started
    else:
        from incidents.documents import cp_file_request
        from safeguard.jobs.models import PreparedFile

        how = "safeguard.jobs.prepared.build of incidents.cp_file (the worker)"
        # A new request each run, built whatever was built before: asking again would reuse the file (same inputs).
        asked, _queued = cp_file_request(school=school, pupil=pupil, actor=dsl)
        row = PreparedFile.objects.create(
            kind=asked.kind,
            school=school,
            requested_by=dsl,
            params=asked.params,
            title=asked.title,
            input_key=asked.input_key,
        )
        _warm_up()
        before = _rss_mb()
        _reset_peak()
        started = _cpu_seconds()
        built = machinery.build(prepared_id=row.pk)
        cpu = _cpu_seconds() - started
        if built is None or built.status != PreparedFile.Status.READY:
            raise SystemExit(f"build failed: {PreparedFile.objects.get(pk=row.pk).error}")
        with built.file.open("rb") as handle:
            data = handle.read()
    peak = _peak_mb()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    if os.environ.get("BENCH_KEEP_PDF"):  # a folder: keep each run's file to read it
        Path(os.environ["BENCH_KEEP_PDF"], f"cp_file_{os.getpid()}.pdf").write_bytes(data)
    print(
        json.dumps(
            {"cpu": cpu, "peak_mb": peak, "added_mb": peak - before, "bytes": len(data), "pages": pages, "how": how}
        )
    )


def _warm_up():
    """Load what every build loads once per process (WeasyPrint, its fonts, the template engine) with a one-line
    PDF, so the figures are the build's own: a running worker has these loaded already."""
    from django.template.loader import get_template
    from weasyprint import CSS, HTML

    from safeguard.pdf import BASE_CSS

    get_template("incidents/pdf/cp_file.html")
    HTML(string="<p>Warm-up <b>bold</b></p>").write_pdf(stylesheets=[CSS(string=BASE_CSS)])


def _spread(values):
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]), *(int(value) for value in sys.argv[3:]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _setup_django(folder, migrate=True)
        from django.db import connection

        ids = _build_data()
        vendor = connection.vendor
        connection.close()
        results = []
        for _run in range(RUNS):
            output = subprocess.run(  # noqa: S603 — this script, with ids it made
                [sys.executable, __file__, "--measure", str(folder), *(str(value) for value in ids)],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ.copy(),
            ).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
            run = results[-1]
            figures = f"{run['cpu']:.2f} s CPU, +{run['added_mb']:.1f} MB, {run['pages']} pages"
            print(f"  run {_run + 1}: {figures}", flush=True)
        print(f"Child protection file, {INCIDENTS} incidents, {vendor}, {RUNS} builds each in a fresh process")
        print(f"  built by: {results[0]['how']}")
        print(f"  CPU seconds: {_spread([r['cpu'] for r in results])}")
        print(f"  peak memory of the process (MB): {_spread([r['peak_mb'] for r in results])}")
        print(f"  memory added by the build (MB, peak − resident before): {_spread([r['added_mb'] for r in results])}")
        print(f"  PDF: {results[0]['pages']} pages, {results[0]['bytes'] / 1024:.0f} KB")


if __name__ == "__main__":
    main()
