"""Visit plans (拜访计划): the pure rules of how often a customer is due for a visit.

Each customer level has a visit frequency (every n days, or none), set by the organization; a customer may have
its own in place of its level's. A customer is due on its last visit's day plus its frequency (never visited:
the day it was created plus its frequency); overdue by the days since then. A visit counts unless it was
classified ineffective (an open visit, or one its type does not classify, counts).
"""

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from .models import MAX_EVERY_DAYS

# what a new organization starts with (`visit_frequency_defaults_create`; the data migration 0004 keeps a copy)
DEFAULT_EVERY_DAYS: dict[str, int | None] = {"A": 7, "B": 14, "C": 30, "D": None}
# the due-for-visit list may look ahead (customers due within the next n days)
MAX_WITHIN_DAYS = 31


def check_every_days(errors: dict[str, list[Any]], name: str, value: Any) -> int | None:
    """A frequency as a client sent it: a whole number of days from 1 to MAX_EVERY_DAYS, or None (no regular
    visits). A field error under `name` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EVERY_DAYS:
        errors[name] = [
            _("Enter a whole number of days from 1 to %(max)d, or leave it empty for no regular visits.")
            % {"max": MAX_EVERY_DAYS}
        ]
        return None
    return value


def overdue_days(due_on: date, today: date) -> int:
    """How many days past its due day a customer is (0 when due today, negative when not yet due)."""
    return (today - due_on).days
