"""Visit plans on a 360-px phone: the rep opens 待拜访 (due for a visit), plans two customers for tomorrow in
one tap each, then opens the suggested route for tomorrow and sees the visits in the suggested order with the
total distance, and applies it. No map on the phone: Leaflet is never loaded there. zh-Hans and English."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.org.services import employee_set_language
from fieldloop.schedules.models import ItemKind, ScheduleItem
from fieldloop.schedules.services import org_today

from .conftest import ARTIFACTS, PHONE, NewPage, login

pytestmark = pytest.mark.browser
PHONE_360 = {**PHONE, "viewport": {"width": 360, "height": 780}}


def due_customer(owner, name: str, longitude: str, days_ago: int) -> Customer:
    """A level C customer (every 30 days) created `days_ago` days ago, never visited, on the 31.23° parallel."""
    shop, _ = customer_services.customer_create(actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True)
    Customer.objects.filter(pk=shop.pk).update(
        level="C", latitude=Decimal("31.230000"), longitude=Decimal(longitude),
        created_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    return shop


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_rep_plans_tomorrow_from_the_due_list_and_sees_the_suggested_order(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    rep = live_cast.rep
    employee_set_language(actor=rep, language=language)
    east = due_customer(rep, "浦东东方五金", "121.500000", 45)  # the most overdue: first in the list
    west = due_customer(rep, "静安西城机电", "121.400000", 40)
    middle = due_customer(rep, "黄浦中山商贸", "121.450000", 35)
    tomorrow = org_today(rep) + timedelta(days=1)
    # already planned for tomorrow: a visit to the west one (shown as planned, no button); the day starts there
    ScheduleItem.objects.create(
        org=live_cast.org, employee=rep, created_by=rep, day=tomorrow, kind=ItemKind.VISIT, customer=west
    )
    phone = new_page(**{**PHONE_360, "locale": "en-US" if language == "en" else "zh-CN"})
    login(phone, live_server, "rex", live_cast.password)

    phone.goto(f"{live_server.url}/plans/due/")
    rows = phone.get_by_test_id("due-customer")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("浦东东方五金")
    expect(rows.nth(1).get_by_test_id("planned")).to_be_visible()
    for shop in (east, middle):
        row = phone.locator(f"#due-{shop.pk}")
        expect(row.locator("input[name=day]")).to_have_value(tomorrow.isoformat())
        row.get_by_test_id("plan-visit").click()  # one tap
        expect(phone.locator(f"#due-{shop.pk}").get_by_test_id("planned")).to_be_visible()
    assert set(ScheduleItem.objects.filter(day=tomorrow).values_list("customer_id", flat=True)) == {
        east.pk, west.pk, middle.pk,
    }  # fmt: skip
    phone.screenshot(path=str(ARTIFACTS / f"visit-plans-due-360-{language}.png"), full_page=True)

    phone.get_by_test_id("route-link").click()
    stops = phone.get_by_test_id("route-stop")
    expect(stops).to_have_count(3)
    # planned west, east, middle (a zigzag, 14.3 km): the suggestion from the first goes west → middle → east
    for n, shop in enumerate((west, middle, east)):
        expect(stops.nth(n)).to_contain_text(shop.name)
    expect(phone.get_by_test_id("total-after")).to_contain_text("9.5")
    expect(phone.get_by_test_id("route-map")).to_be_hidden()
    assert phone.evaluate("typeof L") == "undefined"  # no map library on the phone
    phone.screenshot(path=str(ARTIFACTS / f"visit-plans-route-360-{language}.png"), full_page=True)
    phone.get_by_test_id("apply-order").click()
    expect(phone.get_by_test_id("route-stop").nth(1)).to_contain_text("09:45")
    times = dict(ScheduleItem.objects.filter(day=tomorrow).values_list("customer_id", "start_time"))
    assert [f"{times[s.pk]:%H:%M}" for s in (west, middle, east)] == ["09:00", "09:45", "10:30"]
