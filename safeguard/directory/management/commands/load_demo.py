"""``manage.py load_demo``: load the demo trust, schools, pupils and accounts. Safe to run again."""

import os
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from safeguard.directory import demo


def feature_demo_modules():
    """Each installed app's ``demo_content`` module, as ``(app label, module)`` pairs in app order (feature apps add
    their demo records on top of the directory's). The platform never imports a feature directly."""
    modules = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo_content"
        try:
            module = import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        modules.append((config.label, module))
    return modules


def load_feature_demos():
    """Run each installed app's ``demo_content.load()``; returns the summary lines they give."""
    lines = []
    for _label, module in feature_demo_modules():
        lines.extend(module.load())
    return lines


class Command(BaseCommand):
    help = (
        "Load the demo: Demo Learning Trust, Demo Primary School, Örnek İlkokulu, about 400 fictional pupils and an "
        "account for every role. Idempotent. The password comes from DEMO_PASSWORD (default: "
        f"{demo.DEFAULT_PASSWORD})."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all-accounts", action="store_true", help="Also list every class teacher's account.")

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        try:
            summary = demo.load_demo(password=password)
        except demo.DemoError as error:
            raise CommandError(str(error)) from error
        for line in load_feature_demos():
            self.stdout.write(f"  {line}")

        if summary.created:
            made = ", ".join(f"{count} {name}" for name, count in sorted(summary.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {made}."))
        else:
            self.stdout.write(self.style.SUCCESS("Directory demo already loaded; nothing changed there."))
        for school, count in summary.pupils.items():
            self.stdout.write(f"  {school}: {count} pupils")

        # Feature demos may add accounts of their own (``demo_accounts()``), listed before the platform operator.
        extra = [a for _label, module in feature_demo_modules() for a in getattr(module, "demo_accounts", list)()]
        accounts = summary.accounts[:-1] + extra + summary.accounts[-1:]
        rows = accounts + (summary.class_teachers if options["all_accounts"] else [])
        self.stdout.write("")
        self._table([("E-mail", "Role", "School")] + [(a.email, a.role, a.place) for a in rows])
        if not options["all_accounts"]:
            self.stdout.write(
                f"  … and {len(summary.class_teachers)} more class teachers "
                "(teacher.<class>@demo.test, ogretmen.<class>@demo.test; --all-accounts lists them)."
            )
        self.stdout.write("")
        source = "DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else "default; set DEMO_PASSWORD to change it"
        self.stdout.write(f"Password for every demo account: {self.style.WARNING(password)} ({source})")

    def _table(self, rows):
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for index, row in enumerate(rows):
            self.stdout.write(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
