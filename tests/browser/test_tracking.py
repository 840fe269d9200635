"""A manager opens a rep's trajectory of a past workday: the track on a plain background, its stop at the
customer with the visit, the unverified gap, playback; then the team's live map. The rep's phone queues
positions in the outbox offline and they arrive once when the signal returns."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.models import Visit, VisitStatus, VisitType
from fieldloop.customers.models import Customer
from fieldloop.tracking import services
from fieldloop.tracking.models import LastPosition, LocationPoint
from fieldloop.tracking.tests.helpers import at, employed, last_workday, point

from .conftest import NewPage, login, outbox_ready, signal_returns

pytestmark = pytest.mark.browser
SHOP = (31.2304, 121.4737)


def a_rep_day(cast: Cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    points = [point(at(day, 9, m), lat=SHOP[0], lon=SHOP[1] - 0.02 + m * 0.0003, speed=8) for m in range(0, 60, 5)]
    points += [point(at(day, 10, m), lat=SHOP[0], lon=SHOP[1], speed=0) for m in range(0, 45, 5)]
    points += [point(at(day, 12, m), lat=SHOP[0] + 0.01, lon=SHOP[1], speed=0) for m in range(0, 30, 5)]
    assert services.location_batch_ingest(actor=rep, points=points).accepted == len(points)
    shop = Customer.objects.create(
        org=rep.org, owner=rep, created_by=rep, client_id=uuid.uuid4(), name="静安门店",
        latitude=Decimal("31.230400"), longitude=Decimal("121.473700"),
    )  # fmt: skip
    vt = VisitType.objects.create(org=rep.org, name="例行拜访")
    Visit.objects.create(
        org=rep.org, client_id=uuid.uuid4(), visit_type=vt, employee=rep, customer=shop, status=VisitStatus.CLOSED,
        check_in_latitude=Decimal("31.2304"), check_in_longitude=Decimal("121.4737"), check_in_accuracy_m=10,
        check_in_fix_at=at(day, 10, 2), checked_in_at=at(day, 10, 2), check_in_received_at=at(day, 10, 2),
        checked_out_at=at(day, 10, 38),
    )  # fmt: skip
    return rep, day


def test_a_manager_opens_a_reps_trajectory_with_its_stops_and_the_live_map(
    live_cast: Cast, live_server: LiveServer, new_page: NewPage
):
    rep, day = a_rep_day(live_cast)
    page = new_page(locale="en-US")
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/tracking/employees/{rep.pk}/?day={day}")
    expect(page.get_by_test_id("point-count")).to_have_text("27")
    stops = page.get_by_test_id("stop")
    expect(stops.first).to_contain_text("静安门店")
    expect(stops.first.get_by_test_id("stop-visit")).to_be_visible()
    expect(page.get_by_test_id("gap-count")).to_have_text("1")  # 10:40-12:00 without a position
    expect(page.locator("#track-map .leaflet-overlay-pane path").first).to_be_attached()
    start = page.get_by_test_id("track-time").inner_text()
    page.get_by_test_id("track-slider").fill("20")
    expect(page.get_by_test_id("track-time")).not_to_have_text(start)

    LastPosition.objects.filter(employee=rep).update(at=timezone.now() - timedelta(minutes=1), speed_mps=0)
    page.goto(f"{live_server.url}/tracking/")
    member = page.get_by_test_id("team-member").filter(has_text="Rex")
    expect(member).to_have_attribute("data-state", "idle")
    expect(page.locator("#team-map .leaflet-interactive").first).to_be_attached()
    expect(page.get_by_test_id("team-status")).to_have_attribute("data-loaded", "1")


def test_positions_queued_offline_arrive_once_when_the_signal_returns(
    live_cast: Cast, live_server: LiveServer, new_page: NewPage
):
    day = last_workday()
    employed(live_cast.rep, day)
    page = new_page(locale="en-US")
    login(page, live_server, "rex", live_cast.password)
    page.goto(f"{live_server.url}/tracking/me/")
    outbox_ready(page)
    expect(page.get_by_test_id("tracking-background")).to_be_visible()
    batch = [point(at(day, 10, m)) for m in range(0, 15, 5)]
    page.context.set_offline(True)
    page.evaluate("([url, points]) => window.fieldloopOutbox.queuePoints(url, points, 'Positions')",
                  ["/api/v1/tracking/points", batch])  # fmt: skip
    page.evaluate(
        "([url, points]) => window.fieldloopOutbox.queuePoints(url, points, 'Positions')",
        ["/api/v1/tracking/points", batch[:1]],
    )  # fmt: skip  (the same point again)
    expect(page.get_by_test_id("outbox-count")).to_be_visible()
    assert LocationPoint.objects.count() == 0
    signal_returns(page)
    expect(page.get_by_test_id("outbox-count")).to_be_hidden()
    assert LocationPoint.objects.filter(employee=live_cast.rep).count() == 3
