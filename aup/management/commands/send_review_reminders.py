"""``manage.py send_review_reminders``: run the daily policy review sweep now, without waiting for beat.

``scripts/demo.sh`` runs it once after the worker starts, so the demo's overdue policies are escalated on the first
start (the e-mails appear in ``var/log/worker.log``) rather than at 07:45 the next morning. Running it again sends
nothing twice: each reminder and escalation is claimed by a unique ``ReviewReminderSent`` row.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from aup.tasks_reviews import send_policy_review_reminders
from safeguard.jobs.services import enqueue


class Command(BaseCommand):
    help = (
        "Queue the policy review reminder sweep (the task beat runs daily) for the worker; with --now, run the "
        "sweep here and queue its e-mails. Sends each reminder and escalation at most once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Run the sweep in this process instead of queuing it; the e-mails are still sent by the worker.",
        )
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Act as if it were this date in every school (catching up by hand); default: each school's date.",
        )

    def handle(self, *args, **options):
        today = options["today"]
        if today:
            try:
                datetime.date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(f"--today must be a date such as 2026-11-20, not {today!r}.") from error
        if options["now"]:
            queued = send_policy_review_reminders(today=today)
            self.stdout.write(f"Policy review sweep: {queued} e-mail(s) queued for the worker.")
            return
        # Through the outbox, like every other queued task: delivered by the drain if the broker is down just now.
        enqueue(send_policy_review_reminders, today=today)
        self.stdout.write("Policy review sweep queued; the worker sends any reminders and escalations due today.")
