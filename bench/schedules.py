"""Schedules and the daily close (issue 12) at company size: the calendar pages against one hand-written query, their
queries per request for two team sizes, and the nightly close of one day for the whole company against the bare SQL.

Data: the large demo company's people (demo step "org", seed 1: 1,932 employees, ~1,800 reps) and, inserted raw
(`core.bulk.insert_rows`: COPY on PostgreSQL, one executemany on SQLite), ITEMS_PER_DAY schedule items per rep per
working day (Monday to Saturday, the default working week) over as many past working days as `--rows` items allow
(2,500,000 by default, about a year; 100,000 with `--quick`) and the week ahead: past items done (80%), missed
(14%) or cancelled; the close day's (yesterday's) items still planned (20%) or done; the coming days planned. Items
have no customer (the demo's customer generator is the slow part; a customer is one more LEFT JOIN on both sides).

1. Pages, through Django's test client (session, middleware, template), as the managers of a team and of a
   branch: the team's day (`/schedule/team/?day=`: a page of TEAM_PAGE_SIZE columns), a rep's week as the
   manager sees it (`/schedule/week/?employee=&day=`), and as a rep her own week (`/schedule/week/?day=`). The
   baseline is one hand-written SQL query for the same items (the page's employees by name, their items that
   day or week, ordered), raw rows; checked to return the same item ids as the app's selector first.
2. Queries per request for both managers: the same for a team of ~20 and a branch of ~90.
3. The nightly close of the close day: `all_orgs_close_schedule_days` (items still planned become missed)
   against one bare `UPDATE ... WHERE state = 'planned' AND day < today`; and `all_orgs_close_daily_cards`
   (a "not filed" card with the day's figures for everyone who must file one: ~1,900 cards, the other days of
   its window closed beforehand) against one bare `INSERT ... SELECT` of the same cards whose figures are the
   items' counts, visits and records counted in SQL. Each run starts from the same state (reset untimed).
"""

import os
import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.core.bulk import insert_rows
from fieldloop.core.pagination import keyset_page
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee, Role
from fieldloop.schedules import card_services, selectors, services
from fieldloop.schedules.cards import CARD_ROLES, CLOSE_DAYS_BACK
from fieldloop.schedules.models import DailyCard, ItemKind, ItemState, ScheduleItem
from fieldloop.schedules.views import TEAM_PAGE_SIZE

from .harness import Database, Options, analyze, measure, print_table, write_results

ITEMS_PER_DAY = 5
DAYS_AHEAD = 6
FULL_ROWS = 2_500_000
QUICK_ROWS = 100_000
FIELDS = (
    "created_at", "updated_at", "org_id", "client_id", "employee_id", "created_by_id", "day", "start_time",
    "end_time", "kind", "title", "notes", "state", "done_at", "done_note", "is_exception",
)  # fmt: skip
KINDS = [ItemKind.VISIT, ItemKind.VISIT, ItemKind.VISIT, ItemKind.CALL, ItemKind.TASK]

TEAM_SQL = """
SELECT i.id, i.employee_id, i.day, i.start_time, i.end_time, i.kind, i.title, i.state, i.done_at, i.done_note,
       i.notes, i.customer_id, c.name FROM schedules_scheduleitem i
LEFT JOIN customers_customer c ON c.id = i.customer_id
WHERE i.org_id = %s AND i.day = %s AND i.employee_id IN (
    SELECT e.id FROM org_employee e JOIN org_department d ON d.id = e.department_id
    WHERE e.org_id = %s AND e.status = 'active' AND d.path LIKE %s ORDER BY e.name, e.id LIMIT %s)
ORDER BY i.employee_id, i.start_time, i.id
"""
WEEK_SQL = """
SELECT i.id, i.employee_id, i.day, i.start_time, i.end_time, i.kind, i.title, i.state, i.done_at, i.done_note,
       i.notes, i.customer_id, c.name FROM schedules_scheduleitem i
LEFT JOIN customers_customer c ON c.id = i.customer_id
WHERE i.org_id = %s AND i.employee_id = %s AND i.day >= %s AND i.day <= %s
ORDER BY i.day, i.start_time, i.id
"""
CLOSE_ITEMS_SQL = (
    "UPDATE schedules_scheduleitem SET state = 'missed', updated_at = %s WHERE state = 'planned' AND day < %s"
)


def _cards_sql(vendor: str) -> str:
    obj = "json_build_object" if vendor == "postgresql" else "json_object"
    return f"""
INSERT INTO schedules_dailycard (created_at, updated_at, org_id, employee_id, day, status, deadline, figures,
    on_time, review_comment)
SELECT %s, %s, e.org_id, e.id, %s, 'not_filed', %s, {obj}(
    'items', {obj}('planned', COALESCE(i.total, 0), 'done', COALESCE(i.done, 0), 'missed', COALESCE(i.missed, 0),
                   'open', COALESCE(i.open, 0)),
    'visits', COALESCE(v.n, 0), 'effective_visits', COALESCE(v.effective, 0),
    'records', COALESCE(r.n, 0)),
    FALSE, ''
FROM org_employee e
LEFT JOIN (SELECT employee_id, COUNT(*) AS total, SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS done,
                  SUM(CASE WHEN state = 'missed' THEN 1 ELSE 0 END) AS missed,
                  SUM(CASE WHEN state = 'planned' THEN 1 ELSE 0 END) AS open
           FROM schedules_scheduleitem WHERE org_id = %s AND day = %s GROUP BY employee_id) i ON i.employee_id = e.id
LEFT JOIN (SELECT employee_id, COUNT(*) AS n, SUM(CASE WHEN effective THEN 1 ELSE 0 END) AS effective
           FROM activities_visit WHERE org_id = %s AND checked_in_at >= %s AND checked_in_at < %s
           GROUP BY employee_id) v ON v.employee_id = e.id
LEFT JOIN (SELECT author_id, COUNT(*) AS n FROM activities_workrecord
           WHERE org_id = %s AND archived_at IS NULL AND captured_at >= %s AND captured_at < %s
           GROUP BY author_id) r ON r.author_id = e.id
WHERE e.org_id = %s AND e.status = 'active' AND e.role IN ('rep', 'manager') AND e.created_at < %s
  AND NOT EXISTS (SELECT 1 FROM schedules_dailycard k WHERE k.org_id = e.org_id AND k.employee_id = e.id
                  AND k.day = %s)
"""


def _working_days(last: date, count: int) -> list[date]:
    days: list[date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 6:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _load_items(org_id: int, reps: list[Employee], boss: dict[int, int], days: list[date], close_day: date) -> int:
    rng = random.Random(1)  # noqa: S311 - reproducible data
    zone = ZoneInfo("Asia/Shanghai")
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    total = 0
    for day in days:
        created = datetime.combine(day - timedelta(days=1), time(18), tzinfo=zone)
        for rep in reps:
            for n in range(ITEMS_PER_DAY):
                hour = 9 + n * 2 - rng.randint(0, 1)
                if day > close_day:
                    state = ItemState.PLANNED
                elif day == close_day:
                    state = ItemState.PLANNED if rng.random() < 0.2 else ItemState.DONE
                else:
                    r = rng.random()
                    state = ItemState.DONE if r < 0.8 else ItemState.MISSED if r < 0.94 else ItemState.CANCELLED
                done_at = datetime.combine(day, time(hour + 1), tzinfo=zone) if state == ItemState.DONE else None
                rows.append((
                    min(created, now), min(done_at or created, now), org_id, uuid.UUID(int=rng.getrandbits(128)),
                    rep.pk, boss[rep.pk] if n == 0 else rep.pk, day, time(hour), time(hour + 1), KINDS[n],
                    f"计划 {n + 1}", "", state, done_at, "已完成" if state == ItemState.DONE else "", False,
                ))  # fmt: skip
        if len(rows) >= 200_000:
            total += insert_rows(ScheduleItem, FIELDS, rows)
            rows = []
    return total + insert_rows(ScheduleItem, FIELDS, rows)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"bench: {url} answered {response.status_code}")
    return len(captured.captured_queries)


def _timed_once(fn: Callable[[], object]) -> float:
    import time as clock

    start = clock.perf_counter()
    fn()
    return (clock.perf_counter() - start) * 1000


def run(options: Options, database: Database) -> None:
    import time as clock

    target_rows = options.rows if options.rows_given else (QUICK_ROWS if options.quick else FULL_ROWS)
    started = clock.perf_counter()
    company = build_demo_company(size="large", seed=1, until="org")
    org = company.org
    if org is None:
        raise SystemExit("bench: no demo organization")
    zone = ZoneInfo(org.time_zone)
    # the people had joined long before the year of plans (a card is required from the day one joins)
    Employee.objects.filter(org=org).update(created_at=timezone.now() - timedelta(days=800))
    org_seconds = clock.perf_counter() - started
    reps = list(Employee.objects.filter(org=org, role=Role.REP).active().order_by("id"))
    boss = {e.pk: e.manager_id or e.pk for e in reps}
    today = timezone.now().astimezone(zone).date()
    close_day = _working_days(today - timedelta(days=1), 1)[0]
    past = max(2, target_rows // (len(reps) * ITEMS_PER_DAY) - DAYS_AHEAD)
    days = (
        _working_days(close_day, past)
        + [d for d in (today + timedelta(days=n) for n in range(0, DAYS_AHEAD + 2)) if d.weekday() < 6][:DAYS_AHEAD]
    )
    started = clock.perf_counter()
    with transaction.atomic():
        items = _load_items(org.pk, reps, boss, days, close_day)
    load_seconds = clock.perf_counter() - started
    analyze(options)

    rep = reps[0]
    if rep.manager_id is None:
        raise SystemExit("bench: the first rep has no manager")
    team_manager = Employee.objects.select_related("department", "user").get(pk=rep.manager_id)
    branch_manager = (
        Employee.objects.select_related("department", "user").filter(pk=team_manager.manager_id or 0).first()
    )
    if branch_manager is None or branch_manager.role != Role.MANAGER:
        raise SystemExit("bench: the first rep's manager's manager is not a manager")
    rep = Employee.objects.select_related("department", "user").get(pk=rep.pk)
    week = [close_day - timedelta(days=close_day.weekday()) + timedelta(days=n) for n in range(7)]
    print(
        f"\n== schedules on {database.vendor} {database.version} ({database.detail})\n"
        f"   {len(company.employees):,} employees, {len(reps):,} reps, {items:,} schedule items over {len(days)} "
        f"working days ({ITEMS_PER_DAY} per rep per day; {past} past days and {DAYS_AHEAD} ahead); people built in "
        f"{org_seconds:.0f} s, items inserted raw in {load_seconds:.0f} s ({items / load_seconds:,.0f} rows/s); "
        f"close day {close_day}; load average {os.getloadavg()[0]:.1f}\n"
    )

    page_rows: list[list[Any]] = []
    count_rows: list[tuple[str, str, int]] = []
    payload: dict[str, Any] = {"items": items, "days": len(days), "reps": len(reps), "pages": {}, "close": {}}
    actors = [("team manager", team_manager), ("branch manager", branch_manager)]
    for label, manager in actors:
        team = selectors.team_employees(actor=manager)
        visible = team.count()
        page = keyset_page(team, ordering=("name", "id"), cursor=None, limit=TEAM_PAGE_SIZE)
        app_ids = [
            i.pk for c in selectors.day_columns(actor=manager, employees=page.items, day=close_day) for i in c.items
        ]
        prefix = manager.department.path + "%"
        team_params = (org.pk, close_day, org.pk, prefix, TEAM_PAGE_SIZE)
        raw_ids = [r[0] for r in _raw(TEAM_SQL, team_params)]
        if sorted(app_ids) != sorted(raw_ids):
            raise SystemExit(f"bench: team day of {label}: the app shows {len(app_ids)} items, the SQL {len(raw_ids)}")
        week_of = page.items[-1] if page.items[-1].pk != manager.pk else page.items[0]
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(manager.user)
        cases = [
            ("team day", f"/schedule/team/?day={close_day}", TEAM_SQL, team_params, len(raw_ids)),
            (
                "a rep's week", f"/schedule/week/?employee={week_of.pk}&day={close_day}", WEEK_SQL,
                (org.pk, week_of.pk, week[0], week[-1]), None,
            ),
        ]  # fmt: skip
        if label == "team manager":
            rep_client = Client(HTTP_HOST="127.0.0.1")
            rep_client.force_login(rep.user)
            cases.append(
                (
                    "own week (rep)",
                    f"/schedule/week/?day={close_day}",
                    WEEK_SQL,
                    (org.pk, rep.pk, week[0], week[-1]),
                    None,
                )
            )
        for operation, url, sql, params, n in cases:
            who = rep_client if operation.startswith("own") else client
            rows = n if n is not None else len(_raw(sql, params))
            page_ms, sql_ms = measure(_get(who, url), _query(sql, params), options=options)
            queries = _queries(who, url)
            actor = "rep" if operation.startswith("own") else label
            page_rows.append([database.vendor, actor, visible, operation, rows, page_ms.median_ms, sql_ms.median_ms,
                              f"{page_ms.median_ms / sql_ms.median_ms:.1f}x", queries])  # fmt: skip
            count_rows.append((actor, url.split("&")[0] if "employee=" in url else url, queries))
            payload["pages"][f"{actor}: {operation}"] = {
                "page": page_ms,
                "sql": sql_ms,
                "queries": queries,
                "rows": rows,
            }
    print_table(
        ["database", "actor", "team", "operation", "items", "page_ms", "handwritten_ms", "ratio", "queries"], page_rows
    )
    by_page: dict[str, set[int]] = {}
    for actor, url, n in count_rows:
        if actor != "rep":
            by_page.setdefault(url.split("?")[0] + ("?employee" if "employee" in url else ""), set()).add(n)
    constant = all(len(v) == 1 for v in by_page.values())
    print(f"\nqueries per request the same for a team and a branch: {'yes' if constant else 'NO'} "
          f"({', '.join(f'{k}: {sorted(v)}' for k, v in by_page.items())})")  # fmt: skip

    # --- the nightly close ---------------------------------------------------------------------------------
    close_now = datetime.combine(close_day + timedelta(days=1), time(2), tzinfo=zone)
    # the other days of the cards' window are closed already (last night's run and the ones before)
    with transaction.atomic():
        card_services.all_orgs_close_daily_cards(now=datetime.combine(close_day, time(2), tzinfo=zone))
    planned_ids = list(
        ScheduleItem.objects.filter(org=org, day=close_day, state=ItemState.PLANNED).values_list("pk", flat=True)
    )
    # later days were planned but have not ended: nothing else is planned before today
    ScheduleItem.objects.filter(org=org, day__lt=close_day, state=ItemState.PLANNED).update(state=ItemState.MISSED)

    def reset_items() -> None:
        ScheduleItem.objects.filter(pk__in=planned_ids).update(state=ItemState.PLANNED)

    def reset_cards() -> None:
        DailyCard.objects.filter(org=org, day=close_day).delete()

    def app_items() -> None:
        with transaction.atomic():
            services.all_orgs_close_schedule_days(now=close_now)

    today_close = close_now.astimezone(zone).date()

    def raw_items() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(CLOSE_ITEMS_SQL, [close_now, today_close])

    deadline = datetime.combine(close_day, time(21), tzinfo=zone)
    start = datetime.combine(close_day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)

    def app_cards() -> None:
        card_services.all_orgs_close_daily_cards(now=close_now)

    def raw_cards() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _cards_sql(connection.vendor),
                [close_now, close_now, close_day, deadline, org.pk, close_day, org.pk, start, end, org.pk, start, end,
                 org.pk, end, close_day],
            )  # fmt: skip

    close_rows: list[list[Any]] = []
    pairs = [
        ("items still planned -> missed", app_items, raw_items, reset_items, len(planned_ids)),
        ("daily cards stored not filed", app_cards, raw_cards, reset_cards, None),
    ]
    for operation, app, raw, reset, n in pairs:
        app_ms: list[float] = []
        raw_ms: list[float] = []
        queries = 0
        for round_ in range(options.warmup + options.repeat):
            reset()
            with CaptureQueriesContext(connection) as captured:
                a = _timed_once(app)
            queries = len(captured.captured_queries)
            written = n if n is not None else DailyCard.objects.filter(org=org, day=close_day).count()
            reset()
            b = _timed_once(raw)
            if n is None and DailyCard.objects.filter(org=org, day=close_day).count() != written:
                raise SystemExit("bench: the bare INSERT wrote another number of cards than the close")
            if round_ >= options.warmup:
                app_ms.append(a)
                raw_ms.append(b)
        app_ms.sort()
        raw_ms.sort()
        a_med, b_med = app_ms[len(app_ms) // 2], raw_ms[len(raw_ms) // 2]
        close_rows.append([database.vendor, operation, written, a_med / 1000, b_med / 1000, f"{a_med / b_med:.1f}x",
                           queries])  # fmt: skip
        payload["close"][operation] = {"rows": written, "app_ms": app_ms, "raw_ms": raw_ms, "queries": queries}
    reset_items()
    print()
    print_table(["database", "nightly close of one day", "rows", "app_s", "bare_sql_s", "ratio", "queries"], close_rows)
    print(
        f"   (cards: the close looks at the last {CLOSE_DAYS_BACK + 1} days, the ones before the close day closed "
        f"beforehand; who files: {', '.join(str(r) for r in CARD_ROLES)})"
    )
    path = write_results("schedules", database, {"options": options, **payload})
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")


def _get(client: Client, url: str) -> Callable[[], object]:
    return lambda: client.get(url)


def _query(sql: str, params: tuple[Any, ...]) -> Callable[[], object]:
    return lambda: _raw(sql, params)


def _raw(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
