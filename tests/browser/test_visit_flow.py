"""A rep's visit on a 360-px phone with a faked position, as a new rep meets it: warned before a too-far
check-in (distance, range, what happens) and asked a second time; the customer found by typing; the check-out
says how many minutes are still needed and asks before ending a visit that will not count; a visit whose
steps share a photo and a stock table is completed without entering anything twice. Both languages."""

import io
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities import visit_services
from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.activities.tests.helpers import customer, template
from fieldloop.core.geo import SentFix
from fieldloop.customers.models import Customer
from fieldloop.demo.activities import PHOTO_FIELDS, STOCK_FIELDS
from fieldloop.formtemplates.models import Attachment, Purpose
from fieldloop.formtemplates.services import template_install
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, fresh_fix, login, outbox_ready, signal_returns

pytestmark = pytest.mark.browser

SHOP = (Decimal("31.230400"), Decimal("121.473700"))
NEAR_SHOP = {"latitude": 31.2305, "longitude": 121.4737, "accuracy": 12}  # ~11 m north
FAR = {"latitude": 31.241831, "longitude": 121.4737, "accuracy": 12}  # ~1,271 m north
SMALL_PHONE: dict[str, Any] = {**PHONE, "viewport": {"width": 360, "height": 780}}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def shop_at(cast: Cast, name: str) -> Customer:
    shop = customer(cast.rep, name)
    Customer.objects.filter(pk=shop.pk).update(latitude=SHOP[0], longitude=SHOP[1])
    return shop


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_too_far_check_in_is_told_before_it_counts_and_needs_a_second_tap(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    visit_services.visit_type_create(
        actor=live_cast.admin, name="例行拜访", name_en="Routine visit", max_distance_m=300, distance_mode="soft"
    )
    shop = shop_at(live_cast, "杭州湖滨五金店")
    for i in range(12):  # more than a picker shows at once
        customer(live_cast.rep, f"宁波五金店 {i}")
    ARTIFACTS.mkdir(exist_ok=True)
    phone = new_page(**SMALL_PHONE, geolocation=FAR, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/start/")
    search = phone.get_by_test_id("picker-search")
    search.fill("湖滨")  # type to filter: the customer is found, not scrolled for
    row = phone.get_by_test_id(f"pick-{shop.pk}")
    expect(row).to_be_visible()
    expect(phone.get_by_test_id("pick-row")).to_have_count(1)
    search.press("Tab")  # keyboard: Tab to the rows, Space to choose
    phone.keyboard.press("Space")
    expect(row).to_be_checked()

    verdict = phone.get_by_test_id("check-in-verdict")  # the position was read as the page opened
    expect(verdict).to_have_attribute("data-verdict", "flagged")
    expect(phone.get_by_test_id("verdict-distance")).to_contain_text("1.3 公里" if language == "zh-hans" else "1.3 km")
    expect(phone.get_by_test_id("verdict-range")).to_contain_text("300")
    expect(phone.get_by_test_id("confirm-flagged")).to_be_hidden()
    phone.screenshot(path=str(ARTIFACTS / f"check-in-warned-phone-{language}.png"), full_page=True)

    phone.get_by_test_id("check-in").click()  # the first tap: warned again, nothing sent
    confirm = phone.get_by_test_id("confirm-flagged")
    expect(confirm).to_be_visible()
    assert not Visit.objects.exists()
    no_sideways_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS / f"check-in-confirm-phone-{language}.png"), full_page=True)
    phone.set_viewport_size({"width": 1280, "height": 800})
    phone.screenshot(path=str(ARTIFACTS / f"check-in-confirm-desktop-{language}.png"), full_page=True)
    confirm.click()  # the second, explicit tap
    expect(phone.get_by_test_id("visit-status")).to_be_visible()
    visit = Visit.objects.get()
    assert visit.customer_id == shop.pk and 1265 < (visit.check_in_distance_m or 0) < 1277


def test_a_hard_range_refuses_on_the_page_before_anything_is_sent(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    visit_services.visit_type_create(actor=live_cast.admin, name="收款拜访", max_distance_m=200, distance_mode="hard")
    shop = shop_at(live_cast, "苏州观前街五金店")
    phone = new_page(**SMALL_PHONE, geolocation=FAR, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")
    phone.get_by_test_id("check-in").click()
    verdict = phone.get_by_test_id("check-in-verdict")
    expect(verdict).to_have_attribute("data-verdict", "refused")
    expect(verdict).to_contain_text("200")
    expect(phone.get_by_test_id("confirm-flagged")).to_have_count(0)
    assert not Visit.objects.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_check_out_says_the_minutes_still_needed_and_asks_before_ending_a_visit_that_will_not_count(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    vt = visit_services.visit_type_create(actor=live_cast.admin, name="例行拜访", min_duration_minutes=10)
    shop = shop_at(live_cast, "杭州湖滨五金店")
    start = timezone.now() - timedelta(seconds=61)
    visit, _ = visit_services.visit_check_in(
        actor=live_cast.rep, client_id=uuid.uuid4(), visit_type_id=vt.pk, customer_id=shop.pk, captured_at=start,
        position=SentFix(NEAR_SHOP["latitude"], NEAR_SHOP["longitude"], 12, start),
    )  # fmt: skip
    phone = new_page(**SMALL_PHONE, geolocation=NEAR_SHOP, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/{visit.pk}/")
    expect(phone.get_by_test_id("remaining-minutes")).to_contain_text("9")
    fresh_fix(phone, NEAR_SHOP)
    phone.get_by_test_id("check-out").click()
    confirm = phone.get_by_test_id("confirm-not-effective")
    expect(confirm).to_be_visible()
    expect(phone.get_by_test_id("check-out-verdict")).to_contain_text("9")
    visit.refresh_from_db()
    assert visit.is_open
    no_sideways_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS / f"check-out-asked-phone-{language}.png"), full_page=True)
    confirm.click()
    expect(phone.get_by_test_id("visit-status")).to_have_class("badge bg-red-lt")
    visit.refresh_from_db()
    assert visit.status == "closed" and visit.effective is False and visit.reasons == ["too_short"]


def storefront() -> FilePayload:
    image = Image.new("RGB", (800, 600), (40, 120, 200))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return {"name": "门头.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_visit_is_completed_without_entering_anything_twice(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    org = live_cast.org.pk
    photo_t = template_install(org_id=org, purpose=Purpose.CUSTOM, name="门头照片", name_en="Storefront photo",
                               description="", fields=PHOTO_FIELDS)  # fmt: skip
    stock_t = template_install(org_id=org, purpose=Purpose.CUSTOM, name="库存盘点", name_en="Stock count",
                               description="", fields=STOCK_FIELDS)  # fmt: skip
    report = template(live_cast.admin, Purpose.VISIT)
    visit_services.visit_type_create(
        actor=live_cast.admin, name="例行拜访", name_en="Routine visit", max_distance_m=300, photo_required=True,
        steps=[{"template_id": photo_t.pk}, {"template_id": stock_t.pk}, {"template_id": report.pk}],
    )  # fmt: skip
    shop = shop_at(live_cast, "杭州湖滨五金店")
    phone = new_page(**SMALL_PHONE, geolocation=NEAR_SHOP, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")
    expect(phone.get_by_test_id("check-in-verdict")).to_have_attribute("data-verdict", "fine")
    phone.get_by_test_id("check-in").click()  # fine: one tap
    expect(phone.get_by_test_id("visit-status")).to_be_visible()

    steps = phone.get_by_test_id("fill-step")
    steps.nth(0).click()  # the storefront photo
    expect(phone.get_by_test_id("fixed-customer")).to_contain_text("杭州湖滨五金店")
    phone.set_input_files("#id_v-storefront", files=[storefront()])
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("step-done")).to_have_count(1)

    phone.get_by_test_id("fill-step").nth(1).click()  # the stock count
    phone.fill("#id_v-stock-0-sku", "A100")
    phone.fill("#id_v-stock-0-stock", "12")
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("step-done")).to_have_count(2)

    phone.get_by_test_id("fill-step").nth(2).click()  # the visit report: photo and stock are already there
    expect(phone.get_by_test_id("prefilled")).to_be_visible()
    expect(phone.locator("#id_v-stock-0-sku")).to_have_value("A100")
    expect(phone.locator("#id_v-stock-0-stock")).to_have_value("12")
    expect(phone.get_by_test_id("reuse-photo")).to_be_checked()
    expect(phone.get_by_test_id("picker-customer_id")).to_have_count(0)  # the customer is the visit's
    phone.select_option("#id_v-purpose", "routine")
    phone.fill("#id_v-outcome", "客户下月补货")
    no_sideways_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS / f"visit-step-prefilled-phone-{language}.png"), full_page=True)
    phone.set_viewport_size({"width": 1280, "height": 800})
    phone.screenshot(path=str(ARTIFACTS / f"visit-step-prefilled-desktop-{language}.png"), full_page=True)
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("step-done")).to_have_count(3)

    fresh_fix(phone, NEAR_SHOP)
    phone.get_by_test_id("check-out").click()  # no minimum duration, every step and the photo: it counts
    expect(phone.get_by_test_id("distance-out")).to_be_visible()
    visit = Visit.objects.get()
    assert visit.effective, visit.reasons
    filed = WorkRecord.objects.get(template=report)
    assert filed.values["stock"] == [{"sku": "A100", "stock": 12}]
    [copy] = filed.values["storefront_photo"]
    [original] = WorkRecord.objects.get(template=photo_t).values["storefront"]
    assert Attachment.objects.get(pk=copy).sha256 == Attachment.objects.get(pk=original).sha256


def test_without_a_signal_the_check_in_says_it_cannot_be_judged_and_a_second_tap_keeps_it_on_the_phone(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    visit_services.visit_type_create(actor=live_cast.admin, name="例行拜访", max_distance_m=300)
    shop = shop_at(live_cast, "杭州湖滨五金店")
    phone = new_page(**SMALL_PHONE, geolocation=FAR, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")
    outbox_ready(phone)
    expect(phone.get_by_test_id("check-in-verdict")).to_have_attribute("data-verdict", "flagged")
    phone.context.set_offline(True)
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("check-in-verdict")).to_have_attribute("data-verdict", "offline")
    assert not Visit.objects.exists()
    phone.get_by_test_id("check-in").click()  # the second tap: kept on the phone, judged when it arrives
    expect(phone.get_by_test_id("outbox-notice")).to_be_visible()
    signal_returns(phone)
    for _ in range(100):
        if Visit.objects.exists():
            break
        phone.wait_for_timeout(200)
    visit = Visit.objects.get()
    assert visit.customer_id == shop.pk and 1265 < (visit.check_in_distance_m or 0) < 1277
