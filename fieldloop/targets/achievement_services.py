"""Reminders of achievement: on the organization's reminder weekdays (`TargetSettings.reminder_weekdays`), each
manager hears once that day which of the people they lead are at risk or behind on a locked plan of the current
fiscal year, in the current fiscal month at the target tier. "The people they lead": their direct reports and
everyone in the departments they manage (and below). Run daily by `manage.py remind_targets_at_risk`."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from fieldloop.core import progress
from fieldloop.notifications.kinds import register_kind
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org.models import Department, Employee, EmployeeStatus, Organization

from . import achievement as ach
from .models import PlanStatus, TargetPlan, TargetSettings, TargetValue, Tier
from .periods import period_bounds

KIND_AT_RISK = "targets.at_risk"
NAMES_SHOWN = 5


def _at_risk_message(p: Mapping[str, Any]) -> str:
    n = int(p["n"])
    return ngettext(
        "%(n)d person you lead is at risk or behind on their target: %(names)s.",
        "%(n)d people you lead are at risk or behind on their targets: %(names)s.",
        n,
    ) % {"n": n, "names": p["names"]}


def register_notices() -> None:
    register_kind(KIND_AT_RISK, message=_at_risk_message, icon="ti-target-arrow")


def lagging_employees(*, org: Organization, plan: TargetPlan, today: Any) -> dict[int, str]:
    """The employees whose status on the plan's current fiscal month (target tier) is at risk or behind: four
    queries (the calendar's two, the targets, the actuals), whatever the number of people."""
    period = ach.current_period(plan, today)
    first, last = period_bounds(plan, period)
    _done, _total, elapsed = ach.work_calendar(org_id=org.pk, first=first, last=last).elapsed(first, last, today)
    targets = dict(
        TargetValue.objects.filter(plan=plan, period=period, employee__isnull=False).values_list(
            "employee_id", Tier.TARGET
        )
    )
    if not targets:
        return {}
    actual: dict[int, Decimal] = defaultdict(lambda: ach.ZERO)
    for (_d, e), v in ach.actuals_by_pair(org=org, metric=plan.metric, first=first, last=last).items():
        actual[e] += v
    lagging = {}
    for employee_id, target in targets.items():
        status = ach.status_of(ach.attainment_of(actual[employee_id], target), elapsed)
        if status in ach.LAGGING:
            lagging[employee_id] = str(status)
    return lagging


def remind_org(org: Organization, settings: TargetSettings, now: datetime) -> int:
    """Notify the managers of one organization (if today is a reminder day there). Returns notices sent."""
    today = now.astimezone(ZoneInfo(org.time_zone)).date()
    if today.weekday() not in (settings.reminder_weekdays or []):
        return 0
    plans = [
        p
        for p in TargetPlan.objects.filter(org=org, status=PlanStatus.LOCKED).order_by("fiscal_year", "id")
        if ach.current_period_or_none(p, today) is not None
    ]
    lagging: set[int] = set()
    for plan in plans:
        lagging |= set(lagging_employees(org=org, plan=plan, today=today))
    if not lagging:
        return 0
    managers_of_department = dict(
        Department.objects.filter(org=org, manager__isnull=False).values_list("id", "manager_id")
    )
    paths = dict(Department.objects.filter(org=org).values_list("id", "path"))
    people = Employee.objects.filter(org=org, pk__in=lagging, status=EmployeeStatus.ACTIVE).values_list(
        "id", "name", "manager_id", "department_id"
    )
    led: dict[int, list[str]] = defaultdict(list)
    for pk, name, manager_id, department_id in people.order_by("name", "id"):
        chain = [int(d) for d in paths.get(department_id, "").split("/") if d.isdigit()]
        bosses = {managers_of_department[d] for d in chain if d in managers_of_department}
        if manager_id:
            bosses.add(manager_id)
        bosses.discard(pk)
        for boss in bosses:
            led[boss].append(name)
    active_bosses = set(
        Employee.objects.filter(org=org, pk__in=list(led), status=EmployeeStatus.ACTIVE).values_list("id", flat=True)
    )
    link = reverse("target_achievement") + (f"?plan={plans[0].pk}" if len(plans) == 1 else "")
    notices = [
        Notice(
            org_id=org.pk,
            recipient_id=boss,
            kind=KIND_AT_RISK,
            link=link,
            params={
                "n": len(names),
                "names": "、".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else ""),
            },
            dedupe_key=f"{KIND_AT_RISK}:{today.isoformat()}",
        )
        for boss, names in sorted(led.items())
        if boss in active_bosses
    ]
    with transaction.atomic():
        notify_many(notices)
    return len(notices)


def all_orgs_remind_targets_at_risk(now: datetime | None = None) -> int:
    """Every organization's reminders of today (its own time zone): at most one notice per manager per day, so a
    second run the same day sends nothing. Returns the notices handed to `notify_many`."""
    now = now or timezone.now()
    sent = 0
    organizations = list(TargetSettings.objects.select_related("org").order_by("org_id"))
    for settings in progress.track(organizations, label="organizations' targets"):
        if settings.reminder_weekdays:
            sent += remind_org(settings.org, settings, now)
    return sent
