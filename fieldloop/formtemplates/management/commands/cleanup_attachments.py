"""Delete photos and files uploaded more than 24 hours ago that no work record or customer ever held, with
their stored files (run it daily from cron). How a concurrent save and the cleanup meet without losing a
photo is explained in formtemplates/services.py, "Claims and orphans"."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fieldloop.core import progress
from fieldloop.formtemplates.services import ORPHAN_AGE, all_orgs_attachments_cleanup


class Command(BaseCommand):
    help = (
        "Delete attachments (photos, files) older than --hours (24) that no work record, customer or record "
        "revision holds: uploads of a form that then failed validation, or that an API client never used."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=float, default=ORPHAN_AGE.total_seconds() / 3600, help="Minimum age of an attachment."
        )

    def handle(self, *args: Any, hours: float, **options: Any) -> None:
        if hours < 0:
            raise CommandError("--hours cannot be negative.")
        with progress.reporting(self.stdout):
            deleted = all_orgs_attachments_cleanup(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} unused attachment(s).")
