"""Working without a signal: a rep's form is kept on the phone and sent, exactly once, when the signal
returns; the form itself opens from the phone's cache while offline."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from bench.pageload import ProductionLiveServer
from conftest import Cast
from fieldloop.customers.models import Customer

from .conftest import PHONE, NewPage, kept_on_the_device, login, outbox_ready, signal_returns

pytestmark = pytest.mark.browser
NAMES = ["杭州湖滨五金店", "宁波港口物流公司"]
STATIC_CACHE = "fieldloop-static-v2"  # static/js/sw.js


def add_customer(page: Page, name: str) -> None:
    # the outbox's script handles the submit only once it has run (it is deferred): a click before that would
    # submit the form natively, past the outbox and past the test's network routes
    outbox_ready(page)
    page.fill("#id_name", name)
    page.locator(".page-body form button[type=submit]").click()


def test_a_customer_added_without_signal_is_sent_once_when_the_signal_returns(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/new/")
    kept_on_the_device(phone)

    phone.context.set_offline(True)
    phone.reload()  # the form opens from the phone's cache
    expect(phone.locator("#id_name")).to_be_visible()
    with pytest.raises(PlaywrightError):
        phone.goto(f"{live_server.url}/customers/")  # a page not kept on the device: really offline
    phone.wait_for_url("chrome-error://**")
    phone.goto(f"{live_server.url}/customers/new/")
    before = datetime.now(UTC)
    add_customer(phone, "杭州湖滨五金店")
    expect(phone.get_by_test_id("outbox-notice")).to_be_visible()
    add_customer(phone, "宁波港口物流公司")
    expect(phone.get_by_test_id("outbox-count")).to_contain_text("2")
    assert not Customer.objects.filter(name__in=NAMES).exists()

    phone.goto(f"{live_server.url}/outbox/")
    expect(phone.get_by_test_id("outbox-item")).to_have_count(2)

    signal_returns(phone)
    expect(phone.get_by_test_id("outbox-empty")).to_be_visible()
    expect(phone.get_by_test_id("outbox-count")).to_be_hidden()
    stored = Customer.objects.filter(name__in=NAMES)
    assert sorted(stored.values_list("name", flat=True)) == sorted(NAMES)
    assert all(c.owner_id == live_cast.rep.pk and c.created_at >= before for c in stored)


def test_a_submission_whose_answer_was_lost_is_sent_again_and_stored_once(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/new/")
    lost: list[str] = []

    def reach_the_server_then_lose_the_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server stores it...
            lost.append(route.request.url)
            route.abort("internetdisconnected")  # ...but the phone never hears back
        else:
            route.continue_()

    phone.context.route("**/customers/new/", reach_the_server_then_lose_the_answer)
    add_customer(phone, "回音丢失的客户")
    expect(phone.get_by_test_id("outbox-count")).to_contain_text("1")
    assert lost and Customer.objects.filter(name="回音丢失的客户").count() == 1

    phone.evaluate("window.fieldloopOutbox.flush()")
    expect(phone.get_by_test_id("outbox-count")).to_be_hidden()
    assert Customer.objects.filter(name="回音丢失的客户").count() == 1


def test_a_refused_form_shows_its_errors_in_place_and_keeps_nothing(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    phone = new_page(**{**PHONE, "locale": "en-US"})
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/new/")
    phone.fill("#id_credit_code", "91350100M000100Y44")  # wrong check digit
    add_customer(phone, "校验码错误的客户")

    expect(phone.get_by_test_id("error-credit_code")).to_be_visible()
    phone.wait_for_function("window.fieldloopOutbox !== undefined")  # the re-rendered page's script has run
    assert phone.evaluate("window.fieldloopOutbox.items()") == []
    assert not Customer.objects.filter(name="校验码错误的客户").exists()


def test_the_first_form_opened_after_signing_in_is_kept_on_the_device(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    """The first pages after signing in may load before the service worker takes control, so the worker
    never sees them: an offline-capable page asks the worker to keep it; a list of customers is never kept."""
    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/new/")
    kept_on_the_device(phone)
    phone.goto(f"{live_server.url}/customers/")
    phone.evaluate("navigator.serviceWorker.ready")
    assert phone.evaluate("caches.match(location.href, {cacheName: 'fieldloop-pages'}).then(Boolean)") is False

    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/customers/new/")
    expect(phone.locator("#id_name")).to_be_visible()


def test_with_hashed_static_names_a_kept_form_opens_offline_styled_and_old_versions_are_forgotten(
    production_server: ProductionLiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    """As production serves them (collectstatic's hashed names): the service worker keeps each static file it
    fetched, serves it without asking the network again, and drops the versions a new deployment replaced."""
    phone = new_page(**PHONE)
    login(phone, production_server, "rex", live_cast.password)
    phone.evaluate("navigator.serviceWorker.ready")
    stylesheet = phone.evaluate("document.querySelector('link[rel=stylesheet]').getAttribute('href')")
    assert re.fullmatch(r"/static/css/fieldloop\.[0-9a-f]{12}\.css", stylesheet)
    older = "/static/css/fieldloop.000000000000.css"  # what the worker kept from an earlier deployment
    phone.evaluate(f"caches.open('{STATIC_CACHE}').then((c) => c.put('{older}', new Response('old')))")

    phone.goto(f"{production_server.url}/customers/new/")
    kept_on_the_device(phone)
    kept = phone.evaluate(f"caches.open('{STATIC_CACHE}').then((c) => c.keys()).then((ks) => ks.map((k) => k.url))")
    assert f"{production_server.url}{stylesheet}" in kept
    assert f"{production_server.url}{older}" not in kept

    phone.context.set_offline(True)
    phone.reload()  # the page from the page cache, its stylesheet, scripts and icon font from the static cache
    expect(phone.locator("#id_name")).to_be_visible()
    outbox_ready(phone)
    assert phone.evaluate(
        "getComputedStyle(document.querySelector('.page-body .btn-primary')).backgroundColor"
    ) not in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )
