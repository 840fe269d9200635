"""Recurrence: the days a series falls on (pure, no database).

daily every n days; weekly every n weeks on chosen weekdays (0 Monday .. 6 Sunday); monthly every n months on
the start day's day of the month (a month without that day is skipped, as RFC 5545 does). A series ends on a
date or after a count of occurrences (at most MAX_OCCURRENCES either way); skipped days are left out after the
count is taken.
"""

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from .models import MAX_OCCURRENCES, Frequency


class TooManyOccurrences(ValueError):
    pass


def _candidates(starts_on: date, frequency: str, interval: int, weekdays: list[int]) -> Iterator[date]:
    if frequency == Frequency.DAILY:
        day = starts_on
        while True:
            yield day
            day += timedelta(days=interval)
    elif frequency == Frequency.WEEKLY:
        days = sorted(set(weekdays)) or [starts_on.weekday()]
        monday = starts_on - timedelta(days=starts_on.weekday())
        while True:
            for wd in days:
                day = monday + timedelta(days=wd)
                if day >= starts_on:
                    yield day
            monday += timedelta(weeks=interval)
    else:
        year, month = starts_on.year, starts_on.month
        while True:
            if starts_on.day <= calendar.monthrange(year, month)[1]:  # else no such day this month
                yield date(year, month, starts_on.day)
            month += interval
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
            if year > date.max.year - 1:
                return


def occurrences(
    *,
    starts_on: date,
    frequency: str,
    interval: int = 1,
    weekdays: list[int] | None = None,
    ends_on: date | None = None,
    count: int | None = None,
    exceptions: set[date] | None = None,
    limit: int = MAX_OCCURRENCES,
) -> list[date]:
    """The series' days in order. Raises TooManyOccurrences past `limit` (before the skipped days are left out),
    and ValueError for a series with neither an end date nor a count."""
    if ends_on is None and count is None:
        raise ValueError("a series needs an end date or a count")
    days: list[date] = []
    for day in _candidates(starts_on, frequency, interval, weekdays or []):
        if ends_on is not None and day > ends_on:
            break
        if count is not None and len(days) >= count:
            break
        if len(days) >= limit:
            raise TooManyOccurrences(limit)
        days.append(day)
    skip = exceptions or set()
    return [d for d in days if d not in skip]
