"""A day's track read as a person would: simplified for display (Douglas-Peucker), its stops (dwell), its
gaps (no position for longer than allowed: unverified, never filled in) and the distance travelled. Pure
functions over time-ordered samples; no database."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from fieldloop.core.geo import EARTH_RADIUS_M, haversine_m


@dataclass(frozen=True)
class Sample:
    at: datetime
    latitude: float
    longitude: float
    accuracy_m: float = 0.0


@dataclass(frozen=True)
class Stop:
    start: datetime
    end: datetime
    latitude: float  # the centroid of the stop's samples
    longitude: float
    samples: int

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class Gap:
    start: datetime  # the last sample before the gap
    end: datetime  # the first sample after it

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def _xy(lat: float, lon: float, lat0: float) -> tuple[float, float]:
    """Metres on a local equirectangular plane (good to well under 1 % over a city)."""
    k = math.pi / 180 * EARTH_RADIUS_M
    return lon * k * math.cos(math.radians(lat0)), lat * k


def _segment_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(samples: Sequence[Sample], tolerance_m: float) -> list[int]:
    """Douglas-Peucker: the indexes of the samples kept (first and last always) so that no dropped sample
    lies farther than `tolerance_m` from the kept polyline. Iterative (a long day never hits the recursion
    limit)."""
    n = len(samples)
    if n <= 2:
        return list(range(n))
    lat0 = sum(s.latitude for s in samples) / n
    xy = [_xy(s.latitude, s.longitude, lat0) for s in samples]
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = -1.0, -1
        for i in range(first + 1, last):
            d = _segment_distance(xy[i], xy[first], xy[last])
            if d > farthest:
                farthest, index = d, i
        if index != -1 and farthest > tolerance_m:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [i for i in range(n) if keep[i]]


def stops(samples: Sequence[Sample], *, min_minutes: float, radius_m: float) -> list[Stop]:
    """Dwell detection: from each sample, the longest run of following samples within `radius_m` of it; a
    run lasting at least `min_minutes` is a stop (from its first to its last sample, at their centroid), and
    the search goes on after it; otherwise it goes on from the next sample."""
    found: list[Stop] = []
    i, n = 0, len(samples)
    while i < n:
        anchor = samples[i]
        j = i + 1
        while (
            j < n
            and haversine_m(anchor.latitude, anchor.longitude, samples[j].latitude, samples[j].longitude) <= radius_m
        ):
            j += 1
        run = samples[i:j]
        if (run[-1].at - anchor.at).total_seconds() >= min_minutes * 60:
            found.append(
                Stop(
                    start=anchor.at,
                    end=run[-1].at,
                    latitude=sum(s.latitude for s in run) / len(run),
                    longitude=sum(s.longitude for s in run) / len(run),
                    samples=len(run),
                )
            )
            i = j
        else:
            i += 1
    return found


def gaps(samples: Sequence[Sample], *, max_minutes: float) -> list[Gap]:
    """Stretches longer than `max_minutes` between two consecutive samples."""
    return [Gap(a.at, b.at) for a, b in pairwise(samples) if (b.at - a.at).total_seconds() > max_minutes * 60]


def distance_m(samples: Sequence[Sample], *, poor_accuracy_m: float) -> float:
    """Metres travelled along the samples, skipping the grey ones (less accurate than `poor_accuracy_m`)
    and the moves smaller than the two fixes' accuracy (jitter while standing still)."""
    good = [s for s in samples if s.accuracy_m <= poor_accuracy_m]
    total = 0.0
    for a, b in pairwise(good):
        d = haversine_m(a.latitude, a.longitude, b.latitude, b.longitude)
        if d > max(a.accuracy_m, b.accuracy_m):
            total += d
    return total
