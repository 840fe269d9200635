"""/api/v1/tracking/…: thin shells over tracking.services (the batch ingest) and selectors (reads).

The batch needs no Idempotency-Key: every point carries its own id, so a replayed batch stores nothing twice
and answers what it finds (its points as duplicates)."""

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from fieldloop.org.decorators import actor_of
from fieldloop.org.models import Employee
from fieldloop.org.schemas import ERRORS

from . import selectors, services
from .schemas import (
    IngestOut,
    MyTrackingOut,
    PointsIn,
    QualityOut,
    StopOut,
    SwitchIn,
    SwitchOut,
    TeamMemberOut,
    TrackingSettingsOut,
    TrackingSettingsPatch,
    TrajectoryOut,
)

router = Router(tags=["tracking"])


def _today(actor: Employee) -> date:
    """`day` left out: today in the organization's time zone."""
    return timezone.now().astimezone(ZoneInfo(actor.org.time_zone)).date()


def point_out(p: selectors.Point) -> dict[str, Any]:
    return {"at": p.at, "latitude": p.latitude, "longitude": p.longitude, "accuracy": p.accuracy_m,
            "speed": p.speed_mps, "mocked": p.mocked}  # fmt: skip


def trajectory_out(t: selectors.Trajectory, *, simplified: bool) -> dict[str, Any]:
    return {
        "employee": {"id": t.employee.pk, "name": t.employee.name}, "day": t.day, "simplified": simplified,
        "raw_count": t.raw_count, "distance_m": t.distance_m, "points": [point_out(p) for p in t.points],
        "gaps": [{"start": g.start, "end": g.end, "minutes": round(g.minutes, 1)} for g in t.gaps],
    }  # fmt: skip


def stop_out(s: selectors.NamedStop) -> dict[str, Any]:
    return {
        "start": s.stop.start, "end": s.stop.end, "minutes": round(s.stop.minutes, 1),
        "latitude": s.stop.latitude, "longitude": s.stop.longitude,
        "customer": {"id": s.customer_id, "name": s.customer_name} if s.customer_id else None,
        "customer_distance_m": s.customer_distance_m, "visit_id": s.visit_id,
    }  # fmt: skip


def member_out(m: selectors.TeamMember) -> dict[str, Any]:
    p = m.position
    position = (
        {"at": p.at, "latitude": p.latitude, "longitude": p.longitude, "accuracy": p.accuracy_m, "speed": p.speed_mps}
        if p
        else None
    )
    return {"employee": {"id": m.employee_id, "name": m.name}, "state": m.state, "age_s": m.age_s, "position": position}


def ingest_answer(result: services.IngestResult) -> HttpResponse:
    """IngestOut's JSON, written directly (plain ints and strings): the answer to every batch of every phone, where
    validating the dict against the schema again, then rendering it, cost as much as checking a small batch's
    points. This route and the phones' route before Django (`ingest_route`) answer with it."""
    body = {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [{"index": r.index, "field": r.field, "message": r.message} for r in result.rejected],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")


@router.post("/tracking/points", response={200: IngestOut, **ERRORS}, summary="Send a batch of positions (own)")
def points_ingest(request: HttpRequest, payload: PointsIn) -> HttpResponse:
    # Phones with a token are answered by `ingest_route` before Django's request cycle; this route answers the
    # browser's session, and every request that route leaves to Django (an error, in the user's language). (A
    # comment, not a docstring: ninja would publish a docstring in the schema.)
    return ingest_answer(services.location_batch_ingest(actor=actor_of(request), points=payload.points))


@router.get(
    "/tracking/employees/{int:employee_id}/trajectory",
    response={200: TrajectoryOut, **ERRORS},
    summary="An employee's day: points (simplified or raw), gaps, distance",
)
def trajectory(
    request: HttpRequest, employee_id: int, day: date | None = None, simplified: bool = True
) -> dict[str, Any]:
    actor = actor_of(request)
    t = selectors.trajectory(actor=actor, employee_id=employee_id, day=day or _today(actor), simplified=simplified)
    return trajectory_out(t, simplified=simplified)


@router.get(
    "/tracking/employees/{int:employee_id}/stops",
    response={200: list[StopOut], **ERRORS},
    summary="An employee's stops of a day, at customers and visits",
)
def stops(request: HttpRequest, employee_id: int, day: date | None = None) -> list[dict[str, Any]]:
    actor = actor_of(request)
    t = selectors.trajectory(actor=actor, employee_id=employee_id, day=day or _today(actor))
    return [stop_out(s) for s in t.stops]


@router.get("/tracking/quality", response={200: list[QualityOut], **ERRORS}, summary="Positioning quality per day")
def quality(
    request: HttpRequest, date_from: date, date_to: date, employee_id: int | None = Query(None)
) -> list[dict[str, Any]]:
    rows = selectors.quality_list(
        actor=actor_of(request), date_from=date_from, date_to=date_to, employee_id=employee_id
    )
    return [
        {"employee": {"id": q.employee.pk, "name": q.employee.name}, "day": q.day, "received": q.received,
         "expected": q.expected, "grey": q.grey, "positioning_rate": round(q.positioning_rate, 4),
         "grey_rate": round(q.grey_rate, 4)}
        for q in rows
    ]  # fmt: skip


@router.get("/tracking/team", response={200: list[TeamMemberOut], **ERRORS}, summary="The team's last positions")
def team(request: HttpRequest) -> list[dict[str, Any]]:
    return [member_out(m) for m in selectors.team_positions(actor=actor_of(request))]


# --- Settings, the switch, the caller's own status ------------------------------------------------------------


def settings_out(t: Any) -> dict[str, Any]:
    return {name: getattr(t, name) for name in TrackingSettingsOut.model_fields}


@router.get("/tracking/settings", response={200: TrackingSettingsOut, **ERRORS}, summary="The tracking settings")
def settings_get(request: HttpRequest) -> dict[str, Any]:
    return settings_out(selectors.tracking_settings(org_id=actor_of(request).org_id))


@router.patch("/tracking/settings", response={200: TrackingSettingsOut, **ERRORS}, summary="Change them (admin)")
def settings_update(request: HttpRequest, payload: TrackingSettingsPatch) -> dict[str, Any]:
    """Keys left out stay as they are; the working hours apply to employees without attendance shifts."""
    return settings_out(services.tracking_settings_update(actor=actor_of(request), **payload.dict(exclude_unset=True)))


@router.get("/tracking/me", response={200: MyTrackingOut, **ERRORS}, summary="Is my position collected, and when")
def my_tracking(request: HttpRequest) -> dict[str, Any]:
    status = selectors.my_status(actor=actor_of(request))
    return {
        "on_now": status.on_now, "switched_on": status.switched_on,
        "interval_seconds": status.settings.interval_seconds, "hours_from_shifts": status.from_shifts,
        "today": [{"start": a, "end": b} for a, b in status.today],
    }  # fmt: skip


def switch_out(s: selectors.SwitchState) -> dict[str, Any]:
    return {
        "employee": {"id": s.employee.pk, "name": s.employee.name}, "enabled": s.enabled,
        "changed_by": {"id": s.changed_by.pk, "name": s.changed_by.name} if s.changed_by else None,
        "changed_at": s.changed_at,
    }  # fmt: skip


@router.get("/tracking/employees/{int:employee_id}/switch", response={200: SwitchOut, **ERRORS},
            summary="An employee's tracking switch")  # fmt: skip
def switch_get(request: HttpRequest, employee_id: int) -> dict[str, Any]:
    return switch_out(selectors.switch_state(actor=actor_of(request), employee_id=employee_id))


@router.put("/tracking/employees/{int:employee_id}/switch", response={200: SwitchOut, **ERRORS},
            summary="Switch an employee's tracking on or off (their manager, an administrator)")  # fmt: skip
def switch_set(request: HttpRequest, employee_id: int, payload: SwitchIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.tracking_switch_set(actor=actor, employee_id=employee_id, enabled=payload.enabled)
    return switch_out(selectors.switch_state(actor=actor, employee_id=employee_id))
