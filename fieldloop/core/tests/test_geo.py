from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from fieldloop.core.errors import ServiceError
from fieldloop.core.geo import Fix, FixSignal, Position, fix_signals, haversine_m, position_errors, position_from


def test_same_point_is_zero_metres_apart():
    assert haversine_m(31.2304, 121.4737, 31.2304, 121.4737) == 0


def test_shanghai_to_beijing_is_about_1068_km():
    assert haversine_m(31.2304, 121.4737, 39.9042, 116.4074) == pytest.approx(1_068_000, rel=0.01)


def test_one_thousandth_of_a_degree_of_latitude_is_about_111_metres():
    assert haversine_m(31.0, 121.0, 31.001, 121.0) == pytest.approx(111.2, abs=0.5)


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_m(0, 0, 0, 180) == pytest.approx(20_015_115, rel=0.001)


# --- position fixes ----------------------------------------------------------------------------------

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
PEOPLES_SQUARE = (31.2304, 121.4737)


def fix(seconds_ago=0.0, at=PEOPLES_SQUARE, accuracy=15.0, mocked=False) -> Fix:
    return Fix(at[0], at[1], accuracy, NOW - timedelta(seconds=seconds_ago), mocked)


def signals(current: Fix, previous=()) -> list[FixSignal]:
    return fix_signals(current, now=NOW, previous=list(previous), max_age_s=120, poor_accuracy_m=100)


def test_a_position_as_a_client_sent_it_becomes_numbers_with_the_radius_in_metres():
    assert position_from("31.2304", "121.4737", "8.5") == Position(31.2304, 121.4737, 8.5)


def test_an_unusable_position_is_refused_on_the_clients_field_names():
    with translation.override("en"), pytest.raises(ServiceError) as e:
        position_from("95", "121.4", None)
    assert set(e.value.fields) == {"latitude", "accuracy"}
    assert e.value.fields["accuracy"] == ["The position has no accuracy; the device must report one."]


def test_a_fix_is_a_position_with_its_time():
    fix = Fix(31.2304, 121.4737, 10.0, datetime(2026, 7, 1, tzinfo=UTC))
    assert isinstance(fix, Position)
    assert fix.distance_m(39.9042, 116.4074) == pytest.approx(1_068_000, rel=0.01)


def test_a_fresh_accurate_fix_raises_no_signal():
    jittered = [fix(60, (31.23041, 121.47372)), fix(120, (31.23039, 121.47369)), fix(180)]
    assert signals(fix(5), jittered) == []


def test_a_fix_older_than_allowed_is_stale():
    assert signals(fix(121)) == [FixSignal.STALE]


def test_a_vague_fix_is_flagged():
    assert signals(fix(accuracy=350)) == [FixSignal.POOR_ACCURACY]


def test_coordinates_identical_to_the_last_three_fixes_are_flagged_but_two_are_not():
    same = [fix(60), fix(120), fix(180)]
    assert signals(fix(5), same) == [FixSignal.REPEATED]
    assert signals(fix(5), same[:2]) == []


def test_shanghai_to_beijing_in_ten_minutes_is_too_fast_but_in_five_hours_is_not():
    beijing = (39.9042, 116.4074)
    assert signals(fix(0, beijing), [fix(600)]) == [FixSignal.TOO_FAST]
    assert signals(fix(0, beijing), [fix(5 * 3600)]) == []


def test_a_jump_within_the_accuracy_circles_is_not_speed():
    nearby = (31.2314, 121.4737)  # 111 m away, one second later, each fix ±60 m
    assert signals(fix(0, nearby, accuracy=60), [fix(1, accuracy=60)]) == []


def test_the_device_saying_mock_location_is_recorded():
    assert signals(fix(mocked=True)) == [FixSignal.MOCKED]


@pytest.mark.parametrize(
    ("latitude", "longitude", "accuracy", "fields"),
    [
        (31.2, 121.4, 12, set()),
        ("31.2", "121.4", "12.5", set()),
        (None, 121.4, 12, {"latitude"}),
        (91, 121.4, 12, {"latitude"}),
        (31.2, -180.5, 12, {"longitude"}),
        (31.2, 121.4, None, {"accuracy"}),
        (31.2, 121.4, 0, {"accuracy"}),
        (31.2, 121.4, 50_000, {"accuracy"}),
        ("north", "nan", "inf", {"latitude", "longitude", "accuracy"}),
    ],
)
def test_position_errors_name_each_bad_part(latitude, longitude, accuracy, fields):
    assert set(position_errors(latitude, longitude, accuracy)) == fields


def test_a_missing_accuracy_is_explained_in_the_users_language():
    with translation.override("en"):
        assert "accuracy" in position_errors(31.2, 121.4, None)["accuracy"]
