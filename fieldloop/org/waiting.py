"""What waits for a leader's decision, shown on the home page and at /api/v1/me/waiting.

Domain apps register a queue in their AppConfig.ready (`register_waiting`): doubtful visits, daily close cards,
leave and trip requests, ... Each answers how many of its rows wait for this employee (one COUNT), or None when
the employee decides none of them (no permission), so the home page costs one query a queue whatever the data.
`org` imports no domain app.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise

from .models import Employee
from .permissions import Permission, has_permission


@dataclass(frozen=True)
class Queue:
    label: str | Promise  # the queue page's title, e.g. "Doubtful visits"
    url_name: str  # the queue page
    count: Callable[[Employee], int | None]  # None: the employee decides none of these


@dataclass(frozen=True)
class Waiting:
    name: str
    label: str | Promise
    count: int
    url: str


_QUEUES: dict[str, Queue] = {}


def register_waiting(name: str, queue: Queue) -> None:
    _QUEUES[name] = queue


def leaders_queue(rows: Callable[..., QuerySet]) -> Callable[[Employee], int | None]:
    """The count of a queue that those who change their subordinates' records decide: `rows(actor=...)`."""

    def count(employee: Employee) -> int | None:
        if not has_permission(employee, Permission.CHANGE_SUBORDINATE_RECORDS):
            return None
        return rows(actor=employee).count()

    return count


def waiting_for(employee: Employee) -> list[Waiting]:
    """The queues the employee decides, in the order their apps registered them, with how many wait in each
    (none waiting is said too: a leader reads an empty queue as news)."""
    found = []
    for name, queue in _QUEUES.items():
        count = queue.count(employee)
        if count is not None:
            found.append(Waiting(name, queue.label, count, reverse(queue.url_name)))
    return found
