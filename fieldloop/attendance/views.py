"""HTML pages of attendance: the phone's clock page (打卡) and my month; a manager's team month and one
person's day; requests (leave, trips, corrections) and their approval; the administrators' settings (groups,
shifts, places, calendar, whitelist). Each view parses, calls one service or selector, renders."""

import re
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.activities.visits import reasons_text
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.geo import SentFix
from fieldloop.core.htmx import is_htmx
from fieldloop.core.offline import offline_capable
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import department_list, visible_employees

from . import selectors, services
from .forms import (
    WEEKDAYS,
    CalendarDayForm,
    ClockForm,
    DecisionForm,
    ExemptionForm,
    GroupForm,
    PlaceForm,
    RequestForm,
    ShiftForm,
)
from .models import Clock, ClockKind, StatsExemption
from .rules import request_days

TEAM_PAGE = 100
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _month(request: HttpRequest, actor: Employee) -> tuple[date, date, str]:
    raw = request.GET.get("month", "")
    m = MONTH.match(raw)
    if m and 1 <= int(m.group(2)) <= 12 and 2000 <= int(m.group(1)) <= 2100:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        today = services.local_today(actor.org)
        year, month = today.year, today.month
    start, end = selectors.month_range(year, month)
    return start, end, f"{year:04d}-{month:02d}"


def _neighbours(start: date) -> tuple[str, str]:
    previous = start - timedelta(days=1)
    following = start + timedelta(days=32)
    return f"{previous.year:04d}-{previous.month:02d}", f"{following.year:04d}-{following.month:02d}"


def _labelled(clocks: Iterable[Clock]) -> list[Clock]:
    """The clocks with their fix's signals in the reader's language (the visits' labels: a mocked position is
    the device's claim, recorded and shown, and changes no status)."""
    out = list(clocks)
    for c in out:
        c.signal_labels = reasons_text(c.signals)  # type: ignore[attr-defined]
    return out


def _position_errors(form: ClockForm) -> list[str]:
    names = ("latitude", "longitude", "accuracy", "fix_at", "captured_at", "mocked", "position", "kind")
    return [str(e) for name in names for e in form.errors.get(name, [])]


@employee_required()
@offline_capable
def clock_page(request: HttpRequest) -> HttpResponse:
    """The phone's 打卡 page: today's shifts and clocks, the status, and the clock-in / clock-out buttons."""
    actor = actor_of(request)
    post = request.POST if request.method == "POST" else None
    form = ClockForm(post, initial={"client_id": uuid.uuid4()})
    if post is not None and form.is_valid():
        data = form.cleaned_data
        position = SentFix(
            latitude=data.get("latitude"), longitude=data.get("longitude"), accuracy_m=data.get("accuracy"),
            fix_at=data.get("fix_at"), mocked=bool(data.get("mocked")),
        )  # fmt: skip
        try:
            clock, _created = services.clock_create(actor=actor, client_id=data["client_id"], kind=data["kind"],
                                                    position=position, captured_at=data.get("captured_at"))  # fmt: skip
        except ServiceError as e:
            add_service_error(form, e)
        else:
            text = _("Clocked in.") if clock.kind == ClockKind.IN else _("Clocked out.")
            messages.success(request, text)
            return redirect("attendance_clock")
    group = selectors.group_of(employee=actor)
    # the day clocks count for now: after midnight, a night shift's day until its morning is over
    today = services.attendance_day_of(org=actor.org, group_id=group.pk if group else None, at=timezone.now())
    shifts = []
    if group is not None:
        calendar_day = selectors.calendar_days(actor=actor, year=today.year).filter(day=today).first()
        shifts = services.shifts_of_day(today, group.shifts.all(), calendar_day)
    clocks = _labelled(selectors.clocks_of_day(actor=actor, employee_id=actor.pk, day=today))
    status = selectors.daily_statuses(actor=actor, start=today, end=today, employee_id=actor.pk).first()
    clocked_in = bool(clocks) and clocks[-1].kind == ClockKind.IN
    context = {
        "form": form, "group": group, "shifts": shifts, "clocks": clocks, "status": status, "today": today,
        "next_kind": ClockKind.OUT if clocked_in else ClockKind.IN, "stale": "fix_at" in form.errors,
        "position_errors": _position_errors(form),
    }  # fmt: skip
    return render(request, "attendance/clock.html", context)


@employee_required()
def my_month(request: HttpRequest) -> HttpResponse:
    """My month on the phone: each day's status and the month's figures."""
    actor = actor_of(request)
    start, end, month = _month(request, actor)
    days = list(selectors.daily_statuses(actor=actor, start=start, end=end, employee_id=actor.pk).order_by("day"))
    stats = selectors.stats_for(org_id=actor.org_id, employees=[actor], start=start, end=end)[0]
    previous, following = _neighbours(start)
    return render(request, "attendance/my_month.html", {"days": days, "stats": stats, "month": month,
                                                        "previous": previous, "following": following})  # fmt: skip


@employee_required(Permission.CHANGE_SUBORDINATE_RECORDS)
def team_month(request: HttpRequest) -> HttpResponse:
    """The team's month for a manager: per person the month's figures (from the rollup), a page at a time."""
    actor = actor_of(request)
    start, end, month = _month(request, actor)
    page = keyset_page(selectors.stats_employees(actor=actor), ordering=selectors.STATS_ORDERING,
                       cursor=request.GET.get("cursor"), limit=TEAM_PAGE)  # fmt: skip
    rows = selectors.stats_for(org_id=actor.org_id, employees=page.items, start=start, end=end)
    previous, following = _neighbours(start)
    context = {"rows": rows, "month": month, "cursor": page.next_cursor, "previous": previous, "following": following,
               "pending": selectors.request_list(actor=actor, to_approve=True).count()}  # fmt: skip
    return render(request, "attendance/team_month.html", context)


@employee_required()
def person_days(request: HttpRequest) -> HttpResponse:
    """One visible person's month day by day, or one day's detail (clocks and requests) with `day`."""
    actor = actor_of(request)
    raw = request.GET.get("employee", "")
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    employee = visible_employees(actor=actor).filter(pk=int(raw)).first()
    if employee is None:
        raise Http404
    start, end, month = _month(request, actor)
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = None
    days = list(selectors.daily_statuses(actor=actor, start=start, end=end, employee_id=employee.pk).order_by("day"))
    clocks = _labelled(selectors.clocks_of_day(actor=actor, employee_id=employee.pk, day=day)) if day else []
    requests = list(selectors.request_list(actor=actor, employee_id=employee.pk).filter(
        start_day__lte=day or end, end_day__gte=day or start)[:50])  # fmt: skip
    return render(request, "attendance/person_days.html", {
        "person": employee, "days": days, "day": day, "clocks": clocks, "requests": requests, "month": month,
        "can_correct": has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS) and employee.pk != actor.pk,
    })  # fmt: skip


# --- Requests --------------------------------------------------------------------------------------------------


def _approvable(actor: Employee) -> list[tuple[int, str]]:
    if not has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS):
        return []
    return list(visible_employees(actor=actor).active().exclude(pk=actor.pk).order_by("name", "id")
                .values_list("pk", "name")[:500])  # fmt: skip


@employee_required()
def request_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    mine = list(selectors.request_list(actor=actor, mine=True)[:30])
    to_approve = list(selectors.requests_to_approve(actor=actor)[:100])
    return render(request, "attendance/request_list.html", {"mine": mine, "to_approve": to_approve})


@employee_required()
@offline_capable
def request_new(request: HttpRequest) -> HttpResponse:
    """Ask for leave, a trip or a correction; a manager may make one for a person they approve for."""
    actor = actor_of(request)
    post = request.POST if request.method == "POST" else None
    initial = {"client_id": uuid.uuid4(), "kind": request.GET.get("kind", "leave")[:10]}
    if request.GET.get("employee", "").isdigit():
        initial["employee_id"] = request.GET["employee"]
    form = RequestForm(post, employees=_approvable(actor), initial=initial)
    if post is not None and form.is_valid():
        data = form.cleaned_data
        try:
            req, _created = services.request_create(
                actor=actor, client_id=data["client_id"], kind=data["kind"], reason=data["reason"],
                employee_id=data.get("employee_id"), leave_type=data.get("leave_type") or "",
                start_day=data.get("start_day"), start_half=data["start_half"], end_day=data.get("end_day"),
                end_half=data["end_half"], clock_kind=data.get("clock_kind") or "", clock_at=data.get("clock_at"),
            )  # fmt: skip
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Request sent.") if req.created_by_id == req.employee_id else _("Saved."))
            return redirect("attendance_request_detail", request_id=req.pk)
    return render(request, "attendance/request_new.html", {"form": form})


@employee_required()
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = actor_of(request)
    req = selectors.request_get(actor=actor, request_id=request_id)
    can_decide = req.status == "pending" and selectors.can_approve(actor=actor, employee=req.employee) and (
        req.employee_id != actor.pk or has_permission(actor, Permission.MANAGE_ORGANIZATION))  # fmt: skip
    return render(request, "attendance/request_detail.html", {
        "req": req, "can_decide": can_decide, "form": DecisionForm(),
        "days": request_days(req.start_day, req.start_half, req.end_day, req.end_half),
    })  # fmt: skip


@require_POST
@employee_required()
def request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = actor_of(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return redirect("attendance_request_detail", request_id=request_id)
    try:
        services.request_decide(actor=actor, request_id=request_id, approve=form.cleaned_data["approve"],
                                note=form.cleaned_data["note"])  # fmt: skip
    except ServiceError as e:
        if e.code == "not_found":
            raise Http404 from e
        if e.code == "forbidden":
            raise PermissionDenied from e
        messages.error(request, " ".join([str(e.message)] + [str(m) for ms in e.fields.values() for m in ms]))
    else:
        messages.success(request, _("Approved.") if form.cleaned_data["approve"] else _("Rejected."))
    return redirect("attendance_request_detail", request_id=request_id)


# --- Settings (administrators) --------------------------------------------------------------------------------


def _settings_context(actor: Employee, **forms_: Any) -> dict[str, Any]:
    departments = [(d.pk, d.name) for d in department_list(actor=actor)]
    employees = list(visible_employees(actor=actor).active().order_by("name", "id").values_list("pk", "name")[:1000])
    year = services.local_today(actor.org).year
    groups = list(selectors.group_list(actor=actor))
    names = dict(WEEKDAYS)
    for g in groups:
        for s in g.shifts.all():
            s.weekday_names = " ".join(str(names[d]) for d in s.weekdays)  # type: ignore[attr-defined]
    calendar = list(selectors.calendar_days(actor=actor, year=year))
    for c in calendar:
        c.as_weekday_name = names.get(c.as_weekday, "")  # type: ignore[attr-defined]
    return {
        "groups": groups,
        "calendar": calendar,
        "exemptions": list(selectors.exemptions(actor=actor)[:200]),
        "group_form": forms_.get("group_form") or GroupForm(departments=departments, employees=employees),
        "shift_form": forms_.get("shift_form") or ShiftForm(),
        "place_form": forms_.get("place_form") or PlaceForm(),
        "calendar_form": forms_.get("calendar_form") or CalendarDayForm(),
        "exemption_form": forms_.get("exemption_form") or ExemptionForm(employees=employees),
        "departments": departments, "employees": employees,
    }  # fmt: skip


@employee_required(Permission.MANAGE_ORGANIZATION)
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "attendance/settings.html", _settings_context(actor_of(request)))


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def settings_post(request: HttpRequest, what: str) -> HttpResponse:
    """One of the settings page's forms: a group, a shift, a place, a calendar day, a whitelist entry."""
    actor = actor_of(request)
    ctx = _settings_context(actor)
    departments, employees = ctx["departments"], ctx["employees"]
    form: Any
    if what == "group":
        form = GroupForm(request.POST, departments=departments, employees=employees)
    elif what == "shift":
        form = ShiftForm(request.POST)
    elif what == "place":
        form = PlaceForm(request.POST)
    elif what == "calendar":
        form = CalendarDayForm(request.POST)
    elif what == "exemption":
        form = ExemptionForm(request.POST, employees=employees)
    else:
        raise Http404
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if what == "group":
                services.group_create(actor=actor, **data)
            elif what == "shift":
                services.shift_create(actor=actor, group_id=data.pop("group_id"), **data)
            elif what == "place":
                services.place_create(actor=actor, group_id=data.pop("group_id"), **data)
            elif what == "calendar":
                services.calendar_day_set(actor=actor, **data)
            else:
                services.exemption_add(actor=actor, employee_id=data["employee_id"])
        except ServiceError as e:
            if e.code == "not_found":
                raise Http404 from e
            add_service_error(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("attendance_settings")
    ctx = _settings_context(actor, **{f"{what}_form": form})
    ctx["open_form"] = what
    return render(request, "attendance/settings.html", ctx, status=400)


def _removed(
    request: HttpRequest, text: str, *, entry: StatsExemption | None = None, last: bool = False
) -> HttpResponse:
    """A settings row removed: htmx swaps the answer for the row (nothing left of it, the list's "—" when it was
    the `last`, or the whitelist entry as it now is: ended today) and shows the message out of band in the page's
    message area; a plain form gets the page again with the message."""
    if is_htmx(request):
        context = {"level": "success", "text": text, "x": entry, "last": last}
        return render(request, "attendance/_settings_message.html", context)
    messages.success(request, text)
    return redirect("attendance_settings")


def _not_removed(request: HttpRequest, text: str) -> HttpResponse:
    """Nothing of the organization to remove there (another administrator was quicker, or the id names nothing
    of the organization's): the settings page again, which shows the reason and the rows as they are now (htmx:
    a 404 that reloads it; a plain form: redirected to it)."""
    messages.error(request, text)
    if is_htmx(request):
        return HttpResponse(status=404, headers={"HX-Refresh": "true"})
    return redirect("attendance_settings")


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def whitelist_remove(request: HttpRequest, employee_id: int) -> HttpResponse:
    """Take a person off the whitelist (白名单): counted in the statistics again from tomorrow."""
    actor = actor_of(request)
    try:
        entry = services.exemption_end(actor=actor, employee_id=employee_id)
    except ServiceError as e:
        if e.code != ErrorCode.NOT_FOUND:
            raise PermissionDenied from e
        return _not_removed(request, _("This person is not on the whitelist."))
    last = entry is None and not selectors.exemptions(actor=actor).exists()
    return _removed(request, _("Taken off the whitelist: counted in the statistics again from tomorrow."),
                    entry=entry, last=last)  # fmt: skip


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def calendar_day_delete(request: HttpRequest, day: str) -> HttpResponse:
    """Delete a public holiday or a make-up workday: the day follows the weekly shifts again."""
    nothing = _("No public holiday or make-up workday is set on that day.")
    try:
        parsed = date.fromisoformat(day) if ISO_DAY.match(day) else None
    except ValueError:  # 2026-02-30
        parsed = None
    if parsed is None:
        return _not_removed(request, nothing)
    actor = actor_of(request)
    try:
        services.calendar_day_delete(actor=actor, day=parsed)
    except ServiceError as e:
        if e.code != ErrorCode.NOT_FOUND:
            raise PermissionDenied from e
        return _not_removed(request, nothing)
    shown = formats.date_format(parsed)
    last = not selectors.calendar_days(actor=actor, year=services.local_today(actor.org).year).exists()
    return _removed(request, _("%(day)s follows the weekly shifts again.") % {"day": shown}, last=last)
