"""The customer map: the visible, located customers on a Leaflet map, filtered like the customer list.

"Not visited for N days" (`stale_days`) reads the customers' `last_visited_at` rollup that visit check-ins
keep; a customer never visited counts as not visited.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language

from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.selectors import visible_employees

from . import selectors
from .models import Customer, CustomerLevel
from .selectors import CustomerFilters
from .stages import stage_list

MAX_POINTS = 20_000
MAX_STALE_DAYS = 3650


@dataclass(frozen=True)
class MapFilters:
    customers: CustomerFilters
    stale_days: int | None = None  # not visited for this many days (never visited included)


def _map_filters(query: Any) -> MapFilters:
    days = query.get("stale_days", "")
    stale_days = min(int(days), MAX_STALE_DAYS) if days.isdigit() and int(days) > 0 else None
    return MapFilters(customers=selectors.customer_filters_from_query(query), stale_days=stale_days)


def customer_map_points(*, actor: Employee, filters: MapFilters) -> QuerySet[Customer, tuple[Any, ...]]:
    """[(lat, lng, id, name, level)] of the visible located customers, by id, at most MAX_POINTS + 1 rows
    (the caller tells "capped" by the extra one). One query."""
    qs = selectors.customer_list(actor=actor, filters=filters.customers).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    if filters.stale_days:
        qs = qs.filter(selectors.not_visited_since(filters.stale_days, now=timezone.now()))
    return (
        qs.select_related(None)
        .order_by("id")
        .values_list("latitude", "longitude", "id", "name", "level")[: MAX_POINTS + 1]
    )


@employee_required()
def customer_map(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = _map_filters(request.GET)
    context = {
        "filters": filters.customers,
        "stale_days": filters.stale_days,
        "query": request.GET.urlencode(),
        "levels": CustomerLevel.choices,
        "stages": stage_list(actor=actor),
        "owners": visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"),
        "max_points": MAX_POINTS,
        "language": get_language(),
    }
    return render(request, "customers/customer_map.html", context)


@employee_required()
def customer_map_points_json(request: HttpRequest) -> JsonResponse:
    rows = list(customer_map_points(actor=actor_of(request), filters=_map_filters(request.GET)))
    capped = len(rows) > MAX_POINTS
    points = [[float(lat), float(lng), pk, name, level] for lat, lng, pk, name, level in rows[:MAX_POINTS]]
    response = JsonResponse(points, safe=False)
    response["X-Fieldloop-Capped"] = "1" if capped else "0"
    return response


urlpatterns = [
    path("", customer_map, name="customer_map"),
    path("points/", customer_map_points_json, name="customer_map_points"),
]
