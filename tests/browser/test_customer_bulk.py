"""A manager moves several customers at once from the customer list: she ticks them, picks a rep, confirms,
and sees the result; every customer's timeline records the assignment."""

import uuid

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer, CustomerEvent

from .conftest import ARTIFACTS, NewPage, login

pytestmark = pytest.mark.browser


def test_a_manager_assigns_customers_in_bulk_from_the_list(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    pool = pools.pool_create(actor=live_cast.admin, name="华东公海", protection_days=30)
    chosen = []
    for name in ("上海精工机械有限公司", "苏州华达电子有限公司", "杭州东方贸易有限公司"):
        customer, _ = services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name=name)
        Customer.objects.filter(pk=customer.pk).update(pool=pool)
        chosen.append(customer)
    kept, _ = services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name="南京留守客户有限公司")

    page = new_page()
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/")
    expect(page.get_by_test_id("bulk-assign")).to_be_disabled()  # nothing chosen yet
    for customer in chosen:
        page.get_by_test_id(f"choose-{customer.pk}").check()
    expect(page.get_by_test_id("bulk-count")).to_contain_text("3")
    page.get_by_test_id("bulk-owner").select_option(str(live_cast.rep2.pk))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "customer-bulk-list.png"), full_page=True)
    page.get_by_test_id("bulk-assign").click()

    confirm = page.get_by_test_id("bulk-confirm")
    expect(confirm).to_contain_text("Ria")
    for customer in chosen:
        expect(page.get_by_test_id("bulk-customers")).to_contain_text(customer.name)
    assert Customer.objects.filter(owner=live_cast.rep2).count() == 0  # nothing moves before confirming
    page.screenshot(path=str(ARTIFACTS / "customer-bulk-confirm.png"), full_page=True)
    page.get_by_test_id("bulk-confirm-button").click()

    page.wait_for_url(f"{live_server.url}/customers/")
    expect(page.locator(".alert-success")).to_contain_text("3")
    assert set(Customer.objects.filter(pk__in=[c.pk for c in chosen]).values_list("owner_id", flat=True)) == {
        live_cast.rep2.pk
    }
    assert Customer.objects.get(pk=kept.pk).owner_id == live_cast.rep.pk
    assert CustomerEvent.objects.filter(kind="assigned", actor=live_cast.manager).count() == 3
