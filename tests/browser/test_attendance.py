"""Attendance on a 360-px phone with a faked position: the rep clocks in at the office and sees the clock and
the day's status; far from the office, the clock-in is refused with the distance."""

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.attendance.models import Clock, DailyStatus
from fieldloop.attendance.tests.helpers import a_group

from .conftest import ARTIFACTS, PHONE, NewPage, login

pytestmark = pytest.mark.browser

PHONE_360 = {**PHONE, "viewport": {"width": 360, "height": 780}}
AT_THE_OFFICE = {"latitude": 31.2306, "longitude": 121.4738, "accuracy": 12}  # ~25 m from the office
ACROSS_TOWN = {"latitude": 31.2504, "longitude": 121.4737, "accuracy": 12}  # ~2.2 km north


def test_a_rep_clocks_in_at_the_office_and_sees_the_status(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    a_group(live_cast.admin, [live_cast.sales.pk])
    ARTIFACTS.mkdir(exist_ok=True)
    phone = new_page(**PHONE_360, geolocation=AT_THE_OFFICE, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/attendance/")
    expect(phone.get_by_test_id("no-clock")).to_be_visible()
    phone.get_by_test_id("clock-in").click()
    expect(phone.get_by_test_id("clock")).to_contain_text("上海办公室")
    expect(phone.get_by_test_id("clock-out")).to_be_visible()
    expect(phone.get_by_test_id("status")).to_be_visible()
    clock = Clock.objects.get()
    assert clock.employee_id == live_cast.rep.pk and 15 < (clock.distance_m or 0) < 35
    assert DailyStatus.objects.filter(employee=live_cast.rep, day=clock.day).exists()
    phone.screenshot(path=str(ARTIFACTS / "attendance-clocked-in-phone.png"), full_page=True)


def test_a_clock_in_across_town_is_refused_with_the_distance(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    a_group(live_cast.admin, [live_cast.sales.pk])
    phone = new_page(**PHONE_360, geolocation=ACROSS_TOWN, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/attendance/")
    phone.get_by_test_id("clock-in").click()
    expect(phone.get_by_test_id("form-error")).to_contain_text("2.2")
    assert not Clock.objects.exists()
