"""Attendance: a month's statistics for the large demo company (~2,000 people) from the daily status rollup
(`attendance.selectors.stats_for`: one GROUP BY over the month's rows) against the same figures computed from
the raw clocks, leave and trips (`attendance.services.compute_rows` over every person-day, then summed), with
the rows each path reads and the queries it sends. Both must give the same figures.

Data: the large demo company's people (demo step "org", seed 1) and the demo's attendance step (30 days of
clocks, leave, trips, corrections, and the rollup).
"""

import os
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.attendance import selectors, services
from fieldloop.attendance.models import AttendanceRequest, Clock, DailyStatus
from fieldloop.demo.attendance import DAYS, build_attendance
from fieldloop.demo.company import build_demo_company

from .harness import Database, Options, analyze, measure, print_table, write_results

FIELDS = ("late_count", "late_minutes", "early_count", "missing_clocks", "absent_days", "leave_days", "trip_days",
          "overtime_minutes")  # fmt: skip


def from_rollup(org_id: int, employees: list[Any], start: Any, end: Any) -> dict[int, tuple[int, ...]]:
    rows = selectors.stats_for(org_id=org_id, employees=employees, start=start, end=end)
    return {r.employee.pk: tuple(getattr(r, f) for f in FIELDS) for r in rows}


def from_clocks(org: Any, employees: list[Any], days: list[Any], now: Any) -> dict[int, tuple[int, ...]]:
    rows = services.compute_rows(org=org, pairs=[(e.pk, d) for e in employees for d in days], now=now)
    sums: dict[int, list[int]] = {e.pk: [0] * len(FIELDS) for e in employees}
    for r in rows:
        if r.exempt:
            continue
        s = sums[r.employee_id]
        s[0] += r.late_minutes > 0
        s[1] += r.late_minutes
        s[2] += r.early_minutes > 0
        s[3] += r.missing_clocks
        s[4] += r.absent
        s[5] += r.on_leave
        s[6] += r.trip
        s[7] += r.overtime_minutes
    return {k: tuple(v) for k, v in sums.items()}


def run(options: Options, database: Database) -> None:
    company = build_demo_company(size="large", seed=1, until="org")
    assert company.org is not None
    build_attendance(company)
    analyze(options)
    org = company.org
    employees = list(selectors.stats_employees(actor=_admin(company)))
    days = sorted(set(DailyStatus.objects.filter(org=org).values_list("day", flat=True)))
    start, end = days[0], days[-1]
    now = company.now + timedelta(days=1)
    with CaptureQueriesContext(connection) as rollup_q:
        rollup = from_rollup(org.pk, employees, start, end)
    with CaptureQueriesContext(connection) as raw_q:
        raw = from_clocks(org, employees, days, now)
    mismatched = sum(1 for k in rollup if rollup[k] != raw.get(k))
    rollup_t, raw_t = measure(lambda: from_rollup(org.pk, employees, start, end),
                              lambda: from_clocks(org, employees, days, now), options=options)  # fmt: skip
    size = {
        "people": len(employees), "days": len(days),
        "daily_status_rows": DailyStatus.objects.filter(org=org, day__range=(start, end)).count(),
        "clock_rows": Clock.objects.filter(org=org, day__range=(start, end)).count(),
        "request_rows": AttendanceRequest.objects.filter(org=org).count(),
    }  # fmt: skip
    print(f"\nattendance on {database.vendor} {database.version}: {size}; load {os.getloadavg()[0]:.1f}")
    print_table(
        ("path", "rows read", "queries", "median_ms", "min_ms", "max_ms"),
        [
            ("rollup (GROUP BY daily statuses)", size["daily_status_rows"], len(rollup_q.captured_queries),
             round(rollup_t.median_ms, 1), round(rollup_t.min_ms, 1), round(rollup_t.max_ms, 1)),
            ("raw clocks + leave + trips, computed", size["clock_rows"] + size["request_rows"],
             len(raw_q.captured_queries), round(raw_t.median_ms, 1), round(raw_t.min_ms, 1), round(raw_t.max_ms, 1)),
        ],
    )  # fmt: skip
    print(f"ratio raw/rollup: {raw_t.median_ms / rollup_t.median_ms:.1f}x; people whose figures differ: {mismatched}")
    assert mismatched == 0, "the rollup and the raw computation disagree"
    write_results("attendance", database, {"size": size, "options": asdict(options), "rollup": rollup_t,
                                           "raw": raw_t, "days": DAYS})  # fmt: skip


def _admin(company: Any) -> Any:
    from fieldloop.org.models import Role

    return next(e for e in company.employees if e.role == Role.ADMIN)
