"""Issue 14's "Done when" for the sales director (Dora, MANAGE_TARGETS), tried as a new user would: she creates a
year's plan from the suggestions, scales it by 20 %, adjusts one team (北京 +6,000), decomposes it to every team,
rep and month with the page's buttons, locks it; then, with the year's orders in, sees on the achievement page
who is behind and drills down from the top she sees (销售部, the sales organization she directs) → 上海分公司 →
Ria → the orders behind her number; every figure
shown agrees with the hand computation below; last she moves 1,000 of March from Rex to Ria through the revision
page (the gap shown live), and the plan page lists the revision. In zh-Hans (the cast's language); the lock step
also in English.

The project cannot move the app's clock, so the plan is for the fiscal year that ended last (P = this year - 1),
planned from the year before it (H = P - 1): its 24 months of history end where the plan starts, exactly as next
year's plan reads this year's, and a finished year makes the achievement's elapsed share 100 % and every status
the same whatever day the test runs.

Hand computation (sales amount, orders through `order_create`, confirmed, price 500.00 a unit):
- H: Rex 20,000 (March) + 40,000 (September), Ria 30,000 (June), Ben 10,000 (November): company 100,000; no
  year before it, so no trend. Suggestion x 1.2: company 120,000 → 销售部 120,000 (Ada, Dora and Mia sold
  nothing: 0) → 上海 108,000 (90 %), 北京 12,000 (10 %) → Rex 72,000, Ria 36,000, Ben 12,000.
- Adjusted: 北京 18,000 (销售部 and the company 126,000), split to Ben by share: 18,000.
- Months by each one's seasonality: Rex's March 72,000 x 20/60 = 24,000, Ria's March 0.
- P: Rex 30,000 (March) + 20,000 (June) + 60 % of 10,000 (October, split with Ria) = 56,000; Ria 40 % = 4,000 +
  5,000 (August) = 9,000; Ben 17,500 (November) and a draft 50,000 that never counts. 上海 65,000, 北京 17,500,
  company 82,500.
- Attainment (elapsed 100 %: status by attainment alone): company 82,500 / 126,000 = 65.5 % behind; 上海 60.2 %
  behind; 北京 97.2 % on track; Rex 77.8 % behind (below 80 %); Ria 25.0 % behind.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.tests.helpers import customer
from fieldloop.org.models import Employee
from fieldloop.org.services import employee_set_language
from fieldloop.sales.tests.order_helpers import an_order, product
from fieldloop.targets.models import PlanStatus, TargetPlan, TargetRevision, TargetValue

from .conftest import ARTIFACTS, NewPage, login

pytestmark = pytest.mark.browser
PRICE = Decimal("500.00")
WORDS = {
    "zh-hans": {"locked": "已锁定", "behind": "落后", "on_track": "正常"},
    "en": {"locked": "Locked", "behind": "Behind", "on_track": "On track"},
}


def sell(cast: Cast, day: date, amount: int, *credits: tuple[Employee, str], confirm: bool = True) -> None:
    owner = credits[0][0]
    an_order(
        cast.admin, customer(owner), lines=[(product(cast.org, price=str(PRICE)), str(amount // 500), str(PRICE), "0")],
        credits=list(credits), confirm=confirm, signed_on=day, owner_id=owner.pk,
    )  # fmt: skip


def the_years_orders(cast: Cast) -> int:
    """The orders of the hand computation; returns the plan's fiscal year P."""
    p = timezone.localdate().year - 1
    h = p - 1
    rex, ria, ben = cast.rep, cast.rep2, cast.other_branch_rep
    assert (rex.name, ria.name, ben.name) == ("Rex", "Ria", "Ben")
    sell(cast, date(h, 3, 10), 20_000, (rex, "100"))
    sell(cast, date(h, 9, 15), 40_000, (rex, "100"))
    sell(cast, date(h, 6, 12), 30_000, (ria, "100"))
    sell(cast, date(h, 11, 20), 10_000, (ben, "100"))
    sell(cast, date(p, 3, 5), 30_000, (rex, "100"))
    sell(cast, date(p, 6, 8), 20_000, (rex, "100"))
    sell(cast, date(p, 10, 9), 10_000, (rex, "60"), (ria, "40"))
    sell(cast, date(p, 8, 18), 5_000, (ria, "100"))
    sell(cast, date(p, 11, 3), 17_500, (ben, "100"))
    sell(cast, date(p, 11, 4), 50_000, (ben, "100"), confirm=False)  # a draft: never counted
    return p


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"target-director-{name}.png"), full_page=True)


def expand(page: Page) -> None:
    page.click("[data-tree-expand]")


def plan_from_suggestions(page: Page, live_server: LiveServer, cast: Cast, year: int, language: str) -> TargetPlan:
    """New plan → suggestions x 1.2 → accepted → 北京 adjusted → split and spread → locked."""
    page.goto(f"{live_server.url}/targets/plans/")
    form = page.locator("[data-testid=plan-form]")
    form.locator("#id_name").fill(f"{year} 销售额")
    form.locator("#id_metric").select_option("sales_amount")
    form.locator("#id_fiscal_year").fill(str(year))
    form.locator("#id_tiers").select_option("1")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/targets/plans/\d+/suggestions/$"))
    plan = TargetPlan.objects.get(org=cast.org, fiscal_year=year)
    page.fill("#id_scale", "1.2")
    page.locator("[data-testid=suggestion-form] button[type=submit]:not([formmethod])").click()
    page.wait_for_load_state()
    root = page.locator(f"[data-testid=suggestion-d{cast.root.pk}]")
    expect(root).to_contain_text("100,000")  # last 12 months
    expect(root).to_contain_text("120,000")  # suggested year, +20 %
    if language == "zh-hans":
        expect(root).to_contain_text("近 12 个月 ¥100K，趋势 +0%，9 月权重 40%")  # September: 40,000 of 100,000
    expect(page.locator(f"[data-testid=suggestion-d{cast.beijing.pk}]")).to_contain_text("12,000")
    expect(page.locator(f"[data-testid=suggestion-e{cast.rep.pk}]")).to_contain_text("72,000")
    page.click("[data-testid=accept]")
    page.wait_for_url(re.compile(rf"/targets/plans/{plan.pk}/$"))
    # one team adjusted: 北京 +6,000, and the departments above it follow
    expand(page)
    page.fill(f"input[name=v-d{cast.beijing.pk}]", "18000")
    page.fill(f"input[name=v-d{cast.sales.pk}]", "126000")
    page.fill(f"input[name=v-d{cast.root.pk}]", "126000")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(rf"/targets/plans/{plan.pk}/\?period=Y"))
    expand(page)
    expect(page.locator(f"[data-testid=node-d{cast.beijing.pk}] [data-testid=gap]")).to_have_text("6,000")
    page.click(f"button[value='spread_down:share:d{cast.beijing.pk}']")  # 北京 → Ben, by share
    page.wait_for_load_state()
    expand(page)
    expect(page.locator(f"input[name=v-e{cast.other_branch_rep.pk}]")).to_have_value("18000.00")
    page.click(f"button[value='spread_time:seasonality:d{cast.root.pk}']")  # every node's year → its months
    page.wait_for_load_state()
    expect(page.locator("[data-testid=adds-up]")).to_be_visible()
    if language == "zh-hans":
        shot(page, "plan-before-lock-1280-zh")
    page.click("[data-testid=lock]")
    page.wait_for_load_state()
    expect(page.locator("[data-testid=plan-status]")).to_contain_text(WORDS[language]["locked"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.LOCKED
    return plan


@pytest.mark.django_db(transaction=True)
def test_the_director_plans_locks_follows_and_revises(live_server: LiveServer, live_cast: Cast, page: Page) -> None:
    cast = live_cast
    year = the_years_orders(cast)
    login(page, live_server, "dora", cast.password)
    plan = plan_from_suggestions(page, live_server, cast, year, "zh-hans")
    assert TargetValue.objects.get(plan=plan, period="Y", department=cast.root).target == 126_000
    assert TargetValue.objects.get(plan=plan, period="Y", employee=cast.other_branch_rep).target == 18_000
    assert TargetValue.objects.get(plan=plan, period="M3", employee=cast.rep).target == 24_000

    # who is behind: her whole sales organization (销售部, the top of what a director sees) → 上海分公司 → Ria →
    # the orders behind her number
    words = WORDS["zh-hans"]
    page.goto(f"{live_server.url}/targets/achievement/?plan={plan.pk}&period=Y")
    expect(page.locator("[data-testid=node-card]")).to_have_attribute("data-node-id", str(cast.sales.pk))
    expect(page.locator("[data-testid=node-actual]")).to_contain_text("82,500.00")
    expect(page.locator("[data-testid=node-target]")).to_have_text("126,000.00")
    expect(page.locator("[data-testid=node-attainment]")).to_have_text("65.5 %")
    expect(page.locator("[data-testid=elapsed]")).to_contain_text("100 %")
    expect(page.locator("[data-testid=node-card]")).to_contain_text(words["behind"])
    shanghai = page.locator(f"[data-testid=child][data-kind=department][data-id='{cast.shanghai.pk}']")
    beijing = page.locator(f"[data-testid=child][data-kind=department][data-id='{cast.beijing.pk}']")
    expect(shanghai).to_contain_text("65,000.00")
    expect(shanghai).to_contain_text("60.2 %")
    expect(shanghai).to_contain_text(words["behind"])
    expect(beijing).to_contain_text("17,500.00")
    expect(beijing).to_contain_text("97.2 %")
    expect(beijing).to_contain_text(words["on_track"])
    shanghai.locator("a").click()
    expect(page.locator("[data-testid=node-card]")).to_have_attribute("data-node-id", str(cast.shanghai.pk))
    rex = page.locator(f"[data-testid=child][data-kind=employee][data-id='{cast.rep.pk}']")
    ria = page.locator(f"[data-testid=child][data-kind=employee][data-id='{cast.rep2.pk}']")
    expect(rex).to_contain_text("56,000.00")
    expect(rex).to_contain_text("77.8 %")
    expect(rex).to_contain_text(words["behind"])
    expect(ria).to_contain_text("9,000.00")
    expect(ria).to_contain_text("25.0 %")
    expect(ria).to_contain_text(words["behind"])
    shot(page, "achievement-shanghai-1280-zh")
    ria.locator("a").click()
    expect(page.locator("[data-testid=breadcrumb]")).to_contain_text("上海分公司")
    orders = page.locator("[data-testid=order]")
    expect(orders).to_have_count(2)
    expect(page.locator("[data-testid=order-credited]")).to_have_text(["5,000.00", "4,000.00"])
    expect(orders.filter(has_text="40 %")).to_contain_text("10,000.00")

    # a revision: 1,000 of March from Rex to Ria, through the page
    page.goto(f"{live_server.url}/targets/plans/{plan.pk}/")
    expand(page)
    page.click(f"[data-testid=revise-d{cast.shanghai.pk}]")
    page.wait_for_url(re.compile(rf"/targets/plans/{plan.pk}/revise/\?node=d{cast.shanghai.pk}"))
    rex_march = page.locator(f"input[name=c-e{cast.rep.pk}-M3]")
    ria_march = page.locator(f"input[name=c-e{cast.rep2.pk}-M3]")
    expect(rex_march).to_have_value("24000.00")
    rex_march.fill("23000")
    expect(page.locator("[data-testid=gap-M3]")).to_have_text("1,000")  # 上海 now holds 1,000 more than its members
    expect(page.locator("[data-testid=gap-Q1]")).to_have_text("1,000")
    ria_march.fill("1000")
    expect(page.locator("[data-testid=gap-M3]")).to_have_text("0")
    expect(page.locator("[data-testid=gap-Y]")).to_have_text("0")
    expect(page.locator(f"tr[data-period=Y] [data-sum-col='e{cast.rep.pk}']")).to_have_text("71,000")
    expect(page.locator("tr[data-period=M3] [data-parent-gap]")).to_have_text("0")
    shot(page, "revise-1280-zh")
    page.fill("[data-testid=revision-reason]", "Rex 三月的一个客户转给 Ria")
    page.click("[data-testid=revision-submit]")
    page.wait_for_url(re.compile(rf"/targets/plans/{plan.pk}/\?period=Y"))
    expect(page.locator("[data-testid=revision]")).to_have_count(6)  # Rex and Ria: M3, Q1, Y each
    expect(page.locator("[data-testid=revisions]")).to_contain_text("Rex 三月的一个客户转给 Ria")
    expect(page.locator("[data-testid=revisions]")).to_contain_text("72,000 → 71,000")
    assert TargetRevision.objects.filter(plan=plan, author=cast.director).count() == 6
    assert TargetValue.objects.get(plan=plan, period="Y", employee=cast.rep2).target == 37_000
    assert TargetValue.objects.get(plan=plan, period="M3", department=cast.shanghai).target == 24_000


@pytest.mark.django_db(transaction=True)
def test_the_lock_step_in_english(live_server: LiveServer, live_cast: Cast, new_page: NewPage) -> None:
    cast = live_cast
    year = the_years_orders(cast)
    employee_set_language(actor=cast.director, language="en")
    page = new_page(locale="en-US")
    login(page, live_server, "dora", cast.password)
    plan = plan_from_suggestions(page, live_server, cast, year, "en")
    expect(page.locator("[data-testid=revise-link]")).to_have_text(re.compile("Revise"))
    page.click("[data-testid=revise-link]")
    expect(page.locator("h2.page-title")).to_contain_text("Revise the plan")
    page.click("[data-testid=revision-submit]")  # nothing changed, no reason: refused, nothing written
    expect(page.locator("[data-testid=form-error]")).to_be_visible()
    assert not TargetRevision.objects.filter(plan=plan).exists()
