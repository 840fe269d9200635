"""HTML pages of visits: start a visit (check-in with the phone's position), the visit (its steps and the
check-out, or for a manager what happened), the visits list, and the administrators' visit types.

The check-in and check-out forms carry the position fix that static/js/visit_geo.js reads from
navigator.geolocation, and are `data-outbox` forms: without a signal they wait on the phone and are sent
later with their capture time. Each view parses, calls one service or selector, renders.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.geo import SentFix
from fieldloop.core.offline import OFFLINE_HEADER, offline_capable
from fieldloop.core.pagination import keyset_page
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.selectors import template_list
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import department_list, visible_employees

from . import selectors, visit_services, visits
from .models import Visit, VisitType
from .visit_forms import STEP_ROWS, CheckInForm, CheckOutForm, PositionForm, VisitTypeForm
from .visit_review_views import review_context

PAGE_SIZE = 20


def _position(data: dict[str, Any]) -> SentFix:
    return SentFix(
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        accuracy_m=data.get("accuracy"),
        fix_at=data.get("fix_at"),
        mocked=bool(data.get("mocked")),
    )


@employee_required()
@offline_capable
def visit_start(request: HttpRequest) -> HttpResponse:
    """Choose the visit type and customer, and check in with the phone's position."""
    actor = actor_of(request)
    open_visit = selectors.open_visit_of(actor=actor)
    if request.method == "GET" and open_visit is not None:
        return redirect("visit_detail", visit_id=open_visit.pk)
    raw = request.GET.get("customer", "")
    customer_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
    language = get_language()
    types = [(t.pk, t.display_name(language)) for t in selectors.visit_types_for(actor=actor)]
    post = request.POST if request.method == "POST" else None
    form = CheckInForm(
        post, types=types, org_id=actor.org_id, initial={"client_id": uuid.uuid4(), "customer_id": customer_id}
    )
    if post is not None and form.is_valid():
        data = form.cleaned_data
        try:
            visit, _created = visit_services.visit_check_in(
                actor=actor,
                client_id=data["client_id"],
                visit_type_id=data["visit_type_id"],
                customer_id=data.get("customer_id"),
                position=_position(data),
                captured_at=data.get("captured_at"),
                confirm_flagged=bool(data.get("confirm_flagged")),
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Checked in."))
            return redirect("visit_detail", visit_id=visit.pk)
    stale = "fix_at" in form.errors
    context = {"form": form, "stale": stale, "has_types": bool(types), "position_errors": _position_errors(form)}
    return render(request, "activities/visit_start.html", context)


def _optional_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@employee_required()
def visit_check_in_preview(request: HttpRequest) -> HttpResponse:
    """The check-in page's verdict once the position is read (a partial; writes nothing): the distance to the
    customer, the visit type's range and what a check-in now would be, by the check-in service's own rule."""
    get = request.GET
    form = PositionForm({**get.dict(), "client_id": str(uuid.uuid4())})
    form.is_valid()
    data = form.cleaned_data
    try:
        verdict = visit_services.visit_check_in_preview(
            actor=actor_of(request),
            visit_type_id=_optional_id(get.get("visit_type_id", "")),
            customer_id=_optional_id(get.get("customer_id", "")),
            position=_position(data),
        )
    except ServiceError as e:
        errors = [str(m) for messages in e.fields.values() for m in messages] or [str(e.message)]
        return render(request, "activities/_check_in_verdict.html", {"errors": errors}, status=e.status)
    context = {
        "verdict": verdict,
        "reasons": visits.reasons_text(verdict.reasons),
        "message": visit_services.flagged_message(verdict) if verdict.outcome != visits.Outcome.FINE else "",
        "accuracy": data.get("accuracy"),
    }
    return render(request, "activities/_check_in_verdict.html", context)


@employee_required()
def visit_check_out_preview(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The check-out's verdict (a partial; writes nothing): will the visit count if it ends now, and how many
    minutes it still needs."""
    try:
        preview = visit_services.visit_check_out_preview(actor=actor_of(request), visit_id=visit_id)
    except ServiceError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise
        return render(request, "activities/_check_out_verdict.html", {"errors": [str(e.message)]}, status=e.status)
    context = {"preview": preview, "out_reasons": visits.reasons_text(preview.reasons)}
    return render(request, "activities/_check_out_verdict.html", context)


def _position_errors(form: PositionForm) -> list[str]:
    """Errors of the hidden position fields (shown together above the button)."""
    names = ("latitude", "longitude", "accuracy", "fix_at", "captured_at", "mocked")
    return [str(e) for name in names for e in form.errors.get(name, [])]


def _detail_context(actor: Employee, visit: Visit, checkout_form: CheckOutForm | None = None) -> dict[str, Any]:
    language = get_language()
    own_open = visit.is_open and visit.employee_id == actor.pk
    if own_open and checkout_form is None:
        checkout_form = CheckOutForm(initial={"client_id": uuid.uuid4()})
    context: dict[str, Any] = {
        "visit": visit,
        "type_name": visit.visit_type.display_name(language),
        "steps": selectors.visit_steps(visit=visit),
        "reasons": [visits.reason_label(c) for c in visit.reasons],
        "check_in_signals": [visits.reason_label(c) for c in visit.check_in_signals],
        "check_out_signals": [visits.reason_label(c) for c in visit.check_out_signals],
        "own_open": own_open,
        "checkout_form": checkout_form,
        "position_errors": _position_errors(checkout_form) if checkout_form is not None else [],
        "stale": checkout_form is not None and "fix_at" in checkout_form.errors,
        "can_locate": visit.customer is not None and has_permission(actor, Permission.MANAGE_ORGANIZATION),
        "review": review_context(actor, visit),
    }
    if own_open:
        context["preview"] = visit_services.check_out_preview(visit=visit)
        context["out_reasons"] = visits.reasons_text(context["preview"].reasons)
    return context


@employee_required()
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    visit = selectors.visit_get(actor=actor, visit_id=visit_id)
    context = _detail_context(actor, visit)
    response = render(request, "activities/visit_detail.html", context)
    if context["own_open"]:
        response[OFFLINE_HEADER] = "1"  # the rep's visit in progress: its steps and check-out work offline
    return response


@require_POST
@employee_required()
def visit_check_out(request: HttpRequest, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    form = CheckOutForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            visit_services.visit_check_out(
                actor=actor,
                client_id=data["client_id"],
                visit_id=visit_id,
                position=_position(data),
                captured_at=data.get("captured_at"),
                confirm_not_effective=bool(data.get("confirm_not_effective")),
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Checked out."))
            return redirect("visit_detail", visit_id=visit_id)
    visit = selectors.visit_get(actor=actor, visit_id=visit_id)
    return render(request, "activities/visit_detail.html", _detail_context(actor, visit, form))


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def visit_locate_customer(request: HttpRequest, visit_id: int) -> HttpResponse:
    """An administrator makes the visit's check-in position the customer's location."""
    visit = selectors.visit_get(actor=actor_of(request), visit_id=visit_id)
    try:
        visit_services.visit_locate_customer(actor=actor_of(request), visit_id=visit.pk)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("The customer's location was set to this check-in."))
    return redirect("visit_detail", visit_id=visit_id)


@employee_required()
def visit_list(request: HttpRequest) -> HttpResponse:
    """The visits of the employees the viewer sees, newest first, with their classification."""
    actor = actor_of(request)
    get = request.GET
    filters = selectors.visit_filters_from_query(get.dict())
    qs = selectors.visit_list(actor=actor, filters=filters)
    page = keyset_page(qs, ordering=selectors.VISIT_ORDERING, cursor=get.get("cursor") or None, limit=PAGE_SIZE)
    language = get_language()
    rows = [(v, v.visit_type.display_name(language), [visits.reason_label(c) for c in v.reasons]) for v in page.items]
    query = get.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "query": query.urlencode(),
        "employees": visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"),
        "open_visit": selectors.open_visit_of(actor=actor),
        "can_manage": has_permission(actor, Permission.MANAGE_ORGANIZATION),
        "can_review": has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS),
    }
    return render(request, "activities/visit_list.html", context)


# --- Visit types (administrators) -----------------------------------------------------------------------


@employee_required(Permission.MANAGE_ORGANIZATION)
def visit_type_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    language = get_language()
    rows = [
        (vt, vt.display_name(language), [s.template.display_name(language) for s in vt.steps.all()])
        for vt in selectors.visit_type_list(actor=actor, include_inactive=True)
    ]
    return render(request, "activities/visit_types.html", {"rows": rows})


def _type_form(actor: Employee, data: Any = None, initial: dict[str, Any] | None = None) -> VisitTypeForm:
    language = get_language()
    templates = [(t.pk, t.display_name(language)) for t in template_list(actor=actor).exclude(purpose=Purpose.CUSTOMER)]
    departments = [(pk, "— " * depth + name) for pk, name, depth in department_list(actor=actor).values_list(
        "pk", "name", "depth"
    )]  # fmt: skip
    employees = list(visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"))
    return VisitTypeForm(data, templates=templates, departments=departments, employees=employees, initial=initial)


def _type_initial(vt: VisitType) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": vt.name, "name_en": vt.name_en, "is_active": vt.is_active, "roles": vt.roles,
        "max_distance_m": vt.max_distance_m, "distance_mode": vt.distance_mode, "photo_required": vt.photo_required,
        "customer_required": vt.customer_required, "min_duration_minutes": vt.min_duration_minutes,
        "check_out_required": vt.check_out_required,
        "department_ids": [d.pk for d in vt.departments.all()], "copied_ids": [e.pk for e in vt.copied.all()],
    }  # fmt: skip
    for i, step in enumerate(list(vt.steps.all())[:STEP_ROWS]):
        initial[f"step_{i}"] = step.template_id
        initial[f"step_{i}_optional"] = not step.required
    return initial


@employee_required(Permission.MANAGE_ORGANIZATION)
def visit_type_edit(request: HttpRequest, visit_type_id: int | None = None) -> HttpResponse:
    actor = actor_of(request)
    vt = selectors.visit_type_get(actor=actor, visit_type_id=visit_type_id) if visit_type_id is not None else None
    post = request.POST if request.method == "POST" else None
    form = _type_form(actor, post, initial=_type_initial(vt) if vt else {"distance_mode": "soft"})
    if post is not None and form.is_valid():
        try:
            if vt is None:
                visit_services.visit_type_create(actor=actor, **form.values())
            else:
                visit_services.visit_type_update(actor=actor, visit_type_id=vt.pk, **form.values())
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Visit type saved."))
            return redirect("visit_type_list")
    return render(request, "activities/visit_type_form.html", {"form": form, "visit_type": vt})
