"""A manager moves several customers at once from the customer list: she ticks them, picks a rep, confirms,
and sees the result; every customer's timeline records the assignment. The demo's Shanghai manager finds his
team's A customers not visited for 14 days in Shanghai, tags ten and assigns them."""

import re
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer, CustomerEvent, CustomerTag, Tag
from fieldloop.demo.company import build_demo_company
from fieldloop.demo.context import DEMO_PASSWORD
from fieldloop.org.models import Employee, Role

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


def test_the_demos_shanghai_manager_finds_his_teams_a_customers_tags_ten_and_assigns_them(
    live_server: LiveServer, transactional_db: None, new_page: NewPage
) -> None:
    """The issue's manager, in zh-Hans: "my team's A customers not visited for 14 days in Shanghai", found with
    the list's filters; he ticks ten, adds a tag, and (the ten still ticked) assigns them to one of his reps."""
    build_demo_company(size="small", seed=42, until="visits")
    manager = Employee.objects.select_related("department", "user").filter(role=Role.MANAGER).order_by("id").first()
    assert manager is not None and manager.department.name == "上海分公司" and manager.language == "zh-hans"
    team = list(Employee.objects.filter(department=manager.department, role=Role.REP).order_by("id"))
    stale = timezone.now() - timedelta(days=15)
    candidates = Customer.objects.filter(owner__in=team, archived_at__isnull=True).filter(
        Q(last_visited_at__isnull=True) | Q(last_visited_at__lt=stale)
    )
    # the small demo has a few such customers by chance; make sure a dozen match, as a real team's would
    Customer.objects.filter(pk__in=list(candidates.order_by("pk").values_list("pk", flat=True)[:12])).update(
        level="A", city="上海", province="上海市"
    )
    tag = Tag.objects.get(org=manager.org, name="重点")

    page = new_page()
    login(page, live_server, manager.user.username, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/customers/")
    filters = page.get_by_test_id("customer-filters")
    filters.locator("select[name=department]").select_option(str(manager.department_id))
    filters.locator("select[name=level]").select_option("A")
    page.get_by_test_id("more-filters").locator("summary").click()
    page.get_by_test_id("filter-city").fill("上海")
    page.get_by_test_id("filter-not-visited").fill("14")
    page.get_by_test_id("filter-submit").click()
    page.wait_for_url(re.compile(r".*not_visited=14.*"))
    boxes = page.locator('input[name="customer_ids"][form="bulk-form"]')
    assert boxes.count() >= 12
    expect(page.get_by_test_id("bulk-tags_add")).to_be_disabled()  # nothing chosen yet

    chosen = [int(boxes.nth(i).get_attribute("value") or 0) for i in range(10)]
    for pk in chosen:
        page.get_by_test_id(f"choose-{pk}").check()
    expect(page.get_by_test_id("bulk-count")).to_contain_text("10")
    expect(page.get_by_test_id("bulk-tags_add")).to_be_disabled()  # customers chosen, no tag yet
    expect(page.get_by_test_id("bulk-assign")).to_be_disabled()  # nor an owner
    expect(page.get_by_test_id("bulk-help-assign")).to_be_visible()
    expect(page.get_by_test_id("bulk-help-transfer")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_test_id("bulk-tags-value").click()  # the tags' menu opens
    page.get_by_test_id(f"bulk-tag-{tag.pk}").check()
    expect(page.get_by_test_id("bulk-tags-value")).to_contain_text("1")
    expect(page.get_by_test_id("bulk-tags_add")).to_be_enabled()
    page.screenshot(path=str(ARTIFACTS / "customer-bulk-demo-tags-menu.png"))
    page.get_by_test_id("bulk-tags_add").click()

    page.wait_for_url(re.compile(r".*chosen=.*"))
    expect(page.locator('[data-message="success"]')).to_be_visible()
    assert CustomerTag.objects.filter(tag=tag, customer_id__in=chosen).count() == 10
    expect(page.get_by_test_id("bulk-count")).to_contain_text("10")  # the same ten, still ticked
    for pk in chosen:
        expect(page.get_by_test_id(f"choose-{pk}")).to_be_checked()
        row = page.locator("tr").filter(has=page.get_by_test_id(f"choose-{pk}"))
        expect(row.get_by_test_id("tag-badge").filter(has_text="重点")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "customer-bulk-demo-tagged.png"), full_page=True)

    owners = Counter(Customer.objects.filter(pk__in=chosen).values_list("owner_id", flat=True))
    receiver = min(team, key=lambda rep: owners.get(rep.pk, 0))
    page.get_by_test_id("bulk-owner").select_option(str(receiver.pk))
    expect(page.get_by_test_id("bulk-assign")).to_be_enabled()
    page.get_by_test_id("bulk-assign").click()
    expect(page.get_by_test_id("bulk-customers").locator("tbody tr")).to_have_count(10)
    page.screenshot(path=str(ARTIFACTS / "customer-bulk-demo-confirm.png"), full_page=True)
    page.get_by_test_id("bulk-confirm-button").click()

    page.wait_for_url(re.compile(r".*not_visited=14.*"))
    expect(page.locator('[data-message="success"]')).to_be_visible()
    assert set(Customer.objects.filter(pk__in=chosen).values_list("owner_id", flat=True)) == {receiver.pk}
    moved = 10 - owners.get(receiver.pk, 0)
    assert CustomerEvent.objects.filter(kind="assigned", actor=manager, customer_id__in=chosen).count() == moved
    for pk in chosen:
        row = page.locator("tr").filter(has=page.get_by_test_id(f"choose-{pk}"))
        expect(row).to_contain_text(receiver.name)
        expect(page.get_by_test_id(f"choose-{pk}")).not_to_be_checked()


def test_a_bulk_change_sent_again_from_a_page_opened_with_the_back_button_is_a_new_change(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    """The manager sets one customer's level, goes back, and sets another's: both change. The page she went
    back to is the one the first change was sent from; its form is given a new client_id when it is shown again,
    or the second change would be taken for a replay of the first and dropped without a word."""
    first, second = (
        services.customer_create(actor=live_cast.rep, client_id=uuid.uuid4(), name=name, level="C")[0]
        for name in ("上海精工机械有限公司", "苏州华达电子有限公司")
    )
    page = new_page()
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/")
    page.get_by_test_id(f"choose-{first.pk}").check()
    page.get_by_test_id("bulk-level-value").select_option("A")
    page.get_by_test_id("bulk-level").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Customer.objects.get(pk=first.pk).level == "A"

    page.go_back()
    expect(page.get_by_test_id(f"choose-{second.pk}")).to_be_visible()
    page.get_by_test_id(f"choose-{first.pk}").uncheck()
    page.get_by_test_id(f"choose-{second.pk}").check()
    page.get_by_test_id("bulk-level-value").select_option("B")
    page.get_by_test_id("bulk-level").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Customer.objects.get(pk=second.pk).level == "B"
    assert Customer.objects.get(pk=first.pk).level == "A"
