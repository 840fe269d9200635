"""Duplicates as a rep meets them: renaming a customer into one the company already has is caught, and
"save anyway" lets her keep the name; the "does this company exist?" page finds a similar name."""

import uuid

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import services
from fieldloop.customers.models import Customer
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, NewPage, login

pytestmark = pytest.mark.browser

SAVE_ANYWAY = {"zh-hans": "这是另一家企业：仍然保存", "en": "It is a different company: save it anyway"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_rep_renames_a_customer_into_a_similar_name_and_saves_it_anyway(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    services.customer_create(actor=live_cast.other_branch_rep, client_id=uuid.uuid4(), name="上海华东机械有限公司")
    mine, _ = services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name="甲公司")
    employee_set_language(actor=live_cast.rep, language=language)
    page = new_page()
    login(page, live_server, "rex", live_cast.password)
    page.goto(f"{live_server.url}/customers/{mine.pk}/edit/")
    page.fill("#id_name", "华东机械（上海）有限公司")
    page.locator(".page-body form button[type=submit]").first.click()
    expect(page.get_by_test_id("error-name")).to_contain_text("上海华东机械有限公司")
    expect(page.get_by_test_id("allow-duplicates")).to_contain_text(SAVE_ANYWAY[language])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"customer-edit-duplicate-{language}.png"), full_page=True)
    page.get_by_test_id("allow-duplicates").locator("input").check()
    page.locator(".page-body form button[type=submit]").first.click()
    expect(page.locator(".page-title")).to_contain_text("华东机械（上海）有限公司")
    assert Customer.objects.get(pk=mine.pk).name == "华东机械（上海）有限公司"

    page.goto(f"{live_server.url}/customers/check/?q=华东机械（上海）")
    results = page.get_by_test_id("existence-results")
    expect(results).to_contain_text("上海华东机械有限公司")
    expect(results).to_contain_text("北京分公司")
    page.screenshot(path=str(ARTIFACTS / f"customer-existence-similar-{language}.png"), full_page=True)
