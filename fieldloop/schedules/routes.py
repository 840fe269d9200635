"""A suggested order for a day's stops: nearest neighbour, then 2-opt, over great-circle distances.

Pure Python, no database. The route is an open path (the rep does not come back): it starts at the rep's
position when given (not a stop), else at the first stop, which then stays first. Nearest neighbour builds a
first path; 2-opt then reverses any stretch of it whose reversal shortens the path, until none does. For the
few dozen stops of a day this takes milliseconds (bench/routes.py) and is usually within a few percent of the
optimum; `shortest_path` (brute force) is the exact answer for a handful of stops, for tests and the benchmark.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations

from fieldloop.core.geo import Point, haversine_m

Matrix = list[list[float]]


@dataclass(frozen=True)
class Route:
    order: list[int]  # indexes into the stops, in the suggested order
    before_m: float  # the stops' given order, from the start
    after_m: float  # the suggested order, from the start
    legs_m: list[float]  # each stop's distance from the previous one (the first: from the start, or 0)


def _nodes(stops: Sequence[Point], start: Point | None) -> list[Point]:
    return ([start] if start is not None else []) + list(stops)


def distance_matrix(points: Sequence[Point]) -> Matrix:
    n = len(points)
    m = [[0.0] * n for _ in range(n)]
    for i in range(n):
        a = points[i]
        for j in range(i + 1, n):
            b = points[j]
            m[i][j] = m[j][i] = haversine_m(a.latitude, a.longitude, b.latitude, b.longitude)
    return m


def path_length(m: Matrix, path: Sequence[int]) -> float:
    return sum(m[path[i]][path[i + 1]] for i in range(len(path) - 1))


def nearest_neighbour(m: Matrix) -> list[int]:
    """A path over every node from node 0: always on to the nearest node not yet visited (ties: the lower
    index)."""
    n = len(m)
    if n == 0:
        return []
    path = [0]
    left = set(range(1, n))
    while left:
        here = m[path[-1]]
        nearest = min(left, key=lambda j: (here[j], j))
        path.append(nearest)
        left.remove(nearest)
    return path


def two_opt(m: Matrix, path: list[int]) -> list[int]:
    """Shorten an open path whose first node is fixed: reverse path[i..k] while that shortens it."""
    path = list(path)
    n = len(path)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            a, b = path[i - 1], path[i]
            for k in range(i + 1, n):
                c = path[k]
                # reversing path[i..k]: edges (a,b) and (c,d) become (a,c) and (b,d); an open end has no (c,d)
                if k + 1 < n:
                    d = path[k + 1]
                    delta = m[a][c] + m[b][d] - m[a][b] - m[c][d]
                else:
                    delta = m[a][c] - m[a][b]
                if delta < -1e-9:
                    path[i : k + 1] = reversed(path[i : k + 1])
                    b = path[i]
                    improved = True
    return path


def _route(stops: Sequence[Point], start: Point | None, path: list[int], m: Matrix) -> Route:
    offset = 1 if start is not None else 0
    given = list(range(len(stops) + offset))
    order = [node - offset for node in path if node >= offset]
    legs = [m[path[i - 1]][path[i]] if i > 0 else 0.0 for i in range(len(path))][offset:]
    return Route(order=order, before_m=path_length(m, given), after_m=path_length(m, path), legs_m=legs)


def suggest(stops: Sequence[Point], start: Point | None = None) -> Route:
    """The suggested order of `stops`: from `start` when given, else from the first stop."""
    m = distance_matrix(_nodes(stops, start))
    return _route(stops, start, two_opt(m, nearest_neighbour(m)), m)


def nearest_neighbour_only(stops: Sequence[Point], start: Point | None = None) -> Route:
    """The nearest-neighbour pass alone (the benchmark's baseline)."""
    m = distance_matrix(_nodes(stops, start))
    return _route(stops, start, nearest_neighbour(m), m)


def shortest_path(stops: Sequence[Point], start: Point | None = None) -> Route:
    """The exact shortest open path by trying every order (for a handful of stops only: n! orders)."""
    if len(stops) > 9:
        raise ValueError("brute force is for at most 9 stops")
    m = distance_matrix(_nodes(stops, start))
    n = len(m)
    if n == 0:
        return Route(order=[], before_m=0.0, after_m=0.0, legs_m=[])
    best = min(([0, *rest] for rest in permutations(range(1, n))), key=lambda p: path_length(m, p))
    return _route(stops, start, best, m)
