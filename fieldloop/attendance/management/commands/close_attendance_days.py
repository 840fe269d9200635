from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fieldloop.attendance.services import all_orgs_close_days
from fieldloop.core import progress


class Command(BaseCommand):
    help = (
        "Close a day's attendance for everyone in a group (absent, rest day, leave, or the final status of a day "
        "with clocks); by default each organization's yesterday (run nightly). A night shift's day stays open until "
        "its morning is over: the next run closes it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD instead of each organization's yesterday.")

    def handle(self, *args: Any, day: str | None = None, **options: Any) -> None:
        try:
            target = date.fromisoformat(day) if day else None
        except ValueError as e:
            raise CommandError("--day: YYYY-MM-DD") from e
        with progress.reporting(self.stdout):
            written = all_orgs_close_days(day=target)
        self.stdout.write(f"{written} daily statuses written.")
