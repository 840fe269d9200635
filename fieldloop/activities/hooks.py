"""What other apps do when a visit or a work record is created, in the same transaction.

An app above activities (schedules: a planned visit or call becomes done, a visit report's next visit is
planned) registers a callback in its AppConfig.ready; `visit_check_in`, `record_create` and `record_update` call
every registered one inside the transaction that writes the row, so the follow-up is written with it or not at
all. A callback gets the new row (its employee or
author, customer and template attached) and should stay cheap: a set-based statement or two. activities imports
no app above it.
"""

from collections.abc import Callable

from .models import Visit, WorkRecord

_AFTER_CHECK_IN: dict[str, Callable[[Visit], object]] = {}
_AFTER_RECORD_CREATE: dict[str, Callable[[WorkRecord], object]] = {}
_AFTER_RECORD_UPDATE: dict[str, Callable[[WorkRecord], object]] = {}


def register_after_check_in(name: str, callback: Callable[[Visit], object]) -> None:
    _AFTER_CHECK_IN[name] = callback


def register_after_record_create(name: str, callback: Callable[[WorkRecord], object]) -> None:
    _AFTER_RECORD_CREATE[name] = callback


def register_after_record_update(name: str, callback: Callable[[WorkRecord], object]) -> None:
    _AFTER_RECORD_UPDATE[name] = callback


def checked_in(visit: Visit) -> None:
    """Run every registered follow-up of a new check-in (inside its transaction)."""
    for callback in _AFTER_CHECK_IN.values():
        callback(visit)


def record_created(record: WorkRecord) -> None:
    """Run every registered follow-up of a new work record (inside its transaction)."""
    for callback in _AFTER_RECORD_CREATE.values():
        callback(record)


def record_updated(record: WorkRecord) -> None:
    """Run every registered follow-up of a record's values changed by its author (inside the edit's transaction)."""
    for callback in _AFTER_RECORD_UPDATE.values():
        callback(record)
