"""The visit plans' pages through the test client: the due list and its one-tap plan, the route and applying
it, the frequencies page; bad input answers a 4xx with the field's message."""

import uuid
from datetime import time, timedelta

from fieldloop.activities.tests.helpers import customer
from fieldloop.schedules.models import CustomerVisitFrequency, ItemKind, ScheduleItem, VisitFrequency

from .helpers import today
from .test_plans import level_customer, plan_day


def test_the_rep_plans_two_due_customers_for_tomorrow_in_one_tap_each(cast):
    client = cast.client_for(cast.rep)
    first, second = (level_customer(cast.rep, "C", created_days_ago=40 + n) for n in range(2))
    page = client.get("/plans/due/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f'id="due-{second.pk}"') < html.index(f'id="due-{first.pk}"')  # most overdue first
    assert "已逾期 11 天" in html  # the rep reads Chinese (the cast's language)
    tomorrow = today(cast.rep) + timedelta(days=1)
    for shop in (first, second):
        key = str(uuid.uuid4())
        body = {"client_id": key, "customer_id": shop.pk, "day": tomorrow.isoformat(), "employee": cast.rep.pk}
        assert client.post("/plans/due/schedule/", body).status_code == 302
        assert client.post("/plans/due/schedule/", body).status_code == 302  # sent twice: one visit
    items = ScheduleItem.objects.order_by("customer_id")
    assert [(i.customer_id, i.day, i.kind) for i in items] == [
        (first.pk, tomorrow, ItemKind.VISIT), (second.pk, tomorrow, ItemKind.VISIT),
    ]  # fmt: skip
    assert client.get("/plans/due/").content.decode().count('data-testid="planned"') == 2


def test_planning_a_customer_the_rep_may_not_see_or_an_absurd_day_is_refused(cast):
    client = cast.client_for(cast.rep)
    theirs = customer(cast.rep2)
    mine = customer(cast.rep)
    tomorrow = (today(cast.rep) + timedelta(days=1)).isoformat()
    for body in (
        {"customer_id": theirs.pk, "day": tomorrow},
        {"customer_id": mine.pk, "day": "9999-01-01"},
        {"customer_id": mine.pk, "day": "someday"},
        {"customer_id": mine.pk, "day": tomorrow, "employee": cast.other_branch_rep.pk},
    ):
        answer = client.post("/plans/due/schedule/", {"client_id": str(uuid.uuid4()), **body})
        assert 400 <= answer.status_code < 500, body
    assert not ScheduleItem.objects.exists()


def test_a_manager_opens_a_reps_due_list_and_a_rep_cannot_open_anothers(cast):
    level_customer(cast.rep, "C", created_days_ago=40)
    assert cast.client_for(cast.manager).get(f"/plans/due/?employee={cast.rep.pk}").content.count(b"due-customer") == 1
    assert cast.client_for(cast.rep2).get(f"/plans/due/?employee={cast.rep.pk}").status_code == 404


def test_the_route_page_lists_the_suggested_order_with_distances_and_applies_it(cast):
    day, (east, west, middle, nowhere) = plan_day(cast.rep)
    client = cast.client_for(cast.rep)
    page = client.get(f"/plans/route/?day={day.isoformat()}")
    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(f'data-item-id="{i.pk}"') for i in (east, middle, west, nowhere)]
    assert order == sorted(order)
    assert 'data-testid="total-after"' in html and "4.8" in html and "route-map" in html
    body = {"day": day.isoformat(), "employee": cast.rep.pk, "item_ids": [east.pk, middle.pk, west.pk, nowhere.pk]}
    assert client.post("/plans/route/apply/", body).status_code == 302
    assert ScheduleItem.objects.get(pk=middle.pk).start_time == time(9, 45)
    assert client.post("/plans/route/apply/", {**body, "item_ids": [east.pk]}).status_code == 400
    assert client.get("/plans/route/?day=9999-01-01").status_code == 400
    assert cast.client_for(cast.rep2).get(f"/plans/route/?employee={cast.rep.pk}").status_code == 404


def test_an_admin_edits_the_frequencies_and_a_rep_may_not(cast):
    admin = cast.client_for(cast.admin)
    assert admin.get("/plans/frequencies/").status_code == 200
    saved = admin.post("/plans/frequencies/", {"action": "levels", "A": "5", "B": "14", "C": "", "D": ""})
    assert saved.status_code == 302
    assert dict(VisitFrequency.objects.filter(org=cast.org).values_list("level", "every_days")) == {
        "A": 5, "B": 14, "C": None, "D": None,
    }  # fmt: skip
    refused = admin.post("/plans/frequencies/", {"action": "levels", "A": "-2", "B": "9999"})
    assert refused.status_code == 400 and b'data-testid="error-A"' in refused.content
    assert b'data-testid="error-B"' in refused.content
    shop = customer(cast.rep, "人民广场便利店")
    assert (
        admin.post(
            "/plans/frequencies/", {"action": "customer", "own-customer": shop.name, "own-every_days": "3"}
        ).status_code
        == 302
    )
    assert CustomerVisitFrequency.objects.get(customer=shop).every_days == 3
    assert admin.post("/plans/frequencies/", {"action": "follow_level", "customer_id": shop.pk}).status_code == 302
    assert not CustomerVisitFrequency.objects.exists()
    assert cast.client_for(cast.rep).get("/plans/frequencies/").status_code == 403
