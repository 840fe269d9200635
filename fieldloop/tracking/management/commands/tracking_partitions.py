"""Daily: create the location points' monthly partitions ahead and drop those past the retention
(FIELDLOOP_TRACKING_RETENTION_MONTHS); on SQLite, delete the points past it."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from fieldloop.tracking.partitions import partitions_maintain


class Command(BaseCommand):
    help = "Create the location points' partitions ahead and drop those past the retention."

    def handle(self, *args: Any, **options: Any) -> None:
        created, dropped = partitions_maintain(now=timezone.now())
        self.stdout.write(f"created: {', '.join(created) or '-'}; dropped: {', '.join(dropped) or '-'}")
