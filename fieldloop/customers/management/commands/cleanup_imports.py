"""Recover import jobs whose worker died, and delete uploaded import files that no job waits for, older than
24 hours (run it from cron: hourly recovers a stuck job within the hour; daily is enough for the files)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fieldloop.core import progress
from fieldloop.customers.import_jobs import (
    STALE_FILE_AGE,
    STALE_RUN_AGE,
    all_orgs_cleanup_import_files,
    all_orgs_recover_import_jobs,
)
from fieldloop.customers.tasks import enqueue_import_job


class Command(BaseCommand):
    help = (
        "Queue again (or fail, if it died twice) every customer import job left running by a dead worker, then "
        "delete uploaded customer import files that were checked but never committed (older than 24 h)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=float, default=STALE_FILE_AGE.total_seconds() / 3600, help="Minimum age of a file."
        )
        parser.add_argument(
            "--running-minutes",
            type=float,
            default=STALE_RUN_AGE.total_seconds() / 60,
            help="A job running longer than this lost its worker.",
        )

    def handle(self, *args: Any, hours: float, running_minutes: float, **options: Any) -> None:
        with progress.reporting(self.stdout):
            recovered = all_orgs_recover_import_jobs(
                enqueue=enqueue_import_job, older_than=timedelta(minutes=running_minutes)
            )
        self.stdout.write(
            f"Queued {recovered['queued']} stuck import job(s) again; failed {recovered['failed']} that stopped twice."
        )
        with progress.reporting(self.stdout):
            deleted = all_orgs_cleanup_import_files(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} import file(s).")
