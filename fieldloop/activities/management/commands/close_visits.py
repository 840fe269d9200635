from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fieldloop.activities.visit_services import all_orgs_close_abandoned_visits
from fieldloop.activities.visits import ABANDONED_AFTER
from fieldloop.core import progress


class Command(BaseCommand):
    help = "Close visits left open (no check-out) for too long, classified without check-out (run nightly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=float, default=ABANDONED_AFTER.total_seconds() / 3600, help="Open longer than this."
        )

    def handle(self, *args: Any, hours: float, **options: Any) -> None:
        from datetime import timedelta

        with progress.reporting(self.stdout):
            closed = all_orgs_close_abandoned_visits(older_than=timedelta(hours=hours))
        self.stdout.write(f"{closed} open visits closed.")
