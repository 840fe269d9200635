"""The searchable pickers' rows (formtemplates.values_form.PickerInput): an htmx partial of radio buttons named
like the form's field, so that the form sends the chosen id as it is. Reads only, bounded, the actor's visible
rows only (customers.selectors.customer_pick / contact_pick)."""

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fieldloop.formtemplates import references
from fieldloop.org.decorators import actor_of, employee_required

from . import selectors

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,80}$")


def _number(raw: str | None, limit: float) -> float | None:
    try:
        value = float(raw or "")
    except ValueError:
        return None
    return value if -limit <= value <= limit else None


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def _distance(metres: float | None) -> str:
    if metres is None:
        return ""
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def _render(request: HttpRequest, kind: str, rows: list[selectors.Pick]) -> HttpResponse:
    get = request.GET
    name = get.get("name", "")
    if not FIELD_NAME.match(name):
        name = "id"
    selected = _id(get.get(name))
    label = ""
    if selected is not None:
        found = next((r for r in rows if r.pk == selected), None)
        if found is None:  # the chosen one stays on top, whatever the search shows (its name, if the actor sees it)
            resolver = references.get(kind)
            if resolver is not None and resolver.resolver(actor_of(request), selected):
                label = references.labels(kind, actor_of(request).org_id, [selected]).get(selected, "")
            else:
                selected = None
    context = {
        "name": name,
        "rows": [(r, _distance(r.distance_m)) for r in rows if r.pk != selected],
        "selected": selected,
        "selected_row": next((r for r in rows if r.pk == selected), None),
        "selected_label": label,
        "searched": bool(get.get(f"{name}-q", "").strip()),
    }
    return render(request, "customers/_pick_rows.html", context)


@employee_required()
def customer_pick(request: HttpRequest) -> HttpResponse:
    get = request.GET
    name = get.get("name", "")
    rows = selectors.customer_pick(
        actor=actor_of(request),
        text=get.get(f"{name}-q", ""),
        latitude=_number(get.get("latitude"), 90),
        longitude=_number(get.get("longitude"), 180),
    )
    return _render(request, "customer", rows)


@employee_required()
def contact_pick(request: HttpRequest) -> HttpResponse:
    get = request.GET
    name = get.get("name", "")
    rows = selectors.contact_pick(
        actor=actor_of(request), text=get.get(f"{name}-q", ""), customer_id=_id(get.get("customer"))
    )
    return _render(request, "contact", rows)
