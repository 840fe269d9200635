"""The visit plans' API through HTTP: frequencies (administrators), the due list (cursor-paged, scoped), a day's
route and applying it; bad input answers a field error in the error format."""

import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.activities.tests.helpers import customer
from fieldloop.activities.tests.test_visits import api, post
from fieldloop.schedules.models import ItemKind, ScheduleItem, VisitFrequency

from .helpers import plan, today
from .test_plans import level_customer, plan_day


def put(client, url, body):
    return client.put(url, body, content_type="application/json")


def test_an_admin_reads_and_sets_the_frequencies_and_a_rep_may_only_read(cast):
    assert api(cast.rep).get("/api/v1/visit-frequencies").json() == {"A": 7, "B": 14, "C": 30, "D": None}
    assert put(api(cast.rep), "/api/v1/visit-frequencies", {"A": 1}).status_code == 403
    answer = put(api(cast.admin), "/api/v1/visit-frequencies", {"A": 5, "D": 60})
    assert answer.status_code == 200 and answer.json() == {"A": 5, "B": 14, "C": 30, "D": 60}
    cleared = put(api(cast.admin), "/api/v1/visit-frequencies", {"D": None})
    assert cleared.json()["D"] is None
    for bad in (-3, 0, 400, 10**12):
        refused = put(api(cast.admin), "/api/v1/visit-frequencies", {"B": 7, "C": bad})
        assert refused.status_code in (400, 422) and "C" in str(refused.json()["fields"]), refused.content
    assert VisitFrequency.objects.get(org=cast.org, level="B").every_days == 14


def test_an_admin_sets_a_customers_own_frequency(cast):
    shop = customer(cast.rep)
    url = f"/api/v1/visit-frequencies/customers/{shop.pk}"
    answer = put(api(cast.admin), url, {"every_days": 3})
    assert answer.status_code == 200 and answer.json()["every_days"] == 3 and answer.json()["own"] is True
    refused = put(api(cast.admin), url, {"every_days": -1})
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"every_days"}
    back = put(api(cast.admin), url, {"follow_level": True})
    assert back.json() == {"customer": {"id": shop.pk, "name": shop.name}, "level": "C", "every_days": 30, "own": False}
    assert put(api(cast.outsider), url, {"every_days": 3}).status_code == 404


def test_the_due_list_pages_and_a_manager_reads_a_visible_reps(cast):
    shops = [level_customer(cast.rep, "C", created_days_ago=40 + n) for n in range(3)]
    tomorrow = today(cast.rep) + timedelta(days=1)
    plan(cast.rep, kind=ItemKind.VISIT, customer_id=shops[0].pk, day=tomorrow)
    first = api(cast.rep).get("/api/v1/visits/due?limit=2").json()
    assert [i["customer"]["id"] for i in first["items"]] == [shops[2].pk, shops[1].pk]
    assert first["items"][0]["overdue_days"] == 12 and first["items"][0]["planned_on"] is None
    rest = api(cast.rep).get(f"/api/v1/visits/due?limit=2&cursor={first['next_cursor']}").json()
    assert rest["items"][0]["planned_on"] == tomorrow.isoformat() and rest["next_cursor"] is None
    managers = api(cast.manager).get(f"/api/v1/visits/due?employee_id={cast.rep.pk}").json()
    assert managers["employee"]["id"] == cast.rep.pk and len(managers["items"]) == 3
    for actor in (cast.rep2, cast.other_branch_rep, cast.outsider):
        refused = api(actor).get(f"/api/v1/visits/due?employee_id={cast.rep.pk}")
        assert refused.status_code == 404 and set(refused.json()["fields"]) == {"employee_id"}


def test_scheduling_a_due_customer_is_one_idempotent_create(cast):
    shop = level_customer(cast.rep, "C", created_days_ago=40)
    tomorrow = (today(cast.rep) + timedelta(days=1)).isoformat()
    body = {"day": tomorrow, "kind": "visit", "customer_id": shop.pk}
    key = uuid.uuid4()
    assert post(api(cast.rep), "/api/v1/schedule-items", body, key).status_code == 201
    assert post(api(cast.rep), "/api/v1/schedule-items", body, key).status_code == 201
    assert ScheduleItem.objects.count() == 1
    due = api(cast.rep).get("/api/v1/visits/due").json()
    assert due["items"][0]["planned_on"] == tomorrow
    theirs = customer(cast.rep2)
    refused = post(api(cast.rep), "/api/v1/schedule-items", {**body, "customer_id": theirs.pk}, uuid.uuid4())
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"customer_id"}


def test_the_route_of_a_day_and_applying_it(cast):
    day, (east, west, middle, nowhere) = plan_day(cast.rep)
    route = api(cast.rep).get(f"/api/v1/visit-route?day={day.isoformat()}").json()
    assert [s["item_id"] for s in route["stops"]] == [east.pk, middle.pk, west.pk, nowhere.pk]
    assert route["after_m"] < route["before_m"] and route["stops"][-1]["located"] is False
    ids = [s["item_id"] for s in route["stops"]]
    applied = post(api(cast.rep), "/api/v1/visit-route/apply", {"day": day.isoformat(), "item_ids": ids})
    assert applied.status_code == 200, applied.content
    assert [s["start_time"] for s in applied.json()["stops"]] == ["09:00:00", "09:45:00", "10:30:00", "11:15:00"]
    again = api(cast.rep).get(f"/api/v1/visit-route?day={day.isoformat()}").json()
    assert again["before_m"] == again["after_m"]  # the day is now in the suggested order


def test_bad_route_requests_answer_field_errors(cast):
    day, items = plan_day(cast.rep)
    client = api(cast.rep)
    for query, bad in (
        ("day=9999-01-01", "day"),
        ("day=20261-01-01", "day"),
        (f"day={day.isoformat()}&latitude=95&longitude=0", "latitude"),
        (f"day={day.isoformat()}&employee_id={cast.rep2.pk}", "employee_id"),
    ):
        refused = client.get(f"/api/v1/visit-route?{query}")
        assert refused.status_code in (400, 404, 422) and bad in str(refused.json()["fields"]), (query, refused.content)
    outside = api(cast.other_branch_rep).get(f"/api/v1/visit-route?day={day.isoformat()}&employee_id={cast.rep.pk}")
    assert outside.status_code == 404 and set(outside.json()["fields"]) == {"employee_id"}
    refused = post(client, "/api/v1/visit-route/apply", {"day": day.isoformat(), "item_ids": [items[0].pk]})
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"item_ids"}


def test_the_due_list_answers_in_the_same_few_queries_whatever_the_number_of_customers(cast):
    def queries() -> int:
        client = api(cast.rep)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/visits/due").status_code == 200
        return len(captured.captured_queries)

    level_customer(cast.rep, "C", created_days_ago=40)
    few = queries()
    for n in range(20):
        level_customer(cast.rep, "C", created_days_ago=41 + n)
    assert queries() == few
