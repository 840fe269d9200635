"""Saved filters as the demo's Shanghai manager meets them: he narrows the customer list to his team's A customers
in Shanghai not visited for 14 days, saves that as "上海 A 类 14 天未拜访", and re-applies it in one click from the
map and from the list, the saved filter shown as the one in force. Asserted by data-testid and by the database."""

import re
from urllib.parse import urlsplit

import pytest
from django.http import QueryDict
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from fieldloop.customers.models import SavedFilter
from fieldloop.customers.selectors import customer_list, parse_customer_filters
from fieldloop.demo.company import build_demo_company
from fieldloop.demo.context import DEMO_PASSWORD
from fieldloop.org.models import Employee

from .conftest import ARTIFACTS, PHONE, NewPage, htmx_settled, login

pytestmark = pytest.mark.browser

NAME = "上海 A 类 14 天未拜访"


def matching(manager: Employee, query: str) -> int:
    return customer_list(actor=manager, filters=parse_customer_filters(QueryDict(query))[0]).count()


def test_the_shanghai_manager_saves_a_filter_and_reapplies_it_from_the_map_and_the_list(
    page: Page, new_page: NewPage, live_server: LiveServer, transactional_db: None
) -> None:
    build_demo_company(size="small", seed=42, until="customers")
    manager = Employee.objects.select_related("department", "user", "org").get(user__username="manager")
    assert manager.department.name == "上海分公司"
    login(page, live_server, "manager", DEMO_PASSWORD)

    # filter the list: his department, level A, Shanghai, not visited for 14 days
    page.goto(f"{live_server.url}/customers/")
    expect(page.locator("[data-testid=saved-filters-empty]").first).to_be_visible()
    filters = page.locator("[data-testid=customer-filters]")
    filters.locator("[data-testid=filter-department]").select_option(str(manager.department_id))
    filters.locator("select[name=level]").select_option("A")
    filters.locator("[data-testid=more-filters] summary").click()
    filters.locator("[data-testid=filter-city]").fill("上海")
    filters.locator("[data-testid=filter-not-visited]").fill("14")
    filters.locator("[data-testid=filter-submit]").click()
    page.wait_for_url(re.compile(r"/customers/\?.*not_visited=14"))
    query = urlsplit(page.url).query
    shown = matching(manager, query)
    assert shown > 0

    # save it (htmx): the bar comes back with it in force
    bar = page.locator("[data-testid=saved-filters]")
    bar.locator("[data-testid=save-filter-name]").fill(NAME)
    bar.locator("[data-testid=save-filter]").click()
    htmx_settled(page)
    saved = SavedFilter.objects.get(owner=manager)
    assert saved.name == NAME
    filters_saved = parse_customer_filters(QueryDict(saved.query))[0]
    assert (filters_saved.department_id, filters_saved.level, filters_saved.city) == (
        manager.department_id,
        "A",
        "上海",
    )
    assert filters_saved.not_visited_days == 14
    expect(bar.locator("[data-testid=saved-filter-in-force]")).to_have_attribute("data-saved-filter-id", str(saved.pk))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "saved-filters-list.png"), full_page=False)

    # from the map, unfiltered: one click applies it
    page.goto(f"{live_server.url}/customers/map/")
    canvas = page.locator("[data-testid=customer-map]")
    expect(canvas).to_have_attribute("data-loaded", re.compile(r"^\d+$"))
    expect(page.locator("[data-testid=saved-filter-in-force]")).to_have_count(0)
    page.locator(f"[data-testid=saved-filter-link][data-saved-filter-id='{saved.pk}']").click()
    page.wait_for_url(f"{live_server.url}/customers/map/?{saved.query}")
    expect(page.locator("[data-testid=saved-filter-in-force]")).to_be_visible()
    located = customer_list(actor=manager, filters=filters_saved).filter(latitude__isnull=False).count()
    expect(canvas).to_have_attribute("data-loaded", str(located))
    expect(page.locator("[data-testid=filter-department]")).to_have_value(str(manager.department_id))
    page.screenshot(path=str(ARTIFACTS / "saved-filters-map.png"), full_page=False)

    # from the map to the list, and from the unfiltered list again
    page.click("[data-testid=customer-list-link]")
    page.wait_for_url(f"{live_server.url}/customers/?{saved.query}")
    expect(page.locator("[data-testid=saved-filter-in-force]")).to_be_visible()
    page.goto(f"{live_server.url}/customers/")
    page.locator(f"[data-testid=saved-filter-link][data-saved-filter-id='{saved.pk}']").first.click()
    page.wait_for_url(f"{live_server.url}/customers/?{saved.query}")
    rows = page.locator("[data-testid=customer-table] tbody tr:has(a[href^='/customers/'])")
    expect(rows).to_have_count(min(shown, 50))
    expect(page.locator("[data-testid=saved-filter-in-force]")).to_be_visible()

    # on a phone, the saved filter is a chip a thumb can hit
    phone = new_page(**PHONE)
    login(phone, live_server, "manager", DEMO_PASSWORD)
    phone.goto(f"{live_server.url}/customers/")
    chip = phone.locator(f"[data-testid=saved-filter-link][data-saved-filter-id='{saved.pk}']")
    box = chip.bounding_box()
    assert box is not None and box["height"] >= 44
    chip.click()
    phone.wait_for_url(f"{live_server.url}/customers/?{saved.query}")
    expect(phone.locator("[data-testid=customer-card]")).to_have_count(min(shown, 50))
