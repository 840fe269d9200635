"""Location tracking (issue 13): the batch ingest through the HTTP API against the database's own bulk load,
and one employee-day trajectory read from a big table against the bare indexed SQL read.

Ingest: production's server (scripts/serve: granian; `BENCH_SERVER=gunicorn` for the one before) on 127.0.0.1 (as
`creates`), PHONES simulated phones (200, then 2,000: one asyncio client each,
its own keep-alive connection and API token) sending their points in batches of 10-100 through
POST /api/v1/tracking/points, a few batches sent twice (a phone that never saw the answer). The request bodies
are encoded before the clock starts (a phone's CPU is not the server's). Then every acknowledged point is looked
up (the table holds each point acknowledged as accepted or duplicate exactly once, with the content sent), the
table is emptied, and the same points are bulk-loaded in one transaction by `core.bulk.insert_rows` (COPY on
PostgreSQL, one executemany on SQLite): the database's own fastest load of the same rows, same table, same
indexes, in the same run. Beside the wall-clock rates (which a loaded machine skews) it prints CPU time: the server's
process group's over the run (from /proc), the client's (this process) and the raw load's, per request and per point,
and the load average at the end.

Trajectory: the table filled up to TRAJECTORY_ROWS points (50,000,000; `--rows N`) by the database itself (one
INSERT ... SELECT per workday over generate_series on PostgreSQL, a recursive CTE on SQLite: no row crosses the
driver), a point every 5 minutes of working hours for every rep, then one rep's day read as the bare SQL the
(org, employee, at) index serves, as `selectors.day_points` and as the whole `selectors.trajectory`, raw and
simplified (Douglas-Peucker, stops named by customers and visits, gaps, quality).
"""

import asyncio
import dataclasses
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection, connections, transaction

import fieldloop.demo.context
from fieldloop.core.bulk import insert_rows
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee, Role
from fieldloop.org.services import api_token_create
from fieldloop.tracking import selectors
from fieldloop.tracking.models import DayQuality, LastPosition, LocationPoint
from fieldloop.tracking.services import POINT_COLUMNS

from .activities import SERVER, api_server
from .harness import Database, Options, analyze, explain, handwritten, measure, print_table, write_results

PHONES = tuple(int(n) for n in os.environ.get("BENCH_TRACKING_PHONES", "200,2000").split(","))
POINTS_PER_PHONE = int(os.environ.get("BENCH_TRACKING_POINTS", "330"))
QUICK_POINTS_PER_PHONE = 110
BATCH_SIZES = tuple(int(n) for n in os.environ.get("BENCH_TRACKING_BATCH", "10-100").split("-"))
PARTS = tuple(os.environ.get("BENCH_TRACKING_PARTS", "ingest,trajectory").split(","))
# the server as production runs it (scripts/serve): a process per core, 1 request thread each on SQLite, 2 on
# PostgreSQL (0: scripts/serve's choice, by the database)
SERVER_WORKERS = int(os.environ.get("BENCH_TRACKING_WORKERS", str(os.cpu_count() or 1)))
SERVER_THREADS = int(os.environ.get("BENCH_TRACKING_THREADS", "0"))
REPLAYED_SHARE = 0.05
TRAJECTORY_ROWS = 50_000_000
QUICK_TRAJECTORY_ROWS = 200_000
PER_DAY = 108  # a point every 5 minutes, 09:00-18:00
ZONE = ZoneInfo("Asia/Shanghai")
PATH = "/api/v1/tracking/points"


def workdays_back(count: int, today: date) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.isoweekday() <= 5:
            days.append(day)
    return days


def phone_points(rng: random.Random, days: list[date], count: int) -> list[dict[str, Any]]:
    """`count` points of one phone, every 30 s in working hours across `days`, moving about Shanghai."""
    lat, lon = 31.2 + rng.random() * 0.1, 121.4 + rng.random() * 0.1
    points = []
    for i in range(count):
        day = days[(i // 1000) % len(days)]
        at = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=9, seconds=30 * (i % 1000))
        lat, lon = lat + rng.gauss(0, 0.0003), lon + rng.gauss(0, 0.0003)
        points.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "at": at.isoformat(), "latitude": round(lat, 6),
            "longitude": round(lon, 6), "accuracy": round(rng.uniform(5, 60), 1), "speed": round(rng.uniform(0, 12), 1),
            "heading": round(rng.uniform(0, 359), 1), "provider": "fused", "battery": rng.randint(5, 100),
            "mocked": False,
        })  # fmt: skip
    rng.shuffle(points)  # phones send late and out of order
    return points


def batches_of(rng: random.Random, points: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    out, i = [], 0
    while i < len(points):
        size = rng.randint(BATCH_SIZES[0], BATCH_SIZES[-1])
        out.append(points[i : i + size])
        i += size
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclasses.dataclass
class Phone:
    employee_id: int
    token: str
    batches: list[list[dict[str, Any]]]
    requests: list[bytes] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Outcome:
    latencies: list[float] = dataclasses.field(default_factory=list)
    acknowledged: set[str] = dataclasses.field(default_factory=set)
    accepted: int = 0
    duplicates: int = 0
    errors: int = 0
    retries: int = 0


def encode(port: int, token: str, batch: list[dict[str, Any]]) -> bytes:
    body = json.dumps({"points": batch}, separators=(",", ":")).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _phone(port: int, phone: Phone, outcome: Outcome, start_gate: asyncio.Event) -> None:
    """One phone: its batches one after the other on one keep-alive connection. A connection the server closed
    is opened again and the batch sent again once, as a phone would (the ingest is idempotent)."""
    await start_gate.wait()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for batch, request in zip(phone.batches, phone.requests, strict=True):
        began = time.perf_counter()
        for attempt in range(2):
            try:
                status, body = await _exchange(reader, writer, request)
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                if attempt:
                    raise
                outcome.retries += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        outcome.latencies.append((time.perf_counter() - began) * 1000)
        if status != 200:
            outcome.errors += 1
            continue
        answer = json.loads(body)
        if answer["rejected"]:
            outcome.errors += 1
            continue
        outcome.accepted += answer["accepted"]
        outcome.duplicates += answer["duplicates"]
        outcome.acknowledged.update(p["id"] for p in batch)
    writer.close()


async def _all_phones(port: int, phones: list[Phone], outcome: Outcome) -> float:
    gate = asyncio.Event()
    tasks = [asyncio.create_task(_phone(port, p, outcome, gate)) for p in phones]
    await asyncio.sleep(0.1)
    start = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    return time.perf_counter() - start


def _cpu_s(chosen: Callable[[str, list[str]], bool]) -> float:
    """CPU seconds (user + system, their children's included) used so far by the processes `chosen(name, fields)`
    picks from /proc (name: the command's, fields: those of /proc/PID/stat after it); 0 where /proc is missing."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, _, tail = f.read().rpartition(")")
        except OSError:
            continue
        fields = tail.split()
        if chosen(head.partition("(")[2], fields):  # then utime, stime, cutime, cstime
            total += sum(int(v) for v in fields[11:15])
    return total / ticks


def group_cpu_s(pgid: int) -> float:
    """The CPU seconds of a process group's processes (the server's master and its workers: the server started in a
    session of its own)."""
    return _cpu_s(lambda _name, fields: int(fields[2]) == pgid)


def database_cpu_s() -> float:
    """The CPU seconds of PostgreSQL's processes on this machine (a server elsewhere, and SQLite, count 0: SQLite
    works inside the processes that call it)."""
    return _cpu_s(lambda name, _fields: name == "postgres") if connection.vendor == "postgresql" else 0.0


def ceiling(api_cpu_s: float, api_points: int, raw_wall_s: float, raw_points: int) -> float:
    """The highest API / raw this machine allows: the API's rate cannot pass (cores / its CPU a point, client,
    server and database all counted), and the raw rate is what was measured (1 / its wall time a point)."""
    cores = os.cpu_count() or 1
    return cores * (raw_wall_s / raw_points) / (api_cpu_s / api_points) if api_cpu_s else 0.0


def ingest(base_url: str, phones: list[Phone]) -> tuple[float, float, Outcome]:
    """The wall time of the run, the client's CPU seconds (this process: the phones), and the outcome."""
    port = int(base_url.rsplit(":", 1)[1])
    for phone in phones:
        phone.requests = [encode(port, phone.token, b) for b in phone.batches]
    outcome = Outcome()
    cpu = time.process_time()
    wall = asyncio.run(_all_phones(port, phones, outcome))
    return wall, time.process_time() - cpu, outcome


def raw_bulk(rows: list[tuple[Any, ...]]) -> float:
    LocationPoint.objects.all().delete()
    start = time.perf_counter()
    with transaction.atomic():
        insert_rows(LocationPoint, POINT_COLUMNS, rows)
    return time.perf_counter() - start


def as_row(org_id: int, employee_id: int, p: dict[str, Any], received: datetime) -> tuple[Any, ...]:
    return (
        org_id, employee_id, datetime.fromisoformat(p["at"]), p["latitude"], p["longitude"], p["accuracy"], p["speed"],
        p["heading"], p["provider"], p["battery"], p["mocked"], uuid.UUID(p["id"]), received,
    )  # fmt: skip


def stored_points(org_id: int) -> tuple[dict[str, tuple[Any, ...]], int]:
    """Every stored point by client id (time and coordinates) and how many client ids are stored twice."""
    rows = LocationPoint.objects.filter(org_id=org_id).values_list("client_point_id", "at", "latitude", "longitude")
    found: dict[str, tuple[Any, ...]] = {}
    twice = 0
    for client_id, at, lat, lon in rows.iterator(chunk_size=20_000):
        key = str(client_id)
        twice += key in found
        found[key] = (at, lat, lon)
    return found, twice


def ingest_run(org_id: int, reps: list[Employee], count: int, database: Database, options: Options) -> dict[str, Any]:
    rng = random.Random(count)  # noqa: S311 - test data
    per_phone = QUICK_POINTS_PER_PHONE if options.quick else POINTS_PER_PHONE
    days = workdays_back(10, datetime.now(ZONE).date())
    phones = []
    for rep in reps[:count]:
        batches = batches_of(rng, phone_points(rng, days, per_phone))
        batches += [b for b in batches if rng.random() < REPLAYED_SHARE]
        phones.append(Phone(rep.pk, api_token_create(actor=rep, name="bench").secret, batches))
    n_batches = sum(len(p.batches) for p in phones)
    sent = sum(len(b) for p in phones for b in p.batches)
    unique = {pt["id"]: (p.employee_id, pt) for p in phones for b in p.batches for pt in b}
    LocationPoint.objects.all().delete()
    DayQuality.objects.all().delete()
    LastPosition.objects.all().delete()
    threads = SERVER_THREADS or (2 if database.vendor == "postgresql" else 1)  # scripts/serve's choice
    connections.close_all()  # the server's workers own the database now
    print(
        f"\n-- {len(phones):,} phones, {n_batches:,} batches of {BATCH_SIZES[0]}-{BATCH_SIZES[-1]} points, {sent:,} "
        f"points sent ({len(unique):,} distinct), {SERVER} {SERVER_WORKERS}x{threads}, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    server = api_server(SERVER_WORKERS, threads, connections=count + 100)
    with server as base_url:
        server_cpu, database_cpu = group_cpu_s(server.process.pid), database_cpu_s()
        wall, client_cpu, outcome = ingest(base_url, phones)
        server_cpu, database_cpu = group_cpu_s(server.process.pid) - server_cpu, database_cpu_s() - database_cpu
    found, twice = stored_points(org_id)
    lost = len(outcome.acknowledged - found.keys())
    altered = sum(
        1
        for pid in outcome.acknowledged & found.keys()
        if (found[pid][1], found[pid][2]) != (unique[pid][1]["latitude"], unique[pid][1]["longitude"])
    )
    stray = len(found.keys() - unique.keys())
    stored = len(found)
    rate = stored / wall
    received = datetime.now(ZONE)
    rows = [as_row(org_id, pk, p, received) for pk, p in unique.values()]
    raw_cpu, raw_database_cpu = time.process_time(), database_cpu_s()
    bulk_s = raw_bulk(rows)
    raw_cpu, raw_database_cpu = time.process_time() - raw_cpu, database_cpu_s() - raw_database_cpu
    bulk_rate = len(rows) / bulk_s
    lat = outcome.latencies
    top = ceiling(server_cpu + client_cpu + database_cpu, sent, bulk_s, len(rows))
    figures = {
        "phones": len(phones), "batches": n_batches, "points_sent": sent, "distinct_sent": len(unique),
        "points_stored": stored, "acknowledged": len(outcome.acknowledged), "lost": lost, "stored_twice": twice,
        "altered": altered, "stray": stray, "failed_requests": outcome.errors, "retries": outcome.retries,
        "accepted_answered": outcome.accepted, "duplicates_answered": outcome.duplicates, "wall_s": wall,
        "api_points_per_s": rate, "raw_points_per_s": bulk_rate, "raw_s": bulk_s, "ratio": rate / bulk_rate,
        "p50_ms": statistics.median(lat), "p99_ms": percentile(lat, 0.99), "workers": SERVER_WORKERS,
        "threads": threads, "load_average": os.getloadavg()[0], "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu, "raw_cpu_s": raw_cpu, "database_cpu_s": database_cpu,
        "raw_database_cpu_s": raw_database_cpu, "ceiling": top,
        "server_cpu_ms_per_request": 1000 * server_cpu / n_batches,
        "client_cpu_ms_per_request": 1000 * client_cpu / n_batches,
    }  # fmt: skip
    print_table(
        ["figure", "value"],
        [
            ["points stored by the API", f"{stored:,} (distinct sent: {len(unique):,})"],
            ["acknowledged / not stored / stored twice", f"{len(outcome.acknowledged):,} / {lost} / {twice}"],
            ["stored with other content / not sent", f"{altered} / {stray}"],
            ["failed requests, resent after a closed connection", f"{outcome.errors}, {outcome.retries}"],
            ["answered accepted / duplicates", f"{outcome.accepted:,} / {outcome.duplicates:,}"],
            ["API ingest, points/s", f"{rate:,.0f} ({stored:,} points in {wall:.1f} s)"],
            ["raw bulk load, points/s", f"{bulk_rate:,.0f} ({len(rows):,} points in {bulk_s:.2f} s)"],
            ["API / raw", f"{rate / bulk_rate:.2f}"],
            ["batch latency p50 / p99 ms", f"{statistics.median(lat):,.1f} / {percentile(lat, 0.99):,.1f}"],
            [
                f"CPU a request: server ({SERVER}) / client, ms",
                f"{1000 * server_cpu / n_batches:.2f} / {1000 * client_cpu / n_batches:.2f}",
            ],
            [
                "CPU a point: server / client / raw load (this process), us",
                f"{1e6 * server_cpu / sent:.1f} / {1e6 * client_cpu / sent:.1f} / {1e6 * raw_cpu / len(rows):.1f}",
            ],
            [
                "CPU a point of PostgreSQL's processes here: API / raw load, us",
                f"{1e6 * database_cpu / sent:.1f} / {1e6 * raw_database_cpu / len(rows):.1f}",
            ],
            [
                "ceiling of API / raw: cores x raw wall a point / API CPU a point (client, server, database)",
                f"{top:.2f}",
            ],
            ["load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"],
        ],
    )
    ok = lost == 0 and twice == 0 and altered == 0 and stray == 0 and outcome.accepted == stored
    print(f"every acknowledged point stored exactly once, as sent: {'yes' if ok else 'NO'} ({database.vendor})")
    if not ok:
        raise SystemExit("bench: the ingest lost, doubled or altered acknowledged points")
    return figures


# --- one employee-day from a big table -------------------------------------------------------------------------------

PG_FILL = """
INSERT INTO {table} ({columns})
SELECT %s, e.id, d.start + s.i * interval '5 minutes',
       31.2 + (e.id %% 97) * 0.001 + floor(s.i / 12) * 0.004 + random() * 0.0002,
       121.4 + (e.id %% 89) * 0.001 + ((s.i / 12) %% 3) * 0.003 + random() * 0.0002,
       15.0, 3.0, NULL, 'fused', 80, false, gen_random_uuid(), d.start
FROM (SELECT %s::timestamptz AS start) AS d
CROSS JOIN unnest(%s::bigint[]) AS e(id)
CROSS JOIN generate_series(0, {last}) AS s(i)
"""

SQLITE_FILL = """
INSERT INTO {table} ({columns})
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {last})
SELECT %s, e.value, datetime(%s, '+' || (s.i * 5) || ' minutes'),
       31.2 + (e.value %% 97) * 0.001 + (s.i / 12) * 0.004 + (abs(random()) %% 2000) * 0.0000001,
       121.4 + (e.value %% 89) * 0.001 + ((s.i / 12) %% 3) * 0.003 + (abs(random()) %% 2000) * 0.0000001,
       15.0, 3.0, NULL, 'fused', 80, 0, lower(hex(randomblob(16))), %s
FROM json_each(%s) AS e CROSS JOIN s
"""


def drop_indexes() -> list[str]:
    """Drop the points table's secondary indexes, unique constraint and foreign keys (the primary key stays), as
    a bulk load does; the statements that build (and check) them again."""
    table = LocationPoint._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype IN ('u', 'f')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            # ON ONLY: the parent's index alone; without it the partitions get theirs, as the migration made them
            return [f'ALTER TABLE "{table}" ADD CONSTRAINT "{n}" {d}' for n, d in constraints] + [
                d.replace(" ON ONLY ", " ON ") for _n, d in indexes
            ]
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        indexes = [(n, d) for n, d in cursor.fetchall() if d]  # SQL NULL: the primary key's own
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [d for _n, d in indexes]


def fill(org_id: int, employees: list[int], total: int) -> tuple[int, list[date], float, float]:
    """`total` points (whole employee-days), a day per statement and transaction, newest day first, into the
    table without its secondary indexes, built again afterwards (the bulk load's way); the rows, the days, the
    load's and the index build's seconds."""
    quote = connection.ops.quote_name
    table = quote(LocationPoint._meta.db_table)
    columns = ", ".join(quote(c) for c in POINT_COLUMNS)
    sql = (PG_FILL if connection.vendor == "postgresql" else SQLITE_FILL).format(
        table=table, columns=columns, last=PER_DAY - 1
    )
    days = workdays_back(-(-total // (PER_DAY * len(employees))), datetime.now(ZONE).date())
    written = 0
    start = time.perf_counter()
    report_at = start + 60
    rebuild = drop_indexes()
    for n, day in enumerate(days):
        starts = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=9)
        who = employees[: min(len(employees), -(-(total - written) // PER_DAY))]
        if connection.vendor == "postgresql":
            params: list[Any] = [org_id, starts, who]
        else:
            stamp = starts.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S")
            params = [org_id, stamp, stamp, json.dumps(who)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += cursor.rowcount
        if time.perf_counter() > report_at:
            elapsed = time.perf_counter() - start
            rate = written / elapsed
            print(f"   fill: {written:,} points, {n + 1} days, {elapsed:.0f} s ({rate:,.0f}/s)", flush=True)
            report_at += 60
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in rebuild:
            cursor.execute(statement)
    return written, days, load_s, time.perf_counter() - start


def plan_checks(plan: list[str]) -> dict[str, Any]:
    text = "\n".join(plan)
    if connection.vendor == "postgresql":
        partitions = {line.split(" on ")[1].split()[0] for line in plan if " on " in line and "_p" in line}
        return {
            "index": "locationpoint_org_employee_at" in text or "org_id_employee_id_at" in text,
            "partitions_scanned": len(partitions),
            "seq_scan": "Seq Scan" in text,
        }
    return {"index": "locationpoint_org_employee_at" in text, "partitions_scanned": "-", "seq_scan": "SCAN " in text}


def trajectory_run(org_id: int, options: Options) -> dict[str, Any]:
    total = options.rows if options.rows_given else (QUICK_TRAJECTORY_ROWS if options.quick else TRAJECTORY_ROWS)
    LocationPoint.objects.all().delete()
    DayQuality.objects.all().delete()
    LastPosition.objects.all().delete()
    everyone = list(Employee.objects.filter(org_id=org_id, role=Role.REP).order_by("id").values_list("pk", flat=True))
    print(f"\n-- trajectory: filling the points table up to {total:,} points ({len(everyone):,} reps)", flush=True)
    written, days, load_s, index_s = fill(org_id, everyone, total)
    start = time.perf_counter()
    analyze(options)
    analyze_s = time.perf_counter() - start
    admin = Employee.objects.select_related("org").get(org_id=org_id, role=Role.ADMIN, department__parent=None)
    target = Employee.objects.select_related("org").get(pk=everyone[len(everyone) // 2])
    day = days[len(days) // 2]
    start_at = datetime.combine(day, datetime.min.time(), tzinfo=ZONE)
    end_at = start_at + timedelta(days=1)
    table = connection.ops.quote_name(LocationPoint._meta.db_table)
    sql = (
        f"SELECT at, latitude, longitude, accuracy_m, speed_mps, mocked FROM {table} "
        "WHERE org_id = %s AND employee_id = %s AND at >= %s AND at < %s ORDER BY at"
    )
    at_field = LocationPoint._meta.get_field("at")
    params = (org_id, target.pk, at_field.get_db_prep_value(start_at, connection),
              at_field.get_db_prep_value(end_at, connection))  # fmt: skip
    assert len(handwritten(sql, params)) == PER_DAY
    raw = selectors.trajectory(actor=admin, employee_id=target.pk, day=day, simplified=False)
    simple = selectors.trajectory(actor=admin, employee_id=target.pk, day=day, simplified=True)
    assert raw.raw_count == PER_DAY == len(raw.points)
    timings = measure(
        lambda: handwritten(sql, params),
        lambda: selectors.day_points(employee=target, day=day),
        lambda: selectors.trajectory(actor=admin, employee_id=target.pk, day=day, simplified=False),
        lambda: selectors.trajectory(actor=admin, employee_id=target.pk, day=day, simplified=True),
        options=options,
    )
    plan = explain(sql, params)
    checks = plan_checks(plan)
    base_ms = timings[0].median_ms
    print(
        f"   {written:,} points in {load_s:.0f} s ({written / load_s:,.0f} points/s, {len(days)} workdays x "
        f"{len(everyone):,} reps x {PER_DAY}), indexes built in {index_s:.0f} s, ANALYZE {analyze_s:.0f} s; "
        f"one day = {PER_DAY} points, "
        f"{len(simple.points)} simplified, {len(simple.stops)} stops"
    )
    print_table(
        ["read", "median_ms", "min_ms", "ratio"],
        [
            [name, f"{t.median_ms:.2f}", f"{t.min_ms:.2f}", f"{t.median_ms / base_ms:.2f}"]
            for name, t in zip(
                ["bare indexed SQL", "day_points (ORM rows)", "trajectory raw (stops, gaps, quality)",
                 "trajectory simplified (Douglas-Peucker, stops, gaps, quality)"],
                timings,
                strict=True,
            )
        ],
    )  # fmt: skip
    print(
        f"   plan: index (org, employee, at) used: {'yes' if checks['index'] else 'NO'}; partitions scanned: "
        f"{checks['partitions_scanned']}; sequential scan: {'YES' if checks['seq_scan'] else 'no'}"
    )
    if options.explain or connection.vendor == "postgresql":
        print("\n".join("     " + line for line in plan))
    return {"rows": written, "days": len(days), "load_s": load_s, "index_s": index_s, "analyze_s": analyze_s,
            "timings": timings,
            "plan": plan, "plan_checks": checks}  # fmt: skip


def run(options: Options, database: Database) -> None:
    start = time.perf_counter()
    # the large company's tree with 20 reps a team: 2,000 reps, one phone each
    sizes = fieldloop.demo.context.SIZES
    saved = sizes["large"]
    sizes["large"] = dataclasses.replace(saved, reps_per_team=max(saved.reps_per_team, -(-max(PHONES) // 100)))
    try:
        company = build_demo_company(size="large", seed=1, until="org")
    finally:
        sizes["large"] = saved
    assert company.org is not None
    org_id = company.org.pk
    Employee.objects.filter(org_id=org_id).update(joined_on=datetime.now(ZONE).date() - timedelta(days=400))
    reps = list(Employee.objects.filter(org_id=org_id, role=Role.REP).order_by("id"))
    print(f"\n== tracking on {database.vendor}: {len(reps):,} reps (setup {time.perf_counter() - start:.1f} s)")
    call_command("migrate", verbosity=0, interactive=False)
    results: dict[str, Any] = {"options": options, "load_average": os.getloadavg()[0]}
    if "ingest" in PARTS:
        results["ingest"] = [ingest_run(org_id, reps, n, database, options) for n in PHONES]
    if "trajectory" in PARTS:
        results["trajectory"] = trajectory_run(org_id, options)
    write_results("tracking", database, results)
