from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fieldloop.core import progress
from fieldloop.customers.tasks import recycle_expired_customers


class Command(BaseCommand):
    help = "Return customers whose protection has expired to their pool (run nightly, e.g. from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue it for the task worker instead.")

    def handle(self, *args: Any, enqueue: bool, **options: Any) -> None:
        if enqueue:
            result = recycle_expired_customers.enqueue()
            self.stdout.write(f"Queued as task {result.id}.")
            return
        with progress.reporting(self.stdout):
            returned = recycle_expired_customers.call()
        self.stdout.write(f"{returned} customers returned to their pools.")
