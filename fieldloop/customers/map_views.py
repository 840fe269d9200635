"""The customer map: the visible, located customers on a Leaflet map, filtered like the customer list.

The filters are the customer list's (`customers.selectors.parse_customer_filters`), with the same names, so a
link moves between the two: "not visited for N days" is `not_visited` on both (the map's old `stale_days` is
read as the same filter). It reads the customers' `last_visited_at` rollup that visit check-ins keep; a
customer never visited counts as not visited.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path

from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee

from . import selectors
from .filter_views import filter_choices
from .models import Customer
from .saved_filter_views import saved_filters_context
from .selectors import CustomerFilters

MAX_POINTS = 20_000


def customer_map_points(*, actor: Employee, filters: CustomerFilters) -> QuerySet[Customer, tuple[Any, ...]]:
    """[(lat, lng, id, name, level)] of the visible located customers, by id, at most MAX_POINTS + 1 rows
    (the caller tells "capped" by the extra one). One query."""
    qs = selectors.customer_list(actor=actor, filters=filters).filter(latitude__isnull=False, longitude__isnull=False)
    return (
        qs.select_related(None)
        .prefetch_related(None)
        .order_by("id")
        .values_list("latitude", "longitude", "id", "name", "level")[: MAX_POINTS + 1]
    )


@employee_required()
def customer_map(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters, errors = selectors.parse_customer_filters(request.GET)
    context = {
        **filter_choices(actor=actor, filters=filters, errors=errors),
        **saved_filters_context(actor=actor, filters=filters, page="map"),
        "query": request.GET.urlencode(),
        "max_points": MAX_POINTS,
    }
    return render(request, "customers/customer_map.html", context)


@employee_required()
def customer_map_points_json(request: HttpRequest) -> JsonResponse:
    filters = selectors.customer_filters_from_query(request.GET)
    rows = list(customer_map_points(actor=actor_of(request), filters=filters))
    capped = len(rows) > MAX_POINTS
    points = [[float(lat), float(lng), pk, name, level] for lat, lng, pk, name, level in rows[:MAX_POINTS]]
    response = JsonResponse(points, safe=False)
    response["X-Fieldloop-Capped"] = "1" if capped else "0"
    return response


urlpatterns = [
    path("", customer_map, name="customer_map"),
    path("points/", customer_map_points_json, name="customer_map_points"),
]
