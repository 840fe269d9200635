"""Suggested targets from data, not guesses: pure functions over numbers, and one loader.

For each node (a department or an employee) the history is its actuals per month over the 24 months before the
plan (or before this month, when the plan starts later): the last 12 and the 12 before them.

- trend: growth of the last 12 months over the 12 before, clamped to [TREND_MIN, TREND_MAX] (0 without a
  previous year);
- seasonality weights: each fiscal month's share of the last 12 months (the parent's weights when the node sold
  nothing; equal weights at the top);
- share of the parent: the node's last 12 months over the sum of its siblings' (sub-departments and the
  department's direct employees).

The year is decided top-down: each top department gets its last 12 months * (1 + trend) * scale; a department's
value goes to its children by share, after the people without history (newcomers) got their role default. The
months are decided bottom-up: an employee's year is spread over the months by their own weights, a department's
months are the sums of its children's, so the plan adds up along the tree and along time by construction. Every
split rounds to the metric's quantum by the largest remainder (ties to the earlier node), so the same data always
gives the same suggestion.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import CharField, Func, Sum
from django.utils.translation import gettext as _

from .models import Metric

ZERO = Decimal(0)
CENT = Decimal("0.01")
ONE = Decimal(1)
TREND_MIN = Decimal("-0.30")
TREND_MAX = Decimal("0.50")
COUNT_METRICS = {Metric.ORDER_COUNT, Metric.NEW_CUSTOMERS, Metric.EFFECTIVE_VISITS, Metric.CALLS}
MONEY_METRICS = {Metric.SALES_AMOUNT, Metric.NEW_CUSTOMER_AMOUNT, Metric.RENEWAL_AMOUNT, Metric.PAYMENTS}
SALES_DAY_FIELD = {
    Metric.SALES_AMOUNT: "sales_amount",
    Metric.ORDER_COUNT: "order_count",
    Metric.NEW_CUSTOMERS: "new_customer_count",
    Metric.NEW_CUSTOMER_AMOUNT: "new_customer_amount",
    Metric.RENEWAL_AMOUNT: "renewal_amount",
    Metric.PAYMENTS: "payments_amount",
}

Node = tuple[str, int]  # ("d", department id) or ("e", employee id)


def quantum_of(metric: str) -> Decimal:
    """Counts are whole numbers, amounts are cents."""
    return ONE if metric in COUNT_METRICS else CENT


# --- pure arithmetic ------------------------------------------------------------------------------------------


def split(total: Decimal, weights: Sequence[Decimal], quantum: Decimal) -> list[Decimal]:
    """`total` split in proportion to `weights`, each part a multiple of `quantum`, the parts adding up to `total`
    exactly (largest remainder; ties to the earlier part). Zero weights everywhere: equal parts."""
    n = len(weights)
    if n == 0:
        return []
    total = total.quantize(quantum, rounding=ROUND_HALF_UP)
    weight_sum = sum(weights, ZERO)
    if weight_sum <= 0:
        weights, weight_sum = [ONE] * n, Decimal(n)
    units = int(total / quantum)
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(x) for x in exact]  # weights and total are not negative
    left = units - sum(floors)
    order = sorted(range(n), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * quantum for f in floors]


def trend_of(last12: Decimal, previous12: Decimal) -> Decimal:
    """Growth of the last 12 months over the 12 before, clamped; 0 when there is no previous year."""
    if previous12 <= 0:
        return ZERO
    growth = last12 / previous12 - 1
    return min(max(growth, TREND_MIN), TREND_MAX)


def weights_of(months: Sequence[Decimal], fallback: Sequence[Decimal] | None = None) -> list[Decimal]:
    """Each month's share of the twelve (summing to 1); the fallback's (or equal ones) when the months are all 0."""
    total = sum(months, ZERO)
    if total <= 0:
        return list(fallback) if fallback is not None else [ONE / 12] * 12
    return [m / total for m in months]


@dataclass
class History:
    """A node's actuals per fiscal month: `last` the last 12 months, `previous` the 12 before."""

    last: list[Decimal] = field(default_factory=lambda: [ZERO] * 12)
    previous: list[Decimal] = field(default_factory=lambda: [ZERO] * 12)

    @property
    def last_total(self) -> Decimal:
        return sum(self.last, ZERO)

    @property
    def previous_total(self) -> Decimal:
        return sum(self.previous, ZERO)


@dataclass(frozen=True)
class TreeShape:
    """The plan's nodes: departments (id -> parent id) and employees (id -> department id, role)."""

    departments: Mapping[int, int | None]
    employees: Mapping[int, tuple[int, str]]

    def children(self) -> dict[int, list[Node]]:
        kids: dict[int, list[Node]] = defaultdict(list)
        for d, parent in sorted(self.departments.items()):
            if parent is not None and parent in self.departments:
                kids[parent].append(("d", d))
        for e, (d, _role) in sorted(self.employees.items()):
            kids[d].append(("e", e))
        return kids

    def roots(self) -> list[int]:
        return [d for d, p in sorted(self.departments.items()) if p is None or p not in self.departments]


@dataclass
class NodeSuggestion:
    year: Decimal
    months: list[Decimal]  # fiscal months M1..M12
    last_total: Decimal
    trend: Decimal
    weights: list[Decimal]
    share: Decimal | None  # of the parent's last 12 months; None at the top
    role_default: bool = False  # an employee without history

    def periods(self) -> dict[str, Decimal]:
        values = {f"M{i + 1}": m for i, m in enumerate(self.months)}
        for q in range(4):
            values[f"Q{q + 1}"] = sum(self.months[3 * q : 3 * q + 3], ZERO)
        values["Y"] = sum(self.months, ZERO)
        return values


def suggest(
    *,
    shape: TreeShape,
    history: Mapping[Node, History],
    quantum: Decimal,
    scale: Decimal = ONE,
    role_defaults: Mapping[str, Decimal] | None = None,
) -> dict[Node, NodeSuggestion]:
    """Every node's suggested year and months (see the module's docstring)."""
    role_defaults = role_defaults or {}
    kids = shape.children()
    empty = History()

    def hist(node: Node) -> History:
        return history.get(node, empty)

    def is_newcomer(node: Node) -> bool:
        return node[0] == "e" and hist(node).last_total <= 0

    # the role defaults held below each node (bottom-up): what its newcomers get before anything is shared
    floor: dict[Node, Decimal] = {}

    def floor_of(node: Node) -> Decimal:
        if node not in floor:
            if node[0] == "e":
                role = shape.employees[node[1]][1]
                floor[node] = role_defaults.get(role, ZERO) if is_newcomer(node) else ZERO
            else:
                floor[node] = sum((floor_of(k) for k in kids.get(node[1], [])), ZERO)
        return floor[node]

    years: dict[Node, Decimal] = {}
    shares: dict[Node, Decimal | None] = {}

    def give(node: Node, value: Decimal) -> None:
        years[node] = value
        if node[0] != "d":
            return
        children = kids.get(node[1], [])
        if not children:
            return
        floors = [floor_of(k) for k in children]
        floor_sum = sum(floors, ZERO)
        if value <= floor_sum:  # not even the newcomers' defaults fit: they share what there is
            parts = split(value, floors, quantum)
            for k in children:
                shares[k] = None
        else:
            pasts = [hist(k).last_total for k in children]
            past_sum = sum(pasts, ZERO)
            for k, p in zip(children, pasts, strict=True):
                shares[k] = p / past_sum if past_sum > 0 else None
            rest = split(value - floor_sum, pasts, quantum)
            parts = [f + r for f, r in zip(floors, rest, strict=True)]
        for k, part in zip(children, parts, strict=True):
            give(k, part)

    for root in shape.roots():
        h = hist(("d", root))
        grown = h.last_total * (1 + trend_of(h.last_total, h.previous_total)) * scale
        value = max(grown.quantize(quantum, rounding=ROUND_HALF_UP), floor_of(("d", root)))
        shares[("d", root)] = None
        give(("d", root), value)

    # months, bottom-up: employees by their own weights (their department's when they sold nothing)
    result: dict[Node, NodeSuggestion] = {}

    def months_of(node: Node, parent_weights: list[Decimal]) -> list[Decimal]:
        h = hist(node)
        weights = weights_of(h.last, parent_weights)
        if node[0] == "e":
            months = split(years[node], weights, quantum)
        else:
            children = kids.get(node[1], [])
            if children:
                months = [ZERO] * 12
                for k in children:
                    for i, m in enumerate(months_of(k, weights)):
                        months[i] += m
                if sum(months, ZERO) != years[node]:  # only when the department holds what its members do not
                    surplus = split(years[node] - sum(months, ZERO), weights, quantum)
                    months = [m + s for m, s in zip(months, surplus, strict=True)]
            else:
                months = split(years[node], weights, quantum)
        result[node] = NodeSuggestion(
            year=years[node], months=months, last_total=h.last_total, trend=trend_of(h.last_total, h.previous_total),
            weights=weights, share=shares.get(node), role_default=is_newcomer(node),
        )  # fmt: skip
        return months

    for root in shape.roots():
        months_of(("d", root), [ONE / 12] * 12)
    return result


def prorated(annual: Decimal, months: int, quantum: Decimal) -> list[Decimal]:
    """A newcomer's target for the months left: a year's default * months / 12, in equal monthly parts."""
    if months <= 0:
        return []
    return split(annual * months / 12, [ONE] * months, quantum)


def compact_number(value: Decimal) -> str:
    """1234567 -> "1.2M", 12345 -> "12.3K", 950 -> "950"."""
    v = abs(value)
    sign = "-" if value < 0 else ""
    for limit, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K")):
        if v >= limit:
            return f"{sign}{(v / limit).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP).normalize():f}{suffix}"
    return f"{sign}{v.quantize(ONE, rounding=ROUND_HALF_UP)}"


def explanation(
    s: NodeSuggestion, *, metric: str, currency_symbol: str, calendar_month_of: Sequence[int], default_label: str = ""
) -> str:
    """One line: "Last 12 months ¥1.2M, trend +15%, March weight 7%" (the month that weighs most)."""
    if s.role_default:
        return _("No history: role default %(value)s") % {"value": default_label or compact_number(s.year)}
    if s.last_total <= 0:
        return _("No history in the last 12 months")
    total = compact_number(s.last_total)
    if metric in MONEY_METRICS:
        total = currency_symbol + total
    peak = max(range(12), key=lambda i: (s.weights[i], -i))
    trend_pct = (s.trend * 100).quantize(ONE, rounding=ROUND_HALF_UP)
    return _("Last 12 months %(total)s, trend %(trend)s%%, month %(month)d weight %(weight)s%%") % {
        "total": total,
        "trend": f"{'+' if trend_pct >= 0 else ''}{trend_pct}",
        "month": calendar_month_of[peak],
        "weight": (s.weights[peak] * 100).quantize(ONE, rounding=ROUND_HALF_UP),
    }


class YearMonth(Func):
    """ "YYYY-MM" of a date, with each database's own function (SQLite's TruncMonth is a Python function called
    for every row)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="strftime('%%%%Y-%%%%m', %(expressions)s)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')", **extra)


def _month_start(value: Any) -> datetime.date:
    if isinstance(value, str):
        return datetime.date(int(value[:4]), int(value[5:7]), 1)
    return value.date() if isinstance(value, datetime.datetime) else value


# --- the loader -----------------------------------------------------------------------------------------------


def history_window(*, fiscal_year: int, start_month: int, today: datetime.date) -> datetime.date:
    """The first day after the history: the plan's first day, or this month's first day if that is earlier."""
    plan_start = datetime.date(fiscal_year, start_month, 1)
    return min(plan_start, today.replace(day=1))


def _month_index(day: datetime.date, end: datetime.date) -> int:
    """0 for the month just before `end`, 23 for 24 months before."""
    return (end.year - day.year) * 12 + end.month - day.month - 1


def load_history(
    *, org_id: int, metric: str, end: datetime.date, start_month: int, department_paths: Mapping[int, str]
) -> dict[Node, History]:
    """Each employee's and each department's actuals per fiscal month over the 24 months before `end`, from one
    grouped query: `sales.SalesDay` for sales metrics (a department's: what was credited to anyone while in its
    subtree), effective visits or call records for activity metrics (counted in the author's department today)."""
    first = datetime.date(end.year - 2, end.month, 1)
    rows: list[tuple[int, int, Any, Decimal]] = []
    if metric in SALES_DAY_FIELD:
        from fieldloop.sales.models import SalesDay

        qs = (
            SalesDay.objects.filter(org_id=org_id, day__gte=first, day__lt=end)
            .annotate(month=YearMonth("day"))
            .values("employee_id", "department_id", "month")
            .annotate(total=Sum(SALES_DAY_FIELD[Metric(metric)]))
            .order_by()
        )
        rows = [(r["employee_id"], r["department_id"], r["month"], r["total"] or ZERO) for r in qs]
    else:
        rows = _activity_rows(org_id=org_id, metric=metric, first=first, end=end)
    by_node: dict[Node, History] = {}

    def add(node: Node, index: int, calendar_month: int, value: Decimal) -> None:
        h = by_node.setdefault(node, History())
        fiscal = (calendar_month - start_month) % 12
        (h.last if index < 12 else h.previous)[fiscal] += value

    per_department: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    for employee_id, department_id, month, value in rows:
        day = _month_start(month)
        index = _month_index(day, end)
        if not 0 <= index < 24:
            continue
        add(("e", employee_id), index, day.month, Decimal(value))
        per_department[(department_id, index, day.month)] += Decimal(value)
    for (department_id, index, calendar_month), value in sorted(per_department.items()):
        path = department_paths.get(department_id)
        if path is None:
            continue
        for part in path.strip("/").split("/"):  # the department and every ancestor: the ids of its path
            if part.isdigit() and int(part) in department_paths:
                add(("d", int(part)), index, calendar_month, value)
    return by_node


def _activity_rows(
    *, org_id: int, metric: str, first: datetime.date, end: datetime.date
) -> list[tuple[int, int, datetime.date, Decimal]]:
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from fieldloop.activities.models import Visit, WorkRecord
    from fieldloop.formtemplates.models import Purpose

    tz = timezone.get_current_timezone()
    start_at = datetime.datetime.combine(first, datetime.time(), tzinfo=tz)
    end_at = datetime.datetime.combine(end, datetime.time(), tzinfo=tz)
    if metric == Metric.EFFECTIVE_VISITS:
        qs = (
            Visit.objects.filter(org_id=org_id, effective=True, checked_in_at__gte=start_at, checked_in_at__lt=end_at)
            .annotate(month=TruncMonth("checked_in_at"))
            .values("employee_id", "employee__department_id", "month")
            .annotate(n=Count("id"))
            .order_by()
        )
        return [(r["employee_id"], r["employee__department_id"], r["month"], Decimal(r["n"])) for r in qs]
    qs2 = (
        WorkRecord.objects.filter(
            org_id=org_id,
            template__purpose=Purpose.CALL,
            archived_at__isnull=True,
            captured_at__gte=start_at,
            captured_at__lt=end_at,
        )
        .annotate(month=TruncMonth("captured_at"))
        .values("author_id", "author__department_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(r["author_id"], r["author__department_id"], r["month"], Decimal(r["n"])) for r in qs2]
