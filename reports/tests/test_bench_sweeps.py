"""The sweep bench's measuring helpers (issue 18 item 3; ``scripts/bench_sweeps.py``): it refuses the page
benchmark's databases and any without "bench" in the name, counts statements with an execute wrapper, reads CPU
around one run, summarises the quiet day's runs, counts how often a beat entry runs a day, and totals the quiet day
of the daily sweeps against the 1 s target."""

import importlib.util
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_sweeps_under_test", ROOT / "scripts" / "bench_sweeps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "name", ["safeguard", "sg_h4", "safeguard_bench", "safeguard_bench_small", "safeguard_bench_run"]
)
def test_the_page_benchmarks_and_other_databases_are_refused(bench, name):
    with pytest.raises(SystemExit):
        bench.check_database_name(name)


def test_a_copy_of_the_bench_is_accepted(bench):
    assert bench.check_database_name("safeguard_bench_sweeps") == "safeguard_bench_sweeps"
    assert bench.check_database_name("safeguard_bench_sweeps_run") == "safeguard_bench_sweeps_run"


@pytest.mark.django_db
def test_statements_are_counted_and_cpu_read_around_one_run(bench):
    counter = bench.StatementCounter()
    readings = iter([100.0, 112.5])

    def run():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return "done"

    with connection.execute_wrapper(counter):
        sample = bench.measure(run, backend_cpu=lambda: next(readings), counter=counter)

    assert sample["statements"] == 2
    assert sample["db"] == 12.5
    assert sample["app"] >= 0
    assert sample["result"] == "done"


def test_an_unreadable_backend_leaves_the_db_figure_out(bench):
    def unreadable():
        raise OSError("no /proc here")

    sample = bench.measure(lambda: None, backend_cpu=unreadable, counter=bench.StatementCounter())

    assert sample["db"] is None and sample["statements"] == 0


def test_the_quiet_day_is_the_median_of_its_runs_and_says_whether_statements_were_flat(bench):
    samples = [
        {"app": 10.0, "db": 2.0, "statements": 5, "emails": 0},
        {"app": 30.0, "db": 4.0, "statements": 5, "emails": 0},
        {"app": 12.0, "db": 3.0, "statements": 5, "emails": 0},
    ]

    summary = bench.quiet_summary(samples)

    assert summary["app"]["median"] == 12.0
    assert summary["db"]["median"] == 3.0
    assert summary["total"]["median"] == 15.0 and summary["total"]["max"] == 34.0
    assert summary["statements"] == 5 and summary["statements_flat"] is True
    assert summary["emails"] == 0
    samples[1]["statements"] = 6
    assert bench.quiet_summary(samples)["statements_flat"] is False


def test_runs_a_day_of_crontab_and_interval_entries(bench):
    assert bench.runs_per_day(minute="30", hour="7") == 1
    assert bench.runs_per_day(minute="20", hour="*") == 24
    assert bench.runs_per_day(minute="0", hour="7,12") == 2
    assert bench.runs_per_day(minute="*/15", hour="*") == 96
    assert bench.runs_per_day(every_seconds=60) == 1440
    assert bench.runs_per_day(every_seconds=300) == 288


def _row(name, app, db, *, runs=1):
    quiet = bench_quiet(app, db)
    busy = {"app": 1.0, "db": 1.0, "statements": 3, "emails": 2, "queued": 2}
    return {"name": name, "schedule": "daily", "daily": runs == 1, "runs_a_day": runs, "busy": busy, "quiet": quiet}


def bench_quiet(app, db):
    figure = {"median": app, "min": app, "max": app}
    return {
        "app": figure,
        "db": {"median": db, "min": db, "max": db},
        "total": {"median": app + db, "min": app + db, "max": app + db},
        "statements": 4,
        "statements_flat": True,
        "emails": 0,
    }


def test_the_table_totals_the_daily_sweeps_against_the_target_and_the_frequent_ones_apart(bench):
    rows = [_row("agreements", 300.0, 100.0), _row("consent", 400.0, 100.0), _row("outbox", 1.0, 0.5, runs=1440)]

    markdown, total = bench.table(rows, samples=5)

    assert total["total"] == 900.0 and total["statements"] == 8
    assert total["frequent"]["total"] == 2160.0
    assert "under the 1,000 ms target" in markdown
    rows.append(_row("reviews", 90.0, 20.0))
    assert "OVER the 1,000 ms target" in bench.table(rows, samples=5)[0]
