"""The attendance API and pages through the test client: clocking in and a replay, requests and approval,
statuses and statistics scoped by visibility, field errors, constant query counts."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import Cast
from fieldloop.attendance import services
from fieldloop.attendance.models import AttendanceGroup, Clock, DailyStatus

from .helpers import OFFICE, a_group

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any], key: uuid.UUID | None = None) -> Any:
    return client.post(f"/api/v1{url}", body, content_type="application/json",
                       headers={"Idempotency-Key": str(key or uuid.uuid4())})  # fmt: skip


def a_fix(lat: float = OFFICE[0], lon: float = OFFICE[1]) -> dict[str, Any]:
    return {"latitude": lat, "longitude": lon, "accuracy": 12, "fix_at": timezone.now().isoformat()}


def test_clock_in_through_the_api_answers_the_status_and_a_replay_is_stored_once(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    client, key = cast.client_for(cast.rep), uuid.uuid4()
    first = post(client, "/attendance/clocks", {"kind": "in", **a_fix()}, key)
    again = post(client, "/attendance/clocks", {"kind": "in", **a_fix()}, key)
    assert first.status_code == again.status_code == 201, first.json()
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["place"] == "上海办公室" and first.json()["status"]["employee"]["id"] == cast.rep.pk
    assert Clock.objects.filter(employee=cast.rep).count() == 1
    other = post(cast.client_for(cast.rep2), "/attendance/clocks", {"kind": "in", **a_fix()}, key)
    assert other.status_code == 422  # the key is Rita's


def test_bad_clocks_answer_field_errors(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    client = cast.client_for(cast.rep)
    r = post(client, "/attendance/clocks", {"kind": "in", **a_fix(95, 121)})
    assert r.status_code == 400 and "latitude" in r.json()["fields"]
    r = post(client, "/attendance/clocks", {"kind": "in", **a_fix(OFFICE[0] + 0.01, OFFICE[1])})
    assert r.status_code == 400 and "1.1" in r.json()["fields"]["position"][0]
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    r = post(client, "/attendance/clocks", {"kind": "in", **a_fix(), "captured_at": future})
    assert r.status_code == 400 and "captured_at" in r.json()["fields"]
    assert post(client, "/attendance/clocks", {"kind": "in", **a_fix()}).status_code == 201
    r = post(client, "/attendance/clocks", {"kind": "in", **a_fix()})
    assert r.status_code == 409 and "kind" in r.json()["fields"]
    assert Clock.objects.filter(employee=cast.rep).count() == 1


def test_groups_are_the_administrators_and_shifts_validate(cast: Cast) -> None:
    admin = cast.client_for(cast.admin)
    r = post(admin, "/attendance/groups", {"name": "上海考勤", "department_ids": [cast.shanghai.pk]})
    assert r.status_code == 201, r.json()
    group_id = r.json()["id"]
    assert post(cast.client_for(cast.manager), "/attendance/groups", {"name": "x"}).status_code == 403
    bad = post(admin, f"/attendance/groups/{group_id}/shifts", {"name": "夜班", "weekdays": [0], "start": "18:00",
                                                                 "end": "18:00"})  # fmt: skip
    assert bad.status_code == 400 and "end" in bad.json()["fields"]
    ok = post(admin, f"/attendance/groups/{group_id}/shifts", {"name": "白班", "weekdays": [0, 1], "start": "09:00",
                                                                "end": "18:00", "flex_minutes": 30})  # fmt: skip
    assert ok.status_code == 201 and ok.json()["flex_minutes"] == 30
    place = post(admin, f"/attendance/groups/{group_id}/places", {"name": "办公室", "latitude": 31.2, "longitude": 181})
    assert place.status_code == 400 and "longitude" in place.json()["fields"]
    outsider = post(cast.client_for(cast.outsider), f"/attendance/groups/{group_id}/shifts",
                    {"name": "x", "weekdays": [0], "start": "09:00", "end": "18:00"})  # fmt: skip
    assert outsider.status_code in (403, 404)
    assert AttendanceGroup.objects.get(pk=group_id).shifts.count() == 1


def test_a_leave_request_is_approved_by_the_manager_with_history(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    today = services.local_today(cast.org).isoformat()
    r = post(cast.client_for(cast.rep), "/attendance/requests", {
        "kind": "leave", "leave_type": "annual", "reason": "探亲", "start_day": today, "start_half": "pm",
        "end_day": today, "end_half": "pm"})  # fmt: skip
    assert r.status_code == 201, r.json()
    req = r.json()
    assert (req["status"], req["days"]) == ("pending", 0.5)
    pending = cast.client_for(cast.manager).get("/api/v1/attendance/requests?to_approve=true").json()["items"]
    assert [p["id"] for p in pending] == [req["id"]]
    assert cast.client_for(cast.outsider).get(f"/api/v1/attendance/requests/{req['id']}").status_code == 404
    assert post(cast.client_for(cast.rep2), f"/attendance/requests/{req['id']}/decision",
                {"approve": True}).status_code in (403, 404)  # fmt: skip
    d = post(cast.client_for(cast.manager), f"/attendance/requests/{req['id']}/decision", {"approve": True})
    assert d.status_code == 200 and d.json()["status"] == "approved"
    assert [h["action"] for h in d.json()["history"]] == ["asked", "approved"]
    backwards = post(cast.client_for(cast.rep), "/attendance/requests", {
        "kind": "trip", "reason": "出差", "start_day": today, "end_day": "2020-01-01"})  # fmt: skip
    assert backwards.status_code == 400 and "end_day" in backwards.json()["fields"]


def test_statistics_are_scoped_and_paged_in_constant_queries(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    a_group(cast.admin, [cast.sales.pk])
    yesterday = services.local_today(cast.org) - timedelta(days=1)
    services.all_orgs_close_days(day=yesterday)
    month = yesterday.strftime("%Y-%m")
    client = cast.client_for(cast.manager)
    with django_assert_max_num_queries(12):
        r = client.get(f"/api/v1/attendance/stats?month={month}&limit=2")
    assert r.status_code == 200 and len(r.json()["items"]) == 2 and r.json()["next_cursor"]
    ids = {i["employee"]["id"] for i in client.get(f"/api/v1/attendance/stats?month={month}&limit=200").json()["items"]}
    assert cast.rep.pk in ids and cast.other_branch_rep.pk not in ids and cast.outsider.pk not in ids
    rep = cast.client_for(cast.rep).get(f"/api/v1/attendance/daily-statuses?month={month}").json()["items"]
    assert {i["employee"]["id"] for i in rep} == {cast.rep.pk}
    assert client.get("/api/v1/attendance/stats?month=2026-13").status_code == 400


def test_the_pages_render_for_the_rep_and_the_manager(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    a_group(cast.admin, [cast.sales.pk])
    yesterday = services.local_today(cast.org) - timedelta(days=1)
    services.all_orgs_close_days(day=yesterday)
    rep = cast.client_for(cast.rep)
    page = rep.get("/attendance/")
    assert page.status_code == 200 and b'data-testid="clock-in"' in page.content
    assert rep.get("/attendance/month/").status_code == 200
    assert rep.get("/attendance/team/").status_code == 403
    manager = cast.client_for(cast.manager)
    with django_assert_max_num_queries(25):
        team = manager.get(f"/attendance/team/?month={yesterday:%Y-%m}")
    assert team.status_code == 200 and f'data-employee-id="{cast.rep.pk}"'.encode() in team.content
    assert manager.get(f"/attendance/person/?employee={cast.rep.pk}&day={yesterday}").status_code == 200
    assert manager.get(f"/attendance/person/?employee={cast.outsider.pk}").status_code == 404
    assert cast.client_for(cast.admin).get("/attendance/settings/").status_code == 200


def test_the_phone_form_clocks_in_and_shows_the_status(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    rep = cast.client_for(cast.rep)
    body = {"kind": "in", "client_id": str(uuid.uuid4()), **a_fix(), "accuracy": "12"}
    r = rep.post("/attendance/", body)
    assert r.status_code == 302
    page = rep.get("/attendance/")
    assert b'data-testid="clock-out"' in page.content and b'data-testid="clock"' in page.content
    assert DailyStatus.objects.filter(employee=cast.rep).exists()
    far = rep.post("/attendance/", {**body, "client_id": str(uuid.uuid4()), "kind": "out",
                                    "latitude": OFFICE[0] + 0.05})  # fmt: skip
    assert far.status_code == 200 and b"5.6" in far.content  # the distance in km, in the reader's language


def test_a_mocked_clock_is_kept_as_the_devices_claim_shown_to_the_manager_and_changes_no_status(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    fix = {**a_fix(), "mocked": True}
    r = post(cast.client_for(cast.rep), "/attendance/clocks", {"kind": "in", **fix})
    assert r.status_code == 201 and r.json()["mocked"] is True and "mocked" in r.json()["signals"]
    day = r.json()["day"]
    assert r.json()["status"]["status"] in ("open", "normal", "late")  # judged by the time alone
    page = cast.client_for(cast.manager).get(f"/attendance/person/?employee={cast.rep.pk}&day={day}").content.decode()
    assert 'data-testid="clock-signal">设备报告模拟定位<' in page  # the visits' label, in the reader's language
