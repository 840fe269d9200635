"""Customers: the list page, name search and the masked duplicate search against hand-written SQL,
queries per request, and the import's rows per second against a raw bulk insert.

Data: the large demo company (fieldloop.demo, seed 1) with `rows` customers (fieldloop.demo.customers's "large"
count, set from the options for this run only). Two actors: the director (sees the sales centre's
customers, a department tree) and the first rep (sees her own customers, those she collaborates on
and the public pool's).
"""

import io
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Field
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

import fieldloop.demo.customers
from fieldloop.core.pagination import keyset_page
from fieldloop.customers import credit_code
from fieldloop.customers.duplicates import all_orgs_masked_existence_check
from fieldloop.customers.import_template import import_template
from fieldloop.customers.imports import COLUMNS, import_commit, import_dry_run, read_table
from fieldloop.customers.models import Customer, CustomerLevel, CustomerSource, CustomerStage, PoolMembership
from fieldloop.customers.selectors import CustomerFilters, customer_list
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import DataScope, Department, Employee, Role
from fieldloop.org.selectors import visibility_for

from .harness import (
    Database,
    Options,
    Timing,
    analyze,
    executed_sql,
    explain,
    handwritten,
    measure,
    print_query_counts,
    print_table,
    write_results,
)

ORDERING = ("-updated_at", "-id")
PAGE_SIZE = 50
DEEP_PAGE_FOLLOWS = 20  # the deep page is the one reached by following next_cursor this many times
# Two characters ("机械") have no trigram: a LIKE bounded by the page's order and LIMIT; three or more use
# the trigram index (customers/migrations/0008_customer_name_search.py).
SEARCHES = (("prefix", "上海精"), ("substring", "机械"), ("substring", "机械有限"))
MASKED_QUERIES = ("上海精", "机械")
MASKED_RESULTS = 10
REQUEST_URLS = ("/api/v1/customers?limit=10", "/api/v1/customers?limit=200", "/customers/")
IMPORT_ROWS = 10_000

CUSTOMER = Customer._meta.db_table
EMPLOYEE = Employee._meta.db_table
DEPARTMENT = Department._meta.db_table
STAGE = CustomerStage._meta.db_table
COLLABORATORS = Customer.collaborators.through._meta.db_table
MEMBERSHIP = PoolMembership._meta.db_table
LIST_COLUMNS = "c.id, c.name, c.short_name, c.level, c.phone, c.city, c.updated_at, o.name, s.name"
LIST_FROM = f"""
    FROM {CUSTOMER} c
    LEFT JOIN {EMPLOYEE} o ON o.id = c.owner_id
    LEFT JOIN {DEPARTMENT} od ON od.id = o.department_id
    LEFT JOIN {STAGE} s ON s.id = c.stage_id
    WHERE c.org_id = %s AND c.archived_at IS NULL AND (
        {{reach}}
        OR c.id IN (SELECT customer_id FROM {COLLABORATORS} WHERE employee_id = %s)
        OR (c.owner_id IS NULL AND c.pool_id IN (SELECT pool_id FROM {MEMBERSHIP} WHERE employee_id = %s)))"""
REACH = {DataScope.SELF: "c.owner_id = %s", DataScope.DEPARTMENT_TREE: "od.path LIKE %s"}
KEYSET = " AND (c.updated_at < %s OR (c.updated_at = %s AND c.id < %s))"
ORDER = " ORDER BY c.updated_at DESC, c.id DESC LIMIT %s"
MASKED_SQL = f"""SELECT c.name, d.name, c.owner_id, c.archived_at
    FROM {CUSTOMER} c
    LEFT JOIN {EMPLOYEE} o ON o.id = c.owner_id
    LEFT JOIN {DEPARTMENT} d ON d.id = o.department_id
    WHERE c.org_id = %s AND c.name LIKE %s
    ORDER BY c.name, c.id LIMIT %s"""


@dataclass(frozen=True)
class Actor:
    label: str
    pk: int
    scope: DataScope
    reach: Any  # the hand-written reach's parameter: the actor's id (self) or department path prefix (tree)


@dataclass(frozen=True)
class Case:
    operation: str
    scoped: Callable[[], list[Any]]
    sql: str  # the hand-written baseline
    params: tuple[Any, ...]
    project: Callable[[list[tuple[Any, ...]]], list[Any]]  # its rows as `scoped` returns them


@dataclass(frozen=True)
class Row:
    actor: str
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


@dataclass
class ImportFigures:
    rows: int
    dry_run: Timing
    commit_rows: int
    commit_s: float
    raw_rows: int
    raw_s: float
    copy_s: float | None = None  # the same rows by COPY (PostgreSQL only)
    notes: list[str] = field(default_factory=list)

    @property
    def dry_run_rows_per_s(self) -> float:
        return self.rows / (self.dry_run.median_ms / 1000)

    @property
    def commit_rows_per_s(self) -> float:
        return self.commit_rows / self.commit_s

    @property
    def raw_rows_per_s(self) -> float:
        return self.raw_rows / self.raw_s

    @property
    def copy_rows_per_s(self) -> float | None:
        return self.raw_rows / self.copy_s if self.copy_s else None

    @property
    def bulk_rows_per_s(self) -> float:
        """The database's fastest bulk load of the rows: COPY on PostgreSQL, executemany on SQLite."""
        return self.copy_rows_per_s or self.raw_rows_per_s

    @property
    def commit_vs_bulk(self) -> float:
        """The commit's rate as a share of the fastest bulk load's (target: at least 0.5)."""
        return self.commit_rows_per_s / self.bulk_rows_per_s


@contextmanager
def large_count(rows: int) -> Iterator[None]:
    """fieldloop.demo.customers's "large" size set to `rows` customers for this run only."""
    saved = fieldloop.demo.customers.COUNTS["large"]
    fieldloop.demo.customers.COUNTS["large"] = rows
    try:
        yield
    finally:
        fieldloop.demo.customers.COUNTS["large"] = saved


def run(options: Options, database: Database) -> None:
    start = time.perf_counter()
    with large_count(options.rows):
        company = build_demo_company(size="large", seed=1, until="customers")
    generate_seconds = time.perf_counter() - start
    assert company.org is not None
    org_id = company.org.pk
    analyze(options)
    director = Employee.objects.get(user__username="director")
    rep = Employee.objects.filter(org_id=org_id, role=Role.REP).order_by("id").first()
    assert rep is not None
    actors = [pick_actor("director", director), pick_actor("rep", rep)]
    size = {
        "employees": len(company.employees),
        "customers": Customer.objects.filter(org_id=org_id).count(),
        "generate_s": round(generate_seconds, 1),
    }
    print(
        f"\n== customers on {database.vendor}: generated the large demo company with {size['customers']:,} customers "
        f"in {generate_seconds:.1f} s",
        flush=True,
    )

    rows: list[Row] = []
    plans: dict[str, dict[str, dict[str, list[str]]]] = {}
    for actor in actors:
        actor_rows, plans[actor.label] = measure_actor(actor, org_id, options)
        rows += actor_rows
    requests = count_request_queries(actors)
    figures = measure_import(rep, org_id, options)
    constant = report(database, options, size, rows, requests, figures, plans)
    path = write_results(
        "customers",
        database,
        {
            "size": size,
            "options": options,
            "load_average": os.getloadavg()[0],
            "actors": actors,
            "timings": [{**r.__dict__, "ratio": r.ratio, "sql_ratio": r.sql_ratio} for r in rows],
            "requests": [{"actor": a, "url": u, "queries": c} for a, u, c in requests],
            "queries_constant": constant,
            "import": {
                **figures.__dict__,
                "dry_run_rows_per_s": figures.dry_run_rows_per_s,
                "commit_rows_per_s": figures.commit_rows_per_s,
                "raw_rows_per_s": figures.raw_rows_per_s,
                "copy_rows_per_s": figures.copy_rows_per_s,
                "commit_vs_bulk": figures.commit_vs_bulk,
            },
            "plans": plans,
        },
    )
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")


def report(
    database: Database,
    options: Options,
    size: dict[str, Any],
    rows: list[Row],
    requests: list[tuple[str, str, int]],
    figures: ImportFigures,
    plans: dict[str, dict[str, dict[str, list[str]]]],
) -> bool:
    """Print the tables (and plans with --explain); answer whether queries per request are constant."""
    stats = "none, as the app leaves SQLite" if database.vendor == "sqlite" and not options.sqlite_stats else "ANALYZE"
    print(
        f"\n== customers on {database.vendor} {database.version} ({database.detail})\n"
        f"   {size['employees']:,} employees, {size['customers']:,} customers (generated in {size['generate_s']} s); "
        f"median ms of {options.repeat} runs after {options.warmup} warm-ups; planner statistics: {stats}; "
        f"load average {os.getloadavg()[0]:.1f}\n"
        "   scoped = load the actor + customers.selectors/duplicates + keyset_page through the ORM; "
        "scoped_sql = the SQL it sent, run raw\n"
    )
    print_table(
        (
            "database",
            "actor",
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
                r.actor,
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
    constant = print_query_counts(database.vendor, "actor", requests)
    print(f"\nimport of a {figures.rows:,}-row .xlsx (actor: the rep; owner empty)")
    print_import(database, figures)
    for note in figures.notes:
        print(f"   {note}")
    if options.explain:
        for label, by_operation in plans.items():
            for operation, by_query in by_operation.items():
                for query, plan in by_query.items():
                    print(f"\nEXPLAIN {query} {operation}, {label}:\n  " + "\n  ".join(plan))
    return constant


def print_import(database: Database, figures: ImportFigures) -> None:
    """The import's rows per second against the raw bulk loads of the same rows, as `share of bulk`: rows/s
    over the fastest bulk load's (COPY on PostgreSQL, executemany on SQLite)."""
    bulk = figures.bulk_rows_per_s
    lines: list[tuple[object, ...]] = [
        (database.vendor, "import_dry_run", figures.rows, figures.dry_run.median_ms / 1000,
         round(figures.dry_run_rows_per_s), f"{figures.dry_run_rows_per_s / bulk:.2f}"),
        (database.vendor, "import_commit", figures.commit_rows, figures.commit_s,
         round(figures.commit_rows_per_s), f"{figures.commit_vs_bulk:.2f}"),
        (database.vendor, "raw executemany INSERT", figures.raw_rows, figures.raw_s, round(figures.raw_rows_per_s),
         f"{figures.raw_rows_per_s / bulk:.2f}"),
    ]  # fmt: skip
    if figures.copy_s is not None and figures.copy_rows_per_s is not None:
        lines.append((database.vendor, "raw COPY", figures.raw_rows, figures.copy_s, round(figures.copy_rows_per_s),
                      "1.00"))  # fmt: skip
    print_table(("database", "operation", "rows", "seconds", "rows_per_s", "share_of_bulk"), lines)
    target = "yes" if figures.commit_vs_bulk >= 0.5 else "NO"
    print(f"commit at least half the fastest bulk load's rate: {target} ({figures.commit_vs_bulk:.2f})")


def _ms(timing: Timing | None) -> object:
    return "-" if timing is None else timing.median_ms


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def pick_actor(label: str, employee: Employee) -> Actor:
    scope = employee.org.data_scope_for(employee.role)
    assert scope in REACH, f"the baseline handles the self and department_tree scopes, {label} has {scope}"
    reach = employee.pk if scope == DataScope.SELF else employee.department.path + "%"
    return Actor(label=label, pk=employee.pk, scope=scope, reach=reach)


def fresh(actor: Actor) -> Employee:
    """The actor as a request loads it: no visibility cached yet."""
    return Employee.objects.select_related("org", "department").get(pk=actor.pk)


def scoped_page(actor: Actor, filters: CustomerFilters, cursor: str | None) -> list[int]:
    qs = customer_list(actor=fresh(actor), filters=filters)
    return [c.pk for c in keyset_page(qs, ordering=ORDERING, cursor=cursor, limit=PAGE_SIZE).items]


def scoped_masked(actor: Actor, query: str) -> list[tuple[str, str | None]]:
    return [(m.name, m.owner_department) for m in all_orgs_masked_existence_check(actor=fresh(actor), query=query)]


def page_ids(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [r[0] for r in rows[:PAGE_SIZE]]


def masked_rows(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [(r[0], r[1]) for r in rows]


def filter_sql(filters: CustomerFilters) -> tuple[str, tuple[Any, ...]]:
    """The filters as a person would write them, with the search a plain LIKE on the name."""
    clauses, params = [], []
    for column, value in (
        ("c.owner_id", filters.owner_id),
        ("c.level", filters.level),
        ("c.stage_id", filters.stage_id),
    ):
        if value:
            clauses.append(f" AND {column} = %s")
            params.append(value)
    return "".join(clauses), tuple(params)


def list_cases(actor: Actor, org_id: int, label: str, filters: CustomerFilters, like: str = "") -> list[Case]:
    """The first page and, when there is one, page 21 of the list with these filters."""
    where, where_params = filter_sql(filters)
    if like:
        where += " AND c.name LIKE %s"
        where_params += (like,)
    base = f"SELECT {LIST_COLUMNS} {LIST_FROM.format(reach=REACH[actor.scope])}{where}"
    params = (org_id, actor.reach, actor.pk, actor.pk, *where_params)
    cases = [
        Case(f"{label}: first page", partial(scoped_page, actor, filters, None), base + ORDER,
             (*params, PAGE_SIZE + 1), page_ids),
    ]  # fmt: skip
    cursor: str | None = None
    last: Customer | None = None
    for _ in range(DEEP_PAGE_FOLLOWS):
        page = keyset_page(customer_list(actor=fresh(actor), filters=filters), ordering=ORDERING, cursor=cursor,
                           limit=PAGE_SIZE)  # fmt: skip
        if page.next_cursor is None:
            return cases  # fewer than 21 pages
        cursor, last = page.next_cursor, page.items[-1]
    assert last is not None
    at = connection.ops.adapt_datetimefield_value(last.updated_at)
    cases.append(
        Case(f"{label}: page {DEEP_PAGE_FOLLOWS + 1}", partial(scoped_page, actor, filters, cursor),
             base + KEYSET + ORDER, (*params, at, at, last.pk, PAGE_SIZE + 1), page_ids)
    )  # fmt: skip
    return cases


def measure_actor(actor: Actor, org_id: int, options: Options) -> tuple[list[Row], dict[str, dict[str, list[str]]]]:
    employee = fresh(actor)
    stage = CustomerStage.objects.filter(org_id=org_id).order_by("position", "id")[1]
    owner = actor.pk if actor.scope == DataScope.SELF else first_rep_id(org_id)
    cases = [
        *list_cases(actor, org_id, "list", CustomerFilters()),
        *list_cases(actor, org_id, "level=A", CustomerFilters(level=CustomerLevel.A)),
        *list_cases(actor, org_id, f"stage={stage.name}", CustomerFilters(stage_id=stage.pk)),
        *list_cases(actor, org_id, f"owner={owner}", CustomerFilters(owner_id=owner)),
    ]
    for kind, text in SEARCHES:
        like = f"{text}%" if kind == "prefix" else f"%{text}%"
        cases += list_cases(actor, org_id, f"search {kind} {text}", CustomerFilters(search=text), like=like)
    for text in MASKED_QUERIES:
        cases.append(
            Case(f"masked search {text}", partial(scoped_masked, actor, text), MASKED_SQL,
                 (org_id, f"%{text}%", MASKED_RESULTS), masked_rows)
        )  # fmt: skip
    # The scoped and hand-written queries must agree before their times mean anything.
    for case in cases:
        got, expected = case.scoped(), case.project(handwritten(case.sql, case.params))
        assert got == expected, f"{actor.label} {case.operation}: scoped {got[:5]}... != handwritten {expected[:5]}..."
    visible = customer_list(actor=employee).count()

    [load] = measure(lambda: fresh(actor), options=options)
    rows = [Row(actor.label, visible, "load actor", load)]
    plans: dict[str, dict[str, list[str]]] = {}
    for case in cases:
        scoped_sql = executed_sql(case.scoped)[-1]  # after the actor's load
        scoped, baseline, raw = measure(
            case.scoped, partial(handwritten, case.sql, case.params), partial(handwritten, scoped_sql), options=options
        )
        rows.append(Row(actor.label, visible, case.operation, scoped, baseline, raw))
        plans[case.operation] = {"scoped": explain(scoped_sql), "handwritten": explain(case.sql, case.params)}
        print(f"   {actor.label} {case.operation}: {scoped.median_ms:.2f} ms", flush=True)
    assert visibility_for(employee).scope == actor.scope
    return rows, plans


def first_rep_id(org_id: int) -> int:
    rep = Employee.objects.filter(org_id=org_id, role=Role.REP).order_by("id").values_list("pk", flat=True).first()
    assert rep is not None
    return rep


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
            counts.append((actor.label, url, len(captured.captured_queries)))
    return counts


# --- Import ----------------------------------------------------------------------------------------


def import_values(n: int, rng: random.Random, stages: list[str]) -> dict[str, str]:
    """One valid spreadsheet row (owner empty), unlike any demo customer: no duplicate warnings."""
    province, city, lat, lon, districts = rng.choice(fieldloop.demo.customers.CITIES)
    industry = rng.choice(fieldloop.demo.customers.INDUSTRIES)
    first17 = f"92{n:06d}" + "".join(rng.choice(credit_code.ALPHABET) for _ in range(9))
    return {
        "name": f"{city}导入{n:05d}号{industry[:2]}有限公司",
        "short_name": f"导入{n:05d}",
        "credit_code": first17 + credit_code.check_character(first17),
        "industry": industry,
        "level": rng.choice(CustomerLevel.values),
        "stage": rng.choice(stages),
        "source": rng.choice(CustomerSource.values),
        "phone": f"021-6{n:07d}",
        "province": province,
        "city": city,
        "district": rng.choice(districts),
        "address": f"{rng.choice(districts)}工业路{n % 900 + 1}号",
        "latitude": f"{lat + rng.gauss(0, 0.05):.6f}",
        "longitude": f"{lon + rng.gauss(0, 0.05):.6f}",
        "tags": rng.choice(fieldloop.demo.customers.TAGS)[0],  # a tag of the demo organization, by name
    }


def import_file(actor: Employee, first: int, count: int) -> bytes:
    """An .xlsx from the import template, with rows numbered first .. first + count - 1."""
    workbook = load_workbook(io.BytesIO(import_template(actor=actor)))
    sheet = workbook.worksheets[0]
    rng = random.Random(first)  # noqa: S311 - reproducible test data, not secrets
    stages = [s.name for s in CustomerStage.objects.filter(org_id=actor.org_id).order_by("position", "id")]
    for n in range(first, first + count):
        values = import_values(n, rng, stages)
        sheet.append([values.get(column, "") for column in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def raw_insert(actor: Employee, content: bytes) -> tuple[int, float, float | None]:
    """The file's rows inserted by one executemany in one transaction (timed), then deleted again; on
    PostgreSQL, then by one COPY (timed), deleted again. The match keys (name_key, phone_key) are derived
    before the clock starts: the baselines are the database's insert only. Returns (rows, executemany
    seconds, COPY seconds or None)."""
    table = read_table(filename="bench.xlsx", content=content)
    stages = {s.name: s.pk for s in CustomerStage.objects.filter(org_id=actor.org_id)}
    now = timezone.now()
    fields = [concrete(name) for name in (
        "org", "client_id", "name", "short_name", "credit_code", "industry", "level", "stage", "source", "phone",
        "website", "province", "city", "district", "address", "latitude", "longitude", "owner",
        "custom_values", "created_by", "created_at", "updated_at", "name_key", "phone_key",
    )]  # fmt: skip
    params = []
    for _, cells in table.rows:
        values = {
            **{f: cells.get(f, "") for f in ("name", "short_name", "credit_code", "industry", "level", "source",
                                            "phone", "website", "province", "city", "district", "address")},
            "org": actor.org_id, "client_id": uuid.uuid4(), "stage": stages[cells["stage"]],
            "latitude": cells["latitude"], "longitude": cells["longitude"],
            "owner": actor.pk, "custom_values": {}, "created_by": actor.pk, "created_at": now, "updated_at": now,
        }  # fmt: skip
        keyed = Customer(name=str(values["name"]), phone=str(values["phone"]))
        keyed.refresh_match_keys()
        values |= {"name_key": keyed.name_key, "phone_key": keyed.phone_key}
        params.append(tuple(f.get_db_prep_save(f.to_python(values[f.name]), connection) for f in fields))
    columns = ", ".join(str(f.column) for f in fields)
    sql = f"INSERT INTO {CUSTOMER} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    before = Customer.objects.order_by("-id").values_list("pk", flat=True).first() or 0
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
    seconds = time.perf_counter() - start
    deleted, _ = Customer.objects.filter(pk__gt=before).delete()
    assert deleted == len(params)
    if connection.vendor != "postgresql":
        return len(params), seconds, None
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {CUSTOMER} ({columns}) FROM STDIN") as copy,
    ):
        for row in params:
            copy.write_row(row)
    copy_seconds = time.perf_counter() - start
    deleted, _ = Customer.objects.filter(pk__gt=before).delete()
    assert deleted == len(params)
    return len(params), seconds, copy_seconds


def concrete(name: str) -> Field[Any, Any]:
    found = Customer._meta.get_field(name)
    assert isinstance(found, Field)
    return found


def measure_import(actor_employee: Employee, org_id: int, options: Options) -> ImportFigures:
    actor = Employee.objects.select_related("org", "department").get(pk=actor_employee.pk)
    rows = min(IMPORT_ROWS, options.rows // 10)
    content = import_file(actor, 1, rows)
    start = time.perf_counter()
    report = import_dry_run(actor=actor, filename="bench.xlsx", content=content)
    dry_ms = (time.perf_counter() - start) * 1000
    dry_run = Timing(dry_ms, dry_ms, dry_ms, 1)  # one run: 10,000 rows take long enough to time once
    assert len(report.rows) == rows
    assert report.error_count == 0, [(r.number, r.errors) for r in report.rows if r.errors][:3]
    assert report.duplicate_count == 0, [(r.number, r.duplicates) for r in report.rows if r.duplicates][:3]
    print(f"   import dry run: {rows:,} rows in {dry_ms / 1000:.1f} s", flush=True)
    raw_rows, raw_s, copy_s = raw_insert(actor, content)
    notes = [
        "import_dry_run, import_commit and the raw inserts: one run each",
        "import_commit writes the dry run's verdict (the data is unchanged): customers and their CREATED events by "
        "COPY (PostgreSQL) or executemany (SQLite), one transaction",
        "share_of_bulk: rows/s over the fastest raw bulk load's (COPY on PostgreSQL, executemany on SQLite); "
        "target for the commit: at least 0.50",
    ]
    started = time.perf_counter()
    result = import_commit(actor=actor, filename="bench.xlsx", content=content)
    commit_s = time.perf_counter() - started
    commit_rows = result.created
    assert commit_rows == rows, result
    print(f"   import commit: {commit_rows:,} rows in {commit_s:.1f} s", flush=True)
    return ImportFigures(rows, dry_run, commit_rows, commit_s, raw_rows, raw_s, copy_s, notes)
