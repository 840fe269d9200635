"""Customer import only: the third table of the customers benchmark (dry run, commit, raw executemany and
COPY of the same rows), without the list and search timings, for a quick look at the import alone.

Data: as customers's, the large demo company with `rows` customers; the file has rows // 10 (at most
10,000) rows.
"""

import os
import time

from fieldloop.customers.models import Customer
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee, Role

from .customers import large_count, measure_import, print_import
from .harness import Database, Options, analyze, write_results


def run(options: Options, database: Database) -> None:
    start = time.perf_counter()
    with large_count(options.rows):
        company = build_demo_company(size="large", seed=1, until="customers")
    generate_seconds = time.perf_counter() - start
    assert company.org is not None
    analyze(options)
    rep = Employee.objects.filter(org_id=company.org.pk, role=Role.REP).order_by("id").first()
    assert rep is not None
    customers = Customer.objects.filter(org_id=company.org.pk).count()
    figures = measure_import(rep, company.org.pk, options)
    print(
        f"\n== imports on {database.vendor} {database.version} ({database.detail})\n"
        f"   {customers:,} customers (generated in {generate_seconds:.1f} s); load average {os.getloadavg()[0]:.1f}\n"
        f"   import of a {figures.rows:,}-row .xlsx (actor: the rep; owner empty)\n"
    )
    print_import(database, figures)
    for note in figures.notes:
        print(f"   {note}")
    payload = {
        **figures.__dict__,
        "commit_rows_per_s": figures.commit_rows_per_s,
        "copy_rows_per_s": figures.copy_rows_per_s,
        "commit_vs_bulk": figures.commit_vs_bulk,
    }
    path = write_results("imports", database, {"customers": customers, "options": options, "import": payload})
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")
