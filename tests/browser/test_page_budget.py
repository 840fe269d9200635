"""The phone pages a rep opens first fit a slow 3G connection (issue 10): a cold first load (new browser
context: empty cache, no service worker) of Today, the check-in page and the visit form, on a 360-px phone,
throttled to 400 ms latency and 400 kbit/s, moves at most 150 KB in at most 8 requests.

Static files come the production way (hashed names, brotli or gzip, through WhiteNoise: see
ProductionLiveServer); bytes are what crossed the network (headers and compressed bodies) as Chromium's
DevTools protocol counts them. A page over budget fails with what each of its requests cost. The paint and
load times on the same connection are bench/'s (`python -m bench pages`), not a test's.
"""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from bench.pageload import PageLoad, ProductionLiveServer, first_load
from conftest import Cast
from fieldloop.activities import visit_services
from fieldloop.activities.tests.helpers import customer, template
from fieldloop.core.geo import SentFix
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.services import employee_set_language

from .conftest import login

pytestmark = pytest.mark.browser

MAX_BYTES = 150 * 1024
MAX_REQUESTS = 8
PHONE_360: dict[str, Any] = {
    "viewport": {"width": 360, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
SHOP = (Decimal("31.230400"), Decimal("121.473700"))


def placed_customers(cast: Cast, n: int) -> Customer:
    """n customers of the rep around SHOP (a realistic Today page); the first one is the visit's."""
    shops = []
    for i in range(n):
        shop = customer(cast.rep, f"上海浦东新区张江高科技园区五金机电设备有限公司{i}")
        lat = SHOP[0] + Decimal(i) / 10_000
        Customer.objects.filter(pk=shop.pk).update(latitude=lat, longitude=SHOP[1])
        shops.append(shop)
    return shops[0]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_reps_first_load_of_today_check_in_and_the_visit_form_fits_slow_3g(
    production_server: ProductionLiveServer, live_cast: Cast, browser: Browser, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    visit_form = template(live_cast.admin, Purpose.VISIT)  # the heaviest step: a photo, a stock sub-table
    visit_type = visit_services.visit_type_create(
        actor=live_cast.admin, name="例行拜访", name_en="Routine visit", steps=[{"template_id": visit_form.pk}]
    )
    shop = placed_customers(live_cast, 20)
    url = production_server.url

    signing_in = browser.new_context(**PHONE_360)
    login(signing_in.new_page(), production_server, "rex", live_cast.password)
    session = signing_in.storage_state()
    signing_in.close()

    def cold(path: str) -> PageLoad:
        context = browser.new_context(**PHONE_360, storage_state=session)
        try:
            return first_load(context, url + path)
        finally:
            context.close()

    loads = [cold("/today/"), cold(f"/visits/start/?customer={shop.pk}")]
    visit, _ = visit_services.visit_check_in(
        actor=live_cast.rep,
        client_id=uuid.uuid4(),
        visit_type_id=visit_type.pk,
        customer_id=shop.pk,
        position=SentFix(latitude=SHOP[0], longitude=SHOP[1], accuracy_m=10, fix_at=timezone.now(), mocked=False),
    )
    loads.append(cold(f"/work/new/{visit_form.pk}/?customer={shop.pk}&visit={visit.pk}"))
    loads.append(cold(f"/orders/new/?customer={shop.pk}&visit={visit.pk}"))  # Today's "take an order" in a visit
    loads.append(cold("/customers/contacts/"))  # the rep's new menu entry

    report = "\n".join(load.report() for load in loads)
    print(report)
    for load in loads:
        document = load.network_requests[0]
        assert document.url == load.url and document.status == 200, report  # the page itself, signed in
        assert document.encoding in {"gzip", "br"}, report
        statics = [r for r in load.network_requests if "/static/" in r.url]
        assert statics and all(r.status == 200 and not r.failed for r in statics), report
        assert all(r.encoding in {"gzip", "br"} for r in statics if r.url.endswith((".css", ".js"))), report
    over = [
        f"{load.url}: {len(load.network_requests)} requests, {load.transferred / 1024:.1f} KB"
        for load in loads
        if len(load.network_requests) > MAX_REQUESTS or load.transferred > MAX_BYTES
    ]
    assert not over, f"over budget ({MAX_REQUESTS} requests, {MAX_BYTES // 1024} KB): {over}\n{report}"
