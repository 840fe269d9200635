"""Every map is readable on a fresh install: without a tile server it draws China's provinces and, zoomed in,
its cities with their names (static/js/basemap.js over the outlines scripts/build_assets.py writes); with a
Chinese provider's tiles (GCJ-02) our WGS-84 positions are shifted only when drawn."""

import math
import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import services

from .conftest import login
from .test_customer_map import _collect_console_errors

pytestmark = pytest.mark.browser


def wgs_to_gcj(lat: float, lng: float) -> tuple[float, float]:
    """The published WGS-84 to GCJ-02 transform, written out again here to check the page's."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lng - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng += common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = d_lat * 180.0 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lng = d_lng * 180.0 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + d_lat, lng + d_lng


def test_without_tiles_the_map_shows_provinces_then_cities_by_name(
    page: Page, live_server: LiveServer, live_cast: Cast
) -> None:
    services.customer_create(
        actor=live_cast.rep, client_id=uuid.uuid4(), name="上海精工机械", latitude="31.230400", longitude="121.473700"
    )
    errors = _collect_console_errors(page)
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/map/")
    canvas = page.locator("[data-testid=customer-map]")
    expect(canvas).to_have_attribute("data-loaded", "1")
    expect(canvas).to_have_class(re.compile(r"\bbasemap-offline\b"))
    expect(canvas.locator(".leaflet-basemap-pane path")).not_to_have_count(0)
    assert canvas.locator(".leaflet-basemap-pane path").count() >= 30  # the provinces
    expect(canvas.locator(".leaflet-tile")).to_have_count(0)
    # one customer: the map fits it, zoomed into Shanghai, where the cities' names and outlines show
    expect(canvas.locator(".basemap-label", has_text="上海").first).to_be_visible()
    expect(canvas.locator(".basemap-label", has_text="苏州")).to_have_count(1)
    expect(canvas.locator(".basemap-label", has_text="浙江")).to_have_count(0)  # a province's name, zoomed out only
    expect(canvas.locator(".leaflet-basemap-pane path[stroke-dasharray]")).not_to_have_count(0)  # city outlines
    assert errors == []


def test_with_a_chinese_providers_tiles_positions_are_shifted_only_when_drawn(
    page: Page, live_server: LiveServer, live_cast: Cast, settings
) -> None:
    settings.FIELDLOOP_MAP_TILE_URL = f"{live_server.url}/static/no-such-tiles/{{z}}/{{x}}/{{y}}.png"
    settings.FIELDLOOP_MAP_TILE_CRS = "gcj02"
    services.customer_create(
        actor=live_cast.rep, client_id=uuid.uuid4(), name="上海精工机械", latitude="31.230400", longitude="121.473700"
    )
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/map/")
    canvas = page.locator("[data-testid=customer-map]")
    expect(canvas).to_have_attribute("data-loaded", "1")
    expect(canvas.locator(".leaflet-tile").first).to_be_attached()  # the provider's tiles, not the outlines
    assert canvas.locator(".leaflet-basemap-pane").count() == 0
    for lat, lng in ((31.2304, 121.4737), (39.9042, 116.4074), (22.5431, 114.0579)):
        shifted = page.evaluate("([lat, lng]) => flBasemap.toGcj(lat, lng)", [lat, lng])
        expected = wgs_to_gcj(lat, lng)
        assert shifted == pytest.approx(expected, abs=1e-9)
        assert 100 < math.dist(shifted, (lat, lng)) * 111_000 < 1_000  # a few hundred metres, as it should be
        back = page.evaluate("([lat, lng]) => flBasemap.fromGcj(lat, lng)", shifted)
        assert math.dist(back, (lat, lng)) * 111_000 < 1  # the inverse, within a metre
    paris = page.evaluate("() => flBasemap.toGcj(48.8566, 2.3522)")
    assert paris == [48.8566, 2.3522]  # outside China nothing moves
