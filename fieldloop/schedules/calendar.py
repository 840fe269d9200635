"""The calendar's vocabulary (pure, no database): the hours the grid shows, where an item sits on it, the weeks.

The grid shows DAY_START to DAY_END in SLOT_MINUTES slots; an item is placed by CSS classes (`cal-row-N`,
`cal-span-N`: the page's CSS has no inline styles), an untimed item sits in the row above the hours.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

DAY_START = 7  # the grid's first hour
DAY_END = 21  # the hour it ends at
SLOT_MINUTES = 30
SLOTS = (DAY_END - DAY_START) * 60 // SLOT_MINUTES
# a day a page may be asked for: anything further is junk in a URL, and the page shows today instead
MAX_YEARS_AWAY = 20


@dataclass(frozen=True)
class Slot:
    index: int  # 1-based row on the grid
    start: time


def slots() -> list[Slot]:
    return [
        Slot(index=i + 1, start=time(DAY_START + (i * SLOT_MINUTES) // 60, (i * SLOT_MINUTES) % 60))
        for i in range(SLOTS)
    ]


def _slot_of(t: time) -> int:
    minutes = (t.hour - DAY_START) * 60 + t.minute
    return min(max(minutes // SLOT_MINUTES, 0), SLOTS - 1) + 1


def placement(start: time | None, end: time | None) -> tuple[int, int] | None:
    """(first row, rows spanned) of a timed item on the grid, clamped to it; None for an untimed item."""
    if start is None:
        return None
    row = _slot_of(start)
    if end is None or end <= start:
        return row, 1
    end_minutes = (end.hour - DAY_START) * 60 + end.minute
    last = min(max((end_minutes - 1) // SLOT_MINUTES, 0), SLOTS - 1) + 1
    return row, max(last - row + 1, 1)


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def day_from_query(value: str | None, default: date) -> date:
    """A day from a query string (ISO), or `default` when it is missing, junk or absurdly far away."""
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    if abs(day.year - default.year) > MAX_YEARS_AWAY:
        return default
    return day
