"""Visits as a rep meets them on a phone with a faked position: start a visit at his customer, check in
(the phone's position, its distance to the customer), fill the visit type's step, check out; his manager
finds the visit effective in the visits list. Screenshots of the phone flow in both languages."""

import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities import visit_services
from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.activities.tests.helpers import customer, template
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, fresh_fix, login

pytestmark = pytest.mark.browser

SHOP = (Decimal("31.230400"), Decimal("121.473700"))
NEAR_SHOP = {"latitude": 31.2306, "longitude": 121.4738, "accuracy": 12}  # ~25 m north


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_rep_checks_in_fills_a_step_checks_out_and_his_manager_sees_it_effective(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    employee_set_language(actor=live_cast.manager, language=language)
    report = template(live_cast.admin, Purpose.VISIT)
    visit_services.visit_type_create(
        actor=live_cast.admin, name="例行拜访", name_en="Routine visit", steps=[{"template_id": report.pk}],
        max_distance_m=300, distance_mode="hard", copied_ids=[live_cast.manager.pk],
    )  # fmt: skip
    shop = customer(live_cast.rep, "杭州湖滨五金店")
    Customer.objects.filter(pk=shop.pk).update(latitude=SHOP[0], longitude=SHOP[1])
    ARTIFACTS.mkdir(exist_ok=True)

    phone = new_page(**PHONE, geolocation=NEAR_SHOP, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")
    phone.screenshot(path=str(ARTIFACTS / f"visit-start-phone-{language}.png"), full_page=True)
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("visit-status")).to_be_visible()
    visit = Visit.objects.get()
    assert visit.customer_id == shop.pk and 15 < (visit.check_in_distance_m or 0) < 35
    expect(phone.get_by_test_id("distance-in")).to_contain_text("米" if language == "zh-hans" else " m")
    phone.screenshot(path=str(ARTIFACTS / f"visit-in-progress-phone-{language}.png"), full_page=True)

    phone.get_by_test_id("fill-step").click()
    phone.select_option("#id_v-purpose", "routine")
    phone.fill("#id_v-outcome", "客户下月补货")
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("step-done")).to_be_visible()
    assert WorkRecord.objects.get().visit_id == visit.pk

    fresh_fix(phone, NEAR_SHOP)
    phone.get_by_test_id("check-out").click()
    expect(phone.get_by_test_id("distance-out")).to_be_visible()
    visit.refresh_from_db()
    assert visit.status == "closed" and visit.effective, visit.reasons
    phone.screenshot(path=str(ARTIFACTS / f"visit-closed-phone-{language}.png"), full_page=True)

    page = new_page()
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/visits/")
    row = page.get_by_test_id("visit-row")
    expect(row).to_contain_text("杭州湖滨五金店")
    expect(row.get_by_test_id("visit-effective")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"visit-list-desktop-{language}.png"), full_page=True)


def test_a_check_in_too_far_from_the_customer_is_refused_with_the_distance(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    visit_services.visit_type_create(actor=live_cast.admin, name="收款拜访", max_distance_m=200, distance_mode="hard")
    shop = customer(live_cast.rep, "苏州观前街五金店")
    Customer.objects.filter(pk=shop.pk).update(latitude=SHOP[0], longitude=SHOP[1])
    far = {"latitude": 31.2404, "longitude": 121.4737, "accuracy": 10}  # ~1.1 km north
    phone = new_page(**PHONE, geolocation=far, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("check-in-verdict")).to_contain_text("200")  # refused before anything is sent
    assert not Visit.objects.exists()
    assert uuid.UUID(phone.locator("input[name=client_id]").input_value())


STALE_THEN_FRESH = """
(() => {
  const real = { latitude: 31.2305, longitude: 121.4737, accuracy: 10 };
  navigator.geolocation.getCurrentPosition = (ok) => {
    const calls = Number(sessionStorage.getItem("geoCalls") || "0") + 1;
    sessionStorage.setItem("geoCalls", String(calls));
    const age = calls === 1 ? 10 * 60 * 1000 : 0; // the first fix is ten minutes old
    setTimeout(() => ok({ coords: real, timestamp: Date.now() - age }), 10);
  };
})();
"""


def test_a_stale_position_is_read_again_by_the_page_once_and_the_check_in_goes_through(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    visit_services.visit_type_create(actor=live_cast.admin, name="例行拜访", max_distance_m=300)
    shop = customer(live_cast.rep, "无锡五金店")
    Customer.objects.filter(pk=shop.pk).update(latitude=SHOP[0], longitude=SHOP[1])
    phone = new_page(**PHONE)
    phone.add_init_script(STALE_THEN_FRESH)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/visits/start/?customer={shop.pk}")
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("visit-status")).to_be_visible()
    assert phone.evaluate("sessionStorage.getItem('geoCalls')") == "2"
    visit = Visit.objects.get()
    assert visit.customer_id == shop.pk and visit.check_in_signals == []
