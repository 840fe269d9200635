from typing import Any

from django.core.management.base import BaseCommand

from fieldloop.core import progress
from fieldloop.schedules.card_services import all_orgs_send_schedule_reminders


class Command(BaseCommand):
    help = (
        "Send the schedule and daily close reminders due now (an item about to start, nothing planned for "
        "tomorrow, a card not filed by its deadline, cards unreviewed for a day), each at most once. Run it every "
        "few minutes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with progress.reporting(self.stdout):
            sent = all_orgs_send_schedule_reminders()
        self.stdout.write(f"{sent} reminders due (those already sent are skipped).")
