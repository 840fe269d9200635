"""Today's plan on a rep's Today page: the day's items first, a check-in for each planned visit, what is done."""

import uuid
from datetime import time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.activities.tests.helpers import customer
from fieldloop.schedules import card_selectors, card_services, services
from fieldloop.schedules.models import ItemKind

from .helpers import plan, today


def test_today_opens_with_the_days_plan_and_a_check_in_for_each_planned_visit(cast):
    shop, depot = customer(cast.rep, name="华联超市"), customer(cast.rep, name="东区仓库")
    visit = plan(cast.rep, kind=ItemKind.VISIT, customer_id=shop.pk, start_time=time(9))
    done = plan(cast.rep, kind=ItemKind.VISIT, customer_id=depot.pk, start_time=time(11))
    services.schedule_item_done(actor=cast.rep, item_id=done.pk, note="送样品")
    plan(cast.rep, kind=ItemKind.TASK, title="周报", day=today(cast.rep) + timedelta(days=1))  # tomorrow: not shown
    page = cast.client_for(cast.rep).get("/today/").content.decode()
    plan_html = page[page.index('data-testid="today-plan"') : page.index('data-testid="filed-today"')]
    assert 'data-testid="today-plan-progress">1/2<' in plan_html
    assert plan_html.index("华联超市") < plan_html.index("东区仓库")  # by time
    assert f'/visits/start/?customer={shop.pk}"' in plan_html  # the planned visit checks in from Today
    assert f"customer={depot.pk}" not in plan_html and "周报" not in plan_html
    assert plan_html.count('data-testid="today-plan-check-in"') == 1
    assert f"/schedule/items/{visit.pk}/" in plan_html


def test_a_rep_with_nothing_planned_is_led_to_the_customers_due_for_a_visit(cast):
    page = cast.client_for(cast.rep).get("/today/").content.decode()
    assert 'data-testid="today-plan-empty"' in page and "/plans/due/" in page


def test_the_plan_costs_the_same_queries_however_long_the_day(cast):
    client = cast.client_for(cast.rep)
    plan(cast.rep, title="一")
    client.get("/today/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get("/today/")
    for n in range(20):
        plan(cast.rep, title=f"事项{n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/today/").content.decode()
    assert len(many) <= len(few) + 1  # the day's count, once more items than a phone screen are planned
    assert "13 more items" in page or "还有 13 项" in page


def _tile(page: str) -> str:
    at = page.index('data-testid="daily-report"')
    return page[at - 300 : at + 400]


def test_the_tile_says_filed_only_once_todays_card_is_filed_not_yesterdays(cast):
    client = cast.client_for(cast.rep)
    values = {"done_today": "拜访三家客户", "plan_tomorrow": "整理报价"}
    day = card_selectors.today_of(cast.rep)
    card_services.card_file(actor=cast.rep, client_id=uuid.uuid4(), day=day - timedelta(days=1), values=values)
    tile = _tile(client.get("/today/").content.decode())
    assert 'href="/close/"' in tile and "ti-circle-check" not in tile  # yesterday's card filed today: today is open
    card_services.card_file(actor=cast.rep, client_id=uuid.uuid4(), day=day, values=values)
    assert "ti-circle-check" in _tile(client.get("/today/").content.decode())
