"""Notifications as a rep meets them: the bell's count, the inbox, following one, marking all read."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer
from fieldloop.customers.tasks import recycle_expired_customers
from fieldloop.org import services as org_services

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _rex_has_news(cast: Cast) -> None:
    """Mia assigns Rex a customer, and another of his customers is about to return to the pool."""
    pool = pools.pool_create(actor=cast.admin, name="华东公海", notify_days_before=3)
    for name, ends_in in (("快到期的客户", timedelta(days=1)), ("还早的客户", timedelta(days=20))):
        customer, _ = services.customer_create(
            actor=cast.admin, client_id=uuid.uuid4(), name=name, owner_id=cast.rep.pk, allow_duplicates=True
        )
        Customer.objects.filter(pk=customer.pk).update(pool=pool, protected_until=timezone.now() + ends_in)
    assigned, _ = services.customer_create(
        actor=cast.manager, client_id=uuid.uuid4(), name="分给 Rex 的客户", allow_duplicates=True
    )
    pools.customer_assign(actor=cast.manager, customer_id=assigned.pk, owner_id=cast.rep.pk)
    recycle_expired_customers.call()


def test_rep_sees_the_bell_count_opens_the_inbox_and_follows_the_warning(
    page: Page, live_server: LiveServer, live_cast: Cast
) -> None:
    _rex_has_news(live_cast)
    login(page, live_server, "rex", live_cast.password)
    bell_count = page.locator("[data-testid=bell-count]")
    expect(bell_count).to_have_text("2")

    page.click("[data-testid=bell]")
    page.wait_for_url(f"{live_server.url}/notifications/")
    items = page.locator("[data-testid=notification]")
    expect(items).to_have_count(2)
    expect(page.locator("[data-testid=notification][data-unread]")).to_have_count(2)
    expect(items.first).to_contain_text("1 个客户将在 1 天内退回公海")  # the nightly digest is the newest
    expect(items.nth(1)).to_contain_text("Mia 把客户“分给 Rex 的客户”分配给了你")
    _screenshot(page, "notifications-zh.png")

    items.first.click()  # opening it marks it read and shows the customers it is about
    page.wait_for_url(f"{live_server.url}/customers/?expiring=1&owner={live_cast.rep.pk}")
    expect(page.locator("[data-testid=filter-expiring]")).to_be_checked()
    table = page.locator("[data-testid=customer-table]")
    expect(table).to_contain_text("快到期的客户")
    expect(table).not_to_contain_text("还早的客户")
    expect(bell_count).to_have_text("1")
    _screenshot(page, "customers-expiring-zh.png")

    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("[data-testid=notification][data-unread]")).to_have_count(1)
    page.click("[data-testid=mark-all-read]")
    expect(page.locator("[data-testid=notification][data-unread]")).to_have_count(0)
    expect(page.locator("[data-testid=bell]")).to_be_visible()
    expect(bell_count).to_have_count(0)


def test_the_inbox_reads_in_english_for_someone_who_chose_english(
    page: Page, live_server: LiveServer, live_cast: Cast
) -> None:
    _rex_has_news(live_cast)
    org_services.employee_set_language(actor=live_cast.rep, language="en")
    login(page, live_server, "rex", live_cast.password)
    page.goto(f"{live_server.url}/notifications/")
    items = page.locator("[data-testid=notification]")
    expect(items.first).to_contain_text("1 customer returns to the public pool within 1 day unless you follow it up.")
    expect(items.nth(1)).to_contain_text("Mia assigned the customer 分给 Rex 的客户 to you.")
    expect(page.locator("[data-testid=bell-count]")).to_have_text("2")
    _screenshot(page, "notifications-en.png")
