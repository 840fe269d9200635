"""The daily close (日清) vocabulary: whose card a day needs, when it is due, and the figures registry.

A card's figures are built from the day: the schedule items planned, done and missed, the visits (effective
ones apart), the calls, the work records by template and the new customers; apps above schedules (orders,
later) add theirs with `register_card_figure`, each computed for many employees at once (one query for a
manager's whole queue or the company's nightly close, never one per card).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.functional import Promise

from fieldloop.core.days import days_bounds
from fieldloop.org.models import Role

from .models import DailyCloseSettings

# Who closes each working day on a card: the people in the field and their managers (an administrator or a
# director may file one, but is not listed as "not filed").
CARD_ROLES = (Role.REP, Role.MANAGER)
# How far back a card may be filed (a rep back from a trip files the days they missed), and the nightly close
# looks for days that ended without a card.
FILE_DAYS_BACK = 31
CLOSE_DAYS_BACK = 7
MAX_COMMENT = 2000

FigureValue = int | Decimal
# compute(org_id, employee_ids, first_day, last_day, zone) -> (employee id, day) -> value, for each of the
# organization's days from first_day to last_day; one query for all of them
Compute = Callable[[int, list[int], date, date, ZoneInfo], Mapping[tuple[int, date], FigureValue]]


@dataclass(frozen=True)
class CardFigure:
    key: str
    label: str | Promise
    compute: Compute
    order: int = 100


_FIGURES: dict[str, CardFigure] = {}


def register_card_figure(key: str, *, label: str | Promise, compute: Compute, order: int = 100) -> None:
    """Add (or, on a reload, replace) a figure every card shows, e.g. `register_card_figure("orders.amount",
    label=_("Order amount"), compute=order_amount_by_day_many)`. `compute` answers for many employees and days in
    one query; a pair (employee, day) it leaves out shows 0. Call it from an AppConfig.ready."""
    _FIGURES[key] = CardFigure(key=key, label=label, compute=compute, order=order)


def card_figures() -> list[CardFigure]:
    return sorted(_FIGURES.values(), key=lambda f: (f.order, f.key))


def figure_label(key: str) -> str:
    figure = _FIGURES.get(key)
    return str(figure.label) if figure else key


def figure_json(value: FigureValue) -> Any:
    """A figure as the card stores it (JSON): an integer, or a decimal as its exact text."""
    return str(value) if isinstance(value, Decimal) else int(value)


# --- days and deadlines -------------------------------------------------------------------------------------


def default_settings(org_id: int) -> DailyCloseSettings:
    """The settings an organization has until an administrator saves its own (not stored: a read never writes)."""
    return DailyCloseSettings(org_id=org_id)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day from its first instant to the next day's, in the organization's time zone."""
    return days_bounds(day, day, zone)


def deadline_of(settings: DailyCloseSettings, day: date, zone: ZoneInfo) -> datetime:
    """When the card of `day` is due: the deadline time that day, or the next morning."""
    on = day + timedelta(days=1) if settings.deadline_next_day else day
    return datetime.combine(on, settings.deadline_time, tzinfo=zone)


def is_working_day(settings: DailyCloseSettings, day: date) -> bool:
    return day.weekday() in (settings.working_weekdays or [])
