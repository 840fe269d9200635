"""Contacts and archived customers as a manager meets them: finds a contact in the contacts list, edits it and makes
it primary on its page, archives the old primary one; finds an archived customer and restores it."""

import uuid

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import services
from fieldloop.customers.models import Contact, Customer

from .conftest import PHONE, NewPage, login

pytestmark = pytest.mark.browser


def test_a_manager_edits_a_contact_makes_it_primary_and_archives_the_old_one(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    shop, _ = services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name="上海精工机械有限公司")
    wang, _ = services.contact_create(actor=live_cast.rep, customer_id=shop.pk, client_id=uuid.uuid4(), name="王经理")
    li, _ = services.contact_create(
        actor=live_cast.rep, customer_id=shop.pk, client_id=uuid.uuid4(), name="李工", mobile="13800138000"
    )
    page = new_page()
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/contacts/")
    page.get_by_test_id("contact-search").fill("精工")
    page.get_by_test_id("contact-search").press("Enter")
    expect(page.get_by_test_id("contact-row")).to_have_count(2)
    page.get_by_role("link", name="李工").click()
    page.fill("#id_title", "技术总监")
    page.fill("#id_mobile", "12")
    page.get_by_test_id("save-contact").click()
    expect(page.get_by_test_id("error-mobile")).to_be_visible()
    page.fill("#id_mobile", "13900001111")
    page.get_by_test_id("save-contact").click()
    expect(page.get_by_test_id("contact-row").filter(has_text="李工")).to_contain_text("技术总监")  # back to the list
    page.get_by_role("link", name="李工").click()
    page.get_by_test_id("make-primary").click()
    expect(page.get_by_test_id("make-primary")).to_have_count(0)
    assert Contact.objects.get(pk=li.pk).is_primary

    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/contacts/{li.pk}/")
    phone.get_by_test_id("archive-contact").click()
    expect(phone.locator(".page-title")).to_contain_text("上海精工机械有限公司")
    wang.refresh_from_db()
    assert wang.is_primary and Contact.objects.get(pk=li.pk).archived_at is not None


def test_a_manager_finds_an_archived_customer_and_restores_it(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    shop, _ = services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name="杭州东方贸易有限公司")
    services.customer_archive(actor=live_cast.rep, customer_id=shop.pk)
    page = new_page()
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/")
    page.get_by_test_id("archived-toggle").get_by_test_id("show-archived").click()
    page.get_by_test_id("customer-table").get_by_role("link", name="杭州东方贸易有限公司").click()
    page.get_by_test_id("restore").click()
    expect(page.get_by_test_id("archived-notice")).to_have_count(0)
    assert Customer.objects.get(pk=shop.pk).archived_at is None
