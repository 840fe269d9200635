"""The export log page (administrators): who exported what, when, how many rows; filtered by person and days,
keyset-paged; an htmx request for the next page gets the rows only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page

from .decorators import actor_of, employee_required
from .export_log import (
    EXPORT_LOG_ORDERING,
    export_filters_text,
    export_label,
    export_log,
    export_log_filters_from_query,
    export_row_count,
)
from .models import Employee
from .permissions import Permission

PAGE_SIZE = 50


@employee_required(Permission.MANAGE_ORGANIZATION)
def export_log_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    get = request.GET
    filters = export_log_filters_from_query(get.dict())
    qs = export_log(actor=actor, filters=filters)
    page = keyset_page(qs, ordering=EXPORT_LOG_ORDERING, cursor=get.get("cursor") or None, limit=PAGE_SIZE)
    for entry in page.items:
        entry.what = export_label(entry.action)  # type: ignore[attr-defined]
        entry.rows = export_row_count(entry)  # type: ignore[attr-defined]
        entry.format = (entry.changes or {}).get("format", "")  # type: ignore[attr-defined]
        entry.filters_text = export_filters_text(entry)  # type: ignore[attr-defined]
    query = get.copy()
    query.pop("cursor", None)
    context = {"page": page, "filters": filters, "query": query.urlencode()}
    if is_htmx(request) and get.get("cursor"):
        return render(request, "org/export_log.html#rows", context)
    context["employees"] = Employee.objects.filter(org_id=actor.org_id).order_by("name").values_list("pk", "name")
    return render(request, "org/export_log.html", context)
