"""Reads of target plans: the settings, the plans, one plan's tree of values and its revisions.

A plan is the organization's: everyone in it sees the list. Its values are read through visibility: a
planner (MANAGE_TARGETS: the administrator, a sales director) or anyone whose data scope is the organization sees
every node; anyone else the departments they
lead or belong to and the people they see (`org.selectors.visible_employees`). A plan's tree is three queries
(departments, employees, values) whatever the size of the organization.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from fieldloop.core.errors import not_found
from fieldloop.org.models import Department, Employee, EmployeeStatus
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import visibility_for, visible_employees

from . import suggestions
from .decomposition import Key, PlanTree, build_tree
from .models import TargetPlan, TargetRevision, TargetSettings, TargetValue
from .periods import fiscal_month_calendar

DEFAULT_START_MONTH = 1


@dataclass(frozen=True)
class Settings:
    fiscal_year_start_month: int
    reminder_weekdays: list[int]


def target_settings_of(*, org_id: int) -> Settings:
    """The organization's target settings (the defaults when never set: nothing is written by reading)."""
    row = TargetSettings.objects.filter(org_id=org_id).first()
    if row is None:
        return Settings(DEFAULT_START_MONTH, [])
    return Settings(row.fiscal_year_start_month, list(row.reminder_weekdays or []))


def org_today(employee: Employee) -> datetime.date:
    return timezone.now().astimezone(ZoneInfo(employee.org.time_zone)).date()


def plan_list(*, actor: Employee) -> QuerySet[TargetPlan]:
    return (
        TargetPlan.objects.filter(org_id=actor.org_id)
        .select_related("created_by")
        .order_by("-fiscal_year", "name", "id")
    )


def plan_get(*, actor: Employee, plan_id: int) -> TargetPlan:
    plan = TargetPlan.objects.filter(org_id=actor.org_id, pk=plan_id).select_related("locked_by").first()
    if plan is None or not actor.is_active:
        raise not_found()
    return plan


def _plans_the_whole_org(actor: Employee) -> bool:
    """A planner (MANAGE_TARGETS: the administrator, a sales director) decomposes the whole company's plan."""
    return has_permission(actor, Permission.MANAGE_TARGETS)


def _people(actor: Employee) -> QuerySet[Employee]:
    if _plans_the_whole_org(actor):
        return Employee.objects.filter(org_id=actor.org_id)
    return visible_employees(actor=actor)


def _visible_departments(actor: Employee) -> Q | None:
    """None: every department; else the condition on the departments the actor's values reach."""
    visibility = visibility_for(actor)
    if visibility.sees_whole_org or _plans_the_whole_org(actor):
        return None
    condition = Q(pk=actor.department_id)
    paths = list(visibility.managed_paths)
    if visibility.scope in ("department_tree",):
        paths.append(visibility.department_path)
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition


def plan_tree(*, actor: Employee, plan: TargetPlan) -> PlanTree:
    """The plan's nodes the actor sees, with their values: active departments, active employees and anyone who
    left but still holds values in the plan. Three queries."""
    departments = Department.objects.filter(org_id=actor.org_id, archived_at__isnull=True)
    reach = _visible_departments(actor)
    if reach is not None:
        departments = departments.filter(reach)
    holding = TargetValue.objects.filter(plan=plan, employee__isnull=False).values("employee_id")
    people = _people(actor).filter(Q(status=EmployeeStatus.ACTIVE) | Q(pk__in=holding))
    dept_rows = list(departments.order_by("path").values_list("id", "parent_id", "name"))
    emp_rows = [
        (pk, d, name, role, status == EmployeeStatus.ACTIVE)
        for pk, d, name, role, status in people.order_by("name", "id").values_list(
            "id", "department_id", "name", "role", "status"
        )
    ]
    values = TargetValue.objects.filter(plan=plan)
    if reach is not None:
        values = values.filter(
            Q(department_id__in=[d for d, _p, _n in dept_rows]) | Q(employee_id__in=[e[0] for e in emp_rows])
        )
    value_rows = [
        (("d", d) if d is not None else ("e", e), period, t, s, c)
        for d, e, period, t, s, c in values.values_list(
            "department_id", "employee_id", "period", "target", "sprint", "challenge"
        )
    ]
    return build_tree(departments=dept_rows, employees=emp_rows, values=value_rows)


def plan_explanations(*, plan: TargetPlan) -> dict[tuple[str, int], str]:
    """The explanation of each node's yearly value (where a suggestion came from)."""
    rows = TargetValue.objects.filter(plan=plan, period="Y").exclude(explanation="")
    return {
        (("d", d) if d is not None else ("e", e)): text
        for d, e, text in rows.values_list("department_id", "employee_id", "explanation")
    }


def plan_revisions(*, actor: Employee, plan: TargetPlan) -> QuerySet[TargetRevision]:
    """The plan's revisions, newest first, with who made them and on which node."""
    qs = TargetRevision.objects.filter(org_id=actor.org_id, plan=plan).select_related(
        "author", "department", "employee"
    )
    reach = _visible_departments(actor)
    if reach is not None:
        visible_depts = Department.objects.filter(org_id=actor.org_id).filter(reach).values("pk")
        qs = qs.filter(Q(department_id__in=visible_depts) | Q(employee__in=_people(actor)))
    return qs.order_by("-created_at", "-id")


def plan_history(plan: TargetPlan, today: datetime.date) -> dict[Key, suggestions.History]:
    """Every node's actuals per fiscal month over the 24 months before the plan (or this month)."""
    paths = dict(Department.objects.filter(org_id=plan.org_id).values_list("pk", "path"))
    end = suggestions.history_window(fiscal_year=plan.fiscal_year, start_month=plan.start_month, today=today)
    return suggestions.load_history(
        org_id=plan.org_id, metric=plan.metric, end=end, start_month=plan.start_month, department_paths=paths
    )


def tree_shape(tree: PlanTree) -> suggestions.TreeShape:
    departments: dict[int, int | None] = {}
    employees: dict[int, tuple[int, str]] = {}
    for n in tree.walk():
        if n.kind == "d":
            departments[n.id] = n.parent.id if n.parent else None
        elif n.active and n.parent is not None:
            employees[n.id] = (n.parent.id, n.role)
    return suggestions.TreeShape(departments=departments, employees=employees)


def plan_suggestion(
    *,
    plan: TargetPlan,
    tree: PlanTree,
    actor: Employee,
    scale: Decimal,
    role_defaults: Mapping[str, Decimal],
    history: Mapping[Key, suggestions.History] | None = None,
) -> tuple[dict[Key, suggestions.NodeSuggestion], dict[Key, str]]:
    """Every node's suggestion for the target tier and its explanation (a read: nothing is written)."""
    if history is None:
        history = plan_history(plan, org_today(actor))
    result = suggestions.suggest(
        shape=tree_shape(tree), history=history, quantum=suggestions.quantum_of(plan.metric), scale=scale,
        role_defaults=role_defaults,
    )  # fmt: skip
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€", "JPY": "¥", "GBP": "£"}.get(actor.org.currency, "")
    calendar_months = [fiscal_month_calendar(plan, m)[1] for m in range(1, 13)]
    texts = {
        key: suggestions.explanation(s, metric=plan.metric, currency_symbol=symbol, calendar_month_of=calendar_months)
        for key, s in result.items()
    }
    return result, texts


def plan_suggestion_preview(
    *, actor: Employee, plan_id: int, scale: Decimal, role_defaults: Mapping[str, Decimal]
) -> tuple[TargetPlan, PlanTree, dict[Key, suggestions.NodeSuggestion], dict[Key, str]]:
    """What accepting the suggestion would write (planners: it reads everyone's history)."""
    from fieldloop.org.services import require_permission

    require_permission(actor, Permission.MANAGE_TARGETS)
    plan = plan_get(actor=actor, plan_id=plan_id)
    tree = plan_tree(actor=actor, plan=plan)
    result, texts = plan_suggestion(plan=plan, tree=tree, actor=actor, scale=scale, role_defaults=role_defaults)
    return plan, tree, result, texts
