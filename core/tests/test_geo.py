import pytest

from core.geo import haversine_m


def test_same_point_is_zero_metres_apart():
    assert haversine_m(31.2304, 121.4737, 31.2304, 121.4737) == 0


def test_shanghai_to_beijing_is_about_1068_km():
    assert haversine_m(31.2304, 121.4737, 39.9042, 116.4074) == pytest.approx(1_068_000, rel=0.01)


def test_one_thousandth_of_a_degree_of_latitude_is_about_111_metres():
    assert haversine_m(31.0, 121.0, 31.001, 121.0) == pytest.approx(111.2, abs=0.5)


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_m(0, 0, 0, 180) == pytest.approx(20_015_115, rel=0.001)
