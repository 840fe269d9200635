from datetime import date, time

from fieldloop.schedules.calendar import clusters, day_from_query, placement, week_of


def test_items_are_placed_on_half_hour_rows_clamped_to_the_grid():
    assert placement(None, None) is None
    assert placement(time(7), time(8)) == (1, 2)
    assert placement(time(9, 15), None) == (5, 1)
    assert placement(time(5), time(6)) == (1, 1)  # before the grid: its first row
    assert placement(time(20, 30), time(23)) == (28, 1)


def test_overlapping_items_sit_side_by_side_and_separate_ones_apart():
    laid = clusters([("a", 5, 2), ("b", 5, 2), ("c", 6, 3), ("e", 7, 1), ("d", 12, 1)])
    assert [(c.row, c.span, c.lanes) for c in laid] == [(5, 4, 3), (12, 1, 1)]
    # c overlaps a and b (a third lane); e starts when a has ended (a's lane again)
    assert [(p.item, p.row, p.lane) for p in laid[0].entries] == [("a", 1, 1), ("b", 1, 2), ("c", 2, 3), ("e", 3, 1)]


def test_weeks_start_on_monday_and_junk_days_fall_back():
    assert week_of(date(2026, 12, 5))[0] == date(2026, 11, 30)
    today = date(2026, 12, 5)
    assert day_from_query("2026-12-01", today) == date(2026, 12, 1)
    assert day_from_query("nonsense", today) == day_from_query("9999-01-01", today) == today
