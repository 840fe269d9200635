from typing import Any

from django.core.management.base import BaseCommand

from fieldloop.core import progress
from fieldloop.targets.achievement_services import all_orgs_remind_targets_at_risk


class Command(BaseCommand):
    help = (
        "On each organization's reminder weekdays, tell every manager which of the people they lead are at risk or "
        "behind on this month's target. Daily; a second run the same day sends nothing new."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with progress.reporting(self.stdout):
            sent = all_orgs_remind_targets_at_risk()
        self.stdout.write(f"{sent} managers reminded of targets at risk.")
