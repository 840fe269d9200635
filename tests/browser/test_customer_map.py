"""The customer map as a manager meets it: her reps' located customers, clustered, on a plain background."""

import re
import uuid

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import services
from fieldloop.org.models import Employee

from .conftest import ARTIFACTS, PHONE, NewPage, login

pytestmark = pytest.mark.browser

# Three customers a few hundred metres apart in Shanghai (they cluster), one in Suzhou, one without a location.
LOCATED = [("上海精工机械", "31.230400", "121.473700"), ("浦东新材料", "31.231000", "121.474500"),
           ("黄浦贸易", "31.229800", "121.472900"), ("苏州新材料", "31.298900", "120.585300")]  # fmt: skip


def _create(owner: Employee, name: str, latitude: str | None = None, longitude: str | None = None) -> None:
    services.customer_create(
        actor=owner, client_id=uuid.uuid4(), name=name, latitude=latitude, longitude=longitude, level="A"
    )


def _collect_console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "favicon" not in message.text and "favicon" not in message.location["url"]:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_manager_sees_her_reps_customers_clustered_on_the_map(
    page: Page, live_server: LiveServer, live_cast: Cast
) -> None:
    for i, (name, lat, lng) in enumerate(LOCATED):
        _create(live_cast.rep if i % 2 else live_cast.rep2, name, lat, lng)
    _create(live_cast.rep, "没有坐标的客户")
    _create(live_cast.other_branch_rep, "北京重工", "39.904200", "116.407400")
    errors = _collect_console_errors(page)
    login(page, live_server, "mia", live_cast.password)

    page.goto(f"{live_server.url}/customers/")
    page.click("[data-testid=customer-map-link]")
    page.wait_for_url(f"{live_server.url}/customers/map/?")
    canvas = page.locator("[data-testid=customer-map]")
    expect(canvas).to_have_attribute("data-loaded", "4")
    expect(page.locator("[data-testid=map-status]")).to_contain_text("4")
    expect(page.locator("[data-testid=map-capped]")).to_be_hidden()
    clusters = canvas.locator(".marker-cluster")
    expect(clusters).to_have_count(1)  # the three Shanghai customers, together
    expect(clusters).to_have_text("3")
    expect(canvas.locator("path.leaflet-interactive")).to_have_count(1)  # Suzhou, on its own
    expect(canvas.locator(".leaflet-tile")).to_have_count(0)  # no tile server configured

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "customer-map.png"), full_page=True)

    clusters.click()  # zooms in and splits the cluster
    expect(canvas.locator("path.leaflet-interactive")).to_have_count(3)  # Suzhou is now out of view
    canvas.locator("path.leaflet-interactive").first.click()
    popup = canvas.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    link = popup.locator("a")
    expect(link).to_have_attribute("href", re.compile(r"^/customers/\d+/$"))
    name = popup.locator("strong").inner_text()
    link.click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/customers/\d+/$"))
    expect(page.locator(".page-title")).to_contain_text(name)

    page.goto(f"{live_server.url}/customers/map/")
    expect(canvas).to_have_attribute("data-loaded", "4")
    page.check("[data-testid=map-density]")
    expect(canvas.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
    expect(canvas.locator(".marker-cluster")).to_have_count(0)
    page.uncheck("[data-testid=map-density]")
    expect(canvas.locator(".marker-cluster").first).to_be_visible()

    page.goto(f"{live_server.url}/customers/map/?q=苏州")
    expect(canvas).to_have_attribute("data-loaded", "1")
    assert errors == []


def test_phone_map_is_full_width_with_collapsed_filters(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    _create(live_cast.rep, *LOCATED[0])
    phone = new_page(**PHONE)
    errors = _collect_console_errors(phone)
    login(phone, live_server, "mia", live_cast.password)
    phone.goto(f"{live_server.url}/customers/map/")
    canvas = phone.locator("[data-testid=customer-map]")
    expect(canvas).to_have_attribute("data-loaded", "1")
    expect(phone.locator("[data-testid=map-filters]")).to_be_hidden()
    phone.click("[data-testid=map-filters-toggle]")
    expect(phone.locator("[data-testid=map-filters]")).to_have_class(re.compile(r"\bshow\b"))  # opened
    box = canvas.bounding_box()
    assert box is not None and box["width"] >= 385
    phone.screenshot(path=str(ARTIFACTS / "customer-map-phone.png"))
    assert errors == []


def test_a_customer_named_like_markup_is_shown_as_text_on_its_map(
    page: Page, live_server: LiveServer, live_cast: Cast
) -> None:
    hostile = '<img src=x id=injected onerror="document.title=1">恶意公司'
    _create(live_cast.rep, hostile, "31.230400", "121.473700")
    errors = _collect_console_errors(page)
    login(page, live_server, "rex", live_cast.password)
    page.goto(f"{live_server.url}/customers/")
    page.get_by_test_id("customer-table").get_by_text("恶意公司").click()  # the desktop's table
    marker = page.locator("#customer-map path.leaflet-interactive")
    marker.hover()
    tooltip = page.locator("#customer-map .leaflet-tooltip")
    expect(tooltip).to_have_text(hostile)  # the name, as text
    expect(page.locator("#injected")).to_have_count(0)  # no element made from it
    assert errors == []  # nothing refused by the CSP either (no inline styles left)
