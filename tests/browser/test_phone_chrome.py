"""A rep's pages on a 360-px phone, in both languages: one top bar row, five bottom entries, nothing wider
than the screen, and every visible link, button and field at least 44x44 px (each one found is listed).
A rep signs in to Today; the customers are cards with chips and no bulk bar; a customer's page has its bar
at the thumb, and a colleague's customer that the rep only collaborates on shows no edit or archive; Today shows what
waits in the phone's outbox."""

import re
import uuid
from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.models import WorkRecord
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.context_processors import BOTTOM_BAR, OTHERS
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, kept_on_the_device, login, outbox_ready

pytestmark = pytest.mark.browser
PHONE_360 = {**PHONE, "viewport": {"width": 360, "height": 740}}
HERE = {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 25}
BOTTOM = ["phone_today", "customer_list", "visit_list", "notification_list", "profile"]  # Today ... Me

# Every visible link, button and field smaller than 44x44 px, and how wide the page scrolls.
MEASURE = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.width < 44 || r.height < 44) {
      const name = (el.dataset.testid || el.getAttribute('aria-label') || el.textContent || el.name || '').trim();
      small.push(`${el.tagName.toLowerCase()} "${name.slice(0, 40)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth, small};
}"""


def located(owner, name: str, *, phone: str = "") -> Customer:
    shop, _ = customer_services.customer_create(
        actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True, address="南京东路100号", phone=phone
    )
    # 150 m north of HERE
    Customer.objects.filter(pk=shop.pk).update(latitude=Decimal("31.231747"), longitude=Decimal("121.473700"))
    return shop


def fits_the_phone(page: Page, what: str) -> None:
    page.wait_for_load_state("networkidle")
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= measured["innerWidth"], f"{what} scrolls sideways: {measured}"
    assert measured["small"] == [], f"{what}: tap targets under 44x44 px: {measured['small']}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_reps_pages_fit_a_360_px_phone_with_44_px_tap_targets(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    shop = located(live_cast.rep, "上海浦东新区张江高科技园区精工机械设备有限公司", phone="021-58881234")
    located(live_cast.rep, "南京路五金")
    locale = "en-US" if language == "en" else "zh-CN"
    phone = new_page(**{**PHONE_360, "locale": locale, "geolocation": HERE, "permissions": ["geolocation"]})
    fetched: list[str] = []
    phone.on("request", lambda request: fetched.append(request.url))
    login(phone, live_server, "rex", live_cast.password)

    # A rep signs in to their day.
    assert phone.url == f"{live_server.url}/today/"
    expect(phone.get_by_test_id("filed-today")).to_be_visible()
    expect(phone.get_by_test_id("nearby-list")).to_have_attribute("data-positioned", "1")
    with translation.override(language):
        labels = [str(e.label) for e in BOTTOM_BAR[OTHERS]]
    assert [e.name for e in BOTTOM_BAR[OTHERS]] == BOTTOM
    expect(phone.get_by_test_id("bottom-nav").locator("a")).to_have_text(labels)
    expect(phone.get_by_test_id("bottom-phone_today")).to_have_attribute("aria-current", "page")
    expect(phone.locator("#language-switch")).to_be_hidden()
    walk = {
        "today": "/today/",
        "customers": "/customers/",
        "nearby": "/customers/?near=1",
        "customer": f"/customers/{shop.pk}/",
        "visits": "/visits/",
        "notifications": "/notifications/",
        "records": "/work/",
        "profile": "/profile/",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in walk.items():
        phone.goto(f"{live_server.url}{path}")
        fits_the_phone(phone, path)
        topbar = phone.locator("header.topbar").bounding_box()
        assert topbar is not None and topbar["height"] <= 64, f"{path}: the top bar takes more than one row"
        phone.screenshot(path=str(ARTIFACTS / f"phone360-{name}-{language}.png"))

    assert not [url for url in fetched if "leaflet" in url], "a phone page fetched the map library"

    # The customer's "more" opens edit and archive, and the open menu fits too.
    phone.goto(f"{live_server.url}/customers/{shop.pk}/")
    phone.get_by_test_id("bar-more").locator("summary").click()
    expect(phone.get_by_test_id("more-edit")).to_be_visible()
    expect(phone.get_by_test_id("more-archive")).to_be_visible()
    fits_the_phone(phone, "the customer's open 'more'")


def test_on_a_phone_customers_are_cards_with_chips_and_no_bulk_bar(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    mine = located(live_cast.rep, "南京路精工机械")
    colleagues = located(live_cast.rep2, "同事的客户")
    customer_services.customer_update(
        actor=live_cast.rep2, customer_id=colleagues.pk, collaborator_ids=[live_cast.rep.pk]
    )
    phone = new_page(**{**PHONE_360, "geolocation": HERE, "permissions": ["geolocation"]})
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/")
    expect(phone.get_by_test_id("customer-card")).to_have_count(2)
    expect(phone.get_by_test_id("bulk-bar")).to_be_hidden()
    expect(phone.get_by_test_id("customer-table")).to_be_hidden()

    phone.get_by_test_id("chip-mine").click()
    expect(phone.get_by_test_id("customer-card")).to_have_count(1)
    expect(phone.get_by_test_id("customer-card")).to_contain_text("南京路精工机械")
    phone.get_by_test_id("chip-nearby").click()
    with translation.override("zh-hans"):
        nearest, metres = translation.gettext("Nearest to you"), translation.gettext("%(n)d m") % {"n": 150}
    expect(phone.get_by_test_id("nearby-title")).to_have_text(nearest)
    expect(phone.get_by_test_id("distance").first).to_have_text(metres)

    # A colleague's customer the rep collaborates on: he may call, visit and follow up, not edit or archive.
    phone.goto(f"{live_server.url}/customers/{colleagues.pk}/")
    expect(phone.get_by_test_id("bar-visit")).to_be_visible()
    expect(phone.get_by_test_id("bar-follow-up")).to_be_visible()
    phone.get_by_test_id("bar-more").locator("summary").click()
    expect(phone.get_by_test_id("more-edit")).to_have_count(0)
    expect(phone.get_by_test_id("more-archive")).to_have_count(0)
    phone.goto(f"{live_server.url}/customers/{mine.pk}/")
    phone.get_by_test_id("bar-more").locator("summary").click()
    expect(phone.get_by_test_id("more-edit")).to_be_visible()


def test_today_shows_what_waits_in_the_phones_outbox(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    competitor = FormTemplate.objects.get(org=live_cast.org, purpose=Purpose.COMPETITOR, is_active=True)
    phone = new_page(**PHONE_360)
    login(phone, live_server, "rex", live_cast.password)
    expect(phone.get_by_test_id("today-outbox")).to_be_hidden()  # nothing waits
    url = f"{live_server.url}/work/new/{competitor.pk}/"
    phone.goto(url)
    kept_on_the_device(phone)
    phone.context.set_offline(True)
    phone.reload()  # the form opens from the phone's cache
    outbox_ready(phone)
    phone.fill("#id_v-competitor", "三一重工")
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("outbox-notice")).to_be_visible()

    # The signal is back but the server cannot be reached for this form yet: the record still waits.
    phone.route(
        re.compile(r".*/work/new/\d+/$"),
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    phone.context.set_offline(False)
    phone.goto(f"{live_server.url}/today/")
    waiting = phone.get_by_test_id("today-outbox")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("1")
    expect(waiting).to_have_attribute("href", "/outbox/")
    fits_the_phone(phone, "Today with a record waiting")
    assert not WorkRecord.objects.exists()
