"""Customers as people meet them: a rep adds a customer and claims one from the pool on a phone; an
administrator hands a leaving rep's customers over and the history stays."""

import uuid

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer

from .conftest import PHONE, NewPage, login

pytestmark = pytest.mark.browser


def test_a_rep_adds_a_customer_and_claims_one_from_the_pool_on_a_phone(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    pool = pools.pool_create(actor=live_cast.admin, name="华东公海")
    pools.pool_set_members(actor=live_cast.admin, pool_id=pool.pk, member_ids=[live_cast.rep.pk])
    waiting, _ = services.customer_create(actor=live_cast.admin, client_id=uuid.uuid4(), name="公海里的客户")
    Customer.objects.filter(pk=waiting.pk).update(pool=pool)
    pools.customer_release(actor=live_cast.admin, customer_id=waiting.pk)

    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/new/")
    phone.fill("#id_name", "杭州新客户有限公司")
    phone.fill("#id_credit_code", "91350100M000100Y44")  # wrong check digit
    phone.locator(".page-body form button[type=submit]").click()
    expect(phone.get_by_test_id("error-credit_code")).to_be_visible()
    phone.fill("#id_credit_code", "91350100M000100Y43")
    phone.locator(".page-body form button[type=submit]").click()
    expect(phone.locator(".page-title")).to_contain_text("杭州新客户有限公司")

    phone.goto(f"{live_server.url}/customers/pools/")
    phone.get_by_test_id(f"claim-{waiting.pk}").click()
    expect(phone.locator(".page-title")).to_contain_text("公海里的客户")
    assert Customer.objects.get(pk=waiting.pk).owner_id == live_cast.rep.pk


def test_an_admin_hands_over_a_leaving_reps_customers(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    customer, _ = services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name="老客户有限公司")
    services.customer_update(actor=live_cast.rep, customer_id=customer.pk, level="A")
    page = new_page()
    login(page, live_server, "ada", live_cast.password)
    page.goto(f"{live_server.url}/employees/{live_cast.rep.pk}/")
    page.get_by_test_id("mark-left").click()
    expect(page.locator(".alert-danger")).to_be_visible()  # refused: he still owns a customer
    page.get_by_test_id("holdings").get_by_role("link").click()
    page.select_option("#id_successor_ids", str(live_cast.rep2.pk))
    page.check("#id_mark_left")
    page.locator(".page-body form button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_contain_text("已离职")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.locator("a[href='#tab-work']").click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Rex → Ria")
    expect(timeline).to_contain_text("C → A")
