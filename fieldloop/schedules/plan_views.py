"""Visit plans' pages (拜访计划): the due-for-visit list (a phone page: one tap plans a visit), a day's route
(the ordered list with distances; on a desktop also a map of the stops) and the administrators' frequencies.
Each view parses, calls one selector or service, renders."""

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldloop.core.errors import ServiceError, invalid
from fieldloop.core.forms import StyledForm, add_service_error
from fieldloop.core.geo import distance_text
from fieldloop.core.pagination import keyset_page
from fieldloop.customers.models import Customer, CustomerLevel
from fieldloop.customers.selectors import customer_name_search, visible_customers
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import visible_employees

from . import plan_selectors, plan_services, services
from .models import MAX_EVERY_DAYS, ItemKind
from .plans import overdue_days

PAGE_SIZE = 30


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def _day(raw: str | None, default: date, field: str = "day") -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(field, _("Enter a date.")) from None


def _team(actor: Employee) -> list[Employee]:
    """Whom the actor may pick on a plan page: those they see (active), the actor first."""
    others = visible_employees(actor=actor).active().exclude(pk=actor.pk).order_by("name")[:200]
    return [actor, *others]


# --- due for a visit -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    customer: Customer
    overdue: int  # days past due (0: due today)
    client_id: uuid.UUID  # the plan form's: a form sent twice plans one visit


@employee_required()
def due_list(request: HttpRequest) -> HttpResponse:
    """待拜访: the customers an employee owns that are due or overdue, most overdue first; each with one button
    that plans a visit (tomorrow unless another day is chosen)."""
    actor = actor_of(request)
    employee = plan_selectors.employee_in_scope(actor=actor, employee_id=_int(request.GET.get("employee")))
    qs = plan_selectors.due_for_visit(actor=actor, employee_id=employee.pk)
    page = keyset_page(qs, ordering=plan_selectors.DUE_ORDERING, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    today = plan_selectors.org_today(employee)
    customers: list[Any] = page.items  # with the due list's annotations
    context: dict[str, Any] = {
        "rows": [DueRow(c, overdue_days(c.due_on, today), uuid.uuid4()) for c in customers],
        "page": page,
        "subject": employee,
        "team": _team(actor),
        "tomorrow": today + timedelta(days=1),
        "today": today,
        "route_url": reverse("visit_plan_route") + "?" + urlencode({"employee": employee.pk}),
        "can_configure": has_permission(actor, Permission.MANAGE_ORGANIZATION),
    }
    if request.GET.get("cursor") and request.headers.get("HX-Request"):
        return render(request, "schedules/plan_due.html#rows", context)
    return render(request, "schedules/plan_due.html", context)


@employee_required()
def due_schedule(request: HttpRequest) -> HttpResponse:
    """One tap on the due list: a planned visit to the customer on the day chosen (schedules' create service,
    idempotent by the form's client_id)."""
    if request.method != "POST":
        return redirect("visit_plan_due")
    actor = actor_of(request)
    employee_id = _int(request.POST.get("employee"))
    back = reverse("visit_plan_due") + (f"?employee={employee_id}" if employee_id else "")
    try:
        client_id = uuid.UUID(request.POST.get("client_id") or "")
    except ValueError:
        client_id = uuid.uuid4()
    customer_id = _int(request.POST.get("customer_id"))
    if customer_id is None:
        raise invalid("customer_id", _("Choose the customer to visit or call."))
    item, _created = services.schedule_item_create(
        actor=actor,
        client_id=client_id,
        employee_id=employee_id,
        kind=ItemKind.VISIT,
        customer_id=customer_id,
        day=_day(request.POST.get("day"), date.min),
    )
    messages.success(
        request,
        _("Visit to %(customer)s planned for %(day)s.")
        % {"customer": item.customer.name if item.customer else "", "day": date_format(item.day, "SHORT_DATE_FORMAT")},
    )
    return redirect(back + f"#due-{customer_id}")


# --- a day's route ---------------------------------------------------------------------------------------------


@employee_required()
def route(request: HttpRequest) -> HttpResponse:
    """建议路线: an employee's planned visits of a day in the suggested order, with the total distance before and
    after, the distance of each leg, and (on a desktop) a map; the rep applies the order in one tap."""
    actor = actor_of(request)
    employee = plan_selectors.employee_in_scope(actor=actor, employee_id=_int(request.GET.get("employee")))
    today = plan_selectors.org_today(employee)
    day = _day(request.GET.get("day"), today + timedelta(days=1))
    latitude, longitude = request.GET.get("lat"), request.GET.get("lon")
    try:
        start = (float(latitude), float(longitude)) if latitude and longitude else (None, None)
    except ValueError:
        raise invalid("latitude", _("Enter a number.")) from None
    plan = plan_selectors.day_route(
        actor=actor, employee_id=employee.pk, day=day, latitude=start[0], longitude=start[1]
    )
    stops: list[dict[str, Any]] = []
    map_stops: list[dict[str, Any]] = []
    for n, s in enumerate(plan.stops, start=1):
        customer: Any = s.item.customer  # a route's items all have one
        stops.append(
            {"n": n, "item": s.item, "customer": customer, "located": s.located, "leg": distance_text(s.leg_m)}
        )
        if s.located:
            map_stops.append(
                {"n": n, "lat": float(customer.latitude), "lng": float(customer.longitude), "name": customer.name}
            )
    context = {
        "plan": plan,
        "stops": stops,
        "map_stops": json.dumps(map_stops),
        "before": distance_text(plan.before_m),
        "after": distance_text(plan.after_m),
        "saved": distance_text(plan.saved_m) if plan.saved_m >= 1 else "",
        "subject": employee,
        "team": _team(actor),
        "day": day,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "start": plan.start,
    }
    return render(request, "schedules/plan_route.html", context)


@employee_required()
def route_apply(request: HttpRequest) -> HttpResponse:
    """Apply the suggested order: the visits get start times in that order."""
    if request.method != "POST":
        return redirect("visit_plan_route")
    actor = actor_of(request)
    employee_id = _int(request.POST.get("employee"))
    day = _day(request.POST.get("day"), date.min)
    ids = [int(v) for v in request.POST.getlist("item_ids") if v.isdigit() and len(v) < 19]
    raw_time = request.POST.get("start_time") or "09:00"
    try:
        start_time: Any = forms.TimeField().clean(raw_time)
    except forms.ValidationError:
        start_time = raw_time  # the service refuses it on its field
    minutes = _int(request.POST.get("minutes_each") or "45")
    plan_services.route_apply(
        actor=actor,
        employee_id=employee_id,
        day=day,
        item_ids=ids,
        start_time=start_time,
        minutes_each=minutes if minutes is not None else -1,
    )
    messages.success(request, _("The visits of %(day)s are in the suggested order.") % {"day": date_format(day)})
    query = {"day": day.isoformat(), **({"employee": str(employee_id)} if employee_id else {})}
    return redirect(reverse("visit_plan_route") + "?" + urlencode(query))


# --- frequencies (administrators) ------------------------------------------------------------------------------


class FrequenciesForm(StyledForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in CustomerLevel.choices:
            self.fields[value] = forms.IntegerField(
                label=_("Level %(level)s") % {"level": label},
                required=False,
                help_text=_("Visit every n days (1 to %(max)d); empty: no regular visits.") % {"max": MAX_EVERY_DAYS},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.style_fields()


class CustomerFrequencyForm(StyledForm):
    customer = forms.CharField(label=gettext_lazy("Customer"), max_length=120)
    every_days = forms.IntegerField(
        label=gettext_lazy("Visit every (days)"),
        required=False,
        help_text=gettext_lazy("Empty: no regular visits."),
    )


@employee_required(Permission.MANAGE_ORGANIZATION)
def frequencies(request: HttpRequest) -> HttpResponse:
    """拜访频率: the organization's visit frequency per customer level, and the customers' own."""
    actor = actor_of(request)
    action = request.POST.get("action", "")
    levels = plan_selectors.level_frequencies(org_id=actor.org_id)
    form = FrequenciesForm(request.POST if action == "levels" else None, initial=levels)
    own_form = CustomerFrequencyForm(request.POST if action == "customer" else None, prefix="own")
    status = 200
    if action == "levels" and form.is_valid():
        try:
            plan_services.visit_frequencies_set(actor=actor, every_days=form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Visit frequencies saved."))
            return redirect("visit_frequencies")
    elif action == "customer" and own_form.is_valid():
        name = own_form.cleaned_data["customer"].strip()
        matches = list(customer_name_search(visible_customers(actor=actor), name)[:6])
        exact = [c for c in matches if c.name == name]
        matches = exact if len(exact) == 1 else matches
        if len(matches) != 1:
            own_form.add_error(
                "customer",
                _("No customer has this name.") if not matches else _("Several customers match: enter the full name."),
            )
        else:
            try:
                plan_services.customer_visit_frequency_set(
                    actor=actor, customer_id=matches[0].pk, every_days=own_form.cleaned_data["every_days"]
                )
            except ServiceError as e:
                add_service_error(own_form, e)
            else:
                messages.success(request, _("Visit frequencies saved."))
                return redirect("visit_frequencies")
    elif action == "follow_level":
        customer_id = _int(request.POST.get("customer_id"))
        plan_services.customer_visit_frequency_set(
            actor=actor, customer_id=customer_id or 0, every_days=None, follow_level=True
        )
        messages.success(request, _("Visit frequencies saved."))
        return redirect("visit_frequencies")
    if request.method == "POST":
        status = 400
    own = list(plan_selectors.customer_frequencies(actor=actor)[:200])
    return render(
        request,
        "schedules/plan_frequencies.html",
        {"form": form, "own_form": own_form, "own": own, "levels": levels},
        status=status,
    )
