"""``manage.py bench_history``: add years of history to a built trust bench (``reports.benchhistory``) — academic
years before the oldest one there, pupils who were in the schools then and have left, and their incidents — leaving
the present as it was (issue 18 item 4: a 2,000,000-incident, ten-year bench to compare each page's CPU with the
200,000-incident one).

Meant for a dedicated database: it refuses to run unless the database's name contains "bench" or ``--yes`` is given,
refuses if ``bench_build`` has not built the bench trust there, and refuses if history has already been added.

    createdb -T safeguard_bench safeguard_bench_2m
    DATABASE_URL=postgres://…/safeguard_bench_2m python manage.py bench_history --years 7 --incidents 1800000
"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from reports import benchdata, benchhistory


class Command(BaseCommand):
    help = (
        "Add academic years of history (leavers and their incidents) before the oldest year of a built trust bench "
        "(a dedicated database: its name must contain 'bench', or --yes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=7, help="academic years of history (default 7)")
        parser.add_argument(
            "--incidents", type=int, default=1_800_000, help="incidents in all the history (default 1,800,000)"
        )
        parser.add_argument(
            "--leavers-per-cohort",
            type=int,
            help="pupils per school entering each year of the history (default: the school's year group size today)",
        )
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--seed", type=int, default=benchdata.SEED)
        parser.add_argument("--yes", action="store_true", help="run even if the database name lacks 'bench'")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON on the last line")

    def handle(self, *args, **options):
        name = str(connection.settings_dict.get("NAME") or "")
        if "bench" not in name.lower() and not options["yes"]:
            raise CommandError(
                f"The database {name!r} does not look like a benchmark database: this adds years of fictional "
                "history. Point DATABASE_URL at a copy of a bench database (its name containing 'bench') or pass --yes."
            )
        if not benchdata.is_built():
            raise CommandError("The bench trust is not in this database: build it with bench_build first.")
        if benchhistory.is_added():
            raise CommandError("History has already been added to this bench database: nothing done.")
        self.stdout.write(
            f"Adding {options['years']} academic years of history with {options['incidents']} incidents to the bench "
            f"trust in {connection.vendor} {name!r}."
        )
        try:
            summary = benchhistory.add(
                years=options["years"],
                incidents=options["incidents"],
                leavers_per_cohort=options["leavers_per_cohort"],
                today=options["today"],
                seed=options["seed"],
                log=self.stdout.write if options["verbosity"] > 0 else (lambda line: None),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        for key, value in summary.items():
            self.stdout.write(f"  {key.replace('_', ' ')}: {value}")
        if options["json"]:
            self.stdout.write(json.dumps({"built": True, **summary}))
