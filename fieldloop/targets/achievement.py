"""Achievement (销售目标达成): actual against target for a node of the department tree and a period of a plan.

A node is a department (the company is the root department) or an employee. Actuals come from the daily sales
rollup `sales.SalesDay` for the sales metrics (credit-weighted: a split order counts once, by share), summed over
the department subtree by the department recorded in the rollup, so an employee who moved counts where they were
when the order was signed. Effective visits and calls are counted from the activities (one grouped query), in
the employee's current department (a visit records no department).

Attainment is actual / target in percent, at each tier of the plan. The period's elapsed share counts working
days: the organization's working weekdays (schedules' daily close settings) with its public holidays and
make-up workdays (the attendance calendar); today counts as elapsed. The status compares attainment with the
elapsed share (the pace, attainment / elapsed):

- ahead: pace at least 110 % (or any actual before the period has started);
- on track: at least 95 %;
- at risk: at least 80 %;
- behind: below 80 %.

A node without a target (none set, or zero) has no attainment and no status.

Everything for a node and all its children costs a constant number of queries whatever the size of the tree:
the tree is loaded once, the rollup is read with one grouped query per (department, employee) and the subtree
sums are done in Python.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.attendance.models import CalendarDay, DayKind
from fieldloop.core.days import days_bounds
from fieldloop.core.errors import not_found
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.models import DataScope, Department, Employee, EmployeeStatus, Organization
from fieldloop.org.selectors import visibility_for
from fieldloop.sales.models import OrderCredit, OrderKind, OrderStatus, Payment, SalesDay
from fieldloop.schedules.card_selectors import close_settings

from .models import PERIODS, Metric, PlanStatus, TargetPlan, TargetValue, Tier
from .periods import fiscal_month_calendar, month_range, period_bounds

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.1")
TIERS = [Tier.TARGET, Tier.SPRINT, Tier.CHALLENGE]

# The rollup's column for each sales metric; the activity metrics are counted from the activities.
ROLLUP_FIELDS = {
    Metric.SALES_AMOUNT: "sales_amount",
    Metric.ORDER_COUNT: "order_count",
    Metric.NEW_CUSTOMERS: "new_customer_count",
    Metric.NEW_CUSTOMER_AMOUNT: "new_customer_amount",
    Metric.RENEWAL_AMOUNT: "renewal_amount",
    Metric.PAYMENTS: "payments_amount",
}
ACTIVITY_METRICS = (Metric.EFFECTIVE_VISITS, Metric.CALLS)
MONEY_METRICS = (
    Metric.SALES_AMOUNT,
    Metric.NEW_CUSTOMER_AMOUNT,
    Metric.RENEWAL_AMOUNT,
    Metric.PAYMENTS,
)
# The kinds of order behind each order metric (None: every kind); payments list the payments instead.
ORDER_KINDS: dict[str, tuple[str, ...] | None] = {
    Metric.SALES_AMOUNT: None,
    Metric.ORDER_COUNT: None,
    Metric.NEW_CUSTOMERS: (OrderKind.NEW,),
    Metric.NEW_CUSTOMER_AMOUNT: (OrderKind.NEW,),
    Metric.RENEWAL_AMOUNT: (OrderKind.RENEWAL,),
}

# --- status ---------------------------------------------------------------------------------------------------

AHEAD, ON_TRACK, AT_RISK, BEHIND = "ahead", "on_track", "at_risk", "behind"
STATUS_LABELS = {
    AHEAD: pgettext_lazy("achievement status", "Ahead"),
    ON_TRACK: pgettext_lazy("achievement status", "On track"),
    AT_RISK: pgettext_lazy("achievement status", "At risk"),
    BEHIND: pgettext_lazy("achievement status", "Behind"),
}
# The pace (attainment / elapsed share) from which each status starts; below the last: behind.
AHEAD_PACE = Decimal("1.10")
ON_TRACK_PACE = Decimal("0.95")
AT_RISK_PACE = Decimal("0.80")
LAGGING = (AT_RISK, BEHIND)


def status_of(attainment: Decimal | None, elapsed: Decimal) -> str | None:
    """The status of an attainment (percent, None: no target) when `elapsed` (0..1) of the period has passed."""
    if attainment is None:
        return None
    expected = elapsed * HUNDRED
    if expected <= 0:
        return AHEAD if attainment > 0 else ON_TRACK
    pace = attainment / expected
    if pace >= AHEAD_PACE:
        return AHEAD
    if pace >= ON_TRACK_PACE:
        return ON_TRACK
    if pace >= AT_RISK_PACE:
        return AT_RISK
    return BEHIND


def attainment_of(actual: Decimal, target: Decimal | None) -> Decimal | None:
    """Actual / target in percent, to one decimal; None without a (positive) target."""
    if target is None or target <= 0:
        return None
    return (actual * HUNDRED / target).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


# --- periods --------------------------------------------------------------------------------------------------
def current_period(plan: TargetPlan, today: date) -> str:
    """The fiscal month of the plan's year that contains `today` (the last one after the year, M1 before it)."""
    first, last = period_bounds(plan, "Y")
    if today < first:
        return "M1"
    if today > last:
        return "M12"
    return f"M{(today.year - first.year) * 12 + today.month - first.month + 1}"


def current_period_or_none(plan: TargetPlan, today: date) -> str | None:
    """The fiscal month of the plan's year that contains `today`, or None outside the year."""
    first, last = period_bounds(plan, "Y")
    return current_period(plan, today) if first <= today <= last else None


# --- working days ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """The organization's working days: its working weekdays, with holidays off and make-up workdays on."""

    weekdays: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() in self.weekdays

    def count(self, first: date, last: date) -> int:
        n, day = 0, first
        while day <= last:
            n += self.is_working(day)
            day += timedelta(days=1)
        return n

    def elapsed(self, first: date, last: date, today: date) -> tuple[int, int, Decimal]:
        """Working days elapsed (today included), working days in all, and the share elapsed (0..1)."""
        total = self.count(first, last)
        done = 0 if today < first else self.count(first, min(today, last))
        # a period without a working day is elapsed by the calendar
        share = Decimal(done) / Decimal(total) if total else Decimal(today >= last)
        return done, total, share


def work_calendar(*, org_id: int, first: date, last: date) -> WorkCalendar:
    """Two queries: the working weekdays and the calendar's exceptions from `first` to `last`."""
    weekdays = frozenset(close_settings(org_id=org_id).working_weekdays or [])
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in CalendarDay.objects.filter(org_id=org_id, day__gte=first, day__lte=last).values_list(
        "day", "kind"
    ):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    return WorkCalendar(weekdays, frozenset(holidays), frozenset(workdays))


def local_today(org: Organization) -> date:
    return timezone.now().astimezone(ZoneInfo(org.time_zone)).date()


# --- the tree and visibility ----------------------------------------------------------------------------------

DEPARTMENT, EMPLOYEE = "department", "employee"


@dataclass(frozen=True)
class Dept:
    id: int
    parent_id: int | None
    name: str
    path: str
    depth: int
    archived: bool


@dataclass
class Tree:
    """An organization's departments, loaded once (one query)."""

    by_id: dict[int, Dept]
    children: dict[int | None, list[Dept]]

    def subtree_ids(self, dept: Dept) -> list[int]:
        return [d.id for d in self.by_id.values() if d.path.startswith(dept.path)]

    def ancestors(self, dept: Dept) -> list[Dept]:
        """From the root down to `dept`'s parent."""
        chain = []
        parent = dept.parent_id
        while parent is not None and parent in self.by_id:
            chain.append(self.by_id[parent])
            parent = self.by_id[parent].parent_id
        return chain[::-1]

    @property
    def roots(self) -> list[Dept]:
        return self.children.get(None, [])


def load_tree(org_id: int) -> Tree:
    rows = (
        Department.objects.filter(org_id=org_id)
        .order_by("path")
        .values_list("id", "parent_id", "name", "path", "depth", "archived_at")
    )
    by_id: dict[int, Dept] = {}
    children: dict[int | None, list[Dept]] = defaultdict(list)
    for pk, parent_id, name, path, depth, archived_at in rows:
        dept = Dept(pk, parent_id, name, path, depth, archived_at is not None)
        by_id[pk] = dept
        children[parent_id].append(dept)
    for siblings in children.values():
        siblings.sort(key=lambda d: (d.archived, d.name, d.id))
    return Tree(by_id, children)


def visible_roots(actor: Employee, tree: Tree) -> list[Dept]:
    """The department subtrees whose achievement the actor sees: the whole company for an organization-wide
    scope, the own department's subtree for a department-tree scope, the managed departments' for the
    subordinates scope; none for a rep (who sees themselves)."""
    visibility = visibility_for(actor)
    if visibility.scope == DataScope.ORG:
        return tree.roots
    if visibility.scope == DataScope.DEPARTMENT_TREE:
        paths: Sequence[str] = [visibility.department_path]
    elif visibility.scope == DataScope.SUBORDINATES:
        paths = visibility.managed_paths
    else:
        return []
    roots = [d for d in tree.by_id.values() if d.path in paths]
    # a managed department inside another managed one is already in that one's subtree
    return [d for d in roots if not any(d is not r and d.path.startswith(r.path) for r in roots)]


def sees_department(roots: Iterable[Dept], dept: Dept) -> bool:
    return any(dept.path.startswith(r.path) for r in roots)


# --- results --------------------------------------------------------------------------------------------------


@dataclass
class NodeFigure:
    """One node's achievement in one period: actual, the target at each tier, attainment and status per tier."""

    kind: str  # DEPARTMENT or EMPLOYEE
    id: int
    name: str
    actual: Decimal
    targets: dict[str, Decimal | None]
    elapsed: Decimal
    visible: bool = True  # may the actor open this node (a moved employee's new department may be out of reach)
    note: str = ""  # "moved" or "left" for an employee no longer in the department
    attainment: dict[str, Decimal | None] = field(default_factory=dict)
    status: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for tier, target in self.targets.items():
            self.attainment[tier] = attainment_of(self.actual, target)
            self.status[tier] = status_of(self.attainment[tier], self.elapsed)


@dataclass
class PeriodFigure:
    period: str
    first_day: date
    last_day: date
    elapsed: Decimal
    figure: NodeFigure


@dataclass
class Achievement:
    plan: TargetPlan
    period: str
    first_day: date
    last_day: date
    working_days: int
    working_days_elapsed: int
    elapsed: Decimal
    tiers: list[str]
    node: NodeFigure
    children: list[NodeFigure]
    breadcrumb: list[tuple[str, int, str]]  # (kind, id, name) from the top the actor sees down to the node's parent
    periods: list[PeriodFigure] = field(default_factory=list)


def plan_tiers(plan: TargetPlan) -> list[str]:
    return [str(t) for t in TIERS[: plan.tiers]]


def _targets_of(value: TargetValue | None, tiers: list[str]) -> dict[str, Decimal | None]:
    return {tier: (getattr(value, tier) if value is not None else None) for tier in tiers}


# --- actuals --------------------------------------------------------------------------------------------------


def _day_bounds(org: Organization, first: date, last: date) -> tuple[datetime, datetime]:
    return days_bounds(first, last, ZoneInfo(org.time_zone))


def _activities(org: Organization, metric: str, first: date, last: date) -> tuple[QuerySet[Any], str]:
    """The activity rows of a metric in the period, and the name of their employee field."""
    start, end = _day_bounds(org, first, last)
    if metric == Metric.EFFECTIVE_VISITS:
        visits = Visit.objects.filter(org_id=org.pk, effective=True, checked_in_at__gte=start, checked_in_at__lt=end)
        return visits, "employee"
    calls = WorkRecord.objects.filter(
        org_id=org.pk, archived_at__isnull=True, template__purpose=Purpose.CALL, captured_at__gte=start,
        captured_at__lt=end,
    )  # fmt: skip
    return calls, "author"


def _places(metric: str) -> Decimal:
    """The exponent of a metric's figures: the rollup column's decimal places (sums come back from SQLite as
    floats-turned-decimals), whole numbers for activity counts."""
    if metric not in ROLLUP_FIELDS:
        return Decimal(1)
    places = SalesDay._meta.get_field(ROLLUP_FIELDS[Metric(metric)]).decimal_places  # type: ignore[union-attr]
    return Decimal(1).scaleb(-int(places or 0))


def actuals_by_pair(
    *,
    org: Organization,
    metric: str,
    first: date,
    last: date,
    department_ids: list[int] | None = None,
    employee_id: int | None = None,
) -> dict[tuple[int, int], Decimal]:
    """The actual of each (department, employee) in the period: one grouped query. Sales metrics: the department
    recorded in the rollup; activity metrics: the employee's current department. `department_ids` (None: all)
    or `employee_id` narrow it."""
    if metric in ROLLUP_FIELDS:
        qs: QuerySet[Any] = SalesDay.objects.filter(org_id=org.pk, day__gte=first, day__lte=last)
        if department_ids is not None:
            qs = qs.filter(department_id__in=department_ids)
        if employee_id is not None:
            qs = qs.filter(employee_id=employee_id)
        rows = qs.values_list("department_id", "employee_id").annotate(v=Sum(ROLLUP_FIELDS[Metric(metric)]))
    else:
        qs, who = _activities(org, metric, first, last)
        if department_ids is not None:
            qs = qs.filter(**{f"{who}__department_id__in": department_ids})
        if employee_id is not None:
            qs = qs.filter(**{f"{who}_id": employee_id})
        rows = qs.values_list(f"{who}__department_id", f"{who}_id").annotate(v=Count("id"))
    places = _places(metric)
    return {(d, e): Decimal(v or 0).quantize(places) for d, e, v in rows.order_by()}


def actuals_by_month(
    *,
    org: Organization,
    metric: str,
    first: date,
    last: date,
    department_ids: list[int] | None = None,
    employee_id: int | None = None,
) -> dict[date, Decimal]:
    """The actual of each calendar month (keyed by its first day) from `first` to `last`: one grouped query (by
    day for the rollup, by month for the activities)."""
    if metric in ROLLUP_FIELDS:
        qs: QuerySet[Any] = SalesDay.objects.filter(org_id=org.pk, day__gte=first, day__lte=last)
        if department_ids is not None:
            qs = qs.filter(department_id__in=department_ids)
        if employee_id is not None:
            qs = qs.filter(employee_id=employee_id)
        # grouped by the day column itself (at most 366 rows), months summed in Python: a month expression would
        # cost a Python function call per rollup row on SQLite
        rows = qs.values_list("day").annotate(v=Sum(ROLLUP_FIELDS[Metric(metric)]))
    else:
        qs, who = _activities(org, metric, first, last)
        if department_ids is not None:
            qs = qs.filter(**{f"{who}__department_id__in": department_ids})
        if employee_id is not None:
            qs = qs.filter(**{f"{who}_id": employee_id})
        stamp = "checked_in_at" if who == "employee" else "captured_at"
        rows = (
            qs.annotate(month=TruncMonth(stamp, tzinfo=ZoneInfo(org.time_zone)))
            .values_list("month")
            .annotate(v=Count("id"))
        )
    result: dict[date, Decimal] = {}
    for month, v in rows.order_by():
        key = (month.date() if isinstance(month, datetime) else month).replace(day=1)
        result[key] = result.get(key, ZERO) + Decimal(v or 0).quantize(_places(metric))
    return result


# --- the selectors --------------------------------------------------------------------------------------------


def visible_plans(*, actor: Employee) -> QuerySet[TargetPlan]:
    """The organization's plans: a plan is organization-wide knowledge (its values are scoped by node)."""
    return TargetPlan.objects.filter(org_id=actor.org_id).order_by("-fiscal_year", "status", "name", "id")


def plan_get(*, actor: Employee, plan_id: int) -> TargetPlan:
    plan = visible_plans(actor=actor).filter(pk=plan_id).first()
    if plan is None:
        raise not_found()
    return plan


def default_plan(*, actor: Employee) -> TargetPlan | None:
    """The plan the achievement page opens on: this fiscal year's, locked first, sales amount first."""
    plans = list(visible_plans(actor=actor))
    if not plans:
        return None
    today = local_today(actor.org)

    def rank(p: TargetPlan) -> tuple[int, int, int, int]:
        first, last = period_bounds(p, "Y")
        current = first <= today <= last
        return (not current, p.status != PlanStatus.LOCKED, p.metric != Metric.SALES_AMOUNT, -p.fiscal_year)

    return min(plans, key=rank)


def _children_of_department(
    *, actor: Employee, plan: TargetPlan, tree: Tree, dept: Dept, pairs: dict[tuple[int, int], Decimal]
) -> tuple[list[tuple[str, int, str, Decimal, bool, str]], list[int]]:
    """(kind, id, name, actual, visible, note) of the department's children: its sub-departments, its members
    and whoever was credited in it and has since moved or left. One query (the employees)."""
    dept_total: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (d, _e), v in pairs.items():
        node = tree.by_id.get(d)
        while node is not None:
            dept_total[node.id] += v
            node = tree.by_id.get(node.parent_id) if node.parent_id is not None else None
    rows: list[tuple[str, int, str, Decimal, bool, str]] = []
    for child in tree.children.get(dept.id, []):
        if child.archived and not dept_total.get(child.id):
            continue
        rows.append((DEPARTMENT, child.id, child.name, dept_total.get(child.id, ZERO), True, ""))
    credited_here = {e: v for (d, e), v in pairs.items() if d == dept.id}
    visibility = visibility_for(actor)
    members = (
        Employee.objects.filter(org_id=actor.org_id)
        .filter(Q(department_id=dept.id, status=EmployeeStatus.ACTIVE) | Q(pk__in=list(credited_here)))
        .values_list("id", "name", "department_id", "status")
        .order_by("name", "id")
    )
    member_rows = list(members)
    visible_ids: set[int] = set()
    if not visibility.sees_whole_org:
        visible_ids = set(
            Employee.objects.filter(org_id=actor.org_id, pk__in=[m[0] for m in member_rows])
            .filter(visibility.condition())
            .values_list("id", flat=True)
        )
    employee_ids = []
    for pk, name, department_id, status in member_rows:
        note = "left" if status != EmployeeStatus.ACTIVE else ("moved" if department_id != dept.id else "")
        visible = visibility.sees_whole_org or pk in visible_ids
        rows.append((EMPLOYEE, pk, name, credited_here.get(pk, ZERO), visible, note))
        employee_ids.append(pk)
    return rows, employee_ids


def achievement(
    *,
    actor: Employee,
    plan: TargetPlan,
    period: str,
    department_id: int | None = None,
    employee_id: int | None = None,
    today: date | None = None,
    with_periods: bool = True,
) -> Achievement:
    """A node's achievement in a period with its children's (a department's sub-departments and members), and,
    with `with_periods`, the node's figures for every period of the fiscal year. Without a node: the top the
    actor sees (the company, their subtree, or themselves). Not visible: not found. A constant number of
    queries whatever the size of the tree."""
    if period not in PERIODS:
        raise ValueError(f"not a period: {period!r}")
    org = actor.org
    today = today or local_today(org)
    tiers = plan_tiers(plan)
    tree = load_tree(org.pk)
    roots = visible_roots(actor, tree)
    year_first, year_last = period_bounds(plan, "Y")
    first, last = period_bounds(plan, period)
    calendar = work_calendar(org_id=org.pk, first=year_first, last=year_last)
    done, total, elapsed = calendar.elapsed(first, last, today)

    employee: Employee | None = None
    dept: Dept | None = None
    if employee_id is not None:
        employee = (
            Employee.objects.filter(org_id=org.pk, pk=employee_id)
            .filter(visibility_for(actor).condition())
            .select_related("department")
            .first()
        )
        if employee is None:
            raise not_found()
    elif department_id is not None:
        dept = tree.by_id.get(department_id)
        if dept is None or not sees_department(roots, dept):
            raise not_found()
    elif roots:
        dept = roots[0]
    else:
        employee = actor

    values_filter = Q() if with_periods else Q(period=period)  # the node's own values: every period, or this one
    children: list[NodeFigure] = []
    if dept is not None:
        subtree = tree.subtree_ids(dept)
        whole = len(subtree) == len(tree.by_id)
        pairs = actuals_by_pair(
            org=org, metric=plan.metric, first=first, last=last, department_ids=None if whole else subtree
        )
        child_rows, member_ids = _children_of_department(actor=actor, plan=plan, tree=tree, dept=dept, pairs=pairs)
        child_depts = [r[1] for r in child_rows if r[0] == DEPARTMENT]
        values = TargetValue.objects.filter(plan=plan).filter(
            (Q(department_id__in=[dept.id, *child_depts]) | Q(employee_id__in=member_ids)) & Q(period=period)
            | Q(department_id=dept.id) & values_filter
        )
        by_node: dict[tuple[str, int, str], TargetValue] = {}
        for v in values:
            key = (DEPARTMENT, v.department_id) if v.department_id else (EMPLOYEE, v.employee_id)
            by_node[(key[0], int(key[1] or 0), v.period)] = v
        actual = sum(pairs.values(), ZERO)
        node = NodeFigure(
            DEPARTMENT,
            dept.id,
            dept.name,
            actual,
            _targets_of(by_node.get((DEPARTMENT, dept.id, period)), tiers),
            elapsed,
        )
        for kind, pk, name, child_actual, visible, note in child_rows:
            children.append(
                NodeFigure(kind, pk, name, child_actual, _targets_of(by_node.get((kind, pk, period)), tiers), elapsed,
                           visible=visible, note=note)
            )  # fmt: skip
        visible_top = [a for a in tree.ancestors(dept) if sees_department(roots, a)]
        breadcrumb = [(DEPARTMENT, a.id, a.name) for a in visible_top]
        monthly_filter: dict[str, Any] = {"department_ids": None if whole else subtree}
        node_key = (DEPARTMENT, dept.id)
    else:
        employee = employee or actor
        pairs = actuals_by_pair(org=org, metric=plan.metric, first=first, last=last, employee_id=employee.pk)
        by_node = {
            (EMPLOYEE, employee.pk, v.period): v
            for v in TargetValue.objects.filter(plan=plan, employee_id=employee.pk).filter(values_filter)
        }
        node = NodeFigure(
            EMPLOYEE, employee.pk, employee.name, sum(pairs.values(), ZERO),
            _targets_of(by_node.get((EMPLOYEE, employee.pk, period)), tiers), elapsed,
        )  # fmt: skip
        home = tree.by_id.get(employee.department_id)
        chain = [*tree.ancestors(home), home] if home else []
        breadcrumb = [(DEPARTMENT, a.id, a.name) for a in chain if sees_department(roots, a)]
        monthly_filter = {"employee_id": employee.pk}
        node_key = (EMPLOYEE, employee.pk)

    result = Achievement(
        plan=plan, period=period, first_day=first, last_day=last, working_days=total, working_days_elapsed=done,
        elapsed=elapsed, tiers=tiers, node=node, children=children, breadcrumb=breadcrumb,
    )  # fmt: skip
    if with_periods:
        monthly = actuals_by_month(org=org, metric=plan.metric, first=year_first, last=year_last, **monthly_filter)
        for p in PERIODS:
            p_first, p_last = period_bounds(plan, p)
            first_month, last_month = month_range(p)
            months = [date(*fiscal_month_calendar(plan, m), 1) for m in range(first_month, last_month + 1)]
            p_actual = sum((monthly.get(m, ZERO) for m in months), ZERO)
            p_elapsed = calendar.elapsed(p_first, p_last, today)[2]
            figure = NodeFigure(
                node.kind, node.id, node.name, p_actual, _targets_of(by_node.get((*node_key, p)), tiers), p_elapsed
            )
            result.periods.append(PeriodFigure(p, p_first, p_last, p_elapsed, figure))
    return result


# --- the orders behind an employee's number -------------------------------------------------------------------


@dataclass
class CreditedLine:
    """An order (or a payment, for the payments metric) credited to the employee in the period."""

    order_id: int
    number: str
    customer: str
    day: date
    kind: str
    amount: Decimal  # the order's total (or the payment's amount)
    share_percent: Decimal
    credited: Decimal  # amount x share
    department: str  # where the employee was counted


CREDITED_LIMIT = 200


def credited_orders(
    *, actor: Employee, plan: TargetPlan, employee_id: int, period: str, limit: int = CREDITED_LIMIT
) -> tuple[list[CreditedLine], int]:
    """The confirmed orders credited to a visible employee that were signed in the period (of the metric's kind),
    or for the payments metric the payments received in the period on orders credited to them: at most `limit`
    rows, by day, and how many there are. Two queries. Activity metrics have none."""
    employee = Employee.objects.filter(org_id=actor.org_id, pk=employee_id).filter(visibility_for(actor).condition())
    if not employee.exists():
        raise not_found()
    if plan.metric in ACTIVITY_METRICS:
        return [], 0
    first, last = period_bounds(plan, period)
    credits = OrderCredit.objects.filter(
        org_id=actor.org_id, employee_id=employee_id, order__status=OrderStatus.CONFIRMED
    )
    lines: list[CreditedLine] = []
    rows: Iterable[tuple[int, str, str, date, str, Decimal, Decimal, str]]
    if plan.metric == Metric.PAYMENTS:
        payments = Payment.objects.filter(
            org_id=actor.org_id, order__credits__employee_id=employee_id, order__status=OrderStatus.CONFIRMED,
            received_on__gte=first, received_on__lte=last,
        )  # fmt: skip
        count = payments.count()
        rows = payments.order_by("received_on", "id").values_list(
            "order_id", "order__number", "order__customer__name", "received_on", "order__kind", "amount",
            "order__credits__share_percent", "order__credits__department__name",
        )[:limit]  # fmt: skip
    else:
        credits = credits.filter(order__signed_on__gte=first, order__signed_on__lte=last)
        kinds = ORDER_KINDS.get(plan.metric)
        if kinds is not None:
            credits = credits.filter(order__kind__in=kinds)
        count = credits.count()
        rows = credits.order_by("order__signed_on", "order_id").values_list(
            "order_id", "order__number", "order__customer__name", "order__signed_on", "order__kind", "order__total",
            "share_percent", "department__name",
        )[:limit]  # fmt: skip
    for order_id, number, customer, day, kind, amount, share, department in rows:
        credited = (amount * share / HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        lines.append(CreditedLine(order_id, number, customer, day, kind, amount, share, credited, department))
    return lines, count


def is_money(metric: str) -> bool:
    return metric in MONEY_METRICS


NOTE_LABELS = {"moved": _("moved since"), "left": _("left")}
