from typing import Any

from django.core.management.base import BaseCommand

from fieldloop.core import progress
from fieldloop.schedules.services import all_orgs_close_schedule_days


class Command(BaseCommand):
    help = "Mark schedule items still planned on a day that has ended (in each organization's time zone) missed."

    def handle(self, *args: Any, **options: Any) -> None:
        with progress.reporting(self.stdout):
            marked = all_orgs_close_schedule_days()
        self.stdout.write(f"{sum(marked.values())} planned items marked missed.")
