"""Issue 4, as its users try it: a rep on a phone with a faked position checks in at a customer, fills the
visit with a storefront photo and a stock table, loses the signal, files a competitor record, regains the
signal and checks out; his manager then sees both records exactly once, the visit verified, on the
customer's page and in the team's feed. In both languages."""

import io
import uuid
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities import visit_services
from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, fresh_fix, kept_on_the_device, login, outbox_ready, signal_returns

pytestmark = pytest.mark.browser

SHOP = (Decimal("31.230400"), Decimal("121.473700"))
AT_THE_SHOP = {"latitude": 31.2305, "longitude": 121.4738, "accuracy": 12}  # ~15 m away
WORDS = {
    "zh-hans": {"effective": "有效", "visit": "客户拜访", "competitor": "竞品信息"},
    "en": {"effective": "Effective", "visit": "Customer visit", "competitor": "Competitor information"},
}


def storefront() -> FilePayload:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(buffer, "JPEG")
    return {"name": "storefront.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def open_offline(page: Page, url: str) -> None:
    """Open a page without a signal; if it does not open, say what the service worker had kept."""
    try:
        page.goto(url)
    except PlaywrightError as error:
        kept = [
            worker.evaluate("caches.open('fieldloop-pages').then((c) => c.keys()).then((k) => k.map((r) => r.url))")
            for worker in page.context.service_workers
        ]
        raise AssertionError(f"{url} did not open offline; the service workers kept {kept}") from error
    outbox_ready(page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_field_day_comes_back_to_the_manager_exactly_once_and_verified(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    for person in (live_cast.rep, live_cast.manager):
        employee_set_language(actor=person, language=language)
    report = FormTemplate.objects.get(org=live_cast.org, purpose=Purpose.VISIT, is_active=True)
    competitor = FormTemplate.objects.get(org=live_cast.org, purpose=Purpose.COMPETITOR, is_active=True)
    visit_services.visit_type_create(
        actor=live_cast.admin, name="例行拜访", name_en="Routine visit", steps=[{"template_id": report.pk}],
        max_distance_m=300, distance_mode="hard", photo_required=True,
    )  # fmt: skip
    shop, _ = customer_services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name="杭州湖滨五金店")
    Customer.objects.filter(pk=shop.pk).update(latitude=SHOP[0], longitude=SHOP[1])
    locale = "en-US" if language == "en" else "zh-CN"
    phone = new_page(**{**PHONE, "locale": locale, "geolocation": AT_THE_SHOP, "permissions": ["geolocation"]})
    login(phone, live_server, "rex", live_cast.password)

    # the competitor form is opened once with a signal, so the phone keeps it for later
    competitor_form = f"{live_server.url}/work/new/{competitor.pk}/?customer={shop.pk}"
    phone.goto(competitor_form)
    kept_on_the_device(phone)

    # check in at the customer and fill the visit: a storefront photo and two rows of stock
    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("visit-status")).to_be_visible()
    phone.get_by_test_id("fill-step").click()
    phone.select_option("#id_v-purpose", "routine")
    phone.fill("#id_v-outcome", "客户下月补货")
    phone.set_input_files("#id_v-storefront_photo", files=[storefront()])
    table = phone.get_by_test_id("subtable-stock")
    rows = table.get_by_test_id("subtable-row")
    rows.nth(0).locator("[data-column=sku] input").fill("螺纹钢 HRB400")
    rows.nth(0).locator("[data-column=stock] input").fill("12")
    rows.nth(0).locator("[data-column=demand] input").fill("30")
    table.get_by_test_id("subtable-add").click()
    rows.nth(1).locator("[data-column=sku] input").fill("角钢 50×5")
    rows.nth(1).locator("[data-column=stock] input").fill("0")
    rows.nth(1).locator("[data-column=demand] input").fill("8")
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("step-done")).to_be_visible()
    visit_page = phone.url

    # the signal goes (once the visit page has finished loading): the competitor record waits on the phone
    phone.wait_for_load_state("networkidle")
    phone.context.set_offline(True)
    open_offline(phone, competitor_form)
    phone.fill("#id_v-competitor", "三一重工")
    phone.fill("#id_v-product", "SY75C 挖掘机")
    phone.fill("#id_v-price", "268000")
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("outbox-notice")).to_be_visible()
    expect(phone.get_by_test_id("outbox-count")).to_contain_text("1")
    assert WorkRecord.objects.filter(template=competitor).count() == 0

    # the signal returns: it is sent, once, and the rep checks out
    signal_returns(phone)
    expect(phone.get_by_test_id("outbox-count")).to_be_hidden()
    phone.evaluate("window.fieldloopOutbox.flush()")  # a second send changes nothing
    phone.goto(visit_page)
    fresh_fix(phone, AT_THE_SHOP)
    phone.get_by_test_id("check-out").click()
    expect(phone.get_by_test_id("distance-out")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"field-day-visit-{language}.png"), full_page=True)

    visit = Visit.objects.get()
    assert visit.effective, visit.reasons
    assert visit.check_in_distance_m is not None and visit.check_in_distance_m < 50
    filed = WorkRecord.objects.filter(customer=shop)
    assert sorted(filed.values_list("template__purpose", flat=True)) == [Purpose.COMPETITOR, Purpose.VISIT]
    visit_record = filed.get(template=report)
    assert visit_record.visit_id == visit.pk
    assert [row["sku"] for row in visit_record.values["stock"]] == ["螺纹钢 HRB400", "角钢 50×5"]
    assert len(visit_record.values["storefront_photo"]) == 1
    offline_record = filed.get(template=competitor)
    assert offline_record.received_at > offline_record.captured_at

    # the manager: both records once, in the feed and on the customer's 相关工作, and the visit effective
    words = WORDS[language]
    desk = new_page(locale=locale)
    login(desk, live_server, "mia", live_cast.password)
    desk.goto(f"{live_server.url}/work/?customer={shop.pk}")
    expect(desk.get_by_test_id(f"visit-card-{visit.pk}")).to_have_count(1)  # the visit: one card, its steps inside
    for record in filed:
        shown = f"step-{record.pk}" if record.visit_id else f"record-{record.pk}"
        expect(desk.get_by_test_id(shown)).to_have_count(1)
    expect(desk.locator(".record-card")).to_have_count(1 + sum(r.visit_id is None for r in filed))
    expect(desk.get_by_test_id("feed")).to_contain_text(words["visit"])
    expect(desk.get_by_test_id("feed")).to_contain_text(words["competitor"])
    desk.screenshot(path=str(ARTIFACTS / f"field-day-feed-{language}.png"), full_page=True)

    desk.goto(f"{live_server.url}/customers/{shop.pk}/")
    desk.locator("a[href='#tab-work']").click()
    for record in filed:
        expect(desk.get_by_test_id(f"timeline-record-{record.pk}")).to_be_visible()
        expect(desk.get_by_test_id(f"timeline-record-{record.pk}")).to_have_count(1)
    expect(desk.get_by_test_id(f"timeline-visit-{visit.pk}")).to_contain_text(words["effective"])
    desk.screenshot(path=str(ARTIFACTS / f"field-day-customer-{language}.png"), full_page=True)
