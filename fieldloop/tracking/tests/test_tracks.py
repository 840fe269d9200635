"""Douglas-Peucker, stops, gaps and distance against hand computations (on the equator one degree of
longitude is 6,371,008.8 m x π/180 = 111,195.08 m)."""

from datetime import UTC, datetime, timedelta

import pytest

from fieldloop.tracking import tracks

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEG = 111_195.08  # metres per degree on the equator


def s(minutes: float, lat: float, lon: float, accuracy: float = 0.0) -> tracks.Sample:
    return tracks.Sample(T0 + timedelta(minutes=minutes), lat, lon, accuracy)


def test_a_point_closer_to_the_line_than_the_tolerance_is_dropped():
    line = [s(0, 0, 0), s(5, 0.0001, 0.001), s(10, 0, 0.002)]  # the middle one is 0.0001° = 11.12 m off the line
    assert tracks.simplify(line, 15) == [0, 2]
    assert tracks.simplify(line, 10) == [0, 1, 2]


def test_douglas_peucker_splits_at_the_farthest_point_then_each_half():
    # The peak (index 2) is 111 m off the first-to-last line: kept. Each half's middle point lies
    # |111.2 - 2 x 11.12| / √5 = 39.8 m from its half's line: dropped at 50 m, kept at 30 m.
    line = [s(0, 0, 0), s(5, 0.0001, 0.001), s(10, 0.001, 0.002), s(15, 0.0001, 0.003), s(20, 0, 0.004)]
    assert tracks.simplify(line, 50) == [0, 2, 4]
    assert tracks.simplify(line, 30) == [0, 1, 2, 3, 4]
    assert tracks.simplify(line[:2], 1) == [0, 1]


def test_a_dwell_of_at_least_n_minutes_within_r_metres_is_a_stop_at_its_centroid():
    day = [
        s(0, 0, 0),
        s(5, 0, 0.0002),  # 22 m from the first: same place
        s(10, 0, 0.0004),  # 44 m: still within 50 m of the first
        s(15, 0, 0.003),  # 333 m away: moving
        s(20, 0, 0.006),
        s(25, 0, 0.0061),  # 11 m: but only 5 minutes there
    ]
    found = tracks.stops(day, min_minutes=10, radius_m=50)
    assert len(found) == 1
    stop = found[0]
    assert (stop.start, stop.end, stop.samples) == (T0, T0 + timedelta(minutes=10), 3)
    assert stop.latitude == 0 and stop.longitude == pytest.approx(0.0002)
    assert stop.minutes == 10
    assert tracks.stops(day, min_minutes=11, radius_m=50) == []


def test_gaps_longer_than_the_setting_are_found_and_the_distance_skips_grey_points_and_jitter():
    day = [s(0, 0, 0), s(5, 0, 0.001), s(40, 0, 0.002), s(45, 0, 0.0021, accuracy=500), s(50, 0, 0.002, accuracy=30)]
    gaps = tracks.gaps(day, max_minutes=20)
    assert [(g.start, g.end, g.minutes) for g in gaps] == [(T0 + timedelta(minutes=5), T0 + timedelta(minutes=40), 35)]
    # 0 → 0.001 → 0.002: 2 x 111.195 m; the 500 m point is grey; the last one moved 0 m.
    assert tracks.distance_m(day, poor_accuracy_m=100) == pytest.approx(2 * DEG * 0.001, abs=0.01)
