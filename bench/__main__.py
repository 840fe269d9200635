"""`python -m bench [--quick] [--rows N] [--repeat N] [--explain] [--db sqlite|postgresql] [benchmark ...]`.

Without --db, runs each benchmark in a child process on SQLite, then on PostgreSQL: the
server DATABASE_URL names, or else a throw-away one started by scripts/with-postgres.
With --db, measures that one database in this process.
"""

import argparse
import glob
import importlib
import os
import subprocess
import sys

from fieldloop.core import progress

from .harness import BASE_DIR, VENDORS, Options, scratch_database

BENCHMARKS = (
    "visibility",
    "customers",
    "imports",
    "activities",
    "creates",
    "pages",
    "routes",
    "tracking",
    "attendance",
    "schedules",
    "orders",
    "targets",
    "demo",
)
WITH_POSTGRES = BASE_DIR / "scripts" / "with-postgres"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", nargs="*", metavar="benchmark", help=f"of {', '.join(BENCHMARKS)}; default all")
    parser.add_argument("--db", choices=VENDORS, help="measure only this database, in this process")
    parser.add_argument(
        "--rows", type=int, help="rows of data (default 200,000; 20,000 with --quick; activities: 2,000,000; 100,000)"
    )
    parser.add_argument("--repeat", type=int, help="timed runs per figure (default 15; 5 with --quick)")
    parser.add_argument("--quick", "--small", action="store_true", help="a small, fast run to check the harness works")
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    parser.add_argument("--sqlite-stats", action="store_true", help="ANALYZE on SQLite too (the app never does)")
    args = parser.parse_args(argv)
    if unknown := set(args.benchmarks) - set(BENCHMARKS):
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
    return args


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        rows=args.rows or (20_000 if args.quick else 200_000),
        repeat=args.repeat or (5 if args.quick else 15),
        warmup=1 if args.quick else 2,
        explain=args.explain,
        sqlite_stats=args.sqlite_stats,
        quick=args.quick,
        rows_given=args.rows is not None,
    )


def run_here(args: argparse.Namespace) -> int:
    options = options_from(args)
    chosen = args.benchmarks or BENCHMARKS
    with scratch_database(args.db) as database, progress.reporting(sys.stderr):
        for number, name in enumerate(chosen, start=1):
            label = f"bench {name} ({number}/{len(chosen)}) on {database.vendor}"
            progress.say(f"{label}…")
            with progress.step(label) as shown:
                importlib.import_module(f"bench.{name}").run(options, database)
                shown.summary = "done"
    return 0


def run_children(argv: list[str]) -> int:
    me = [sys.executable, "-m", "bench", *argv]
    sqlite_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    status = subprocess.call([*me, "--db", "sqlite"], cwd=BASE_DIR, env=sqlite_env)  # noqa: S603 - this program, again
    if os.environ.get("DATABASE_URL"):
        postgres = [*me, "--db", "postgresql"]
    elif WITH_POSTGRES.exists() and glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        postgres = [str(WITH_POSTGRES), *me, "--db", "postgresql"]
    else:
        print("\nPostgreSQL skipped: set DATABASE_URL or install PostgreSQL (scripts/with-postgres)", file=sys.stderr)
        return status
    return subprocess.call(postgres, cwd=BASE_DIR) or status  # noqa: S603 - this program, again


def main(argv: list[str]) -> int:
    args = parse(argv)
    return run_here(args) if args.db else run_children(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
