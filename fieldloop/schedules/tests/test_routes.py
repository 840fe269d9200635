"""The route suggestion against hand computation: stops on the equator, where the distance between two
longitudes is exactly the degrees apart times DEGREE_M, so every total can be worked out on paper."""

import math
import random

import pytest

from fieldloop.core.geo import EARTH_RADIUS_M, Point
from fieldloop.schedules import routes

DEGREE_M = EARTH_RADIUS_M * math.pi / 180  # one degree of longitude on the equator, ~111.2 km


def on_equator(*longitudes: float) -> list[Point]:
    return [Point(0.0, float(x)) for x in longitudes]


def test_stops_on_a_line_are_visited_end_to_end_from_the_first():
    # given order 0 → 3 → 1 → 2: 3 + 2 + 1 = 6 degrees; the best from 0 is 0 → 1 → 2 → 3: 3 degrees
    route = routes.suggest(on_equator(0, 3, 1, 2))
    assert route.order == [0, 2, 3, 1]
    assert route.before_m == pytest.approx(6 * DEGREE_M)
    assert route.after_m == pytest.approx(3 * DEGREE_M)
    assert route.legs_m == pytest.approx([0, DEGREE_M, DEGREE_M, DEGREE_M])


def test_two_opt_repairs_what_nearest_neighbour_gets_wrong():
    # from 0, stops at +1, +5, -1, +6. Nearest neighbour: 0 → +1 (the tie with -1 goes to the lower index)
    # → -1 → +5 → +6 = 1 + 2 + 6 + 1 = 10 degrees. Reversing the stretch (+1, -1) gives 0 → -1 → +1 → +5 → +6
    # = 1 + 2 + 4 + 1 = 8 degrees, the optimum (go to the near end first, then sweep).
    stops = on_equator(0, 1, 5, -1, 6)
    greedy = routes.nearest_neighbour_only(stops)
    assert greedy.order == [0, 1, 3, 2, 4]
    assert greedy.after_m == pytest.approx(10 * DEGREE_M)
    route = routes.suggest(stops)
    assert route.order == [0, 3, 1, 2, 4]
    assert route.after_m == pytest.approx(8 * DEGREE_M)
    assert routes.shortest_path(stops).after_m == pytest.approx(8 * DEGREE_M)


def test_a_start_position_is_not_a_stop_and_counts_in_both_totals():
    # the rep stands at +10; stops at 0, 9, 5: best is 9 → 5 → 0 (1 + 4 + 5 = 10); as given 10 + 9 + 4 = 23
    route = routes.suggest(on_equator(0, 9, 5), start=Point(0.0, 10.0))
    assert route.order == [1, 2, 0]
    assert route.after_m == pytest.approx(10 * DEGREE_M)
    assert route.before_m == pytest.approx(23 * DEGREE_M)
    assert route.legs_m == pytest.approx([DEGREE_M, 4 * DEGREE_M, 5 * DEGREE_M])


def test_a_square_is_walked_round_not_across():
    # the corners of a 1-degree square near the equator, given crosswise: the walk goes round (3 sides)
    stops = [Point(0, 0), Point(1, 1), Point(0, 1), Point(1, 0)]
    route = routes.suggest(stops)
    assert route.order[0] == 0
    assert route.after_m == pytest.approx(routes.shortest_path(stops).after_m)
    assert route.after_m < route.before_m


@pytest.mark.parametrize("n", [0, 1, 2])
def test_trivial_days(n):
    route = routes.suggest(on_equator(*range(n)))
    assert route.order == list(range(n))
    assert route.after_m == pytest.approx(max(0, n - 1) * DEGREE_M)


def test_on_random_days_the_suggestion_is_a_permutation_no_longer_than_nearest_neighbour_or_the_given_order():
    rng = random.Random(12)  # noqa: S311 - reproducible test data, not a secret
    close = 0
    for _ in range(150):
        stops = [Point(31 + rng.random() * 0.3, 121 + rng.random() * 0.3) for _ in range(7)]
        route = routes.suggest(stops)
        best = routes.shortest_path(stops)
        assert sorted(route.order) == list(range(7)) and route.order[0] == 0
        assert route.after_m <= routes.nearest_neighbour_only(stops).after_m + 1e-6
        assert route.after_m <= route.before_m + 1e-6
        assert route.after_m >= best.after_m - 1e-6
        close += route.after_m <= best.after_m * 1.05
    assert close >= 135  # within 5% of the optimum on at least 90% of days
