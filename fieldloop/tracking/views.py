"""Tracking pages: the rep's tracking page (the phone collects positions while it is open), an employee's day
(the track, playback, stops, gaps, quality), the team's live map (and its JSON), the organization's settings
and an employee's switch."""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import can_change_owned_by

from . import selectors, services
from .forms import TrackingSettingsForm
from .selectors import State
from .visit_checks import day_doubtful_visits


def _state_labels() -> dict[str, str]:
    return {
        State.VISITING: _("Visiting"),
        State.MOVING: _("Moving"),
        State.IDLE: _("Idle"),
        State.NO_SIGNAL: _("No signal"),
    }


def _day(request: HttpRequest, zone: ZoneInfo) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.now().astimezone(zone).date()


@employee_required()
def my_tracking(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = selectors.my_status(actor=actor)
    now = timezone.now()
    shown = [(a, b) for a, b in status.today if b > now] or status.today  # what is left of today, else all of it
    context = {
        "status": status,
        "hours": ", ".join(dict.fromkeys(f"{a:%H:%M}–{b:%H:%M}" for a, b in shown)),
        "points_url": reverse("api:points_ingest"),
        "zone": actor.org.time_zone,
    }
    return render(request, "tracking/mine.html", context)


@employee_required()
def employee_day(request: HttpRequest, employee_id: int) -> HttpResponse:
    actor = actor_of(request)
    zone = ZoneInfo(actor.org.time_zone)
    day = _day(request, zone)
    t = selectors.trajectory(actor=actor, employee_id=employee_id, day=day)
    raw = selectors.day_points(employee=t.employee, day=day) if t.raw_count != len(t.points) else t.points
    data = {
        "line": [[p.latitude, p.longitude] for p in t.points],
        "raw": [[p.latitude, p.longitude, int(p.at.timestamp() * 1000)] for p in raw],
        "gaps": [[g.start.timestamp() * 1000, g.end.timestamp() * 1000] for g in t.gaps],
        "stops": [
            [s.stop.latitude, s.stop.longitude, s.customer_name,
             timezone.localtime(s.stop.start, zone).strftime("%H:%M"), round(s.stop.minutes)]
            for s in t.stops
        ],
        "zone": actor.org.time_zone,
    }  # fmt: skip
    context = {
        "t": t,
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "data": data,
        "zone": zone,
        "switch_on": selectors.switch_of(employee=t.employee),
        "may_switch": t.employee.pk != actor.pk and can_change_owned_by(actor=actor, owner=t.employee),
        "distance_km": f"{t.distance_m / 1000:.1f}",
        "doubtful": day_doubtful_visits(actor=actor, employee_id=t.employee.pk, day=day),
    }
    return render(request, "tracking/day.html", context)


@employee_required()
@require_POST
def employee_switch(request: HttpRequest, employee_id: int) -> HttpResponse:
    actor = actor_of(request)
    enabled = request.POST.get("enabled") == "1"
    try:
        services.tracking_switch_set(actor=actor, employee_id=employee_id, enabled=enabled)
    except ServiceError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Tracking switched on.") if enabled else _("Tracking switched off."))
    return redirect(reverse("tracking_day", args=[employee_id]) + "?" + request.GET.urlencode())


@employee_required(Permission.VIEW_EMPLOYEES)
def team_map(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "states": _state_labels(),
        "may_manage": has_permission(actor, Permission.MANAGE_ORGANIZATION),
    }
    return render(request, "tracking/team.html", context)


@employee_required(Permission.VIEW_EMPLOYEES)
def team_json(request: HttpRequest) -> JsonResponse:
    actor = actor_of(request)
    labels = _state_labels()
    members = selectors.team_positions(actor=actor)
    zone = ZoneInfo(actor.org.time_zone)
    rows: list[dict[str, Any]] = []
    for m in members:
        p = m.position
        day = f"?day={timezone.localtime(p.at, zone).date()}" if p else ""
        rows.append({
            "id": m.employee_id, "name": m.name, "state": m.state, "label": labels[m.state], "age_s": m.age_s,
            "at": timezone.localtime(p.at, zone).strftime("%m-%d %H:%M") if p else "",
            "lat": p.latitude if p else None, "lng": p.longitude if p else None,
            "url": reverse("tracking_day", args=[m.employee_id]) + day,
        })  # fmt: skip
    counts = {state: sum(1 for m in members if m.state == state) for state in labels}
    return JsonResponse({"members": rows, "counts": counts, "now": timezone.now().isoformat()})


@employee_required(Permission.MANAGE_ORGANIZATION)
def settings_edit(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    current = selectors.tracking_settings(org_id=actor.org_id)
    initial = {name: getattr(current, name) for name in TrackingSettingsForm.base_fields}
    form = TrackingSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.tracking_settings_update(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("tracking_settings")
    return render(request, "tracking/settings.html", {"form": form})
