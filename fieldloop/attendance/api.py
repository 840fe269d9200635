"""/api/v1/attendance/…: thin shells over attendance.services (writes) and selectors (reads).

A clock's and a request's `Idempotency-Key` is its `client_id` (`create_once`); the administrators' creates
and a decision keep their first answer (`run_idempotent`). Lists are cursor-paged and scoped by visibility.
"""

import re
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from fieldloop.core.errors import invalid
from fieldloop.core.geo import SentFix
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once, run_idempotent
from fieldloop.org.schemas import ERRORS

from . import selectors, services
from .models import AttendanceGroup, AttendanceRequest, CalendarDay, Clock, DailyStatus, StatsExemption
from .rules import request_days
from .schemas import (
    CalendarDayIn,
    CalendarDayOut,
    ClockIn,
    ClockOut,
    DailyStatusPage,
    DecisionIn,
    ExemptionIn,
    ExemptionOut,
    ExemptionPage,
    GroupIn,
    GroupOut,
    GroupPatchIn,
    MonthStatsPage,
    PlaceIn,
    PlaceOut,
    RequestIn,
    RequestOut,
    RequestPage,
    ShiftIn,
    ShiftOut,
)

router = Router(tags=["attendance"])
PAGE = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200)


def _json(schema: Any, body: dict[str, Any]) -> Any:
    """An answer as JSON-ready values, to be kept by `run_idempotent` for a replay."""
    return schema.model_validate(body).model_dump(mode="json")


def _ref(e: Any) -> dict[str, Any] | None:
    return {"id": e.pk, "name": e.name} if e is not None else None


def shift_out(s: Any) -> dict[str, Any]:
    return {"id": s.pk, "name": s.name, "weekdays": s.weekdays, "start": s.start, "end": s.end,
            "late_grace_minutes": s.late_grace_minutes, "early_grace_minutes": s.early_grace_minutes,
            "flex_minutes": s.flex_minutes, "overnight": s.overnight}  # fmt: skip


def place_out(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "latitude": float(p.latitude), "longitude": float(p.longitude),
            "radius_m": p.radius_m}  # fmt: skip


def group_out(g: AttendanceGroup) -> dict[str, Any]:
    members = list(g.members.all())
    return {
        "id": g.pk, "name": g.name, "field_staff": g.field_staff, "is_active": g.is_active,
        "department_ids": sorted(m.department_id for m in members if m.department_id),
        "employee_ids": sorted(m.employee_id for m in members if m.employee_id),
        "shifts": [shift_out(s) for s in g.shifts.all()], "places": [place_out(p) for p in g.places.all()],
    }  # fmt: skip


def status_out(s: DailyStatus) -> dict[str, Any]:
    return {
        "employee": _ref(s.employee), "day": s.day, "status": s.status, "workday": s.workday,
        "scheduled_minutes": s.scheduled_minutes, "worked_minutes": s.worked_minutes, "late_minutes": s.late_minutes,
        "early_minutes": s.early_minutes, "missing_clocks": s.missing_clocks, "absent": s.absent,
        "on_leave": s.on_leave, "leave_hours": float(s.leave_hours), "trip": s.trip,
        "overtime_minutes": s.overtime_minutes, "first_in": s.first_in, "last_out": s.last_out, "exempt": s.exempt,
        "closed": s.closed,
    }  # fmt: skip


def clock_out(c: Clock, status: DailyStatus | None = None) -> dict[str, Any]:
    return {
        "id": c.pk, "client_id": c.client_id, "employee": _ref(c.employee), "kind": c.kind, "source": c.source,
        "at": c.at, "day": c.day, "received_at": c.received_at, "late": c.late,
        "latitude": float(c.latitude) if c.latitude is not None else None,
        "longitude": float(c.longitude) if c.longitude is not None else None, "accuracy": c.accuracy_m,
        "mocked": c.mocked, "signals": c.signals, "place": c.place.name if c.place else None,
        "distance_m": c.distance_m, "outside": c.outside, "status": status_out(status) if status else None,
    }  # fmt: skip


def request_out(r: AttendanceRequest) -> dict[str, Any]:
    return {
        "id": r.pk, "client_id": r.client_id, "employee": _ref(r.employee), "created_by": _ref(r.created_by),
        "kind": r.kind, "leave_type": r.leave_type, "start_day": r.start_day, "start_half": r.start_half,
        "end_day": r.end_day, "end_half": r.end_half,
        "days": request_days(r.start_day, r.start_half, r.end_day, r.end_half), "clock_kind": r.clock_kind,
        "clock_at": r.clock_at, "reason": r.reason, "status": r.status, "decided_by": _ref(r.decided_by),
        "decided_at": r.decided_at, "decision_note": r.decision_note,
        "history": [{"actor": _ref(e.actor), "action": e.action, "note": e.note, "at": e.created_at}
                    for e in r.events.all()],
    }  # fmt: skip


# --- Configuration (administrators write; every member reads) ---------------------------------------------------


@router.get("/attendance/groups", response={200: list[GroupOut], **ERRORS}, summary="Attendance groups")
def group_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [group_out(g) for g in selectors.group_list(actor=actor_of(request))]


@router.post("/attendance/groups", response={201: GroupOut, **ERRORS}, summary="Create an attendance group (admin)")
def group_create(request: HttpRequest, payload: GroupIn, idempotency_key: uuid.UUID = IdempotencyKey) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        group = services.group_create(actor=actor, **payload.dict())
        return 201, _json(GroupOut, group_out(selectors.group_get(actor=actor, group_id=group.pk)))

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="attendance_group.create",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.get("/attendance/groups/{int:group_id}", response={200: GroupOut, **ERRORS})
def group_detail(request: HttpRequest, group_id: int) -> dict[str, Any]:
    return group_out(selectors.group_get(actor=actor_of(request), group_id=group_id))


@router.patch("/attendance/groups/{int:group_id}", response={200: GroupOut, **ERRORS}, summary="Change (admin)")
def group_update(request: HttpRequest, group_id: int, payload: GroupPatchIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.group_update(actor=actor, group_id=group_id, **payload.dict(exclude_unset=True))
    return group_out(selectors.group_get(actor=actor, group_id=group_id))


@router.post("/attendance/groups/{int:group_id}/shifts", response={201: ShiftOut, **ERRORS}, summary="Add a shift")
def shift_create(
    request: HttpRequest, group_id: int, payload: ShiftIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        return 201, _json(ShiftOut, shift_out(services.shift_create(actor=actor, group_id=group_id, **payload.dict())))

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="attendance_shift.create",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.delete("/attendance/shifts/{int:shift_id}", response={204: None, **ERRORS}, summary="Remove a shift")
def shift_delete(request: HttpRequest, shift_id: int) -> Status[None]:
    services.shift_delete(actor=actor_of(request), shift_id=shift_id)
    return Status(204, None)


@router.post("/attendance/groups/{int:group_id}/places", response={201: PlaceOut, **ERRORS}, summary="Add a place")
def place_create(
    request: HttpRequest, group_id: int, payload: PlaceIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        return 201, _json(PlaceOut, place_out(services.place_create(actor=actor, group_id=group_id, **payload.dict())))

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="attendance_place.create",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.delete("/attendance/places/{int:place_id}", response={204: None, **ERRORS}, summary="Remove a place")
def place_delete(request: HttpRequest, place_id: int) -> Status[None]:
    services.place_delete(actor=actor_of(request), place_id=place_id)
    return Status(204, None)


@router.get("/attendance/calendar", response={200: list[CalendarDayOut], **ERRORS}, summary="Holidays, make-up days")
def calendar_list(request: HttpRequest, year: int = Query(..., ge=2000, le=2100)) -> list[CalendarDay]:
    return list(selectors.calendar_days(actor=actor_of(request), year=year))


@router.post("/attendance/calendar", response={200: CalendarDayOut, **ERRORS}, summary="Set a calendar day (admin)")
def calendar_set(
    request: HttpRequest, payload: CalendarDayIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        row = services.calendar_day_set(actor=actor, **payload.dict())
        return 200, {"day": row.day.isoformat(), "kind": row.kind, "name": row.name, "as_weekday": row.as_weekday}

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="attendance_calendar.set",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.delete("/attendance/calendar", response={204: None, **ERRORS}, summary="Clear a calendar day (admin)")
def calendar_delete(request: HttpRequest, day: date) -> Status[None]:
    """The day follows the weekly pattern again; the statuses already computed for it are recomputed."""
    services.calendar_day_delete(actor=actor_of(request), day=day)
    return Status(204, None)


def exemption_out(x: StatsExemption, today: date) -> dict[str, Any]:
    return {
        "id": x.pk, "employee": _ref(x.employee), "effective_from": x.effective_from,
        "effective_until": x.effective_until, "added_by": _ref(x.added_by),
        "in_effect": x.effective_from <= today and (x.effective_until is None or today <= x.effective_until),
    }  # fmt: skip


@router.get("/attendance/whitelist", response={200: ExemptionPage, **ERRORS}, summary="The whitelist (admin)")
def whitelist(
    request: HttpRequest, current: bool = False, cursor: str | None = None, limit: int = PAGE
) -> dict[str, Any]:
    """People left out of the statistics (白名单), newest entry first; `current`: in effect or to come."""
    actor = actor_of(request)
    today = services.local_today(actor.org)
    qs = selectors.whitelist(actor=actor, current=current, today=today)
    page = keyset_page(qs, ordering=selectors.EXEMPTION_ORDERING, cursor=cursor, limit=limit)
    return {"items": [exemption_out(x, today) for x in page.items], "next_cursor": page.next_cursor}


@router.post("/attendance/whitelist", response={201: ExemptionOut, **ERRORS}, summary="Add to the whitelist (admin)")
def whitelist_add(
    request: HttpRequest, payload: ExemptionIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    """Left out of the statistics from tomorrow, as on the settings page."""
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        row = services.exemption_add(actor=actor, employee_id=payload.employee_id)
        return 201, _json(ExemptionOut, exemption_out(row, services.local_today(actor.org)))

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="attendance_exemption.add",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.delete("/attendance/whitelist/{int:employee_id}", response={204: None, **ERRORS},
               summary="Take off the whitelist (admin)")  # fmt: skip
def whitelist_remove(request: HttpRequest, employee_id: int) -> Status[None]:
    """Counted again from tomorrow; an entry added today (not yet in effect) is removed as if never added."""
    services.exemption_end(actor=actor_of(request), employee_id=employee_id)
    return Status(204, None)


# --- Clocks ---------------------------------------------------------------------------------------------------------


@router.post("/attendance/clocks", response={201: ClockOut, **ERRORS}, summary="Clock in or out (打卡)")
def clock_create(request: HttpRequest, payload: ClockIn, idempotency_key: uuid.UUID = IdempotencyKey) -> Status[Any]:
    actor = actor_of(request)
    position = SentFix(latitude=payload.latitude, longitude=payload.longitude, accuracy_m=payload.accuracy,
                       fix_at=payload.fix_at, mocked=payload.mocked)  # fmt: skip
    clock, _created = create_once(
        lambda: services.clock_create(actor=actor, client_id=idempotency_key, kind=payload.kind, position=position,
                                      captured_at=payload.captured_at),
        same=lambda c: c.employee_id == actor.pk and c.kind == payload.kind,
    )  # fmt: skip
    clock = selectors.clock_list(actor=actor).get(pk=clock.pk)
    status = selectors.daily_statuses(actor=actor, start=clock.day, end=clock.day, employee_id=actor.pk).first()
    return Status(201, clock_out(clock, status))


@router.get("/attendance/clocks", response={200: list[ClockOut], **ERRORS}, summary="One person's clocks of a day")
def clock_list(request: HttpRequest, day: date, employee_id: int | None = None) -> list[dict[str, Any]]:
    actor = actor_of(request)
    qs = selectors.clock_list(actor=actor, employee_id=employee_id or actor.pk, start=day, end=day)
    return [clock_out(c) for c in qs.order_by("at", "id")[:200]]


# --- Requests and approvals ----------------------------------------------------------------------------------------


@router.post(
    "/attendance/requests", response={201: RequestOut, **ERRORS}, summary="Ask for leave, a trip, a correction"
)
def request_create(
    request: HttpRequest, payload: RequestIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    values = payload.dict()
    values["leave_type"] = values["leave_type"] or ""
    values["clock_kind"] = values["clock_kind"] or ""
    req, _created = create_once(
        lambda: services.request_create(actor=actor, client_id=idempotency_key, **values),
        same=lambda r: r.created_by_id == actor.pk and r.kind == payload.kind,
    )
    return Status(201, request_out(selectors.request_get(actor=actor, request_id=req.pk)))


@router.get("/attendance/requests", response={200: RequestPage, **ERRORS}, summary="Requests (mine, to approve)")
def request_list(
    request: HttpRequest, mine: bool = False, to_approve: bool = False, status: str = "", kind: str = "",
    cursor: str | None = None, limit: int = PAGE,
) -> dict[str, Any]:  # fmt: skip
    actor = actor_of(request)
    qs = selectors.request_list(actor=actor, mine=mine, to_approve=to_approve, status=status[:10], kind=kind[:10])
    page = keyset_page(qs.prefetch_related("events__actor"), ordering=selectors.REQUEST_ORDERING, cursor=cursor,
                       limit=limit)  # fmt: skip
    return {"items": [request_out(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/attendance/requests/{int:request_id}", response={200: RequestOut, **ERRORS})
def request_detail(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return request_out(selectors.request_get(actor=actor_of(request), request_id=request_id))


@router.post("/attendance/requests/{int:request_id}/decision", response={200: RequestOut, **ERRORS},
             summary="Approve or reject (审批)")  # fmt: skip
def request_decide(
    request: HttpRequest, request_id: int, payload: DecisionIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        services.request_decide(actor=actor, request_id=request_id, approve=payload.approve, note=payload.note)
        return 200, _json(RequestOut, request_out(selectors.request_get(actor=actor, request_id=request_id)))

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="attendance_request.decide",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


# --- Statuses and statistics ----------------------------------------------------------------------------------------

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str) -> tuple[date, date]:
    m = MONTH.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise invalid("month", _("Give a month as YYYY-MM."))
    return selectors.month_range(int(m.group(1)), int(m.group(2)))


@router.get("/attendance/daily-statuses", response={200: DailyStatusPage, **ERRORS}, summary="Daily statuses")
def daily_status_list(
    request: HttpRequest, month: str, employee_id: int | None = None, cursor: str | None = None, limit: int = PAGE
) -> dict[str, Any]:
    start, end = _month(month)
    qs = selectors.daily_statuses(actor=actor_of(request), start=start, end=end, employee_id=employee_id)
    page = keyset_page(qs, ordering=selectors.STATUS_ORDERING, cursor=cursor, limit=limit)
    return {"items": [status_out(s) for s in page.items], "next_cursor": page.next_cursor}


@router.get("/attendance/stats", response={200: MonthStatsPage, **ERRORS}, summary="Monthly statistics per person")
def month_stats(request: HttpRequest, month: str, cursor: str | None = None, limit: int = PAGE) -> dict[str, Any]:
    actor = actor_of(request)
    start, end = _month(month)
    page = keyset_page(selectors.stats_employees(actor=actor), ordering=selectors.STATS_ORDERING, cursor=cursor,
                       limit=limit)  # fmt: skip
    rows = selectors.stats_for(org_id=actor.org_id, employees=page.items, start=start, end=end)
    items = [{**r.__dict__, "employee": _ref(r.employee)} for r in rows]
    return {"items": items, "next_cursor": page.next_cursor}
