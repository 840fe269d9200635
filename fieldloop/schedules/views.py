"""HTML pages of schedules: an employee's day (desktop: a time grid with drag and drop; phone: a list with a quick
add) and week, the team's day side by side (下属日程), and an item's page. Each view parses, checks access, calls
one service or selector and renders; the drag and drop (static/js/schedule_calendar.js) posts to `item_move`.
"""

import uuid
from datetime import date, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.customers.selectors import visible_customers
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import can_change_owned_by, employee_get, filter_departments, visible_employees

from . import calendar, selectors, services
from .forms import WEEKDAYS, DoneForm, EditForm, ItemForm, MoveForm
from .models import ItemState, ScheduleItem

MAX_CUSTOMER_CHOICES = 300
TEAM_PAGE_SIZE = 12


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _employee(request: HttpRequest, actor: Employee) -> Employee:
    """The employee a page is about: `?employee=` (one the actor sees, else 404), or the actor."""
    employee_id = _int(request.GET.get("employee") or request.POST.get("employee_id"))
    if employee_id is None or employee_id == actor.pk:
        return actor
    return employee_get(actor=actor, employee_id=employee_id)


def _customer_choices(employee: Employee, selected: int | None = None) -> list[tuple[int, str]]:
    """The customers an item of `employee` may be about: theirs first (at most MAX_CUSTOMER_CHOICES)."""
    qs = visible_customers(actor=employee).order_by("name", "id")
    choices = list(qs.filter(owner=employee).values_list("pk", "name")[:MAX_CUSTOMER_CHOICES])
    if selected is not None and all(pk != selected for pk, _name in choices):
        choices += list(qs.filter(pk=selected).values_list("pk", "name"))
    return choices


def _placed(
    items: list[ScheduleItem], column: int = 1
) -> tuple[list[calendar.Cluster[ScheduleItem]], list[ScheduleItem]]:
    """One day's timed items laid out on the grid (overlapping ones side by side), and the untimed ones."""
    timed, untimed = [], []
    for item in items:
        place = calendar.placement(item.start_time, item.end_time)
        if place is None:
            untimed.append(item)
        else:
            timed.append((item, *place))
    return calendar.clusters(timed, col=column), untimed


def _page_url(name: str, employee: Employee, actor: Employee, day: date) -> str:
    query = {"day": day.isoformat()}
    if employee.pk != actor.pk:
        query["employee"] = str(employee.pk)
    return f"{reverse(name)}?{urlencode(query)}"


def _common(request: HttpRequest, actor: Employee, employee: Employee, day: date) -> dict[str, Any]:
    return {
        "employee": employee,
        "viewer": actor,
        "day": day,
        "today": services.org_today(actor),
        "can_plan": can_change_owned_by(actor=actor, owner=employee),
        "can_see_team": has_permission(actor, Permission.VIEW_EMPLOYEES),
        "slots": calendar.slots(),
        "here": request.get_full_path(),
        "day_url": _page_url("schedule_day", employee, actor, day),
        "week_url": _page_url("schedule_week", employee, actor, day),
    }


def _add_form(employee: Employee, day: date, data: Any = None) -> ItemForm:
    selected = _int(data.get("customer_id")) if data is not None else None
    return ItemForm(
        data,
        customers=_customer_choices(employee, selected),
        initial={"client_id": uuid.uuid4(), "employee_id": employee.pk, "day": day},
    )


def _day_page(
    request: HttpRequest, actor: Employee, employee: Employee, day: date, form: ItemForm | None = None
) -> HttpResponse:
    column = selectors.day_columns(actor=actor, employees=[employee], day=day)[0]
    timed, untimed = _placed(column.items)
    context = _common(request, actor, employee, day) | {
        "column": column,
        "timed": timed,
        "untimed": untimed,
        "days": [day],
        "untimed_by_day": [(day, untimed)],
        "form": form or _add_form(employee, day),
        "weekdays": WEEKDAYS,
        "prev_url": _page_url("schedule_day", employee, actor, day - timedelta(days=1)),
        "next_url": _page_url("schedule_day", employee, actor, day + timedelta(days=1)),
    }
    return render(request, "schedules/day.html", context, status=400 if form is not None and form.errors else 200)


@employee_required()
def schedule_day(request: HttpRequest) -> HttpResponse:
    """An employee's day (the viewer's own by default): the plan on a time grid, what became of it, the work done
    that nothing planned, and a quick add."""
    actor = actor_of(request)
    employee = _employee(request, actor)
    day = calendar.day_from_query(request.GET.get("day"), services.org_today(actor))
    return _day_page(request, actor, employee, day)


@employee_required()
def schedule_week(request: HttpRequest) -> HttpResponse:
    """An employee's week (Monday to Sunday) on a time grid: drag to move, drag the bottom edge to resize."""
    actor = actor_of(request)
    employee = _employee(request, actor)
    day = calendar.day_from_query(request.GET.get("day"), services.org_today(actor))
    days = calendar.week_of(day)
    by_day = selectors.week_items(actor=actor, employee=employee, days=days)
    timed: list[calendar.Cluster[ScheduleItem]] = []
    untimed_by_day = []
    for n, d in enumerate(days, start=1):
        placed, untimed = _placed(by_day[d], column=n)
        timed += placed
        untimed_by_day.append((d, untimed))
    counts = {d: selectors.DayCounts(**{s: [i.state for i in by_day[d]].count(s) for s in ItemState.values})
              for d in days}  # fmt: skip
    context = _common(request, actor, employee, day) | {
        "days": days,
        "timed": timed,
        "untimed_by_day": untimed_by_day,
        "counts": [(d, counts[d]) for d in days],
        "prev_url": _page_url("schedule_week", employee, actor, days[0] - timedelta(days=7)),
        "next_url": _page_url("schedule_week", employee, actor, days[0] + timedelta(days=7)),
    }
    return render(request, "schedules/week.html", context)


@employee_required(Permission.VIEW_EMPLOYEES)
def schedule_team(request: HttpRequest) -> HttpResponse:
    """下属日程: the day of every employee the manager sees (a department's subtree, or one), side by side: plan vs
    done, missed items, and unplanned work. The same number of queries for a team of 3 or of 300 (a page of
    columns at a time)."""
    actor = actor_of(request)
    get = request.GET
    day = calendar.day_from_query(get.get("day"), services.org_today(actor))
    department_id, employee_id = _int(get.get("department")), _int(get.get("employee"))
    employees = selectors.team_employees(actor=actor, department_id=department_id, employee_id=employee_id)
    page = keyset_page(employees, ordering=("name", "id"), cursor=get.get("cursor") or None, limit=TEAM_PAGE_SIZE)
    columns = selectors.day_columns(actor=actor, employees=page.items, day=day)
    query = get.copy()
    query.pop("cursor", None)
    base: dict[str, str] = {k: str(v) for k, v in query.items() if k != "day"}
    context = {
        "day": day,
        "today": services.org_today(actor),
        "columns": columns,
        "page": page,
        "query": query.urlencode(),
        "department_id": department_id,
        "employee_id": employee_id,
        "departments": [
            (pk, "— " * depth + name)
            for pk, name, depth in filter_departments(actor=actor).values_list("pk", "name", "depth")
        ],
        "employees": visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"),
        "prev_url": "?" + urlencode({**base, "day": (day - timedelta(days=1)).isoformat()}),
        "next_url": "?" + urlencode({**base, "day": (day + timedelta(days=1)).isoformat()}),
    }
    return render(request, "schedules/team.html", context)


@require_POST
@employee_required()
def item_add(request: HttpRequest) -> HttpResponse:
    """The quick add (and its options): plan an item, or a series, for the page's employee."""
    actor = actor_of(request)
    employee = _employee(request, actor)
    today = services.org_today(actor)
    form = _add_form(employee, today, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item, _created = services.schedule_item_create(
                actor=actor, client_id=data["client_id"], employee_id=employee.pk, day=data["day"],
                kind=data["kind"], customer_id=data.get("customer_id"), start_time=data.get("start_time"),
                end_time=data.get("end_time"), title=data.get("title") or "", notes=data.get("notes") or "",
                recurrence=form.recurrence(),
            )  # fmt: skip
        except ServiceError as e:
            # the form's repeat fields are the service's recurrence.* ones
            e.fields = {("repeat" if k == "recurrence.frequency" else k.removeprefix("recurrence.")): v
                        for k, v in e.fields.items()}  # fmt: skip
            add_service_error(form, e)
        else:
            messages.success(request, _("Planned."))
            return redirect(_page_url("schedule_day", employee, actor, item.day))
    day = form.cleaned_data.get("day") or calendar.day_from_query(request.POST.get("day"), today)
    return _day_page(request, actor, employee, day, form)


def _back(request: HttpRequest, item: ScheduleItem | None = None) -> str:
    from fieldloop.core.redirects import safe_next

    default = reverse("schedule_item_detail", kwargs={"item_id": item.pk}) if item else reverse("schedule_day")
    return safe_next(request, default)


@require_POST
@employee_required()
def item_move(request: HttpRequest, item_id: int) -> HttpResponse:
    """A drop on the calendar: the item moves to a day (and a start, keeping its length), or its end moves. An
    htmx request gets the page it came from (the calendar is swapped in); a refusal reloads it with the reason."""
    actor = actor_of(request)
    item = selectors.item_get(actor=actor, item_id=item_id)
    form = MoveForm(request.POST)
    error = _("Drop the item on a day or an hour of the calendar.")
    if form.is_valid():
        data = form.cleaned_data
        times: dict[str, time | None] = {}
        if data["timed"]:
            times = {"start_time": data.get("start_time"), "end_time": data.get("end_time")}
        try:
            services.schedule_item_move(actor=actor, item_id=item.pk, day=data["day"], **times)
        except ServiceError as e:
            messages.error(request, " ".join([str(e.message), *(str(m) for ms in e.fields.values() for m in ms)]))
        else:
            error = ""
    else:
        messages.error(request, error)
    target = _back(request, item)
    if is_htmx(request) and error:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the page again, with the message
        return response
    return redirect(target)


@employee_required()
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """An item: what it is, what became of it (the visit or record that fulfilled it), and, for whoever may change
    it, the edit, done and cancel forms."""
    actor = actor_of(request)
    item = selectors.item_get(actor=actor, item_id=item_id)
    can_change = can_change_owned_by(actor=actor, owner=item.employee)
    edit_form = None
    if can_change and item.state == ItemState.PLANNED:
        post = request.POST if request.method == "POST" else None
        edit_form = EditForm(
            post,
            customers=_customer_choices(item.employee, item.customer_id),
            initial={"day": item.day, "kind": item.kind, "customer_id": item.customer_id,
                     "start_time": item.start_time, "end_time": item.end_time, "title": item.title,
                     "notes": item.notes},
        )  # fmt: skip
        if post is not None and edit_form.is_valid():
            data = edit_form.cleaned_data
            try:
                services.schedule_item_update(actor=actor, item_id=item.pk, **data)
            except ServiceError as e:
                add_service_error(edit_form, e)
            else:
                messages.success(request, _("Saved."))
                return redirect("schedule_item_detail", item_id=item.pk)
    elif request.method == "POST":
        messages.error(request, _("Only a planned item can be changed."))
        return redirect("schedule_item_detail", item_id=item.pk)
    return _detail(request, actor, item, can_change, edit_form=edit_form)


def _detail(
    request: HttpRequest,
    actor: Employee,
    item: ScheduleItem,
    can_change: bool,
    *,
    edit_form: EditForm | None = None,
    done_form: DoneForm | None = None,
) -> HttpResponse:
    can_finish = can_change and item.state in (ItemState.PLANNED, ItemState.MISSED)
    context = {
        "item": item,
        "can_change": can_change,
        "edit_form": edit_form,
        "done_form": done_form or (DoneForm() if can_finish else None),
        "can_cancel": can_change and item.state == ItemState.PLANNED,
        "day_url": _page_url("schedule_day", item.employee, actor, item.day),
    }
    failed = (edit_form is not None and edit_form.errors) or (done_form is not None and done_form.errors)
    return render(request, "schedules/item.html", context, status=400 if failed else 200)


@require_POST
@employee_required()
def item_done(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = actor_of(request)
    item = selectors.item_get(actor=actor, item_id=item_id)
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            services.schedule_item_done(actor=actor, item_id=item.pk, note=form.cleaned_data["note"])
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Marked done."))
            return redirect(_back(request, item))
    can_change = can_change_owned_by(actor=actor, owner=item.employee)
    return _detail(request, actor, item, can_change, done_form=form)


@require_POST
@employee_required()
def item_cancel(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = actor_of(request)
    item = selectors.item_get(actor=actor, item_id=item_id)
    try:
        services.schedule_item_cancel(actor=actor, item_id=item.pk)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Cancelled."))
    return redirect(_back(request, item))
