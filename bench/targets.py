"""Target achievement (销售目标达成, issue 14) at company size: the achievement view read from the daily sales rollup
against one hand-written SQL aggregate over the raw order lines (orders x credits x lines), on the same data.

Data: the large demo company's people (demo step "org", seed 1: 1,932 employees in 132 departments, 5 levels) and
`--rows` order lines (1,000,000 by default; 40,000 with `--quick` / `--small`), 4 lines per order, over this
fiscal year (January to December) with a seasonal weight per month. Orders (95 % confirmed, 5 % cancelled) and
their credits are inserted raw (`core.bulk.insert_rows`: COPY on PostgreSQL, one executemany on SQLite); one
order in five is split 60/40 with a colleague, and one credit in twenty is counted in another department (the
rep has moved since). The lines are generated set-based (one INSERT ... SELECT over the orders and 4 positions),
the orders' totals by one UPDATE, and the rollup by the app's own `sales.rollup.sales_day_rebuild`. A locked plan
has a target for every department and employee for every period.

Operations, each timed as a median (`measure`) and checked first to give the same monthly figures both ways:

- `company, year by month`: `targets.achievement.achievement` for the company root, period Y, with the 17 periods
  (year, quarters, months) and the root's children; against one SQL aggregate over orders x credits x lines of
  the year, grouped by month.
- `department, year by month`: the same for one branch (depth 2) and its subtree; the SQL adds the department
  path condition (`LIKE 'prefix%'`).
- `page: company` / `page: department`: the whole HTML page through Django's test client (session, template).

Columns: `rollup_ms` (the app), `scan_ms` (the hand-written scan), `ratio` (scan / rollup: above 1 the rollup is
faster), `queries` (statements the app sent).

The suggestion for a whole plan (next year's, sales amount, one tier, scale 1.2, a rep default for people without
history), on the same data:

- `suggestion, whole plan`: `plan_selectors.plan_suggestion_preview` (what the suggestions page computes: the
  plan's tree, every node's 24 months of history, trend, seasonality, shares, the scale spread by share, an
  explanation per node); against the minimum any suggestion must do: one hand-written SQL reading the rollup's
  actuals per employee, department and month over the same 24 months (`history_sql`), nothing computed.
- `accept suggestion (bulk write)`: `plan_services.plan_suggestion_accept` (the suggestion again, then one DELETE
  and one bulk INSERT of every node's 17 periods); against that read plus one DELETE and one raw `insert_rows` of
  the very rows the app wrote.

`ratio` there is baseline / app (below 1: the app does more than the minimum, by that factor).
"""

import os
import random
import time as clock
import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.core.bulk import insert_rows
from fieldloop.customers.models import Customer
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Department, Employee, Role
from fieldloop.sales.models import Order, OrderCredit, OrderStatus, Product, SalesDay
from fieldloop.sales.rollup import sales_day_rebuild
from fieldloop.targets import achievement as ach
from fieldloop.targets import plan_selectors, plan_services, suggestions
from fieldloop.targets.models import PERIODS, Metric, PlanStatus, TargetPlan, TargetValue

from .harness import Database, Options, analyze, explain, measure, print_table, write_results

FULL_LINES = 1_000_000
QUICK_LINES = 40_000
LINES_PER_ORDER = 4
PRODUCTS = 60
CUSTOMERS = 3_000
SEASON = [0.6, 0.5, 0.9, 1.0, 1.0, 1.1, 0.9, 0.9, 1.1, 1.0, 1.2, 1.8]  # monthly weights
ORDER_FIELDS = (
    "created_at", "updated_at", "org_id", "client_id", "number", "customer_id", "owner_id", "created_by_id",
    "status", "kind", "signed_on", "currency", "total", "paid", "note", "cancel_reason", "revision",
)  # fmt: skip
CREDIT_FIELDS = ("created_at", "updated_at", "org_id", "order_id", "employee_id", "department_id", "share_percent")


def _month_sql(vendor: str) -> str:
    return "to_char(o.signed_on, 'YYYY-MM')" if vendor == "postgresql" else "strftime('%%Y-%%m', o.signed_on)"


def scan_sql(vendor: str, *, subtree: bool) -> str:
    """The hand-written aggregate over the raw lines: each line's amount times its order's credit shares."""
    path = "JOIN org_department d ON d.id = c.department_id AND d.path LIKE %s" if subtree else ""
    return f"""
SELECT {_month_sql(vendor)} AS month, SUM(l.amount * c.share_percent / 100.0) AS amount
FROM sales_order o
JOIN sales_ordercredit c ON c.order_id = o.id
{path}
JOIN sales_orderline l ON l.order_id = o.id
WHERE o.org_id = %s AND o.status = 'confirmed' AND o.signed_on >= %s AND o.signed_on <= %s
GROUP BY 1 ORDER BY 1
"""


LINES_SQL = """
INSERT INTO sales_orderline (created_at, updated_at, org_id, order_id, position, product_id, quantity, unit_price,
    discount_percent, amount)
SELECT o.created_at, o.created_at, o.org_id, o.id, p.n, pr.id, 1 + (o.id * 7 + p.n) %% 5, pr.list_price, 0,
       (1 + (o.id * 7 + p.n) %% 5) * pr.list_price
FROM sales_order o
CROSS JOIN ({positions}) p
JOIN ({products}) pr ON pr.k = (o.id + p.n * 13) %% {count}
WHERE o.org_id = %s
"""
TOTALS_SQL = """
UPDATE sales_order SET total = (SELECT SUM(l.amount) FROM sales_orderline l WHERE l.order_id = sales_order.id)
WHERE org_id = %s
"""


def _products(org_id: int) -> list[Product]:
    rng = random.Random(7)  # noqa: S311 - reproducible data
    return Product.objects.bulk_create(
        [
            Product(org_id=org_id, sku=f"B-{n:04d}", name=f"产品 {n}", unit="台",
                    list_price=Decimal(rng.randrange(50, 5000)) + Decimal("0.50"))
            for n in range(PRODUCTS)
        ]
    )  # fmt: skip


def _load(org_id: int, year: int, reps: list[Employee], lines: int, vendor: str) -> dict[str, Any]:
    rng = random.Random(1)  # noqa: S311 - reproducible data
    started = clock.perf_counter()
    now = timezone.now()
    products = _products(org_id)
    customers = Customer.objects.bulk_create(
        [
            Customer(org_id=org_id, client_id=uuid.UUID(int=rng.getrandbits(128)), name=f"客户 {n}",
                     owner_id=reps[n % len(reps)].pk, created_by_id=reps[n % len(reps)].pk)
            for n in range(CUSTOMERS)
        ],
        batch_size=1000,
    )  # fmt: skip
    department_ids = sorted({r.department_id for r in reps})
    by_department: dict[int, list[Employee]] = defaultdict(list)
    for r in reps:
        by_department[r.department_id].append(r)
    orders_wanted = lines // LINES_PER_ORDER
    weights = [SEASON[m] for m in range(12)]
    months = rng.choices(range(12), weights=weights, k=orders_wanted)
    order_rows: list[tuple[Any, ...]] = []
    planned_credits: list[tuple[int, list[tuple[int, int, Decimal]]]] = []
    for n in range(orders_wanted):
        rep = reps[rng.randrange(len(reps))]
        month = months[n] + 1
        signed = date(year, month, rng.randint(1, 28))
        status = OrderStatus.CANCELLED if rng.random() < 0.05 else OrderStatus.CONFIRMED
        kind = "new" if rng.random() < 0.2 else ("renewal" if rng.random() < 0.2 else "repeat")
        order_rows.append((
            now, now, org_id, uuid.UUID(int=rng.getrandbits(128)), f"B{year}-{n:07d}",
            customers[rng.randrange(len(customers))].pk, rep.pk, rep.pk, status, kind, signed, "CNY",
            Decimal(0), Decimal(0), "", "", 0,
        ))  # fmt: skip
        home = rep.department_id
        counted = home if rng.random() >= 0.05 else department_ids[rng.randrange(len(department_ids))]
        shares = [(rep.pk, counted, Decimal(100))]
        mates = by_department[home]
        if rng.random() < 0.2 and len(mates) > 1:
            mate = mates[rng.randrange(len(mates))]
            if mate.pk != rep.pk:
                shares = [(rep.pk, counted, Decimal(60)), (mate.pk, home, Decimal(40))]
        planned_credits.append((n, shares))
    generated = clock.perf_counter() - started
    started = clock.perf_counter()
    with transaction.atomic():
        insert_rows(Order, ORDER_FIELDS, order_rows)
        ids = dict(Order.objects.filter(org_id=org_id).values_list("number", "id"))
        credit_rows = [
            (now, now, org_id, ids[order_rows[n][4]], employee_id, department_id, percent)
            for n, shares in planned_credits
            for employee_id, department_id, percent in shares
        ]
        insert_rows(OrderCredit, CREDIT_FIELDS, credit_rows)
        positions = " UNION ALL ".join(f"SELECT {p} AS n" for p in range(1, LINES_PER_ORDER + 1))
        product_rows = " UNION ALL ".join(
            f"SELECT {p.pk} AS id, {p.list_price} AS list_price, {k} AS k" for k, p in enumerate(products)
        )
        with connection.cursor() as cursor:
            cursor.execute(LINES_SQL.format(positions=positions, products=product_rows, count=len(products)), [org_id])
            line_count = cursor.rowcount
            cursor.execute(TOTALS_SQL, [org_id])
    inserted = clock.perf_counter() - started
    started = clock.perf_counter()
    rollup_rows = sales_day_rebuild(org_id)
    rebuilt = clock.perf_counter() - started
    return {
        "orders": len(order_rows), "credits": len(credit_rows), "lines": line_count, "rollup_rows": rollup_rows,
        "generate_s": generated, "insert_s": inserted, "rebuild_s": rebuilt, "department_ids": department_ids,
    }  # fmt: skip


def _plan(org_id: int, year: int, author: Employee) -> TargetPlan:
    plan = TargetPlan.objects.create(
        org_id=org_id, name=f"{year} 销售额", metric=Metric.SALES_AMOUNT, fiscal_year=year, start_month=1, tiers=3,
        status=PlanStatus.LOCKED, created_by=author,
    )  # fmt: skip
    values = []
    for pk in Department.objects.filter(org_id=org_id).values_list("id", flat=True):
        values += [TargetValue(org_id=org_id, plan=plan, department_id=pk, period=p, target=Decimal(100_000))
                   for p in PERIODS]  # fmt: skip
    for pk in Employee.objects.filter(org_id=org_id).values_list("id", flat=True):
        values += [TargetValue(org_id=org_id, plan=plan, employee_id=pk, period=p, target=Decimal(5_000),
                               sprint=Decimal(6_000), challenge=Decimal(7_500)) for p in PERIODS]  # fmt: skip
    TargetValue.objects.bulk_create(values, batch_size=2000)
    return plan


def history_sql(vendor: str) -> str:
    """The minimum read of a suggestion: the rollup's actuals per employee, department (at the day) and month."""
    month = "to_char(day, 'YYYY-MM')" if vendor == "postgresql" else "strftime('%%Y-%%m', day)"
    return f"""
SELECT employee_id, department_id, {month} AS month, SUM(sales_amount) AS amount
FROM sales_salesday
WHERE org_id = %s AND day >= %s AND day < %s
GROUP BY 1, 2, 3
"""


def _suggestion_rows(
    org_id: int, year: int, director: Employee, vendor: str, options: Options
) -> tuple[list[list[Any]], dict[str, Any]]:
    """Next year's plan suggested from this year's orders, and accepted: against the minimum read and write."""
    plan = plan_services.plan_create(
        actor=director, name=f"{year + 1} 销售额 (建议)", metric=Metric.SALES_AMOUNT, fiscal_year=year + 1, tiers=1
    )
    scale, defaults = Decimal("1.2"), {"rep": Decimal(600_000)}
    end = suggestions.history_window(
        fiscal_year=plan.fiscal_year, start_month=plan.start_month, today=plan_selectors.org_today(director)
    )
    first = date(end.year - 2, end.month, 1)
    sql, params = history_sql(vendor), (org_id, first, end)

    def suggest() -> Any:
        return plan_selectors.plan_suggestion_preview(
            actor=director, plan_id=plan.pk, scale=scale, role_defaults=defaults
        )

    def read() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def accept() -> int:
        return plan_services.plan_suggestion_accept(
            actor=director, plan_id=plan.pk, scale=scale, role_defaults=defaults
        )

    # the figures agree: the company's last 12 months in the suggestion = the read's rows over those months
    _plan, tree, result, _texts = suggest()
    history_rows = read()
    last_months = {f"{date(end.year - (end.month <= m), (end.month - 1 - m) % 12 + 1, 1):%Y-%m}" for m in range(1, 13)}
    company = sum((Decimal(str(a)) for _e, _d, month, a in history_rows if str(month) in last_months), Decimal(0))
    root = tree.roots[0]
    if abs(result[root.key].last_total - company) > Decimal("0.01"):
        raise SystemExit(f"bench: suggestion's last 12 months {result[root.key].last_total} vs the read's {company}")
    written = accept()
    rows_written = list(TargetValue.objects.filter(plan=plan).values_list(*plan_services.VALUE_COLUMNS))

    @transaction.atomic
    def write() -> None:
        read()
        TargetValue.objects.filter(plan=plan).delete()
        insert_rows(TargetValue, plan_services.VALUE_COLUMNS, rows_written)

    with CaptureQueriesContext(connection) as captured:
        suggest()
    suggest_queries = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        accept()
    accept_queries = len(captured.captured_queries)
    suggest_ms, read_ms = measure(suggest, read, options=options)
    accept_ms, write_ms = measure(accept, write, options=options)
    nodes = len(result)
    print(
        f"   suggestion: {nodes:,} nodes ({sum(1 for k in result if k[0] == 'd'):,} departments), "
        f"{len(history_rows):,} rollup groups read (employee x department x month, {first} to {end}), "
        f"{written:,} values written; company last 12 months {company:,.2f}"
    )
    rows = [
        [vendor, "suggestion, whole plan", suggest_ms.median_ms, read_ms.median_ms,
         f"{read_ms.median_ms / suggest_ms.median_ms:.2f}x", suggest_queries, 1, ""],
        [vendor, "accept suggestion (bulk write)", accept_ms.median_ms, write_ms.median_ms,
         f"{write_ms.median_ms / accept_ms.median_ms:.2f}x", accept_queries, 3, ""],
    ]  # fmt: skip
    payload = {
        "nodes": nodes, "history_rows": len(history_rows), "values_written": written,
        "suggestion": {"app": suggest_ms, "baseline": read_ms, "queries": suggest_queries},
        "accept": {"app": accept_ms, "baseline": write_ms, "queries": accept_queries},
    }  # fmt: skip
    return rows, payload


def _monthly(result: ach.Achievement) -> dict[str, Decimal]:
    return {f"{p.first_day:%Y-%m}": p.figure.actual for p in result.periods if p.period.startswith("M")}


def _check(label: str, app: dict[str, Decimal], scan: list[tuple[Any, ...]], credits: int) -> Decimal:
    """The app's months against the scan's: the rollup rounds each credit to the cent, so they may differ by
    half a cent per credit at most."""
    raw = {str(m): Decimal(str(v)) for m, v in scan}
    worst = Decimal(0)
    for month in sorted(set(app) | set(raw)):
        diff = abs(app.get(month, Decimal(0)) - raw.get(month, Decimal(0)))
        worst = max(worst, diff)
        if diff > Decimal("0.005") * credits + Decimal("0.01"):
            raise SystemExit(f"bench: {label} {month}: rollup {app.get(month)} vs scan {raw.get(month)}")
    return worst


def run(options: Options, database: Database) -> None:
    lines_wanted = options.rows if options.rows_given else (QUICK_LINES if options.quick else FULL_LINES)
    started = clock.perf_counter()
    company = build_demo_company(size="large", seed=1, until="org")
    org = company.org
    if org is None:
        raise SystemExit("bench: no demo organization")
    org_seconds = clock.perf_counter() - started
    reps = list(Employee.objects.filter(org=org, role=Role.REP).active().order_by("id"))
    year = timezone.now().year
    loaded = _load(org.pk, year, reps, lines_wanted, database.vendor)
    director = Employee.objects.select_related("org", "department", "user").filter(org=org, role=Role.ADMIN).first()
    if director is None:
        raise SystemExit("bench: no administrator")
    plan = _plan(org.pk, year, director)
    analyze(options)
    tree = ach.load_tree(org.pk)
    branch = max(
        (d for d in tree.by_id.values() if d.depth == 2),
        key=lambda d: len(tree.subtree_ids(d)),
    )
    levels = max(d.depth for d in tree.by_id.values()) + 1
    print(
        f"\n== targets on {database.vendor} {database.version} ({database.detail})\n"
        f"   {Employee.objects.filter(org=org).count():,} employees in {len(tree.by_id)} departments ({levels} "
        f"levels); {loaded['orders']:,} orders, {loaded['credits']:,} credits, {loaded['lines']:,} order lines; "
        f"rollup {loaded['rollup_rows']:,} SalesDay rows ({SalesDay.objects.filter(org=org).count():,})\n"
        f"   people {org_seconds:.0f} s; rows generated in Python {loaded['generate_s']:.0f} s, inserted "
        f"{loaded['insert_s']:.0f} s (orders and credits raw, lines set-based), rollup rebuilt "
        f"{loaded['rebuild_s']:.0f} s; department: {branch.name} ({len(tree.subtree_ids(branch))} departments); "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    first, last = date(year, 1, 1), date(year, 12, 31)
    vendor = database.vendor
    cases = [
        ("company, year by month", None, scan_sql(vendor, subtree=False), (org.pk, first, last),
         f"/targets/achievement/?plan={plan.pk}&period=Y"),
        ("department, year by month", branch.id, scan_sql(vendor, subtree=True),
         (branch.path + "%", org.pk, first, last),
         f"/targets/achievement/?plan={plan.pk}&period=Y&department={branch.id}"),
    ]  # fmt: skip
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(director.user)
    rows: list[list[Any]] = []
    payload: dict[str, Any] = {k: v for k, v in loaded.items() if k != "department_ids"} | {"operations": {}}
    today = min(timezone.now().date(), last)
    credits = loaded["credits"]
    for label, department_id, sql, params, url in cases:

        def app(department_id: int | None = department_id) -> ach.Achievement:
            return ach.achievement(actor=director, plan=plan, period="Y", department_id=department_id, today=today)

        def scan(sql: str = sql, params: tuple[Any, ...] = params) -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        def page(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"bench: {url} answered {response.status_code}")

        worst = _check(label, _monthly(app()), scan(), credits)
        with CaptureQueriesContext(connection) as captured:
            app()
        app_queries = len(captured.captured_queries)
        with CaptureQueriesContext(connection) as captured:
            page()
        page_queries = len(captured.captured_queries)
        app_ms, scan_ms, page_ms = measure(app, scan, page, options=options)
        rows.append([vendor, label, app_ms.median_ms, scan_ms.median_ms,
                     f"{scan_ms.median_ms / app_ms.median_ms:.1f}x", app_queries, 1, f"{worst:.2f}"])  # fmt: skip
        rows.append([vendor, f"page: {label.split(',')[0]}", page_ms.median_ms, scan_ms.median_ms,
                     f"{scan_ms.median_ms / page_ms.median_ms:.1f}x", page_queries, 1, ""])  # fmt: skip
        payload["operations"][label] = {"app": app_ms, "scan": scan_ms, "page": page_ms, "queries": app_queries,
                                        "page_queries": page_queries, "max_month_diff": str(worst)}  # fmt: skip
        if options.explain:
            print(f"-- {label}: scan plan")
            print("\n".join(explain(sql, params)))
            for statement in captured.captured_queries:
                if "sales_salesday" in statement["sql"]:
                    print(f"-- {label}: rollup query\n{statement['sql']}")
    print_table(("database", "operation", "rollup_ms", "scan_ms", "ratio", "queries", "scan_queries", "max_diff"), rows)
    print(
        "\nratio = scan_ms / rollup_ms (above 1: the rollup is faster); max_diff: the largest monthly difference "
        "between the two (the rollup rounds each credit to the cent)\n"
    )
    suggestion_rows, payload["suggestion"] = _suggestion_rows(org.pk, year, director, vendor, options)
    print_table(("database", "operation", "app_ms", "baseline_ms", "ratio", "queries", "baseline_queries", ""),
                suggestion_rows)  # fmt: skip
    print(
        "\nbaseline: the suggestion's minimum read (one grouped SQL over the rollup, same 24 months); the accept's: "
        "that read, one DELETE and one bulk INSERT of the same rows. ratio = baseline_ms / app_ms"
    )
    write_results("targets", database, payload | {"today": today, "branch": branch.name, "days": (first, last)})
