"""Fiscal periods: the calendar days of a plan's year, quarters and months.

A fiscal year is named by the calendar year in which it starts and starts on the first day of its start month;
"M1" is that month, "Q1" its first three months, "Y" the twelve. Pure functions over dates, no database.
"""

import calendar
import datetime
from typing import Protocol

from .models import PERIODS

QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
MONTHS = [f"M{m}" for m in range(1, 13)]


class HasFiscalYear(Protocol):
    fiscal_year: int
    start_month: int


FiscalYear = HasFiscalYear | tuple[int, int]


def _year_and_start(plan: FiscalYear) -> tuple[int, int]:
    if isinstance(plan, tuple):
        fiscal_year, start_month = plan
    else:
        fiscal_year, start_month = plan.fiscal_year, plan.start_month
    if not 1 <= start_month <= 12:
        raise ValueError(f"start month {start_month} is not 1-12")
    return int(fiscal_year), int(start_month)


def fiscal_month_calendar(plan: FiscalYear, fiscal_month: int) -> tuple[int, int]:
    """(calendar year, calendar month) of fiscal month 1-12."""
    fiscal_year, start_month = _year_and_start(plan)
    index = start_month - 1 + fiscal_month - 1
    return fiscal_year + index // 12, index % 12 + 1


def month_range(period: str) -> tuple[int, int]:
    """The fiscal months (first, last), 1-12, a period covers: "Y" (1, 12), "Q2" (4, 6), "M5" (5, 5)."""
    if period == "Y":
        return 1, 12
    if period in QUARTERS:
        q = int(period[1])
        return 3 * q - 2, 3 * q
    if period in MONTHS:
        m = int(period[1:])
        return m, m
    raise ValueError(f"unknown period {period!r}")


def period_bounds(plan: FiscalYear, period: str) -> tuple[datetime.date, datetime.date]:
    """(first day, last day), both inclusive, of a period of the plan's fiscal year."""
    first, last = month_range(period)
    y1, m1 = fiscal_month_calendar(plan, first)
    y2, m2 = fiscal_month_calendar(plan, last)
    return datetime.date(y1, m1, 1), datetime.date(y2, m2, calendar.monthrange(y2, m2)[1])


def periods_of(plan: FiscalYear) -> list[tuple[str, datetime.date, datetime.date]]:
    """Every period of the plan's fiscal year with its bounds, in PERIODS order (Y, Q1-Q4, M1-M12)."""
    return [(p, *period_bounds(plan, p)) for p in PERIODS]


def children_periods(period: str) -> list[str]:
    """The periods that add up to this one along time: Y → Q1-Q4, Qn → its three months, a month → none."""
    if period == "Y":
        return list(QUARTERS)
    if period in QUARTERS:
        first, last = month_range(period)
        return [f"M{m}" for m in range(first, last + 1)]
    return []


def period_of_day(plan: FiscalYear, day: datetime.date) -> str | None:
    """The fiscal month ("M1".."M12") a calendar day falls in, or None outside the fiscal year."""
    fiscal_year, start_month = _year_and_start(plan)
    index = (day.year - fiscal_year) * 12 + day.month - start_month
    return f"M{index + 1}" if 0 <= index < 12 else None
