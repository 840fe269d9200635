"""What an employee still holds, asked before they may leave.

Domain apps register a counter in their AppConfig.ready (`register_holding`): customers they own,
open schedules, ... `employee_mark_left` refuses while any counter is above zero, so nothing is
orphaned; each app's handover moves its rows to a successor first. `org` imports no domain app.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from .models import Employee


@dataclass(frozen=True)
class Holding:
    label: Callable[[int], str | Promise]  # "12 customers", from the count
    count: Callable[[Employee], int]
    handover_url: Callable[[Employee], str] | None = None


_HOLDINGS: dict[str, Holding] = {}


def register_holding(name: str, holding: Holding) -> None:
    _HOLDINGS[name] = holding


def holdings_of(employee: Employee) -> list[tuple[str, int, str | Promise, str | None]]:
    """(name, count, label, handover URL) of everything the employee still holds."""
    rows = []
    for name, holding in _HOLDINGS.items():
        n = holding.count(employee)
        if n:
            url = holding.handover_url(employee) if holding.handover_url else None
            rows.append((name, n, holding.label(n), url))
    return rows
