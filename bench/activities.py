"""Work records: creation through the API over real HTTP (1, 4 and 16 concurrent clients) against a raw
INSERT, a replay race, and the 下属工作 feed and a customer's timeline against hand-written SQL.

Data: the large demo company (fieldloop.demo, seed 1; 1,932 employees) with a reduced customer count, and
`records` work records (2,000,000 by default; 100,000 with --quick) inserted raw (executemany on SQLite,
COPY on PostgreSQL), spread over the reps, their customers and a year; one busy customer gets many of them.
Actors: the director (the whole sales centre) and a branch manager (depth 3, her branch's teams).
"""

import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import requests
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import fieldloop.demo.activities
from fieldloop.activities.display import decorate_cards
from fieldloop.activities.models import WorkRecord
from fieldloop.activities.selectors import FEED_ORDERING, record_feed
from fieldloop.core.pagination import keyset_page
from fieldloop.customers.models import Customer, CustomerEvent
from fieldloop.customers.selectors import customer_get
from fieldloop.customers.timeline import customer_timeline_page
from fieldloop.demo.company import build_demo_company
from fieldloop.formtemplates.models import FormTemplate, FormTemplateVersion, Purpose
from fieldloop.org.models import DataScope, Department, Employee, Role
from fieldloop.org.services import api_token_create

from .customers import large_count
from .harness import (
    BASE_DIR,
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

RECORDS = 2_000_000
QUICK_RECORDS = 100_000
CUSTOMERS = 20_000  # the demo's customer generator is slow (~1.6 ms a customer); the feed needs records
QUICK_CUSTOMERS = 5_000
DAYS = 365
BUSY_SHARE = 500  # the busy customer gets one record in this many (4,000 of 2,000,000), and at least 1,000
FEED_PAGE = 20  # activities.views.PAGE_SIZE and the customer page's timeline
API_PAGE = 50
DEEP_PAGE_FOLLOWS = 20  # the deep page is the one reached by following next_cursor this many times
CONCURRENCY = (1, 4, 16)
POSTS = 320  # records per concurrency level (each client posts POSTS / clients)
QUICK_POSTS = 80
REPLAYS = 320  # records sent twice in the replay race
QUICK_REPLAYS = 80
REPS_POSTING = 16
SERVER_WORKERS, SERVER_THREADS = 4, 4  # 16 requests in flight, 4 processes on 2 cores
# production's server (scripts/serve: granian), or `BENCH_SERVER=gunicorn` (gthread) to compare with the one before
SERVER = os.environ.get("BENCH_SERVER", "granian")

RECORD = WorkRecord._meta.db_table
EVENT = CustomerEvent._meta.db_table
EMPLOYEE = Employee._meta.db_table
DEPARTMENT = Department._meta.db_table
TEMPLATE = FormTemplate._meta.db_table
VERSION = FormTemplateVersion._meta.db_table
CUSTOMER = Customer._meta.db_table
INSERT_COLUMNS = (
    "org_id", "client_id", "template_id", "template_version_id", "author_id", "customer_id", "contact_id", "values",
    "captured_at", "received_at", "edited_at", "archived_at", "comment_count", "created_at", "updated_at",
)  # fmt: skip
FEED_JOIN = f"""FROM {RECORD} r
    JOIN {EMPLOYEE} e ON e.id = r.author_id
    JOIN {DEPARTMENT} d ON d.id = e.department_id"""
FEED_WHERE = "WHERE r.org_id = %s AND r.archived_at IS NULL AND d.path LIKE %s"
# What a card shows: the record's values, time and comments, its author, template (and version's fields), customer
FEED_SQL = f"""SELECT r.id, r."values", r.captured_at, r.comment_count, e.name, t.name, v.fields, c.name
    {FEED_JOIN}
    JOIN {TEMPLATE} t ON t.id = r.template_id
    JOIN {VERSION} v ON v.id = r.template_version_id
    LEFT JOIN {CUSTOMER} c ON c.id = r.customer_id
    {FEED_WHERE}{{keyset}}
    ORDER BY r.captured_at DESC, r.id DESC LIMIT %s"""
FEED_KEYSET = " AND (r.captured_at, r.id) < (%s, %s)"
# Each source's newest rows after the bound, merged: (time, rank, id) descending; events rank 0, records 10.
TIMELINE_SQL = f"""SELECT source, id FROM (
        SELECT * FROM (
            SELECT created_at AS at, 0 AS rank, id, 'events' AS source FROM {EVENT}
            WHERE org_id = %s AND customer_id = %s{{events_after}}
            ORDER BY created_at DESC, id DESC LIMIT %s) ev
        UNION ALL
        SELECT * FROM (
            SELECT captured_at AS at, 10 AS rank, id, 'work_records' AS source FROM {RECORD}
            WHERE org_id = %s AND customer_id = %s AND archived_at IS NULL{{records_after}}
            ORDER BY captured_at DESC, id DESC LIMIT %s) wr
    ) t ORDER BY at DESC, rank DESC, id DESC LIMIT %s"""


@dataclass(frozen=True)
class Actor:
    label: str
    pk: int
    path: str


@dataclass(frozen=True)
class Case:
    actor: str
    operation: str
    scoped: Callable[[], list[Any]]
    sql: str
    params: tuple[Any, ...]
    project: Callable[[list[tuple[Any, ...]]], list[Any]]
    tables: tuple[str, ...]  # the scoped path's statements on these tables are its `scoped_sql`


@dataclass(frozen=True)
class Row:
    actor: str
    visible_rows: int
    operation: str
    scoped: Timing
    handwritten: Timing
    scoped_sql: Timing

    @property
    def ratio(self) -> float:
        return self.scoped.median_ms / self.handwritten.median_ms

    @property
    def sql_ratio(self) -> float:
        return self.scoped_sql.median_ms / self.handwritten.median_ms


@dataclass(frozen=True)
class Level:
    clients: int
    records: int
    seconds: float
    p50_ms: float
    p99_ms: float
    raw_seconds: float

    @property
    def per_s(self) -> float:
        return self.records / self.seconds

    @property
    def raw_per_s(self) -> float:
        return self.records / self.raw_seconds


@dataclass(frozen=True)
class Replay:
    sent: int
    stored: int
    same_id: int
    statuses: dict[int, int]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.sent == self.stored == self.same_id and set(self.statuses) <= {200, 201}


def run(options: Options, database: Database) -> None:
    records = options.rows if options.rows_given else (QUICK_RECORDS if options.quick else RECORDS)
    start = time.perf_counter()
    with large_count(QUICK_CUSTOMERS if options.quick else CUSTOMERS):
        company = build_demo_company(size="large", seed=1, until="customers")
    assert company.org is not None
    org_id = company.org.pk
    generate_s = time.perf_counter() - start
    print(f"\n== activities on {database.vendor}: demo company in {generate_s:.1f} s", flush=True)
    busy = busy_customer(org_id)
    insert_s = insert_records(org_id, records, busy.pk)
    print(f"   {records:,} work records inserted in {insert_s:.1f} s", flush=True)
    analyze(options)

    director = Employee.objects.select_related("department").get(user__username="director")
    assert busy.owner is not None and busy.owner.manager_id is not None
    manager = Employee.objects.select_related("department").get(pk=busy.owner.manager_id)
    actors = [Actor(label, e.pk, e.department.path) for label, e in (("director", director), ("manager", manager))]
    for employee in (director, manager):
        scope = employee.org.data_scope_for(employee.role)
        assert scope == DataScope.DEPARTMENT_TREE, f"the baseline assumes a department tree, {employee} has {scope}"

    posts = QUICK_POSTS if options.quick else POSTS
    replays = QUICK_REPLAYS if options.quick else REPLAYS
    # The server imports the tree's code as it is now: apply any migration added since this run began (the tree
    # is shared; another engineer's new column would otherwise answer 500 here)
    call_command("migrate", verbosity=0, interactive=False)
    with api_server() as base_url:
        clients = api_clients(org_id, base_url)
        levels = [measure_level(clients, n, posts, base_url) for n in CONCURRENCY]
        replay = replay_race(clients, replays, base_url)

    rows: list[Row] = []
    plans: dict[str, dict[str, list[str]]] = {}
    for case in feed_cases(actors, org_id) + timeline_cases(actors, org_id, busy):
        rows.append(measure_case(case, org_id, busy, plans, options))
    requests_counted = count_request_queries(actors, busy)
    size = {
        "employees": len(company.employees),
        "customers": Customer.objects.filter(org_id=org_id).count(),
        "records": WorkRecord.objects.filter(org_id=org_id).count(),
        "busy_customer_records": WorkRecord.objects.filter(customer=busy).count(),
        "generate_s": round(generate_s, 1),
        "insert_s": round(insert_s, 1),
        "insert_rows_per_s": round(records / insert_s),
    }
    constant = report(database, options, size, levels, replay, rows, requests_counted, plans)
    path = write_results(
        "activities",
        database,
        {
            "size": size,
            "options": options,
            "load_average": os.getloadavg()[0],
            "api": [{**lv.__dict__, "per_s": lv.per_s, "raw_per_s": lv.raw_per_s} for lv in levels],
            "replay": {**replay.__dict__, "ok": replay.ok},
            "timings": [{**r.__dict__, "ratio": r.ratio, "sql_ratio": r.sql_ratio} for r in rows],
            "requests": [{"actor": a, "url": u, "queries": c} for a, u, c in requests_counted],
            "queries_constant": constant,
            "plans": plans,
        },
    )
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")
    assert replay.ok, f"replay: {replay}"


# --- Data ------------------------------------------------------------------------------------------


def busy_customer(org_id: int) -> Customer:
    """An owned customer of a rep whose manager heads a team: the timeline's subject and the manager's."""
    customer = (
        Customer.objects.filter(org_id=org_id, owner__role=Role.REP, owner__manager__isnull=False)
        .select_related("owner")
        .order_by("id")
        .first()
    )
    assert customer is not None
    return customer


def record_values(rng: random.Random, purpose: str) -> dict[str, Any]:
    return fieldloop.demo.activities._values(purpose, rng)  # the demo's own values, so cards render as in the demo


def insert_records(org_id: int, count: int, busy_id: int) -> float:
    """`count` records spread over the reps, their customers and DAYS days, inserted in time order; every
    BUSY_SHARE-th (at least 1,000 in all) is about the busy customer. executemany in one transaction on SQLite,
    COPY on PostgreSQL. Returns the seconds."""
    rng = random.Random(1)  # noqa: S311 - reproducible test data, not secrets
    templates = {t.purpose: t for t in FormTemplate.objects.filter(org_id=org_id, purpose__in=list(Purpose))}
    purposes = [Purpose.VISIT, Purpose.CALL, Purpose.COMPETITOR, Purpose.DAILY_REPORT]
    weights = [40, 30, 10, 20]
    owned: dict[int, list[int]] = {}
    for pk, owner_id in Customer.objects.filter(org_id=org_id, owner__isnull=False).values_list("pk", "owner_id"):
        owned.setdefault(owner_id, []).append(pk)
    busy_owner = Customer.objects.get(pk=busy_id).owner_id
    reps = list(Employee.objects.filter(org_id=org_id, role=Role.REP).values_list("pk", flat=True))
    pool = {p: [json.dumps(record_values(rng, p), ensure_ascii=False) for _ in range(300)] for p in purposes}
    now = timezone.now()
    sqlite = connection.vendor == "sqlite"
    busy_every = max(1, min(BUSY_SHARE, count // 1_000))
    oldest, step = now - timedelta(days=DAYS), DAYS * 86400 / count

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(count):
            purpose = rng.choices(purposes, weights)[0]
            if n % busy_every == 0:
                author, customer, purpose = busy_owner, busy_id, Purpose.VISIT
            else:
                author = rng.choice(reps)
                mine = owned.get(author)
                if purpose == Purpose.DAILY_REPORT or not mine:
                    purpose, customer = Purpose.DAILY_REPORT, None
                else:
                    customer = rng.choice(mine)
            template = templates[purpose]
            captured = oldest + timedelta(seconds=(n + rng.random()) * step)  # in time order, as records arrive
            received = captured + timedelta(seconds=rng.randrange(1, 10))
            client_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            if sqlite:
                captured_text = captured.astimezone(UTC).replace(tzinfo=None).isoformat(" ")  # Django's form
                received_text = received.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
                yield (org_id, client_id.hex, template.pk, template.current_version_id, author, customer, None,
                       rng.choice(pool[purpose]), captured_text, received_text, None, None, 0, received_text,
                       received_text)  # fmt: skip
            else:
                yield (org_id, client_id, template.pk, template.current_version_id, author, customer, None,
                       rng.choice(pool[purpose]), captured, received, None, None, 0, received, received)  # fmt: skip

    columns = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # A bulk load's usual way: the secondary indexes dropped, the rows loaded, the indexes built again (sorted,
        # much faster than maintaining ten of them row by row); the unique (org, client_id) index stays.
        indexes = secondary_indexes(cursor)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # PostgreSQL: the foreign keys too (PostgreSQL's "Populating a Database"): added again, each checks all the
        # rows in one join, instead of five deferred trigger calls per row
        foreign_keys = [] if sqlite else postgres_foreign_keys(cursor)
        for name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {RECORD} DROP CONSTRAINT "{name}"')
        if sqlite:
            # A 1 GB page cache for this connection during the load (the default 2 MB thrashes on four indexes)
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -1048576")
            raw = cursor.cursor  # the sqlite3 cursor: no per-row placeholder rewriting
            placeholders = ", ".join("?" * len(INSERT_COLUMNS))
            batch: list[tuple[Any, ...]] = []
            for row in rows():
                batch.append(row)
                if len(batch) == 50_000:
                    raw.executemany(f"INSERT INTO {RECORD} ({columns}) VALUES ({placeholders})", batch)
                    batch = []
            raw.executemany(f"INSERT INTO {RECORD} ({columns}) VALUES ({placeholders})", batch)
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        else:
            with cursor.cursor.copy(f"COPY {RECORD} ({columns}) FROM STDIN".encode()) as copy:
                for row in rows():
                    copy.write_row(row)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {RECORD} ADD CONSTRAINT "{name}" {definition}')
        if not sqlite:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events before CREATE INDEX
        for _, definition in indexes:
            cursor.execute(definition)
    return time.perf_counter() - start


def postgres_foreign_keys(cursor: Any) -> list[tuple[str, str]]:
    """The work records table's foreign keys, as (name, definition)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [RECORD],
    )
    return [(str(name), str(definition)) for name, definition in cursor.fetchall()]


def secondary_indexes(cursor: Any) -> list[tuple[str, str]]:
    """The work records table's indexes that back no constraint, as (name, CREATE INDEX statement)."""
    if connection.vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL"
            " AND sql NOT LIKE 'CREATE UNIQUE%%'",
            [RECORD],
        )
    else:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [RECORD, RECORD],
        )
    return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


# --- Creation over HTTP ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class api_server:
    """Production's server (`scripts/serve`: granian) on 127.0.0.1 only, or gunicorn gthread with
    `BENCH_SERVER=gunicorn`, against the scratch database (this process's environment: DATABASE_URL /
    FIELDLOOP_DATA_DIR as scratch_database set them); stopped on exit, whatever happens."""

    def __init__(self, workers: int = SERVER_WORKERS, threads: int = SERVER_THREADS, connections: int = 1000) -> None:
        self.workers, self.threads, self.connections = workers, threads, connections

    def __enter__(self) -> str:
        port = free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fieldloop.settings", "DEBUG": "0"}
        if SERVER == "gunicorn":
            command = [
                os.path.join(os.path.dirname(sys.executable), "gunicorn"), "fieldloop.wsgi:application", "--bind",
                f"127.0.0.1:{port}", "--worker-class", "gthread", "--workers", str(self.workers), "--threads",
                str(self.threads), "--keep-alive", "120", "--worker-connections", str(self.connections),
                "--log-level", "warning",
            ]  # fmt: skip
        else:
            command = [str(BASE_DIR / "scripts" / "serve")]
            env |= {"HOST": "127.0.0.1", "PORT": str(port), "WORKERS": str(self.workers), "THREADS": str(self.threads)}
        # our own server, fixed arguments; a session of its own: stopped with all its processes
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)  # noqa: S603
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        try:
            while True:
                try:
                    if requests.get(f"{url}/api/v1/me", timeout=30).status_code == 401:
                        return url
                except requests.RequestException:
                    pass
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"bench: {SERVER} did not start")
                time.sleep(0.2)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the arbiter and its workers: our own process group
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@dataclass(frozen=True)
class Poster:
    employee: int
    token: str
    customers: list[int]


def api_clients(org_id: int, base_url: str) -> list[Poster]:
    """REPS_POSTING reps with customers, one API token each."""
    posters = []
    reps = Employee.objects.filter(org_id=org_id, role=Role.REP).order_by("id")
    for rep in reps:
        mine = list(Customer.objects.filter(owner=rep, archived_at__isnull=True).values_list("pk", flat=True)[:20])
        if mine:
            issued = api_token_create(actor=rep, name="bench")
            posters.append(Poster(rep.pk, issued.secret, mine))
        if len(posters) == REPS_POSTING:
            return posters
    raise AssertionError("not enough reps with customers")


def visit_payload(rng: random.Random, customer_id: int, template_id: int) -> dict[str, Any]:
    rows = [
        {"sku": f"SKU-{rng.randrange(1000):03d}", "stock": rng.randrange(200), "demand": rng.randrange(100)}
        for _ in range(rng.randint(3, 5))
    ]
    return {
        "template_id": template_id,
        "customer_id": customer_id,
        "captured_at": (timezone.now() - timedelta(minutes=rng.randrange(600))).isoformat(),
        "values": {
            "purpose": rng.choice(["routine", "development", "service"]),
            "outcome": rng.choice(fieldloop.demo.activities.OUTCOMES),
            "next_step": rng.choice(fieldloop.demo.activities.NEXT_STEPS[:-1]),
            "stock": rows,
            "competitor": rng.choice(fieldloop.demo.activities.COMPETITORS),
        },
    }


@dataclass(frozen=True)
class Post:
    poster: Poster
    client_id: uuid.UUID
    body: dict[str, Any]


def make_posts(posters: list[Poster], count: int, seed: int) -> list[Post]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    template_id = FormTemplate.objects.get(org_id=Employee.objects.get(pk=posters[0].employee).org_id,
                                           purpose=Purpose.VISIT).pk  # fmt: skip
    posts = []
    for n in range(count):
        poster = posters[n % len(posters)]
        posts.append(Post(poster, uuid.uuid4(), visit_payload(rng, rng.choice(poster.customers), template_id)))
    return posts


_local = threading.local()


def send(base_url: str, post: Post) -> tuple[int, int, float]:
    """POST one record as its rep on this thread's keep-alive session; (status, record id, ms). A connection the
    server closed as it was reused is retried once, as a phone would (the create is idempotent); counted."""
    session = _local.__dict__.get("session")
    if session is None:
        session = _local.session = requests.Session()
    headers = {"Authorization": f"Bearer {post.poster.token}", "Idempotency-Key": str(post.client_id)}
    start = time.perf_counter()
    try:
        response = session.post(f"{base_url}/api/v1/work-records", json=post.body, headers=headers, timeout=60)
    except requests.ConnectionError:
        with _retries_lock:
            RETRIES.append(post.client_id)
        response = session.post(f"{base_url}/api/v1/work-records", json=post.body, headers=headers, timeout=60)
    ms = (time.perf_counter() - start) * 1000
    record_id = response.json().get("id", 0) if response.status_code in (200, 201) else 0
    return response.status_code, record_id, ms


RETRIES: list[uuid.UUID] = []
_retries_lock = threading.Lock()


def measure_level(posters: list[Poster], clients: int, count: int, base_url: str) -> Level:
    """`clients` threads, each its own keep-alive sessions, POST `count` visit records; then the same rows
    inserted raw (executemany, one transaction) and deleted again."""
    posts = make_posts(posters, count, seed=clients)
    with ThreadPoolExecutor(clients) as pool:  # a warm-up round: connections, workers' first requests
        list(pool.map(partial(send, base_url), make_posts(posters, clients * 2, seed=100 + clients)))
        start = time.perf_counter()
        results = list(pool.map(partial(send, base_url), posts))
        seconds = time.perf_counter() - start
    bad = [status for status, _, _ in results if status != 201]
    assert not bad, f"{clients} clients: statuses {bad[:5]}"
    latencies = sorted(ms for _, _, ms in results)
    raw_seconds = raw_insert(posts)
    level = Level(clients, count, seconds, statistics.median(latencies), percentile(latencies, 0.99), raw_seconds)
    print(f"   {clients:>2} clients: {level.per_s:.0f} records/s, p50 {level.p50_ms:.0f} ms", flush=True)
    return level


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def raw_insert(posts: list[Post]) -> float:
    """The posts' rows inserted by one executemany in one transaction (timed), then deleted again."""
    org_id = Employee.objects.get(pk=posts[0].poster.employee).org_id
    template = FormTemplate.objects.get(org_id=org_id, purpose=Purpose.VISIT)
    ops = connection.ops
    now = timezone.now()
    at = ops.adapt_datetimefield_value(now)
    params = []
    for post in posts:
        captured = ops.adapt_datetimefield_value(datetime.fromisoformat(post.body["captured_at"]))
        fresh_id = uuid.uuid4()  # the posted client_ids are stored already
        client_id = fresh_id.hex if connection.vendor == "sqlite" else fresh_id
        params.append((org_id, client_id, template.pk, template.current_version_id, post.poster.employee,
                       post.body["customer_id"], None, ops.adapt_json_value(post.body["values"], None), captured, at,
                       None, None, 0, at, at))  # fmt: skip
    columns = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
    sql = f"INSERT INTO {RECORD} ({columns}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
    before = WorkRecord.objects.order_by("-id").values_list("pk", flat=True).first() or 0
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
    seconds = time.perf_counter() - start
    deleted, _ = WorkRecord.objects.filter(pk__gt=before).delete()
    assert deleted == len(params)
    return seconds


def replay_race(posters: list[Poster], count: int, base_url: str) -> Replay:
    """Every record sent twice at once (two clients racing the same client_id), 16 requests in flight."""
    posts = make_posts(posters, count, seed=999)
    twice = [p for post in posts for p in (post, post)]
    start = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(partial(send, base_url), twice))
    seconds = time.perf_counter() - start
    statuses: dict[int, int] = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    same_id = sum(1 for a, b in zip(results[::2], results[1::2], strict=True) if a[1] and a[1] == b[1])
    stored = WorkRecord.objects.filter(client_id__in=[p.client_id for p in posts]).count()
    return Replay(count, stored, same_id, statuses, seconds)


# --- Feed and timeline -----------------------------------------------------------------------------


def fresh(actor: Actor) -> Employee:
    """The actor as a request loads it: no visibility cached yet."""
    return Employee.objects.select_related("org", "department").get(pk=actor.pk)


def feed_page(actor: Actor, cursor: str | None) -> list[int]:
    qs = record_feed(actor=fresh(actor))
    page = keyset_page(qs, ordering=FEED_ORDERING, cursor=cursor, limit=FEED_PAGE)
    return [r.pk for r in decorate_cards(page.items, "zh-hans")]


def timeline_page(actor: Actor, customer_id: int, cursor: str | None) -> list[tuple[str, int]]:
    employee = fresh(actor)
    customer = customer_get(actor=employee, customer_id=customer_id)
    page = customer_timeline_page(actor=employee, customer=customer, cursor=cursor, limit=FEED_PAGE)
    return [(i.source, i.pk) for i in page.items]


def ids(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [r[0] for r in rows[:FEED_PAGE]]


def pairs(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [(r[0], r[1]) for r in rows[:FEED_PAGE]]


def feed_cases(actors: list[Actor], org_id: int) -> list[Case]:
    cases = []
    for actor in actors:
        sql = FEED_SQL.format(keyset="")
        cases.append(Case(actor.label, "feed: first page", partial(feed_page, actor, None), sql,
                          (org_id, actor.path + "%", FEED_PAGE + 1), ids, (RECORD, VERSION)))  # fmt: skip
        cursor: str | None = None
        last: WorkRecord | None = None
        for _ in range(DEEP_PAGE_FOLLOWS):
            page = keyset_page(record_feed(actor=fresh(actor)), ordering=FEED_ORDERING, cursor=cursor, limit=FEED_PAGE)
            cursor, last = page.next_cursor, page.items[-1]
            assert cursor is not None, f"{actor.label} sees fewer than {DEEP_PAGE_FOLLOWS + 1} pages"
        assert last is not None
        at = connection.ops.adapt_datetimefield_value(last.captured_at)
        cases.append(Case(actor.label, f"feed: page {DEEP_PAGE_FOLLOWS + 1}", partial(feed_page, actor, cursor),
                          FEED_SQL.format(keyset=FEED_KEYSET),
                          (org_id, actor.path + "%", at, last.pk, FEED_PAGE + 1), ids, (RECORD, VERSION)))  # fmt: skip
    return cases


def timeline_cases(actors: list[Actor], org_id: int, busy: Customer) -> list[Case]:
    cases = []
    actor = actors[1]  # the manager: the busy customer's owner is on her team
    base = (org_id, busy.pk)
    sql = TIMELINE_SQL.format(events_after="", records_after="")
    n = FEED_PAGE + 1
    cases.append(Case(actor.label, "timeline: first page", partial(timeline_page, actor, busy.pk, None), sql,
                      (*base, n, *base, n, n), pairs, (RECORD, EVENT, VERSION)))  # fmt: skip
    cursor: str | None = None
    employee = fresh(actor)
    for _ in range(DEEP_PAGE_FOLLOWS):
        page = customer_timeline_page(actor=employee, customer=busy, cursor=cursor, limit=FEED_PAGE)
        cursor, last = page.next_cursor, page.items[-1]
        assert cursor is not None, f"the busy customer has fewer than {DEEP_PAGE_FOLLOWS + 1} pages"
    rank = 10 if last.source == "work_records" else 0
    at = connection.ops.adapt_datetimefield_value(last.at)
    # (time, rank, id) < the last item's, written per source: events have rank 0, records rank 10
    events_after = " AND created_at <= %s" if rank else " AND (created_at, id) < (%s, %s)"
    records_after = " AND captured_at < %s" if not rank else " AND (captured_at, id) < (%s, %s)"
    events_params = (at,) if rank else (at, last.pk)
    records_params = (at,) if not rank else (at, last.pk)
    cases.append(Case(actor.label, f"timeline: page {DEEP_PAGE_FOLLOWS + 1}",
                      partial(timeline_page, actor, busy.pk, cursor),
                      TIMELINE_SQL.format(events_after=events_after, records_after=records_after),
                      (*base, *events_params, n, *base, *records_params, n, n), pairs,
                      (RECORD, EVENT, VERSION)))  # fmt: skip
    return cases


def visible_records(like: str, org_id: int) -> int:
    return int(handwritten(f"SELECT COUNT(*) {FEED_JOIN} {FEED_WHERE}", (org_id, like))[0][0])


def measure_case(case: Case, org_id: int, busy: Customer, plans: dict[str, Any], options: Options) -> Row:
    got, expected = case.scoped(), case.project(handwritten(case.sql, case.params))
    assert got == expected, f"{case.actor} {case.operation}: scoped {got[:5]}... != handwritten {expected[:5]}..."
    statements = [s for s in executed_sql(case.scoped) if any(f'FROM "{t}"' in s for t in case.tables)]

    def scoped_sql() -> None:
        for statement in statements:
            handwritten(statement)

    scoped, baseline, raw = measure(case.scoped, partial(handwritten, case.sql, case.params), scoped_sql,
                                    options=options)  # fmt: skip
    if case.operation.startswith("feed"):
        visible = visible_records(str(case.params[1]), org_id)
    else:
        visible = WorkRecord.objects.filter(customer=busy, archived_at__isnull=True).count()
    plans[f"{case.actor} {case.operation}"] = {
        **{f"scoped {n + 1}": explain(s) for n, s in enumerate(statements)},
        "handwritten": explain(case.sql, case.params),
    }
    print(f"   {case.actor} {case.operation}: {scoped.median_ms:.2f} ms", flush=True)
    return Row(case.actor, visible, case.operation, scoped, baseline, raw)


def count_request_queries(actors: list[Actor], busy: Customer) -> list[tuple[str, str, int]]:
    """SQL queries per request, on a warmed-up client: the feed's API at two page sizes, its page first and
    deep, the customer's page (its timeline) first and deep."""
    counts = []
    for actor in actors:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(fresh(actor).user)
        employee = fresh(actor)
        feed_cursor = timeline_cursor = None
        for _ in range(DEEP_PAGE_FOLLOWS):
            feed_cursor = keyset_page(record_feed(actor=employee), ordering=FEED_ORDERING, cursor=feed_cursor,
                                      limit=FEED_PAGE).next_cursor  # fmt: skip
            if actor.label == "manager":
                timeline_cursor = customer_timeline_page(actor=employee, customer=busy, cursor=timeline_cursor,
                                                         limit=FEED_PAGE).next_cursor  # fmt: skip
        urls = ["/api/v1/work-records?limit=10", "/api/v1/work-records?limit=200"]
        if actor.label == "manager":
            timeline = f"/api/v1/customers/{busy.pk}/timeline"
            urls += [f"{timeline}?limit=10", f"{timeline}?limit=200"]
        urls += ["/work/", f"/work/?cursor={feed_cursor}"]
        if actor.label == "manager":
            urls += [f"/customers/{busy.pk}/", f"/customers/{busy.pk}/?cursor={timeline_cursor}"]
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, f"{url} answered {response.status_code} for {actor.label}"
            counts.append((actor.label, url.split("cursor=")[0] + ("cursor=<page 21>" if "cursor=" in url else ""),
                           len(captured.captured_queries)))  # fmt: skip
    counts += count_post_queries(busy)
    return counts


def count_post_queries(busy: Customer) -> list[tuple[str, str, int]]:
    """SQL queries of a create (a visit with a 4-row sub-table) and of its replay, as the busy customer's owner."""
    assert busy.owner is not None
    rep = Employee.objects.select_related("org", "department", "user").get(pk=busy.owner.pk)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {api_token_create(actor=rep, name='q').secret}")
    template_id = FormTemplate.objects.get(org_id=rep.org_id, purpose=Purpose.VISIT).pk
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not secrets
    counts = []
    for n in range(2):  # the first warms up
        body = visit_payload(rng, busy.pk, template_id)
        key = str(uuid.uuid4())
        for label in ("POST /api/v1/work-records", "POST /api/v1/work-records (replay)"):
            with CaptureQueriesContext(connection) as captured:
                response = client.post("/api/v1/work-records", body, content_type="application/json",
                                       HTTP_IDEMPOTENCY_KEY=key)  # fmt: skip
            assert response.status_code in (200, 201), response.content[:300]
            if n:
                counts.append(("rep", label, len(captured.captured_queries)))
    return counts


# --- Report ----------------------------------------------------------------------------------------


def report(
    database: Database,
    options: Options,
    size: dict[str, Any],
    levels: list[Level],
    replay: Replay,
    rows: list[Row],
    requests_counted: list[tuple[str, str, int]],
    plans: dict[str, dict[str, list[str]]],
) -> bool:
    stats = "none, as the app leaves SQLite" if database.vendor == "sqlite" and not options.sqlite_stats else "ANALYZE"
    print(
        f"\n== activities on {database.vendor} {database.version} ({database.detail})\n"
        f"   {size['employees']:,} employees, {size['customers']:,} customers, {size['records']:,} work records "
        f"({size['busy_customer_records']:,} about the busy customer; inserted raw at {size['insert_rows_per_s']:,} "
        f"rows/s); planner statistics: {stats}; load average {os.getloadavg()[0]:.1f}\n"
        f"   POST /api/v1/work-records (visit, 3-5 row stock sub-table) from N client threads with keep-alive "
        f"sessions, {REPS_POSTING} reps with a token each, to {SERVER} {SERVER_WORKERS}x{SERVER_THREADS} on "
        "127.0.0.1; raw = executemany INSERT of the same rows, one transaction\n"
    )
    print_table(
        ("database", "clients", "records", "records_per_s", "p50_ms", "p99_ms", "raw_per_s", "raw_ratio"),
        [(database.vendor, lv.clients, lv.records, round(lv.per_s), lv.p50_ms, lv.p99_ms, round(lv.raw_per_s),
          f"{lv.raw_per_s / lv.per_s:.0f}x") for lv in levels],
    )  # fmt: skip
    print(
        f"\nreplay under load: {replay.sent:,} records, each sent twice at once (16 in flight), "
        f"in {replay.seconds:.1f} s; "
        f"stored {replay.stored:,}, pairs answered with the same id {replay.same_id:,}, statuses "
        f"{', '.join(f'{k}: {v}' for k, v in sorted(replay.statuses.items()))}; requests retried on a connection "
        f"the server had closed (all runs): {len(RETRIES)}\n"
        f"count stored equals count sent, one id per pair: {'yes' if replay.ok else 'NO'}\n"
    )
    print(
        f"   median ms of {options.repeat} runs after {options.warmup} warm-ups, {FEED_PAGE} rows a page; scoped = "
        "load the actor + activities.selectors.record_feed + keyset_page + cards (feed), or customer_get + "
        "customers.timeline.customer_timeline_page (timeline); scoped_sql = its record/event/template-version SQL, "
        "run raw\n"
    )
    print_table(
        ("database", "actor", "visible_rows", "operation", "scoped_ms", "handwritten_ms", "ratio", "scoped_sql_ms",
         "sql_ratio"),
        [(database.vendor, r.actor, r.visible_rows, r.operation, r.scoped.median_ms, r.handwritten.median_ms,
          f"{r.ratio:.2f}x", r.scoped_sql.median_ms, f"{r.sql_ratio:.2f}x") for r in rows],
    )  # fmt: skip
    print()
    constant = print_query_counts(database.vendor, "actor", requests_counted)
    if options.explain:
        for label, by_query in plans.items():
            for query, plan in by_query.items():
                print(f"\nEXPLAIN {query}, {label}:\n  " + "\n  ".join(plan))
    return constant
