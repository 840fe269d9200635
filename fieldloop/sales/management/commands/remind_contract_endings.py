from typing import Any

from django.core.management.base import BaseCommand

from fieldloop.core import progress
from fieldloop.sales.contracts import all_orgs_remind_contract_endings


class Command(BaseCommand):
    help = (
        "Remind the owners of contracts that end within their organization's reminder days (sales settings), "
        "unless a confirmed renewal points at the contract: once per contract. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with progress.reporting(self.stdout):
            due = all_orgs_remind_contract_endings()
        self.stdout.write(f"{due} contracts ending soon (owners already reminded are skipped).")
