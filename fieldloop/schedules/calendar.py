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


MAX_LANES = 6  # items at once side by side; more share the last lane


@dataclass
class Placed[T]:
    item: T
    row: int  # within its cluster, 1-based
    span: int
    lane: int  # 1-based


@dataclass
class Cluster[T]:
    """Timed items of one day that overlap (directly or through each other), laid out side by side in lanes."""

    col: int
    row: int  # on the day's grid
    span: int
    lanes: int
    entries: list[Placed[T]]


def clusters[T](timed: list[tuple[T, int, int]], col: int = 1) -> list[Cluster[T]]:
    """Lay out one day's timed items, given as (item, first row, rows spanned) in start order: overlapping ones
    share a cluster and each takes the first lane free at its start."""
    out: list[Cluster[T]] = []
    current: list[tuple[T, int, int, int]] = []  # (item, row, span, lane)
    lane_ends: list[int] = []  # per lane: the row after its last item
    end = 0

    def close() -> None:
        if current:
            top = min(r for _i, r, _s, _l in current)
            entries = [Placed(item=i, row=r - top + 1, span=s, lane=lane) for i, r, s, lane in current]
            out.append(Cluster(col=col, row=top, span=end - top, lanes=len(lane_ends), entries=entries))

    for item, row, span in sorted(timed, key=lambda t: (t[1], -t[2])):
        if row >= end:
            close()
            current, lane_ends = [], []
        lane = next((n for n, free_at in enumerate(lane_ends) if free_at <= row), None)
        if lane is None:
            if len(lane_ends) < MAX_LANES:
                lane_ends.append(0)
            lane = len(lane_ends) - 1
        lane_ends[lane] = max(lane_ends[lane], row + span)
        current.append((item, row, span, lane + 1))
        end = max(end, row + span)
    close()
    return out
