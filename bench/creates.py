"""Creates through the API at one connection: a customer (realistic names, and names sharing a long prefix
with thousands of existing ones) and a work record, each as a ratio to `GET /api/v1/me` measured in the same
run, with the SQL statements each request sends.

Data: the large demo company (fieldloop.demo, seed 1) with `CUSTOMERS` customers (realistic names from the
demo's generator), plus `SHARED_PREFIX` customers whose names all share a long prefix with the adversarial
new ones ("上海精工机械设备制造<n>号有限公司"), inserted with bulk_create. Actor: a rep with an API token, the
organization's duplicate rules at their defaults (warn for the name and the phone), so every create runs
the similar-name and same-phone check; each name sent is new (no warning: every answer is a 201).
"""

import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fieldloop.customers.duplicates import possible_duplicates
from fieldloop.customers.models import Customer
from fieldloop.demo.company import build_demo_company
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.models import Employee, Role
from fieldloop.org.services import api_token_create

from .activities import SERVER, api_server, visit_payload
from .customers import large_count
from .harness import Database, Options, analyze, print_table, write_results

CUSTOMERS = 20_000  # realistic names (the demo generator: ~1.6 ms a customer)
QUICK_CUSTOMERS = 5_000
SHARED_PREFIX = 5_000  # the candidate query matched 4,529 rows
PREFIX = "上海精工机械设备制造"
ROUNDS = 40  # timed requests of each kind, interleaved
QUICK_ROUNDS = 15
WARMUP = 3
TARGET_RATIO = 4.0  # a create at most 4x the no-op's p50 (issue 8, item 9)
QUERY_TARGET = 8


@dataclass(frozen=True)
class Figure:
    request: str
    p50_ms: float
    p90_ms: float
    samples: int
    queries: int

    def ratio(self, baseline: "Figure") -> float:
        return self.p50_ms / baseline.p50_ms


def run(options: Options, database: Database) -> None:
    customers = QUICK_CUSTOMERS if options.quick else CUSTOMERS
    customers = options.rows if options.rows_given else customers
    rounds = QUICK_ROUNDS if options.quick else ROUNDS
    start = time.perf_counter()
    with large_count(customers):
        company = build_demo_company(size="large", seed=1, until="customers")
    assert company.org is not None
    org_id = company.org.pk
    rep = Employee.objects.filter(org_id=org_id, role=Role.REP).select_related("org", "department").order_by("id")[0]
    insert_shared_prefix(org_id, rep, SHARED_PREFIX)
    generate_s = time.perf_counter() - start
    analyze(options)
    size = {
        "customers": Customer.objects.filter(org_id=org_id).count(),
        "shared_prefix": SHARED_PREFIX,
        "employees": len(company.employees),
        "generate_s": round(generate_s, 1),
    }
    print(
        f"\n== creates on {database.vendor}: {size['customers']:,} customers ({SHARED_PREFIX:,} named "
        f"{PREFIX}<n>号有限公司) in {generate_s:.1f} s",
        flush=True,
    )
    secret = api_token_create(actor=rep, name="bench").secret
    my_customers = list(Customer.objects.filter(owner=rep, archived_at__isnull=True).values_list("pk", flat=True)[:20])
    template_id = FormTemplate.objects.get(org_id=org_id, purpose=Purpose.VISIT, is_active=True).pk
    names = Names(org_id, seed=1)
    call_command("migrate", verbosity=0, interactive=False)  # the server runs the tree as it is now
    requests_made = make_requests(names, my_customers, template_id, random.Random(2))  # noqa: S311 - test data
    with api_server() as base_url:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {secret}"
        samples = timed(session, base_url, requests_made, rounds)
    counts = count_queries(secret, requests_made, show=options.explain)
    figures = [
        Figure(label, statistics.median(ms), percentile(ms, 0.9), len(ms), counts[label])
        for label, ms in samples.items()
    ]
    report(database, options, size, figures)
    path = write_results(
        "creates",
        database,
        {
            "size": size,
            "options": options,
            "load_average": os.getloadavg()[0],
            "figures": [{**f.__dict__, "ratio": f.ratio(figures[0])} for f in figures],
        },
    )
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")


def insert_shared_prefix(org_id: int, owner: Employee, count: int) -> None:
    """`count` customers named PREFIX<n>号有限公司 (n < count), their match keys set, in one bulk insert."""
    rows = []
    for n in range(count):
        c = Customer(
            org_id=org_id, client_id=uuid.uuid4(), name=f"{PREFIX}{n}号有限公司", owner=owner, created_by=owner
        )
        c.refresh_match_keys()
        rows.append(c)
    Customer.objects.bulk_create(rows, batch_size=2_000)


class Names:
    """New customer names: realistic ones as the demo makes them (checked to have no similar customer yet, so
    the answer is a 201), and adversarial ones sharing PREFIX with SHARED_PREFIX existing customers."""

    def __init__(self, org_id: int, seed: int) -> None:
        from faker import Faker

        from fieldloop.demo.customers import CITIES, INDUSTRIES, SUFFIXES

        self.org_id = org_id
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self.cities, self.industries, self.suffixes = CITIES, INDUSTRIES, SUFFIXES
        self.used: set[str] = set()
        self.adversarial_n = SHARED_PREFIX

    def realistic(self) -> str:
        while True:
            city = self.rng.choice(self.cities)[1]
            industry = self.rng.choice(self.industries)
            name = f"{city}{self.faker.company_prefix()}{self.faker.company_prefix()}{industry[:2]}"
            name += self.rng.choice(self.suffixes)
            same_name, _ = possible_duplicates(org_id=self.org_id, name=name)
            if name not in self.used and not same_name and not any(self.alike(name, u) for u in self.used):
                self.used.add(name)
                return name

    def alike(self, a: str, b: str) -> bool:
        from fieldloop.customers.duplicates import NAME_SIMILARITY, name_key, name_similarity

        return name_similarity(name_key(a), name_key(b)) >= NAME_SIMILARITY

    def adversarial(self) -> str:
        self.adversarial_n += 1
        return f"{PREFIX}{self.adversarial_n}号有限公司"


@dataclass(frozen=True)
class Request:
    label: str
    method: str
    path: str
    body: dict[str, Any] | None
    key: str = ""  # the Idempotency-Key (a replay repeats one)


def make_requests(
    names: Names, customers: list[int], template_id: int, rng: random.Random
) -> Callable[[], list[Request]]:
    """One round's requests, fresh names and keys each time it is called."""

    def phone() -> str:
        return f"13{rng.randrange(10**9):09d}"

    def round_() -> list[Request]:
        record = visit_payload(rng, rng.choice(customers), template_id)
        record_key = str(uuid.uuid4())
        return [
            Request("GET /api/v1/me", "GET", "/api/v1/me", None),
            Request("POST /api/v1/customers (realistic name)", "POST", "/api/v1/customers",
                    {"name": names.realistic(), "phone": phone(), "city": "上海"}, str(uuid.uuid4())),
            Request("POST /api/v1/customers (shared prefix)", "POST", "/api/v1/customers",
                    {"name": names.adversarial(), "phone": phone()}, str(uuid.uuid4())),
            Request("POST /api/v1/work-records", "POST", "/api/v1/work-records", record, record_key),
            Request("POST /api/v1/work-records (replay)", "POST", "/api/v1/work-records", record, record_key),
        ]  # fmt: skip

    return round_


def send(session: requests.Session, base_url: str, r: Request) -> float:
    headers = {"Idempotency-Key": r.key} if r.key else {}
    start = time.perf_counter()
    response = session.request(r.method, base_url + r.path, json=r.body, headers=headers, timeout=60)
    ms = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 201), f"{r.label}: {response.status_code} {response.text[:300]}"
    return ms


def timed(
    session: requests.Session, base_url: str, make: Callable[[], list[Request]], rounds: int
) -> dict[str, list[float]]:
    """Each round sends every kind of request once, in turn, on one keep-alive connection, so a change in
    the machine's load hits them alike."""
    for _ in range(WARMUP):
        for r in make():
            send(session, base_url, r)
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for r in make():
            samples.setdefault(r.label, []).append(send(session, base_url, r))
    return samples


def count_queries(secret: str, make: Callable[[], list[Request]], *, show: bool = False) -> dict[str, int]:
    """The SQL statements each request sends, in this process (Django's test client, the same database and
    code, no test transaction: what a server sends, BEGIN included where the driver sends it as a statement).
    `show` prints each statement's start (--explain)."""
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    counts: dict[str, int] = {}
    for attempt in range(2):  # the first warms up
        for r in make():
            with CaptureQueriesContext(connection) as captured:
                if r.method == "GET":
                    response = client.get(r.path)
                else:
                    response = client.post(r.path, r.body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=r.key)
            assert response.status_code in (200, 201), f"{r.label}: {response.status_code}"
            if attempt:
                counts[r.label] = len(captured.captured_queries)
                if show:
                    print(f"\n{r.label}:\n  " + "\n  ".join(q["sql"][:110] for q in captured.captured_queries))
    return counts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(database: Database, options: Options, size: dict[str, Any], figures: list[Figure]) -> None:
    baseline = figures[0]
    print(
        f"\n== creates on {database.vendor} {database.version} ({database.detail})\n"
        f"   {size['customers']:,} customers ({size['shared_prefix']:,} sharing the prefix {PREFIX}), "
        f"{size['employees']:,} employees; one keep-alive connection to {SERVER} on 127.0.0.1; "
        f"{figures[0].samples} interleaved rounds after {WARMUP} warm-ups; load average {os.getloadavg()[0]:.1f}\n"
        f"   ratio = p50 / p50 of GET /api/v1/me in the same run (target <= {TARGET_RATIO:.0f}x); queries = SQL "
        f"statements of one request (target <= {QUERY_TARGET})\n"
    )
    print_table(
        ("database", "request", "p50_ms", "p90_ms", "ratio", "queries"),
        [(database.vendor, f.request, f.p50_ms, f.p90_ms, f"{f.ratio(baseline):.2f}x", f.queries) for f in figures],
    )
    creates = [f for f in figures if f.request.startswith("POST") and "replay" not in f.request]
    worst = max(f.ratio(baseline) for f in creates)
    most = max(f.queries for f in creates)
    print(
        f"\ncreates within {TARGET_RATIO:.0f}x the no-op: {'yes' if worst <= TARGET_RATIO else 'NO'} "
        f"(worst {worst:.2f}x); within {QUERY_TARGET} queries: {'yes' if most <= QUERY_TARGET else 'NO'} (most {most})"
    )
