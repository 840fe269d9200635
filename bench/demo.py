"""The demo company's build (`make demo`, `DEMO_SIZE=large make demo`): each step's time and rows a second,
against the database's own load of plain rows measured in the same run.

Data: `build_demo_company(size="large", seed=1)` (with --quick: "medium", about 270 people and 20,000
customers), on the scratch database with every index and constraint as migrations make them. Baseline: the
same run then writes 200,000 customer timeline events (a typical demo row: four keys, a JSON value, two
times), made beforehand as plain tuples, through `core.bulk.insert_rows` (COPY on PostgreSQL, one
`executemany` on SQLite) in a transaction rolled back afterwards: the database's raw speed for rows it has
not to compute. A step's `raw_ratio` is its rows a second over that; 1.0 would mean the step costs no more
than writing what it made.
"""

import json
import time
from datetime import UTC, datetime

from django.db import transaction

from fieldloop.core.bulk import JsonText, insert_rows
from fieldloop.customers.models import Customer, CustomerEvent, CustomerEventKind
from fieldloop.demo.company import build_demo_company

from .harness import Database, Options, print_table, write_results

BASELINE_ROWS = 200_000
EVENT_FIELDS = ("created_at", "updated_at", "org_id", "customer_id", "actor_id", "kind", "changes", "summary")


def raw_rows_per_second(org_id: int, actor_id: int) -> float:
    customers = list(Customer.objects.filter(org_id=org_id).values_list("pk", flat=True)[:1000])
    at = datetime.now(UTC)
    rows = [
        (at, at, org_id, customers[n % len(customers)], actor_id, CustomerEventKind.UPDATED,
         JsonText(json.dumps({"level": ["B", "A"]})), "")
        for n in range(BASELINE_ROWS)
    ]  # fmt: skip
    with transaction.atomic():
        started = time.perf_counter()
        insert_rows(CustomerEvent, EVENT_FIELDS, rows)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return BASELINE_ROWS / seconds


def run(options: Options, database: Database) -> None:
    size = "medium" if options.quick else "large"
    started = time.perf_counter()
    company = build_demo_company(size=size, seed=1)
    total = time.perf_counter() - started
    assert company.org is not None
    admin = next(e for e in company.employees if e.user.username == "admin")
    raw = raw_rows_per_second(company.org.pk, admin.pk)
    print(
        f"== demo on {database.vendor} {database.version} ({database.detail}): the {size} company, seed 1, "
        f"built in {total:,.1f} s; raw load {raw:,.0f} rows/s ({BASELINE_ROWS:,} timeline events)"
    )
    rows = []
    for step in company.steps:
        made = sum(step.made.values())
        rate = made / step.seconds if step.seconds > 0 else 0.0
        what = ", ".join(f"{n:,} {kind}" for kind, n in step.made.items()) or "-"
        rows.append([step.name, f"{step.seconds:,.1f}", f"{made:,}", f"{rate:,.0f}", f"{rate / raw:.2f}", what])
    all_made = sum(sum(s.made.values()) for s in company.steps)
    rows.append(
        ["all", f"{total:,.1f}", f"{all_made:,}", f"{all_made / total:,.0f}", f"{all_made / total / raw:.2f}", ""]
    )
    print_table(["step", "seconds", "rows", "rows_per_s", "raw_ratio", "made"], rows)
    write_results(
        "demo",
        database,
        {
            "size": size,
            "seconds": total,
            "raw_rows_per_s": raw,
            "steps": [{"name": s.name, "seconds": s.seconds, "made": s.made} for s in company.steps],
        },
    )
