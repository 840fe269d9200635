"""Visibility: what `scope_to_visible` costs against one hand-written query, and queries per request.

Data: the large demo company (fieldloop.demo, seed 1) and `rows` audit entries spread over its
employees and 90 days. Two actors: the director (sees the whole sales centre) and a branch
manager at department depth 3 (sees her branch and its teams).
"""

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.core.pagination import keyset_page
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import AuditEntry, DataScope, Department, Employee, Role
from fieldloop.org.selectors import scope_to_visible

from .harness import (
    Database,
    Options,
    Timing,
    analyze,
    executed_sql,
    explain,
    measure,
    print_query_counts,
    print_table,
    write_results,
)

ORDERING = ("-created_at", "-id")
PAGE_SIZE = 50
DEEP_PAGE_FOLLOWS = 20  # the deep page is the one reached by following next_cursor this many times
REQUEST_URLS = ("/api/v1/employees?limit=10", "/api/v1/employees?limit=200", "/employees/")
ACTIONS = ("customer.update", "visit.create", "order.create", "employee.update", "customer.handover")

AUDIT = AuditEntry._meta.db_table
EMPLOYEE = Employee._meta.db_table
DEPARTMENT = Department._meta.db_table
COLUMNS = "a.id, a.org_id, a.actor_id, a.action, a.object_type, a.object_id, a.changes, a.created_at, a.updated_at"
VISIBLE_FROM = f"""
    FROM {AUDIT} a
    JOIN {EMPLOYEE} e ON e.id = a.actor_id
    JOIN {DEPARTMENT} d ON d.id = e.department_id
    WHERE a.org_id = %s AND d.path LIKE %s"""
PAGE_SQL = f"SELECT {COLUMNS} {VISIBLE_FROM} {{keyset}} ORDER BY a.created_at DESC, a.id DESC LIMIT %s"
DEEP_KEYSET = "AND (a.created_at < %s OR (a.created_at = %s AND a.id < %s))"
COUNT_SQL = f"SELECT COUNT(*) {VISIBLE_FROM}"


@dataclass(frozen=True)
class Actor:
    label: str
    pk: int
    depth: int
    path: str


@dataclass(frozen=True)
class Case:
    operation: str
    scoped: Callable[[], object]
    sql: str  # the hand-written baseline
    params: tuple[Any, ...]


@dataclass(frozen=True)
class Row:
    actor: str
    depth: int
    visible_rows: int
    operation: str
    scoped: Timing
    handwritten: Timing | None = None
    scoped_sql: Timing | None = None  # the SQL the scoped path sent, run raw: the database's share of `scoped`

    @property
    def ratio(self) -> float | None:
        return self.scoped.median_ms / self.handwritten.median_ms if self.handwritten else None

    @property
    def sql_ratio(self) -> float | None:
        return self.scoped_sql.median_ms / self.handwritten.median_ms if self.scoped_sql and self.handwritten else None


def run(options: Options, database: Database) -> None:
    company = build_demo_company(size="large", seed=1, until="org")
    assert company.org is not None
    org_id = company.org.pk
    insert_seconds = insert_audit_entries(org_id, [e.pk for e in company.employees], rows=options.rows)
    analyze(options)
    manager = Employee.objects.filter(org_id=org_id, role=Role.MANAGER, department__depth=3).order_by("id").first()
    assert manager is not None, "the large demo tree has branch managers at depth 3"
    actors = [pick_actor("director", Employee.objects.get(user__username="director")), pick_actor("manager", manager)]

    rows: list[Row] = []
    plans: dict[str, dict[str, dict[str, list[str]]]] = {}
    for actor in actors:
        actor_rows, plans[actor.label] = measure_actor(actor, org_id, options)
        rows += actor_rows
    requests = count_request_queries(actors)
    size = {
        "employees": len(company.employees),
        "departments": len(company.departments),
        "rows": options.rows,
        "insert_rows_per_s": round(options.rows / insert_seconds),
    }
    constant = report(database, options, size, rows, requests, plans)
    path = write_results(
        "visibility",
        database,
        {
            "size": size,
            "options": options,
            "load_average": os.getloadavg()[0],
            "actors": actors,
            "timings": [{**r.__dict__, "ratio": r.ratio, "sql_ratio": r.sql_ratio} for r in rows],
            "requests": [{"actor": a, "url": u, "queries": c} for a, u, c in requests],
            "queries_constant": constant,
            "plans": plans,
        },
    )
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")


def report(
    database: Database,
    options: Options,
    size: dict[str, int],
    rows: list[Row],
    requests: list[tuple[str, str, int]],
    plans: dict[str, dict[str, dict[str, list[str]]]],
) -> bool:
    """Print the tables (and plans with --explain); answer whether queries per request are constant."""
    stats = "none, as the app leaves SQLite" if database.vendor == "sqlite" and not options.sqlite_stats else "ANALYZE"
    print(
        f"\n== visibility on {database.vendor} {database.version} ({database.detail})\n"
        f"   {size['employees']:,} employees, {size['departments']:,} departments, {size['rows']:,} audit rows "
        f"(inserted at {size['insert_rows_per_s']:,} rows/s); median ms of {options.repeat} runs after "
        f"{options.warmup} warm-ups; planner statistics: {stats}; load average {os.getloadavg()[0]:.1f}\n"
        "   scoped = load the actor + scope_to_visible + keyset_page/count through the ORM; "
        "scoped_sql = the SQL it sent, run raw\n"
    )
    print_table(
        (
            "database",
            "actor(depth)",
            "visible_rows",
            "operation",
            "scoped_ms",
            "handwritten_ms",
            "ratio",
            "scoped_sql_ms",
            "sql_ratio",
        ),
        [
            (
                database.vendor,
                f"{r.actor}({r.depth})",
                r.visible_rows,
                r.operation,
                r.scoped.median_ms,
                _ms(r.handwritten),
                _times(r.ratio),
                _ms(r.scoped_sql),
                _times(r.sql_ratio),
            )
            for r in rows
        ],
    )
    print()
    constant = print_query_counts(database.vendor, "actor(depth)", requests)
    if options.explain:
        for label, by_operation in plans.items():
            for operation, by_query in by_operation.items():
                for query, plan in by_query.items():
                    print(f"\nEXPLAIN {query} {operation}, {label}:\n  " + "\n  ".join(plan))
    return constant


def _ms(timing: Timing | None) -> object:
    return "-" if timing is None else timing.median_ms


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def insert_audit_entries(org_id: int, employee_ids: list[int], *, rows: int) -> float:
    """`rows` audit entries, actors spread over employees and times over 90 days: executemany, one transaction."""
    rng = random.Random(1)  # noqa: S311 - reproducible test data, not secrets
    now = timezone.now()
    ops = connection.ops
    changes = ops.adapt_json_value({"status": ["open", "won"]}, None)
    params = []
    for _ in range(rows):
        created = now - timedelta(seconds=rng.randrange(90 * 24 * 3600), microseconds=rng.randrange(1_000_000))
        at = ops.adapt_datetimefield_value(created)
        params.append(
            (
                org_id,
                rng.choice(employee_ids),
                rng.choice(ACTIONS),
                "customer",
                str(rng.randrange(1, 50_000)),
                changes,
                at,
                at,
            )
        )
    sql = (
        f"INSERT INTO {AUDIT} (org_id, actor_id, action, object_type, object_id, changes, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return time.perf_counter() - start


def pick_actor(label: str, employee: Employee) -> Actor:
    scope = employee.org.data_scope_for(employee.role)
    assert scope == DataScope.DEPARTMENT_TREE, f"the baseline assumes a department_tree scope, {label} has {scope}"
    return Actor(label=label, pk=employee.pk, depth=employee.department.depth, path=employee.department.path)


def fresh(actor: Actor) -> Employee:
    """The actor as a request loads it: no visibility cached yet."""
    return Employee.objects.select_related("org", "department").get(pk=actor.pk)


def scoped_page(actor: Actor, cursor: str | None) -> list[int]:
    qs = scope_to_visible(AuditEntry.objects.all(), actor=fresh(actor), owner_field="actor")
    return [e.pk for e in keyset_page(qs, ordering=ORDERING, cursor=cursor, limit=PAGE_SIZE).items]


def scoped_count(actor: Actor) -> int:
    return scope_to_visible(AuditEntry.objects.all(), actor=fresh(actor), owner_field="actor").count()


def handwritten(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or None)
        return cursor.fetchall()


def measure_actor(actor: Actor, org_id: int, options: Options) -> tuple[list[Row], dict[str, dict[str, list[str]]]]:
    deep_cursor: str | None = None
    last: AuditEntry | None = None
    for _ in range(DEEP_PAGE_FOLLOWS):
        qs = scope_to_visible(AuditEntry.objects.all(), actor=fresh(actor), owner_field="actor")
        page = keyset_page(qs, ordering=ORDERING, cursor=deep_cursor, limit=PAGE_SIZE)
        deep_cursor, last = page.next_cursor, page.items[-1]
    assert deep_cursor is not None and last is not None, "not enough visible rows for the deep page; raise --rows"
    at = connection.ops.adapt_datetimefield_value(last.created_at)
    prefix = actor.path + "%"
    first = Case(
        "first page", lambda: scoped_page(actor, None), PAGE_SQL.format(keyset=""), (org_id, prefix, PAGE_SIZE + 1)
    )
    deep = Case(
        f"page {DEEP_PAGE_FOLLOWS + 1}",
        lambda: scoped_page(actor, deep_cursor),
        PAGE_SQL.format(keyset=DEEP_KEYSET),
        (org_id, prefix, at, at, last.pk, PAGE_SIZE + 1),
    )
    count = Case("count", lambda: scoped_count(actor), COUNT_SQL, (org_id, prefix))
    # The scoped and hand-written queries must agree before their times mean anything.
    for page_case in (first, deep):
        assert page_case.scoped() == [r[0] for r in handwritten(page_case.sql, page_case.params)[:PAGE_SIZE]]
    visible = scoped_count(actor)
    assert visible == handwritten(count.sql, count.params)[0][0]

    [load] = measure(lambda: fresh(actor), options=options)
    rows = [Row(actor.label, actor.depth, visible, "load actor", load)]
    plans: dict[str, dict[str, list[str]]] = {}
    for case in (first, deep, count):
        scoped_sql = executed_sql(case.scoped)[-1]  # after the actor's load
        scoped, baseline, raw = measure(
            case.scoped, partial(handwritten, case.sql, case.params), partial(handwritten, scoped_sql), options=options
        )
        rows.append(Row(actor.label, actor.depth, visible, case.operation, scoped, baseline, raw))
        plans[case.operation] = {"scoped": explain(scoped_sql), "handwritten": explain(case.sql, case.params)}
    return rows, plans


def count_request_queries(actors: list[Actor]) -> list[tuple[str, str, int]]:
    """SQL queries per request for each actor and URL, counted on a warmed-up client."""
    counts = []
    for actor in actors:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(fresh(actor).user)
        for url in REQUEST_URLS:
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, f"{url} answered {response.status_code} for {actor.label}"
            counts.append((f"{actor.label}({actor.depth})", url, len(captured.captured_queries)))
    return counts
