from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fieldloop.activities.visit_review_services import all_orgs_recheck_visit_signals
from fieldloop.core import progress


class Command(BaseCommand):
    help = (
        "Recompute the review signals of the visits of a day (track points may arrive late through the outbox): "
        "run nightly for yesterday."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD; yesterday when not given.")

    def handle(self, *args: Any, day: str | None, **options: Any) -> None:
        try:
            when = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
        except ValueError as e:
            raise CommandError("--day: expected YYYY-MM-DD") from e
        with progress.reporting(self.stdout):
            done = all_orgs_recheck_visit_signals(day=when)
        self.stdout.write(f"{done} visits rechecked for {when}.")
