"""The schedule calendar's drag and drop: an item dragged onto another day's hour moves there keeping its length;
its bottom edge dragged onto a later hour changes its end (htmx swaps the calendar in, no reload)."""

from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.schedules.models import ScheduleItem
from fieldloop.schedules.tests.helpers import plan, today

from .conftest import NewPage, login

pytestmark = pytest.mark.browser


def test_a_rep_drags_an_item_to_another_day_and_hour_then_stretches_it(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    day = today(live_cast.rep)
    monday = day - timedelta(days=day.weekday())
    item = plan(live_cast.rep, day=monday, start_time=time(9), end_time=time(10), title="送样品")
    page = new_page()
    login(page, live_server, "rex", live_cast.password)
    page.goto(f"{live_server.url}/schedule/week/?day={monday.isoformat()}")
    wednesday = (monday + timedelta(days=2)).isoformat()
    card = page.locator(f"[data-item='{item.pk}']")
    card.drag_to(page.locator(f"[data-drop-day='{wednesday}'][data-drop-time='14:00']"))
    expect(page.locator(f"[data-item='{item.pk}'][data-day='{wednesday}'][data-start='14:00']")).to_be_visible()
    item.refresh_from_db()
    assert (item.day.isoformat(), item.start_time, item.end_time) == (wednesday, time(14), time(15))
    handle = page.locator(f"[data-resize='{item.pk}']")
    handle.drag_to(page.locator(f"[data-drop-day='{wednesday}'][data-drop-time='16:00']"))
    expect(page.locator(f"[data-item='{item.pk}'][data-end='16:30']")).to_be_visible()
    assert ScheduleItem.objects.get(pk=item.pk).end_time == time(16, 30)
