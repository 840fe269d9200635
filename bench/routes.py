"""The suggested route of a day's visits (schedules.routes): nearest neighbour then 2-opt, for 10, 30 and 60
stops, in milliseconds, as a ratio to the nearest-neighbour pass alone measured in the same run; and how much
shorter the suggestion is than the order the visits were planned in and than nearest neighbour alone. For 8
stops the brute force (every order: 8! paths) is measured too, the exact optimum the suggestion is compared to.

Data: DAYS seeded random days per size, the stops spread uniformly over a 30 km x 30 km square of Shanghai, in
the order they were planned (random); the route starts from the first stop, as when the rep gives no position.
Pure Python: the database is not involved (the selector's one query is the calendar's), so both runs agree.
"""

import os
import random
import statistics
from typing import Any

from fieldloop.core.geo import Point
from fieldloop.schedules import routes

from .harness import Database, Options, measure, print_table, write_results

SIZES = (8, 10, 30, 60)
DAYS = 20
QUICK_DAYS = 5
CITY = (31.10, 121.30, 0.27, 0.32)  # south-west corner, degrees of latitude and longitude: ~30 km each way


def a_day(rng: random.Random, n: int) -> list[Point]:
    lat, lon, d_lat, d_lon = CITY
    return [Point(lat + rng.random() * d_lat, lon + rng.random() * d_lon) for _ in range(n)]


def run(options: Options, database: Database) -> None:
    rng = random.Random(1)  # noqa: S311 - reproducible data, not a secret
    days = QUICK_DAYS if options.quick else DAYS
    rows: list[list[Any]] = []
    payload: dict[str, Any] = {}
    for n in SIZES:
        stops = [a_day(rng, n) for _ in range(days)]

        def suggest_all(stops: list[list[Point]] = stops) -> None:
            for day in stops:
                routes.suggest(day)

        def greedy_all(stops: list[list[Point]] = stops) -> None:
            for day in stops:
                routes.nearest_neighbour_only(day)

        fns = [suggest_all, greedy_all]
        if n <= 8:

            def brute_all(stops: list[list[Point]] = stops) -> None:
                for day in stops:
                    routes.shortest_path(day)

            fns.append(brute_all)
        timings = measure(*fns, options=options)
        suggested = [routes.suggest(day) for day in stops]
        greedy = [routes.nearest_neighbour_only(day) for day in stops]
        vs_planned = statistics.mean(1 - s.after_m / s.before_m for s in suggested)
        vs_greedy = statistics.mean(1 - s.after_m / g.after_m for s, g in zip(suggested, greedy, strict=True))
        gap = None
        brute_ms = None
        if n <= 8:
            best = [routes.shortest_path(day) for day in stops]
            gap = statistics.mean(s.after_m / b.after_m - 1 for s, b in zip(suggested, best, strict=True))
            brute_ms = timings[2].median_ms / days
        suggest_ms, greedy_ms = timings[0].median_ms / days, timings[1].median_ms / days
        km = statistics.mean(s.after_m for s in suggested) / 1000
        rows.append([
            n, suggest_ms, greedy_ms, f"{suggest_ms / greedy_ms:.1f}x",
            f"{brute_ms:.1f}" if brute_ms is not None else "-", km,
            f"{vs_planned:.0%}", f"{vs_greedy:.1%}", f"{gap:.2%}" if gap is not None else "-",
        ])  # fmt: skip
        payload[str(n)] = {
            "suggest_ms": suggest_ms, "nearest_neighbour_ms": greedy_ms, "ratio": suggest_ms / greedy_ms,
            "brute_force_ms": brute_ms, "suggested_km": km, "shorter_than_planned": vs_planned,
            "shorter_than_nearest_neighbour": vs_greedy, "above_optimum": gap,
        }  # fmt: skip
    print(
        f"\n== routes on {database.vendor} {database.version} (pure Python; the database is not involved)\n"
        f"   {days} random days per size over ~30 km x 30 km; load average {os.getloadavg()[0]:.1f}\n"
    )
    print_table(
        [
            "stops", "suggest_ms", "nn_ms", "ratio", "brute_ms", "suggested_km", "vs_planned", "vs_nn",
            "above_optimum",
        ],
        rows,
    )  # fmt: skip
    path = write_results("routes", database, {"days": days, "options": options, "sizes": payload})
    print(f"\nwritten to {path.relative_to(path.parent.parent)}")
