"""Delete uploaded import files that no job waits for, older than 24 hours (run it from cron, daily)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customers.imports import STALE_FILE_AGE, all_orgs_cleanup_import_files


class Command(BaseCommand):
    help = "Delete uploaded customer import files that were checked but never committed (older than 24 h)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=float, default=STALE_FILE_AGE.total_seconds() / 3600, help="Minimum age of a file."
        )

    def handle(self, *args: Any, hours: float, **options: Any) -> None:
        deleted = all_orgs_cleanup_import_files(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} import file(s).")
