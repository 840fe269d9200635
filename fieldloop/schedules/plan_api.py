"""/api/v1/visit-frequencies, /api/v1/visits/due, /api/v1/visit-route: thin shells over visit plans' services
and selectors. Scheduling a due customer is POST /api/v1/schedule-items (kind "visit")."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router

from fieldloop.core.pagination import keyset_page
from fieldloop.customers.models import Customer
from fieldloop.org.decorators import actor_of
from fieldloop.org.schemas import ERRORS

from . import plan_selectors, plan_services
from .plan_schemas import (
    CustomerVisitFrequencyIn,
    CustomerVisitFrequencyOut,
    DuePage,
    RouteApplyIn,
    RouteFilters,
    RouteOut,
    VisitFrequenciesIn,
    VisitFrequenciesOut,
)
from .plans import overdue_days

router = Router(tags=["visit plans"])


def _ref(obj: Any) -> dict[str, Any]:
    return {"id": obj.pk, "name": obj.name}


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


@router.get("/visit-frequencies", response={200: VisitFrequenciesOut, **ERRORS}, summary="Visit frequency per level")
def frequencies_get(request: HttpRequest) -> dict[str, Any]:
    levels = plan_selectors.level_frequencies(org_id=actor_of(request).org_id)
    return {level: levels.get(level) for level in ("A", "B", "C", "D")}


@router.put("/visit-frequencies", response={200: VisitFrequenciesOut, **ERRORS}, summary="Set levels' frequencies")
def frequencies_set(request: HttpRequest, payload: VisitFrequenciesIn) -> dict[str, Any]:
    """Administrators: the levels sent change (null: no regular visits)."""
    return plan_services.visit_frequencies_set(actor=actor_of(request), every_days=payload.dict(exclude_unset=True))


@router.put(
    "/visit-frequencies/customers/{int:customer_id}",
    response={200: CustomerVisitFrequencyOut, **ERRORS},
    summary="Set a customer's own frequency",
)
def customer_frequency_set(request: HttpRequest, customer_id: int, payload: CustomerVisitFrequencyIn) -> dict[str, Any]:
    """Administrators: the customer's own frequency in place of its level's, or `follow_level` to drop it."""
    actor = actor_of(request)
    own = plan_services.customer_visit_frequency_set(
        actor=actor, customer_id=customer_id, every_days=payload.every_days, follow_level=payload.follow_level
    )
    customer = Customer.objects.get(org_id=actor.org_id, pk=customer_id)
    every = (
        own.every_days if own is not None else plan_selectors.level_frequencies(org_id=actor.org_id).get(customer.level)
    )
    return {"customer": _ref(customer), "level": customer.level, "every_days": every, "own": own is not None}


@router.get("/visits/due", response={200: DuePage, **ERRORS}, summary="Customers due for a visit")
def due_list(
    request: HttpRequest,
    employee_id: int | None = None,
    within_days: int = Query(0, description="Also those due within the next n days (0 to 31)."),
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    """The customers an employee (the caller, or one the caller sees) owns that are due or overdue for a visit,
    most overdue first, with the visit already planned for each; cursor-paged."""
    actor = actor_of(request)
    employee = plan_selectors.employee_in_scope(actor=actor, employee_id=employee_id)
    qs = plan_selectors.due_for_visit(actor=actor, employee_id=employee.pk, within_days=within_days)
    page = keyset_page(qs, ordering=plan_selectors.DUE_ORDERING, cursor=cursor, limit=limit)
    today = plan_selectors.org_today(employee)
    rows: list[Any] = page.items  # customers with the due list's annotations
    items = [
        {
            "customer": _ref(c),
            "level": c.level,
            "latitude": _float(c.latitude),
            "longitude": _float(c.longitude),
            "last_visit_on": c.last_visit_on,
            "every_days": c.every_days,
            "due_on": c.due_on,
            "overdue_days": overdue_days(c.due_on, today),
            "planned_on": c.planned_on,
        }
        for c in rows
    ]
    return {"employee": _ref(employee), "items": items, "next_cursor": page.next_cursor}


def _stop_out(stop: plan_selectors.RouteStop) -> dict[str, Any]:
    customer: Any = stop.item.customer  # a route's items all have one
    return {
        "item_id": stop.item.pk,
        "customer": _ref(customer),
        "latitude": _float(customer.latitude),
        "longitude": _float(customer.longitude),
        "located": stop.located,
        "start_time": stop.item.start_time,
        "leg_m": stop.leg_m,
    }


def route_out(route: plan_selectors.DayRoute) -> dict[str, Any]:
    stops = [_stop_out(s) for s in route.stops]
    return {
        "employee": _ref(route.employee),
        "day": route.day,
        "before_m": route.before_m,
        "after_m": route.after_m,
        "stops": stops,
    }


@router.get("/visit-route", response={200: RouteOut, **ERRORS}, summary="A day's visits in a suggested order")
def route_get(request: HttpRequest, filters: Query[RouteFilters]) -> dict[str, Any]:
    """An employee's planned visits of a day (the caller's, or a visible employee's) in the suggested order
    (nearest neighbour then 2-opt, from the position given or else the first visit), with the total distance
    in the day's order and in the suggested one. Visits to customers without a location come last."""
    route = plan_selectors.day_route(
        actor=actor_of(request),
        employee_id=filters.employee_id,
        day=filters.day,
        latitude=filters.latitude,
        longitude=filters.longitude,
    )
    return route_out(route)


@router.post("/visit-route/apply", response={200: RouteOut, **ERRORS}, summary="Apply an order to a day's visits")
def route_apply(request: HttpRequest, payload: RouteApplyIn) -> dict[str, Any]:
    """Give the day's planned visits start times in the order sent (every one of them, once). Sending it again
    sets the same times: it needs no Idempotency-Key."""
    actor = actor_of(request)
    plan_services.route_apply(
        actor=actor,
        employee_id=payload.employee_id,
        day=payload.day,
        item_ids=payload.item_ids,
        start_time=payload.start_time,
        minutes_each=payload.minutes_each,
    )
    return route_out(plan_selectors.day_route(actor=actor, employee_id=payload.employee_id, day=payload.day))
