"""Order create through the API (issue 14): `POST /api/v1/orders` by a rep (three lines, confirmed at once)
against a raw INSERT of the same rows, with the SQL statements the request sends.

Data: the large demo company's people (demo step "org", seed 1), CUSTOMERS customers of its reps and PRODUCTS
products inserted raw, and `--rows` order lines (200,000 by default; 20,000 with `--quick`) in confirmed orders of
LINES_PER_ORDER lines each, credited to their owner, spread over two years, inserted raw (`core.bulk.insert_rows`:
COPY on PostgreSQL, one executemany on SQLite), then the SalesDay rollup rebuilt from them.

1. The API create, through Django's test client in this process (token authentication, middleware, the ninja
   router, the service: validation, numbering, inserts, confirmation with the customer lock, kind, won stage,
   follow-up and the rollup upsert), a fresh Idempotency-Key each time.
2. The baseline: the same rows written raw in one transaction (the order, its three lines, its credit, and the
   rollup's INSERT … ON CONFLICT for the credited employee), with no checks at all.

The ratio is the create's median over the raw write's, measured in interleaved rounds.
"""

import os
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.core.bulk import allocate_ids, insert_rows
from fieldloop.customers.models import Customer
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee, Role
from fieldloop.org.services import api_token_create
from fieldloop.sales import rollup
from fieldloop.sales.models import Order, OrderCredit, OrderKind, OrderLine, OrderStatus, Product
from fieldloop.sales.rollup import Share, order_deltas, sales_day_add

from .harness import Database, Options, analyze, measure, print_table, write_results

CUSTOMERS = 5_000
PRODUCTS = 500
LINES_PER_ORDER = 4
QUICK_ROWS = 20_000


def run(options: Options, database: Database) -> None:
    rows = options.rows if options.rows_given or not options.quick else QUICK_ROWS
    rng = random.Random(1)  # noqa: S311 - reproducible test data
    company = build_demo_company(size="large", seed=1, until="org")
    assert company.org is not None
    org = company.org
    reps = list(Employee.objects.filter(org=org, role=Role.REP).select_related("org", "department").order_by("id"))
    customers, products = seed_catalogue_and_customers(org.pk, reps, rng)
    seed_orders(org.pk, reps, customers, products, rows, rng)
    analyze(options)
    rep = next(r for r in reps if r.pk == customers[0][1])
    own = [c for c in customers if c[1] == rep.pk][:20]
    secret = api_token_create(actor=rep, name="bench").secret
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    picks = [p for p, _price in products[:3]]

    def body() -> dict[str, Any]:
        return {
            "customer_id": rng.choice(own)[0], "confirm": True,
            "lines": [{"product_id": p, "quantity": "2", "unit_price": "1250.00", "discount_percent": "5"}
                      for p in picks],
        }  # fmt: skip

    def api_create() -> None:
        response = client.post(
            "/api/v1/orders", body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
        assert response.status_code == 201, response.content[:300]

    def raw_insert() -> None:
        raw_order(org.pk, rep, rng.choice(own)[0], picks)

    with CaptureQueriesContext(connection) as captured:
        api_create()
    queries = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured_raw:
        raw_insert()
    raw_queries = len(captured_raw.captured_queries)
    if options.explain:
        print("\n  " + "\n  ".join(q["sql"][:140] for q in captured.captured_queries))
    api_t, raw_t = measure(api_create, raw_insert, options=options)
    size = {
        "order_lines": OrderLine.objects.filter(org_id=org.pk).count(),
        "orders": Order.objects.filter(org_id=org.pk).count(),
        "customers": len(customers),
        "products": len(products),
        "employees": Employee.objects.filter(org_id=org.pk).count(),
    }
    print(
        f"\n== orders on {database.vendor} {database.version} ({database.detail})\n"
        f"   {size['order_lines']:,} order lines in {size['orders']:,} orders, {size['customers']:,} customers, "
        f"{size['products']:,} products, {size['employees']:,} employees; {options.repeat} interleaved rounds; "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    ratio = api_t.median_ms / raw_t.median_ms
    print_table(
        ("database", "write", "median_ms", "min_ms", "statements", "ratio"),
        [
            (database.vendor, "POST /api/v1/orders (3 lines, confirmed)", api_t.median_ms, api_t.min_ms,
             queries, f"{ratio:.1f}x"),
            (database.vendor, "raw INSERT of the same rows (+ rollup upsert)", raw_t.median_ms, raw_t.min_ms,
             raw_queries, "1.0x"),
        ],
    )  # fmt: skip
    path = write_results(
        "orders",
        database,
        {"size": size, "options": options, "api": api_t, "raw": raw_t, "queries": queries, "ratio": ratio},
    )
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")


def seed_catalogue_and_customers(
    org_id: int, reps: list[Employee], rng: random.Random
) -> tuple[list[tuple[int, int]], list[tuple[int, Decimal]]]:
    """(customer id, owner id) and (product id, price) rows (bulk_create: a few thousand)."""
    owners = [rng.choice(reps).pk for _ in range(CUSTOMERS)]
    made = Customer.objects.bulk_create(
        [Customer(org_id=org_id, client_id=uuid.uuid4(), name=f"压测客户 {n}", owner_id=o, created_by_id=o)
         for n, o in enumerate(owners)],
        batch_size=2_000,
    )  # fmt: skip
    ids = [c.pk for c in made]
    prices = [Decimal(rng.randrange(100, 500_000)) / 100 for _ in range(PRODUCTS)]
    catalogue = Product.objects.bulk_create(
        [Product(org_id=org_id, sku=f"SKU-{n}", name=f"产品 {n}", unit="台", list_price=price)
         for n, price in enumerate(prices)],
        batch_size=2_000,
    )  # fmt: skip
    product_ids = [p.pk for p in catalogue]
    return list(zip(ids, owners, strict=True)), list(zip(product_ids, prices, strict=True))


def seed_orders(
    org_id: int,
    reps: list[Employee],
    customers: list[tuple[int, int]],
    products: list[tuple[int, Decimal]],
    lines: int,
    rng: random.Random,
) -> None:
    """`lines` order lines in confirmed orders over the last two years, credited to their owner; rollup rebuilt."""
    department = {r.pk: r.department_id for r in reps}
    count = max(1, lines // LINES_PER_ORDER)
    now = timezone.now()
    today = date.today()  # noqa: DTZ011 - only a spread of past days
    with transaction.atomic():
        order_ids = allocate_ids(Order, count)
        line_ids = allocate_ids(OrderLine, count * LINES_PER_ORDER)
        credit_ids = allocate_ids(OrderCredit, count)
        orders, order_lines, credits = [], [], []
        for n, pk in enumerate(order_ids):
            customer_id, owner_id = rng.choice(customers)
            signed = today - timedelta(days=rng.randrange(730))
            total = Decimal(0)
            for i in range(LINES_PER_ORDER):
                product_id, price = rng.choice(products)
                amount = price * 2
                total += amount
                order_lines.append((line_ids[n * LINES_PER_ORDER + i], org_id, pk, i + 1, product_id, Decimal(2),
                                    price, Decimal(0), amount, now, now))  # fmt: skip
            orders.append((pk, org_id, uuid.uuid4(), f"SO-BENCH-{pk:08d}", customer_id, owner_id, owner_id,
                           OrderStatus.CONFIRMED, OrderKind.REPEAT, signed, "CNY", total, Decimal(0), "", now, "", 0,
                           now, now))  # fmt: skip
            credits.append((credit_ids[n], org_id, pk, owner_id, department[owner_id], Decimal(100), now, now))
        insert_rows(
            Order,
            ["id", "org_id", "client_id", "number", "customer_id", "owner_id", "created_by_id", "status", "kind",
             "signed_on", "currency", "total", "paid", "note", "confirmed_at", "cancel_reason", "revision",
             "created_at", "updated_at"],
            orders,
        )  # fmt: skip
        insert_rows(
            OrderLine,
            ["id", "org_id", "order_id", "position", "product_id", "quantity", "unit_price", "discount_percent",
             "amount", "created_at", "updated_at"],
            order_lines,
        )  # fmt: skip
        insert_rows(
            OrderCredit,
            ["id", "org_id", "order_id", "employee_id", "department_id", "share_percent", "created_at", "updated_at"],
            credits,
        )
    rollup.sales_day_rebuild(org_id)


def raw_order(org_id: int, rep: Employee, customer_id: int, product_ids: list[int]) -> None:
    """The rows one API create writes, with plain INSERTs in one transaction and no checks."""
    now = timezone.now()
    price, quantity, discount = Decimal("1250.00"), Decimal(2), Decimal(5)
    amount = Decimal("2375.00")
    total = amount * len(product_ids)
    with transaction.atomic():
        with connection.cursor() as cursor:
            order_id = _insert_order(cursor, org_id, rep.pk, customer_id, total, now)
            cursor.executemany(
                'INSERT INTO "sales_orderline" (org_id, order_id, position, product_id, quantity, unit_price, '
                "discount_percent, amount, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(org_id, order_id, i + 1, p, quantity, price, discount, amount, now, now)
                 for i, p in enumerate(product_ids)],
            )  # fmt: skip
            shares = [(rep, Decimal(100))]
            cursor.executemany(
                'INSERT INTO "sales_ordercredit" (org_id, order_id, employee_id, department_id, share_percent, '
                "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(org_id, order_id, e.pk, e.department_id, s, now, now) for e, s in shares],
            )
        sales_day_add(
            org_id,
            order_deltas(
                signed_on=now.date(), kind=OrderKind.REPEAT, total=total,
                shares=[Share(e.pk, e.department_id, s) for e, s in shares],
            ),
        )  # fmt: skip


def _insert_order(cursor: Any, org_id: int, owner_id: int, customer_id: int, total: Decimal, now: Any) -> int:
    sql = (
        'INSERT INTO "sales_order" (org_id, client_id, number, customer_id, owner_id, created_by_id, status, kind, '
        "signed_on, currency, total, paid, note, confirmed_at, cancel_reason, revision, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
    )
    client_id = uuid.uuid4()
    cursor.execute(
        sql,
        [org_id, client_id.hex if connection.vendor == "sqlite" else client_id, f"RAW-{client_id.hex[:12]}",
         customer_id, owner_id, owner_id, OrderStatus.CONFIRMED, OrderKind.REPEAT, now.date(), "CNY", total,
         Decimal(0), "", now, "", 0, now, now],
    )  # fmt: skip
    return int(cursor.fetchone()[0])
