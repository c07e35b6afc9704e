"""``manage.py bench_build``: build the trust-scale benchmark dataset (``reports.benchdata``) into the configured
database.

Meant for a dedicated database: it refuses to run unless the database's name contains "bench" or ``--yes`` is given.
If the bench trust is already there it says so and changes nothing (the marker ``scripts/bench_trust.py`` relies on).

    python manage.py bench_build                 # 20 schools, 8,000 pupils, 16,000 guardians, 200,000 incidents
    python manage.py bench_build --small --yes   # 2 schools, 100 pupils, 2,000 incidents (tests)
"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from reports import benchdata


class Command(BaseCommand):
    help = "Build the trust-scale benchmark dataset (a dedicated database: its name must contain 'bench', or --yes)."

    def add_arguments(self, parser):
        full = benchdata.FULL
        parser.add_argument("--schools", type=int, default=full.schools)
        parser.add_argument("--pupils", type=int, default=full.pupils)
        parser.add_argument("--guardians", type=int, default=full.guardians)
        parser.add_argument("--incidents", type=int, default=full.incidents)
        parser.add_argument("--years", type=int, default=full.years, help="academic years of incidents, to this one")
        parser.add_argument("--policies", type=int, default=full.policies, help="policies per school (5 to 25)")
        parser.add_argument(
            "--small", action="store_true", help="2 schools, 100 pupils, 200 guardians, 2,000 incidents (tests)"
        )
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--seed", type=int, default=benchdata.SEED)
        parser.add_argument("--password", default=benchdata.DEFAULT_PASSWORD, help="every bench account's password")
        parser.add_argument("--yes", action="store_true", help="build even if the database name lacks 'bench'")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON on the last line")

    def handle(self, *args, **options):
        name = str(connection.settings_dict.get("NAME") or "")
        if "bench" not in name.lower() and not options["yes"]:
            raise CommandError(
                f"The database {name!r} does not look like a benchmark database: this adds a whole trust of "
                "fictional schools. Point DATABASE_URL at a dedicated database (its name containing 'bench') or "
                "pass --yes."
            )
        if benchdata.is_built():
            self.stdout.write("The bench trust is already in this database: nothing to do.")
            if options["json"]:
                self.stdout.write(json.dumps({"built": False}))
            return
        if options["small"]:
            sizes = benchdata.SMALL
        else:
            try:
                sizes = benchdata.Sizes(
                    schools=options["schools"],
                    pupils=options["pupils"],
                    guardians=options["guardians"],
                    incidents=options["incidents"],
                    years=options["years"],
                    policies=options["policies"],
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
        verbose = options["verbosity"] > 0
        self.stdout.write(
            f"Building the bench trust: {sizes.schools} schools, {sizes.pupils} pupils, {sizes.guardians} guardians, "
            f"{sizes.incidents} incidents over {sizes.years} academic years, into {connection.vendor} {name!r}."
        )
        summary = benchdata.build(
            sizes,
            today=options["today"],
            seed=options["seed"],
            password=options["password"],
            log=self.stdout.write if verbose else (lambda line: None),
        )
        for key, value in summary.items():
            self.stdout.write(f"  {key.replace('_', ' ')}: {value}")
        if options["json"]:
            self.stdout.write(json.dumps({"built": True, **summary}))
