import datetime
import itertools

import pytest

from fieldloop.targets.periods import children_periods, period_bounds, period_of_day, periods_of


def test_a_calendar_fiscal_year_has_calendar_quarters():
    assert period_bounds((2026, 1), "Y") == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert period_bounds((2026, 1), "Q1") == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert period_bounds((2028, 1), "M2") == (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29))


def test_a_fiscal_year_starting_in_april_runs_into_the_next_calendar_year():
    assert period_bounds((2026, 4), "Y") == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert period_bounds((2026, 4), "Q4") == (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
    assert period_bounds((2026, 4), "M1") == (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))
    assert period_bounds((2026, 4), "M12") == (datetime.date(2027, 3, 1), datetime.date(2027, 3, 31))


def test_periods_of_lists_every_period_and_months_tile_the_year():
    rows = periods_of((2026, 10))
    assert [p for p, _, _ in rows][:5] == ["Y", "Q1", "Q2", "Q3", "Q4"]
    months = [r for r in rows if r[0].startswith("M")]
    for (_, _, last), (_, first, _) in itertools.pairwise(months):
        assert first - last == datetime.timedelta(days=1)
    assert months[0][1] == rows[0][1] and months[-1][2] == rows[0][2]


def test_children_and_day_lookup():
    assert children_periods("Y") == ["Q1", "Q2", "Q3", "Q4"]
    assert children_periods("Q3") == ["M7", "M8", "M9"]
    assert children_periods("M3") == []
    assert period_of_day((2026, 4), datetime.date(2027, 2, 14)) == "M11"
    assert period_of_day((2026, 4), datetime.date(2026, 3, 31)) is None


def test_unknown_period_is_refused():
    with pytest.raises(ValueError):
        period_bounds((2026, 1), "Q5")
