"""Requeue documents whose worker died and resend tasks the broker lost (production's sweeper)."""

import time

from django.core.management.base import BaseCommand

from rag_app.documents import sweeper


class Command(BaseCommand):
    help = "Requeue documents whose worker died, fail those that keep killing it, resend lost tasks."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Sweep again every this many seconds, forever.")

    def handle(self, *args, every, **options):
        while True:
            report = sweeper.sweep()
            self.stdout.write(f"requeued {report.requeued}, failed {report.failed}, sent {report.sent}")
            if not every:
                return
            time.sleep(every)
