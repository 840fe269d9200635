"""Location tracking (issue 13): the batch ingest through the HTTP API against the database's own bulk load,
and one employee-day trajectory read against the bare indexed SQL read on a big table.

Ingest: gunicorn on 127.0.0.1 (as `creates`), PHONES simulated phones (threads, one keep-alive connection and
one API token each) sending their points in batches of 10-100 through POST /api/v1/tracking/points, a few
batches sent twice (a phone that never saw the answer). Then every acknowledged point is looked up (the
database holds exactly the points acknowledged as accepted, each once), the table is emptied, and the same
points are bulk-loaded in one transaction by `core.bulk.insert_rows` (COPY on PostgreSQL, one executemany on
SQLite): the database's own fastest load of the same rows, into the same table with the same indexes.

Trajectory: the table filled with TRAJECTORY_ROWS points (a point every 5 minutes in working hours, the reps'
workdays back in time), then one rep's day read whole (`selectors.trajectory`: raw points, Douglas-Peucker,
stops named, gaps, quality; and `day_points` alone) against the bare SQL the index serves.
"""

import os
import random
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.core.management import call_command
from django.db import connection, transaction

from fieldloop.core.bulk import insert_rows
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee, Role
from fieldloop.org.services import api_token_create
from fieldloop.tracking import selectors
from fieldloop.tracking.models import DayQuality, LastPosition, LocationPoint
from fieldloop.tracking.services import POINT_COLUMNS

from .activities import api_server
from .harness import Database, Options, analyze, explain, handwritten, measure, print_table, write_results

PHONES = int(os.environ.get("BENCH_TRACKING_PHONES", "200"))
POINTS_PER_PHONE = int(os.environ.get("BENCH_TRACKING_POINTS", "330"))
BATCH_SIZES = tuple(int(n) for n in os.environ.get("BENCH_TRACKING_BATCH", "10-100").split("-"))
REPLAYED_SHARE = 0.05
TRAJECTORY_ROWS = 2_000_000
QUICK_TRAJECTORY_ROWS = 200_000
STEP = timedelta(minutes=5)
ZONE = ZoneInfo("Asia/Shanghai")


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


def ingest(base_url: str, phones: list[tuple[int, str, list[list[dict[str, Any]]]]]) -> dict[str, Any]:
    latencies: list[float] = []
    accepted: dict[int, set[str]] = {}
    duplicates = 0
    errors = 0

    def phone(item: tuple[int, str, list[list[dict[str, Any]]]]) -> None:
        nonlocal duplicates, errors
        employee_id, token, batches = item
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine: set[str] = set()
        for batch in batches:
            start = time.perf_counter()
            response = session.post(f"{base_url}/api/v1/tracking/points", json={"points": batch}, timeout=120)
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                errors += 1
                continue
            body = response.json()
            duplicates += body["duplicates"]
            if body["accepted"] == len(batch):
                mine.update(p["id"] for p in batch)
            elif body["accepted"]:  # a replay racing its first send: count what the database says
                errors += bool(body["rejected"])
        accepted[employee_id] = mine

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(phones)) as pool:
        list(pool.map(phone, phones))
    wall = time.perf_counter() - start
    return {"wall_s": wall, "latencies": latencies, "accepted": accepted, "duplicates": duplicates, "errors": errors}


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


def run(options: Options, database: Database) -> None:
    rng = random.Random(1)  # noqa: S311 - test data
    start = time.perf_counter()
    size = "large" if PHONES > 200 else "medium"
    company = build_demo_company(size=size, seed=1, until="org")
    assert company.org is not None
    org_id = company.org.pk
    reps = list(Employee.objects.filter(org_id=org_id, role=Role.REP).order_by("id")[:PHONES])
    Employee.objects.filter(org_id=org_id).update(joined_on=datetime.now(ZONE).date() - timedelta(days=400))
    days = workdays_back(10, datetime.now(ZONE).date())
    phones = []
    for rep in reps:
        points = phone_points(rng, days, POINTS_PER_PHONE)
        batches = batches_of(rng, points)
        batches += [b for b in batches if rng.random() < REPLAYED_SHARE]
        phones.append((rep.pk, api_token_create(actor=rep, name="bench").secret, batches))
    sent_points = sum(len(b) for _, _, bs in phones for b in bs)
    unique_points = {p["id"]: (pk, p) for pk, _, bs in phones for b in bs for p in b}
    print(
        f"\n== tracking on {database.vendor}: {len(phones)} phones, {sum(len(bs) for _, _, bs in phones):,} batches of "
        f"{BATCH_SIZES[0]}-{BATCH_SIZES[-1]}, {sent_points:,} points sent ({len(unique_points):,} distinct) "
        f"(setup {time.perf_counter() - start:.1f} s)",
        flush=True,
    )
    call_command("migrate", verbosity=0, interactive=False)
    with api_server() as base_url:
        result = ingest(base_url, phones)
    stored = LocationPoint.objects.filter(org_id=org_id).count()
    acknowledged = {pid for ids in result["accepted"].values() for pid in ids}
    found = {str(u) for u in LocationPoint.objects.filter(org_id=org_id).values_list("client_point_id", flat=True)}
    lost = len(acknowledged - found)
    rate = stored / result["wall_s"]
    received = datetime.now(ZONE)
    rows = [as_row(org_id, pk, p, received) for pk, p in unique_points.values()]
    bulk_s = raw_bulk(rows)
    bulk_rate = len(rows) / bulk_s
    lat = result["latencies"]
    print_table(
        ["figure", "value"],
        [
            ["points stored by the API", f"{stored:,} (distinct sent: {len(unique_points):,})"],
            ["acknowledged and not stored", lost],
            ["failed requests", result["errors"]],
            ["duplicates answered", f"{result['duplicates']:,}"],
            ["API ingest, points/s", f"{rate:,.0f}"],
            ["raw bulk load, points/s", f"{bulk_rate:,.0f}"],
            ["API / raw", f"{rate / bulk_rate:.2f}"],
            ["batch latency p50 ms", f"{statistics.median(lat):.1f}"],
            ["batch latency p99 ms", f"{percentile(lat, 0.99):.1f}"],
        ],
    )
    ingest_figures = {
        "phones": len(phones), "points_stored": stored, "distinct_sent": len(unique_points), "lost": lost,
        "failed_requests": result["errors"], "api_points_per_s": rate, "raw_points_per_s": bulk_rate,
        "ratio": rate / bulk_rate, "p50_ms": statistics.median(lat), "p99_ms": percentile(lat, 0.99),
    }  # fmt: skip

    # --- one employee-day from a big table
    total = options.rows if options.rows_given else (QUICK_TRAJECTORY_ROWS if options.quick else TRAJECTORY_ROWS)
    LocationPoint.objects.all().delete()
    DayQuality.objects.all().delete()
    LastPosition.objects.all().delete()
    everyone = list(Employee.objects.filter(org_id=org_id, role=Role.REP).values_list("pk", flat=True))
    per_day = 108
    days_needed = -(-total // (per_day * len(everyone)))
    big_days = workdays_back(days_needed, datetime.now(ZONE).date())
    start = time.perf_counter()
    written = 0
    for day in big_days:
        chunk = []
        base = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=9)
        for pk in everyone:
            lat, lon = 31.2 + rng.random() * 0.1, 121.4 + rng.random() * 0.1
            for i in range(per_day):
                lat, lon = lat + rng.gauss(0, 0.0005), lon + rng.gauss(0, 0.0005)
                chunk.append((org_id, pk, base + STEP * i, lat, lon, 15.0, 3.0, None, "fused", 80, False,
                              uuid.UUID(int=rng.getrandbits(128), version=4), base))  # fmt: skip
        with transaction.atomic():
            written += insert_rows(LocationPoint, POINT_COLUMNS, chunk)
        if written >= total:
            break
    load_s = time.perf_counter() - start
    analyze(options)
    admin = Employee.objects.select_related("org").get(org_id=org_id, role=Role.ADMIN, department__parent=None)
    target = Employee.objects.select_related("org").get(pk=everyone[len(everyone) // 2])
    day = big_days[len(big_days) // 2]
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
    assert len(handwritten(sql, params)) == per_day
    timings = measure(
        lambda: handwritten(sql, params),
        lambda: selectors.day_points(employee=target, day=day),
        lambda: selectors.trajectory(actor=admin, employee_id=target.pk, day=day, simplified=True),
        options=options,
    )
    base_ms = timings[0].median_ms
    print(f"\n   trajectory: {written:,} points loaded in {load_s:.1f} s; one day = {per_day} points")
    print_table(
        ["read", "median_ms", "ratio"],
        [
            ["bare indexed SQL", f"{timings[0].median_ms:.2f}", "1.00"],
            ["day_points (ORM)", f"{timings[1].median_ms:.2f}", f"{timings[1].median_ms / base_ms:.2f}"],
            ["trajectory (simplified, stops, gaps, quality)", f"{timings[2].median_ms:.2f}",
             f"{timings[2].median_ms / base_ms:.2f}"],
        ],
    )  # fmt: skip
    plan = explain(sql, params)
    if options.explain:
        print("\n".join(plan))
    write_results(
        "tracking",
        database,
        {
            "ingest": ingest_figures,
            "trajectory": {"rows": written, "load_s": load_s, "timings": timings, "plan": plan},
            "options": options,
            "load_average": os.getloadavg()[0],
        },
    )
