"""The rep's half of issue 14's "Done when", on a 360-px phone in Chinese: checked in at a customer (the visit flow),
the rep takes an order from Today's "take an order", picks the products by typing in the catalogue's picker, shares
the order with a teammate found by the credit picker, confirms it, and finds it on the customer's timeline and on
the day's close card."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities import visit_services
from fieldloop.customers.models import Customer, CustomerStage
from fieldloop.org.services import employee_set_language
from fieldloop.sales.models import Order, OrderLine, SalesDay
from fieldloop.sales.tests.order_helpers import product

from .conftest import ARTIFACTS, NewPage, htmx_settled, login
from .test_visit_flow import NEAR_SHOP, SMALL_PHONE, no_sideways_scroll, shop_at

pytestmark = pytest.mark.browser


def pick(page: Page, field: str, text: str, pk: int) -> None:
    """Type into a searchable picker and choose the row the search finds."""
    picker = page.get_by_test_id(f"picker-{field}")
    picker.get_by_test_id("picker-search").fill(text)
    row = picker.get_by_test_id(f"pick-{pk}")
    expect(picker.get_by_test_id("pick-row")).to_have_count(1)  # the search's answer, not the first focus's list
    expect(row).to_be_visible()
    htmx_settled(page)
    row.check()
    expect(row).to_be_checked()


def test_a_rep_takes_an_order_in_a_visit_on_the_phone_and_finds_it_on_the_timeline_and_the_daily_card(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    employee_set_language(actor=live_cast.rep, language="zh-hans")
    visit_services.visit_type_create(actor=live_cast.admin, name="例行拜访", name_en="Routine visit")
    shop = shop_at(live_cast, "杭州湖滨五金店")
    pump = product(live_cast.org, sku="PUMP-80", price="1200.00")
    valve = product(live_cast.org, sku="VALVE-15", price="85.50")
    product(live_cast.org, sku="PUMP-99", price="9.00", is_active=False)  # not offered: inactive
    phone = new_page(**SMALL_PHONE, geolocation=NEAR_SHOP, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)

    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")  # the visit flow: check in at the shop
    expect(phone.get_by_test_id("check-in-verdict")).to_have_attribute("data-verdict", "fine")
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("visit-status")).to_be_visible()

    phone.goto(f"{live_server.url}/today/")
    take = phone.get_by_test_id("today-visit-order")
    expect(take).to_contain_text("正在拜访 杭州湖滨五金店：录入订单")
    take.click()
    expect(phone.get_by_test_id("order-customer")).to_contain_text("杭州湖滨五金店")
    expect(phone.get_by_role("heading", name="新建订单")).to_be_visible()

    pick(phone, "lines-0-product_id", "PUMP-8", pump.pk)  # by part of the SKU code
    phone.fill("#id_lines-0-quantity", "2")
    phone.fill("#id_lines-0-unit_price", "1200")
    phone.fill("#id_lines-0-discount_percent", "5")
    pick(phone, "lines-1-product_id", "VALVE", valve.pk)
    phone.fill("#id_lines-1-quantity", "10")
    phone.fill("#id_lines-1-unit_price", "85.50")
    pick(phone, "credits-0-employee_id", "Rex", live_cast.rep.pk)  # shared with a teammate he cannot otherwise see
    phone.fill("#id_credits-0-share_percent", "60")
    phone.get_by_test_id("add-credit").click()
    expect(phone.get_by_test_id("order-credit")).to_have_count(2)
    expect(phone.locator("#id_lines-0-quantity")).to_have_value("2")  # what was typed survives the added row
    expect(phone.get_by_test_id("picker-lines-0-product_id")).to_contain_text("PUMP-80")  # the chosen, by name
    expect(phone.get_by_test_id("picker-credits-0-employee_id")).to_contain_text("Rex")
    pick(phone, "credits-1-employee_id", "Ria", live_cast.rep2.pk)
    phone.fill("#id_credits-1-share_percent", "40")
    no_sideways_scroll(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "order-in-visit-phone-zh-hans.png"), full_page=True)
    confirm = phone.get_by_test_id("confirm-order")
    expect(confirm).to_have_text("确认订单")
    confirm.click()

    order = Order.objects.get()
    expect(phone.get_by_text(f"订单 {order.number} 已保存。")).to_be_visible()
    assert (order.status, order.kind, order.visit_id is not None) == ("confirmed", "new", True)
    assert order.total == Decimal("3135.00")  # 2 x 1200 less 5 % + 10 x 85.50
    assert list(OrderLine.objects.order_by("position").values_list("product_id", flat=True)) == [pump.pk, valve.pk]
    shares = dict(SalesDay.objects.values_list("employee_id", "sales_amount"))
    assert shares == {live_cast.rep.pk: Decimal("1881.00"), live_cast.rep2.pk: Decimal("1254.00")}
    won = CustomerStage.objects.get(org=live_cast.org, is_won=True)
    assert Customer.objects.get(pk=shop.pk).stage_id == won.pk

    phone.goto(f"{live_server.url}/customers/{shop.pk}/")  # the customer's timeline (相关工作)
    on_timeline = phone.get_by_test_id(f"timeline-order-{order.pk}")
    expect(on_timeline).to_contain_text(f"订单 {order.number}")
    expect(on_timeline).to_contain_text("3,135.00")
    expect(on_timeline).to_contain_text("已确认")
    no_sideways_scroll(phone)

    phone.goto(f"{live_server.url}/close/")  # the day's close card: the order amount of the day
    figure = phone.get_by_test_id("card-figures")
    expect(figure).to_contain_text("订单金额")
    expect(figure).to_contain_text("1,881.00")  # Rex's 60 %, as money
    no_sideways_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS / "order-on-daily-card-phone-zh-hans.png"), full_page=True)
