"""What every benchmark needs: a scratch database, timing, EXPLAIN, a plain table and a JSON file.

A benchmark process measures one database: `scratch_database(vendor)` points Django at a
fresh one (a temporary SQLite file in WAL mode, or a throw-away database created on the
PostgreSQL server named by DATABASE_URL), migrates it, and removes it afterwards. The
demo database (var/fieldloop.sqlite3) and the database DATABASE_URL names are never written.
"""

import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fieldloop.core import progress

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench-results"
VENDORS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Options:
    rows: int
    repeat: int
    warmup: int
    explain: bool
    sqlite_stats: bool  # ANALYZE SQLite too (the app never does; see README)
    quick: bool = False
    rows_given: bool = False  # --rows was given: a benchmark with its own default size (activities) takes it


@dataclass(frozen=True)
class Database:
    vendor: str  # "sqlite" or "postgresql"
    version: str
    detail: str  # journal mode for SQLite, host and scratch database for PostgreSQL


@dataclass(frozen=True)
class Timing:
    median_ms: float
    min_ms: float
    max_ms: float
    samples: int


@contextmanager
def scratch_database(vendor: str) -> Iterator[Database]:
    """Set Django up on a fresh, migrated database of this vendor; drop it when done."""
    data_dir = tempfile.mkdtemp(prefix="fieldloop-bench-")
    Path(data_dir, "static").mkdir()  # STATIC_ROOT, which only the SQLite settings create
    os.environ["FIELDLOOP_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldloop.settings")
    server_url = os.environ.get("DATABASE_URL", "")
    scratch_name = f"fieldloop_bench_{os.getpid()}"
    if vendor == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    elif not server_url:
        raise SystemExit("bench: --db postgresql needs DATABASE_URL (or run `python -m bench` without --db)")
    else:
        _postgres_admin(server_url, f'CREATE DATABASE "{scratch_name}"')
        os.environ["DATABASE_URL"] = _with_database(server_url, scratch_name)
    try:
        import django
        from django.core.management import call_command
        from django.db import connection, connections

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        if vendor != connection.vendor:
            raise SystemExit(f"bench: asked for {vendor}, DATABASE_URL points at {connection.vendor}")
        yield _describe(connection)
        connections.close_all()
    finally:
        if vendor == "postgresql":
            _postgres_admin(server_url, f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _postgres_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(statement.encode())


def _describe(connection: Any) -> Database:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            return Database("sqlite", version, f"journal_mode={journal}, file={connection.settings_dict['NAME']}")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        s = connection.settings_dict
        return Database(connection.vendor, version, f"{s['HOST']}:{s['PORT']}/{s['NAME']}")


def measure(*fns: Callable[[], object], options: Options) -> list[Timing]:
    """Median wall times of `fns` over `options.repeat` rounds, after `options.warmup` untimed ones.

    Each round runs every function once, in turn, so a change in the machine's load during the
    run hits them alike and their ratios stay fair.
    """
    with progress.step("timed runs", total=(options.warmup + options.repeat) * len(fns)) as shown:
        for _ in range(options.warmup):
            for fn in fns:
                fn()
                shown.advance()
        samples: list[list[float]] = [[] for _ in fns]
        for _ in range(options.repeat):
            for fn, times in zip(fns, samples, strict=True):
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1000)
                shown.advance()
    return [Timing(statistics.median(t), min(t), max(t), len(t)) for t in samples]


def executed_sql(fn: Callable[[], object]) -> list[str]:
    """The SQL statements `fn` runs, as the database received them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries]


def explain(sql: str, params: Sequence[Any] = ()) -> list[str]:
    """The database's plan for one statement, one line per plan node."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params or None)  # None: no placeholders, so a literal % stays one
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":  # (id, parent, notused, detail)
        depth: dict[int, int] = {0: -1}
        lines = []
        for node_id, parent, _, detail in rows:
            depth[node_id] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node_id] + detail)
        return lines
    return [row[0] for row in rows]


def analyze(options: Options) -> None:
    """Planner statistics as production has them: autovacuum keeps PostgreSQL's; nothing makes SQLite's.

    Fieldloop never runs ANALYZE or `PRAGMA optimize` on SQLite, so by default neither does a
    benchmark; `--sqlite-stats` runs it, to see the plans a statistics-aware SQLite would choose.
    """
    from django.db import connection

    if connection.vendor == "sqlite" and not options.sqlite_stats:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in cells:
        print("  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("x", "").isdigit()


def write_results(benchmark: str, database: Database, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{benchmark}-{database.vendor}.json"
    document = {"benchmark": benchmark, "database": asdict(database), **payload}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=_json_default) + "\n")
    return path


def _json_default(value: object) -> object:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)  # type: ignore[call-overload]
    return str(value)


def print_query_counts(vendor: str, actor_header: str, requests: Sequence[tuple[str, str, int]]) -> bool:
    """Print queries per request and whether they stay constant across page sizes and actors."""
    print_table(("database", actor_header, "request", "queries"), [(vendor, a, url, n) for a, url, n in requests])
    counts_by_path: dict[str, set[int]] = {}
    for _, url, count in requests:
        counts_by_path.setdefault(url.split("?")[0], set()).add(count)
    constant = all(len(counts) == 1 for counts in counts_by_path.values())
    summary = ", ".join(f"{path}: {'/'.join(map(str, sorted(c)))}" for path, c in counts_by_path.items())
    print(f"\nqueries per request constant across page sizes and actors: {'yes' if constant else 'NO'} ({summary})")
    return constant


def handwritten(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a hand-written query: the baseline a benchmark compares the app's path with."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or None)
        return cursor.fetchall()
