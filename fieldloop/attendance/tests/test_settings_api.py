"""The administrators' whitelist (白名单) and workday calendar through the API, as the settings page keeps them:
a whitelist entry takes effect the next day, a calendar day is set, changed and cleared, statuses follow."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from fieldloop.attendance import services
from fieldloop.attendance.models import CalendarDay, DailyStatus, DayStatus, StatsExemption

from .helpers import a_group

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any], key: uuid.UUID | None = None) -> Any:
    return client.post(f"/api/v1{url}", body, content_type="application/json",
                       headers={"Idempotency-Key": str(key or uuid.uuid4())})  # fmt: skip


def test_an_administrator_whitelists_a_rep_from_tomorrow_and_takes_them_off(cast: Cast) -> None:
    admin = cast.client_for(cast.admin)
    today = services.local_today(cast.org)
    key = uuid.uuid4()
    r = post(admin, "/attendance/whitelist", {"employee_id": cast.rep.pk}, key)
    assert r.status_code == 201, r.json()
    entry = r.json()
    assert entry["employee"]["id"] == cast.rep.pk and entry["added_by"]["id"] == cast.admin.pk
    assert entry["effective_from"] == (today + timedelta(days=1)).isoformat() and entry["in_effect"] is False
    assert post(admin, "/attendance/whitelist", {"employee_id": cast.rep.pk}, key).json() == entry  # a replay
    again = post(admin, "/attendance/whitelist", {"employee_id": cast.rep.pk})
    assert again.status_code == 409 and "employee_id" in again.json()["fields"]
    listed = admin.get("/api/v1/attendance/whitelist").json()["items"]
    assert [i["id"] for i in listed] == [entry["id"]]
    # added today, removed today: as if never added (it had not taken effect)
    assert admin.delete(f"/api/v1/attendance/whitelist/{cast.rep.pk}").status_code == 204
    assert not StatsExemption.objects.filter(employee=cast.rep).exists()
    assert admin.delete(f"/api/v1/attendance/whitelist/{cast.rep.pk}").status_code == 404


def test_taking_off_an_entry_in_effect_counts_the_rep_again_from_tomorrow(cast: Cast) -> None:
    today = services.local_today(cast.org)
    StatsExemption.objects.create(org=cast.org, employee=cast.rep, effective_from=today - timedelta(days=3),
                                  added_by=cast.admin)  # fmt: skip
    admin = cast.client_for(cast.admin)
    assert admin.get("/api/v1/attendance/whitelist?current=true").json()["items"][0]["in_effect"] is True
    assert admin.delete(f"/api/v1/attendance/whitelist/{cast.rep.pk}").status_code == 204
    entry = StatsExemption.objects.get(employee=cast.rep)
    assert entry.effective_until == today  # still left out today, counted from tomorrow
    tomorrow = today + timedelta(days=1)
    assert [i["effective_until"] for i in admin.get("/api/v1/attendance/whitelist?current=true").json()["items"]] == [
        today.isoformat()
    ]
    assert StatsExemption.objects.filter(effective_until__gte=tomorrow).count() == 0


def test_the_whitelist_is_the_administrators_alone(cast: Cast) -> None:
    manager = cast.client_for(cast.manager)
    assert manager.get("/api/v1/attendance/whitelist").status_code == 403
    assert post(manager, "/attendance/whitelist", {"employee_id": cast.rep.pk}).status_code == 403
    assert manager.delete(f"/api/v1/attendance/whitelist/{cast.rep.pk}").status_code == 403
    outsider = post(cast.client_for(cast.admin), "/attendance/whitelist", {"employee_id": cast.outsider.pk})
    assert outsider.status_code == 400 and "employee_id" in outsider.json()["fields"]
    assert not StatsExemption.objects.exists()


def test_a_calendar_day_is_set_changed_and_cleared_and_the_stored_statuses_follow(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])  # 9:00-18:00 every day
    admin = cast.client_for(cast.admin)
    day = services.local_today(cast.org) - timedelta(days=2)
    services.all_orgs_close_days(day=day)
    assert DailyStatus.objects.get(employee=cast.rep, day=day).status == DayStatus.ABSENT
    r = post(admin, "/attendance/calendar", {"day": day.isoformat(), "kind": "holiday", "name": "公司日"})
    assert r.status_code == 200 and r.json()["kind"] == "holiday"
    assert DailyStatus.objects.get(employee=cast.rep, day=day).status == DayStatus.REST
    changed = post(admin, "/attendance/calendar", {"day": day.isoformat(), "kind": "workday", "as_weekday": 0})
    assert changed.status_code == 200 and CalendarDay.objects.get(org=cast.org, day=day).kind == "workday"
    listed = admin.get(f"/api/v1/attendance/calendar?year={day.year}").json()
    assert [(c["day"], c["kind"]) for c in listed] == [(day.isoformat(), "workday")]
    assert DailyStatus.objects.get(employee=cast.rep, day=day).status == DayStatus.ABSENT
    assert admin.delete(f"/api/v1/attendance/calendar?day={day.isoformat()}").status_code == 204
    assert admin.get(f"/api/v1/attendance/calendar?year={day.year}").json() == []
    assert admin.delete(f"/api/v1/attendance/calendar?day={day.isoformat()}").status_code == 404
    bad = admin.delete("/api/v1/attendance/calendar?day=2026-02-30")
    assert bad.status_code in (400, 422) and "day" in str(bad.json())


def test_the_calendar_is_changed_by_administrators_only_and_within_their_organization(cast: Cast) -> None:
    day = services.local_today(cast.org) + timedelta(days=10)
    services.calendar_day_set(actor=cast.outsider, day=day, kind="holiday", name="对手假日")
    manager = cast.client_for(cast.manager)
    assert post(manager, "/attendance/calendar", {"day": day.isoformat(), "kind": "holiday"}).status_code == 403
    assert manager.delete(f"/api/v1/attendance/calendar?day={day.isoformat()}").status_code == 403
    assert cast.client_for(cast.admin).delete(f"/api/v1/attendance/calendar?day={day.isoformat()}").status_code == 404
    assert CalendarDay.objects.filter(org=cast.other_org, day=day).exists()
