from typing import Any

from django.core.management.base import BaseCommand

from fieldloop.core import progress
from fieldloop.schedules.card_services import all_orgs_close_daily_cards


class Command(BaseCommand):
    help = (
        "Store a 'not filed' daily close card for each employee who did not file one for a working day whose "
        "deadline has passed (in each organization's time zone). Nightly; idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with progress.reporting(self.stdout):
            stored = all_orgs_close_daily_cards()
        self.stdout.write(f"{stored} daily close cards stored as not filed.")
