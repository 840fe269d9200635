import uuid
from datetime import time, timedelta

from fieldloop.activities.tests.helpers import customer, file_call
from fieldloop.activities.tests.test_visits import check_in, located_customer, routine
from fieldloop.schedules.models import ItemKind, ItemState, ScheduleItem

from .helpers import plan, today


def test_a_rep_adds_an_item_from_the_day_page_and_sees_it_listed(cast):
    client = cast.client_for(cast.rep)
    shop = customer(cast.rep)
    page = client.get("/schedule/")
    assert page.status_code == 200 and shop.name in page.content.decode()
    day = today(cast.rep)
    data = {"client_id": str(uuid.uuid4()), "day": day.isoformat(), "kind": "visit", "customer_id": shop.pk,
            "start_time": "09:00", "end_time": "10:00", "title": "送样品"}  # fmt: skip
    response = client.post("/schedule/items/new/", data)
    assert response.status_code == 302
    again = client.post("/schedule/items/new/", data)  # the outbox sends it twice: one item
    assert again.status_code == 302 and ScheduleItem.objects.count() == 1
    page = client.get("/schedule/").content.decode()
    assert "送样品" in page and 'data-testid="cal-item"' in page


def test_bad_input_on_the_page_shows_on_the_field_and_writes_nothing(cast):
    client = cast.client_for(cast.rep)
    theirs = customer(cast.rep2)
    day = today(cast.rep)
    data = {"client_id": str(uuid.uuid4()), "day": day.isoformat(), "kind": "task", "start_time": "10:00",
            "end_time": "09:00"}  # fmt: skip
    response = client.post("/schedule/items/new/", data)
    assert response.status_code == 400 and 'data-testid="error-end_time"' in response.content.decode()
    response = client.post("/schedule/items/new/", {**data, "end_time": "", "day": "9999-01-01"})
    assert response.status_code == 400 and 'data-testid="error-day"' in response.content.decode()
    response = client.post("/schedule/items/new/", {**data, "kind": "visit", "end_time": "", "customer_id": theirs.pk})
    assert response.status_code == 400 and 'data-testid="error-customer_id"' in response.content.decode()
    response = client.post("/schedule/items/new/", {**data, "end_time": "", "repeat": "daily"})
    assert response.status_code == 400 and 'data-testid="error-ends_on"' in response.content.decode()
    assert not ScheduleItem.objects.exists()


def test_dragging_moves_an_item_and_resizing_changes_its_end(cast):
    client = cast.client_for(cast.rep)
    item = plan(cast.rep, start_time=time(9), end_time=time(10))
    day = today(cast.rep)
    target = (day + timedelta(days=2)).isoformat()
    response = client.post(
        f"/schedule/items/{item.pk}/move/",
        {"day": target, "timed": "on", "start_time": "14:00", "end_time": "15:00", "next": "/schedule/week/"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 302 and response["Location"] == "/schedule/week/"
    item.refresh_from_db()
    assert (item.day.isoformat(), str(item.start_time), str(item.end_time)) == (target, "14:00:00", "15:00:00")
    client.post(f"/schedule/items/{item.pk}/move/", {"day": target, "timed": "on", "start_time": "14:00",
                                                    "end_time": "16:30"})  # fmt: skip
    item.refresh_from_db()
    assert str(item.end_time) == "16:30:00"
    # a drop on another day's top row keeps the times
    client.post(f"/schedule/items/{item.pk}/move/", {"day": day.isoformat()})
    item.refresh_from_db()
    assert (item.day, str(item.start_time)) == (day, "14:00:00")
    # a drop that ends before it starts is refused: the page reloads with the reason, nothing changes
    refused = client.post(
        f"/schedule/items/{item.pk}/move/",
        {"day": target, "timed": "on", "start_time": "14:00", "end_time": "13:00"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 204 and refused["HX-Refresh"] == "true"
    item.refresh_from_db()
    assert (item.day, str(item.end_time)) == (day, "16:30:00")


def test_the_rep_marks_done_with_a_note_and_cancels_on_the_item_page(cast):
    client = cast.client_for(cast.rep)
    first, second = plan(cast.rep, title="整理报价"), plan(cast.rep, title="培训")
    page = client.get(f"/schedule/items/{first.pk}/")
    assert page.status_code == 200 and 'data-testid="done-form"' in page.content.decode()
    refused = client.post(f"/schedule/items/{first.pk}/done/", {"note": ""})
    assert refused.status_code == 400
    assert client.post(f"/schedule/items/{first.pk}/done/", {"note": "报价已发"}).status_code == 302
    assert client.post(f"/schedule/items/{second.pk}/cancel/").status_code == 302
    states = dict(ScheduleItem.objects.values_list("title", "state"))
    assert states == {"整理报价": ItemState.DONE, "培训": ItemState.CANCELLED}


def test_another_reps_item_and_day_are_not_found(cast):
    item = plan(cast.rep2)
    client = cast.client_for(cast.rep)
    assert client.get(f"/schedule/items/{item.pk}/").status_code == 404
    assert client.get(f"/schedule/?employee={cast.rep2.pk}").status_code == 404
    assert client.post(f"/schedule/items/{item.pk}/cancel/").status_code == 404
    assert ScheduleItem.objects.get(pk=item.pk).state == ItemState.PLANNED


def test_the_team_day_shows_plan_vs_done_unplanned_work_and_missed_with_constant_queries(
    cast, django_assert_max_num_queries
):
    vt = routine(cast.admin, max_distance_m=500)
    shop, other = located_customer(cast.rep), located_customer(cast.rep)
    plan(cast.rep, kind=ItemKind.VISIT, customer_id=shop.pk, title="计划拜访")
    check_in(cast.rep, vt, shop)  # fulfils the plan
    file_call(cast.rep, other)  # unplanned work
    client = cast.client_for(cast.manager)
    client.get("/schedule/team/")

    def page():
        with django_assert_max_num_queries(16) as ctx:
            response = client.get("/schedule/team/")
        assert response.status_code == 200
        return response.content.decode(), len(ctx.captured_queries)

    html, few = page()
    assert html.count('data-testid="team-column"') == 3  # Mia, Rex and Ria (Ben is in Beijing)
    assert 'data-testid="state-done"' in html and 'data-testid="unplanned-record"' in html
    for _n in range(4):
        item = plan(cast.rep2)
        ScheduleItem.objects.filter(pk=item.pk).update(state=ItemState.MISSED)
        file_call(cast.rep2, customer(cast.rep2))
    html, many = page()
    assert many == few
    assert html.count('data-testid="state-missed"') == 4 and html.count('data-testid="unplanned-record"') == 5
    rep = cast.client_for(cast.rep)
    assert rep.get("/schedule/team/").status_code == 403  # a rep has no team


def test_the_week_shows_seven_days_and_junk_days_fall_back_to_today(cast):
    plan(cast.rep, title="周一例会")
    client = cast.client_for(cast.rep)
    for query in ("", "?day=junk", "?day=9999-12-31", "?day=0001-01-01"):
        response = client.get("/schedule/week/" + query)
        assert response.status_code == 200
        assert response.content.decode().count('class="cal-head') == 7
    assert "周一例会" in client.get("/schedule/week/").content.decode()
