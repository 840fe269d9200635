import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.activities.tests.helpers import customer
from fieldloop.activities.tests.test_visits import api, post
from fieldloop.schedules.models import ScheduleItem, ScheduleSeries

from .helpers import plan, today


def test_the_api_plans_idempotently_edits_cancels_and_marks_done(cast):
    client = api(cast.rep)
    shop = customer(cast.rep)
    day = today(cast.rep)
    key = uuid.uuid4()
    body = {"day": day.isoformat(), "kind": "visit", "customer_id": shop.pk, "start_time": "09:00", "end_time": "10:00"}
    first = post(client, "/api/v1/schedule-items", body, key)
    assert first.status_code == 201, first.content
    replay = post(client, "/api/v1/schedule-items", body, key)
    assert (replay.status_code, replay.json()) == (201, first.json())
    assert ScheduleItem.objects.count() == 1
    item_id = first.json()["id"]
    assert first.json()["customer"] == {"id": shop.pk, "name": shop.name}
    moved = client.patch(
        f"/api/v1/schedule-items/{item_id}",
        {"day": (day + timedelta(days=1)).isoformat(), "start_time": "14:00", "end_time": "15:30"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["start_time"] == "14:00:00"
    no_note = post(client, f"/api/v1/schedule-items/{item_id}/done", {"note": ""})
    assert no_note.status_code == 400 and set(no_note.json()["fields"]) == {"note"}
    done = post(client, f"/api/v1/schedule-items/{item_id}/done", {"note": "电话确认了订单"})
    assert done.json()["state"] == "done"
    assert post(client, f"/api/v1/schedule-items/{item_id}/cancel", {}).status_code == 409


def test_bad_input_gets_field_errors_and_writes_nothing(cast):
    client = api(cast.rep)
    theirs = customer(cast.rep2)
    day = today(cast.rep).isoformat()
    cases = [
        ({"day": day, "kind": "task", "start_time": "10:00", "end_time": "09:00"}, "end_time"),
        ({"day": "9999-01-01", "kind": "task"}, "day"),
        ({"day": "20261-01-01", "kind": "task"}, "day"),
        ({"day": day, "kind": "visit", "customer_id": theirs.pk}, "customer_id"),
        ({"day": day, "kind": "task", "recurrence": {"frequency": "daily"}}, "recurrence.ends_on"),
        ({"day": day, "kind": "task", "recurrence": {"frequency": "daily", "count": 501}}, "recurrence.count"),
        ({"day": day, "kind": "task", "employee_id": cast.rep2.pk}, "employee_id"),
        # a number of seconds, a time with a zone: not a time of day (once a 500: naive and aware times compared)
        ({"day": day, "kind": "task", "start_time": "00:00", "end_time": 0}, "end_time"),
        ({"day": day, "kind": "task", "start_time": "09:00+08:00"}, "start_time"),
    ]
    for body, field in cases:
        response = post(client, "/api/v1/schedule-items", body)
        assert response.status_code in (400, 422), (body, response.content)
        assert any(f == field or f.endswith("." + field) or field in f for f in response.json()["fields"]), (
            body,
            response.json(),
        )
    assert not ScheduleItem.objects.exists() and not ScheduleSeries.objects.exists()


def test_a_series_comes_back_as_its_first_occurrence_and_the_calendar_pages_it(cast):
    client = api(cast.rep)
    day = today(cast.rep)
    body = {"day": day.isoformat(), "kind": "meeting", "title": "周会",
            "recurrence": {"frequency": "daily", "count": 12}}  # fmt: skip
    first = post(client, "/api/v1/schedule-items", body)
    assert first.status_code == 201 and first.json()["series_id"] is not None
    url = f"/api/v1/schedule-items?date_from={day}&date_to={day + timedelta(days=30)}&limit=5"
    days, cursor = [], None
    while True:
        page = client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        days += [i["day"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert days == [(day + timedelta(days=n)).isoformat() for n in range(12)]
    too_long = client.get(f"/api/v1/schedule-items?date_from={day}&date_to={day + timedelta(days=200)}")
    assert too_long.status_code == 400 and "date_to" in too_long.json()["fields"]


def test_the_calendar_is_scoped_by_visibility_with_constant_queries(cast):
    day = today(cast.rep)
    plan(cast.rep, title="Rex")
    plan(cast.other_branch_rep, title="Ben")
    manager = api(cast.manager)
    url = f"/api/v1/schedule-items?date_from={day}&date_to={day}"

    def page_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = manager.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), [i["title"] for i in response.json()["items"]]

    page_queries()
    few = page_queries()
    assert few[1] == ["Rex"]  # Ben is in Beijing, outside Mia's tree
    for n in range(5):
        plan(cast.rep2, title=f"Ria {n}", customer_id=customer(cast.rep2).pk, kind="call")
    many = page_queries()
    assert len(many[1]) == 6 and many[0] == few[0]
    rep = api(cast.rep)
    assert [i["title"] for i in rep.get(url).json()["items"]] == ["Rex"]
    assert rep.get(url + f"&employee_id={cast.rep2.pk}").json()["items"] == []
