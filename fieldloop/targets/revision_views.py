"""A locked plan's revision from the page (修订目标): the planner edits the months of a department and of its members
(sub-departments and people) together, sees each period's members' sum and gap (and the parent's) live, may move
to another department without losing what they typed, says why, and submits everything as one revision through
`plan_services.plan_values_set`: all or nothing, refused with the places that do not add up.

Only months are typed: on a locked plan a node's quarters and year are the sums of its months, so the page sends a
changed node's quarters and year along with its months. The draft lives in the form (hidden inputs for the cells
of departments not on screen); "Check" re-renders it with every place it would not add up, writing nothing."""

import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fieldloop.core.errors import ServiceError, invalid
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.permissions import Permission

from . import plan_selectors, plan_services
from .decomposition import Key, PlanTree, TreeNode, problems, tiers_of
from .models import PlanStatus, Tier
from .periods import MONTHS, QUARTERS, fiscal_month_calendar

ZERO = Decimal(0)
CELL = re.compile(r"^c-([de]\d{1,11})-(M(?:1[0-2]|[1-9]))$")
Cell = tuple[Key, str]


def _field(key: Key) -> str:
    return f"{key[0]}{key[1]}"


def _number(text: str, tier: str) -> Decimal | None:
    """The cell's value as the service will read it; None for an empty sprint or challenge. Raises ValueError."""
    if text == "":
        return ZERO if tier == Tier.TARGET else None
    return plan_services.parse_amount(text)


def _draft(request: HttpRequest, tree: PlanTree, tier: str) -> dict[Cell, str]:
    """The month cells the planner changed, on any department's screen: the typed text of each cell that differs
    from what is stored (a text the service will refuse counts as changed)."""
    draft: dict[Cell, str] = {}
    for name in request.POST:
        match = CELL.match(name)
        key = plan_services.parse_node(match[1]) if match else None
        if match is None or key is None or key not in tree.nodes:
            continue
        text = request.POST.get(name, "").strip()
        current = tree.nodes[key].value(match[2], tier)
        try:
            if _number(text, tier) == (current if current is not None or tier != Tier.TARGET else ZERO):
                continue
        except ValueError:
            pass
        draft[(key, match[2])] = text
    return draft


def _values(tree: PlanTree, draft: dict[Cell, str], tier: str) -> tuple[list[dict[str, Any]], list[Cell]]:
    """The service's values for the draft (each changed month, and its node's quarters and year as their months'
    sums when every month is a number), and the cell each value came from."""
    by_node: dict[Key, dict[str, str]] = defaultdict(dict)
    for (key, month), text in draft.items():
        by_node[key][month] = text
    values: list[dict[str, Any]] = []
    where: list[Cell] = []
    for key, months in by_node.items():
        ids = {"department_id": key[1]} if key[0] == "d" else {"employee_id": key[1]}
        node = tree.nodes[key]
        numbers: dict[str, Decimal] = {}
        for month in MONTHS:
            if month in months:
                text = months[month]
                values.append({**ids, "period": month, tier: text if text != "" else _empty(tier)})
                where.append((key, month))
                try:
                    numbers[month] = _number(text, tier) or ZERO
                except ValueError:
                    continue
            else:
                numbers[month] = node.value(month, tier) or ZERO
        if len(numbers) < 12:
            continue  # the service names the cell that is not a number
        for q, quarter in enumerate(QUARTERS):
            values.append({**ids, "period": quarter, tier: sum((numbers[MONTHS[3 * q + i]] for i in range(3)), ZERO)})
            where.append((key, quarter))
        values.append({**ids, "period": "Y", tier: sum(numbers.values(), ZERO)})
        where.append((key, "Y"))
    return values, where


def _empty(tier: str) -> str | None:
    return "0" if tier == Tier.TARGET else None


def _apply(tree: PlanTree, values: list[dict[str, Any]], tier: str) -> None:
    """The draft's numbers into the tree (in memory), to show and check what the revision would leave."""
    for item in values:
        key: Key = ("d", item["department_id"]) if "department_id" in item else ("e", item["employee_id"])
        try:
            number = _number(str(item[tier]) if item[tier] is not None else "", tier)
        except ValueError:
            continue
        if number is None:
            tree.nodes[key].values.pop((item["period"], tier), None)
        else:
            tree.nodes[key].values[(item["period"], tier)] = number


def _focus(tree: PlanTree, text: str) -> TreeNode | None:
    key = plan_services.parse_node(text)
    node = tree.nodes.get(key) if key is not None and key[0] == "d" else None
    return node or (tree.roots[0] if tree.roots else None)


def _rows(
    plan: Any, focus: TreeNode, tier: str, typed: dict[str, str], cell_errors: dict[str, str],
    stored: dict[Cell, Decimal | None],
) -> list[Any]:  # fmt: skip
    """The periods top to bottom (each quarter after its months, the year last) with every column's value (and
    for a month, the text typed in it and its error)."""
    columns = [focus, *focus.children]
    rows = []
    for q, quarter in enumerate(QUARTERS):
        for month in MONTHS[3 * q : 3 * q + 3]:
            rows.append(_row(plan, month, columns, focus, tier, typed, cell_errors, stored, kind="month"))
        rows.append(_row(plan, quarter, columns, focus, tier, typed, cell_errors, stored, kind="quarter"))
    rows.append(_row(plan, "Y", columns, focus, tier, typed, cell_errors, stored, kind="year"))
    return rows


def _row(
    plan: Any, period: str, columns: list[TreeNode], focus: TreeNode, tier: str, typed: dict[str, str],
    cell_errors: dict[str, str], stored: dict[Cell, Decimal | None], *, kind: str,
) -> dict[str, Any]:  # fmt: skip
    parent = focus.parent
    calendar = ""
    if kind == "month":
        year, month = fiscal_month_calendar(plan, int(period[1:]))
        calendar = f"{year}-{month:02d}"
    others = (
        sum((c.values.get((period, tier), ZERO) for c in parent.children if c is not focus), ZERO) if parent else None
    )
    return {
        "period": period, "kind": kind, "calendar": calendar,
        "cells": [
            {"node": c, "value": c.value(period, tier), "stored": stored.get((c.key, period)),
             "text": typed.get(f"{c.field_name}-{period}"), "error": cell_errors.get(f"{c.field_name}-{period}")}
            for c in columns
        ],
        "members_sum": focus.children_sum(period, tier), "gap": focus.gap(period, tier),
        "parent_value": parent.value(period, tier) if parent else None, "others": others,
        "parent_gap": (parent.values.get((period, tier), ZERO) - others - focus.values.get((period, tier), ZERO))
        if parent and others is not None else None,
    }  # fmt: skip


@employee_required(Permission.MANAGE_TARGETS)
def plan_revise(request: HttpRequest, plan_id: int) -> HttpResponse:
    """修订目标: a locked plan's months for a department and its members, submitted as one revision."""
    actor = actor_of(request)
    plan = plan_selectors.plan_get(actor=actor, plan_id=plan_id)
    if plan.status != PlanStatus.LOCKED:
        messages.info(request, _("A draft plan is edited directly: revisions are for locked plans."))
        return redirect("target_plan_detail", plan_id=plan.pk)
    data = request.POST if request.method == "POST" else request.GET
    tier = str(data.get("tier") or "")
    tier = tier if tier in tiers_of(plan.tiers) else str(Tier.TARGET)
    tree = plan_selectors.plan_tree(actor=actor, plan=plan)
    stored = {(key, m): n.value(m, tier) for key, n in tree.nodes.items() for m in MONTHS}
    same_tier = request.POST.get("draft_tier", tier) == tier  # another tier chosen: its own, new draft
    draft = _draft(request, tree, tier) if request.method == "POST" and same_tier else {}
    values, where = _values(tree, draft, tier)
    reason = (request.POST.get("reason") or "").strip()
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST" and request.POST.get("action") == "submit":
        try:
            if not draft:
                raise invalid("values", _("Change at least one month before saving a revision."))
            n = plan_services.plan_values_set(actor=actor, plan_id=plan.pk, values=values, reason=reason)
        except ServiceError as e:
            status = 400
            errors = {name: [str(m) for m in msgs] for name, msgs in e.fields.items()}
            general = [str(e.message)]
        else:
            messages.success(request, _("Revision saved: %(n)d values changed.") % {"n": n})
            return redirect(f"/targets/plans/{plan.pk}/?period=Y&tier={tier}")
    _apply(tree, values, tier)
    focus = _focus(tree, data.get("node") or "")
    found = problems(tree, tiers=plan.tiers, allow_department_surplus=plan.allow_department_surplus) if draft else []
    cell_errors: dict[str, str] = {}
    for name, msgs in errors.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "values" and parts[1].isdigit() and int(parts[1]) < len(where):
            key, period = where[int(parts[1])]
            cell_errors[f"{_field(key)}-{period}"] = " ".join(msgs)
    typed = {f"{_field(k)}-{m}": t for (k, m), t in draft.items()}
    on_screen = {focus.key, *(c.key for c in focus.children)} if focus else set()
    changes = [
        {"node": tree.nodes[key], "period": month, "old": stored[(key, month)], "text": text}
        for (key, month), text in sorted(draft.items(), key=lambda c: (c[0][0], MONTHS.index(c[0][1])))
    ]
    context = {
        "plan": plan, "tier": tier, "tiers": [(t, Tier(t).label) for t in tiers_of(plan.tiers)], "focus": focus,
        "rows": _rows(plan, focus, tier, typed, cell_errors, stored) if focus else [],
        "departments": [n for n in tree.walk() if n.kind == "d"],
        "hidden": [(f"c-{_field(k)}-{m}", t) for (k, m), t in draft.items() if k not in on_screen],
        "changes": changes, "reason": reason, "errors": errors, "general": general, "cell_errors": cell_errors,
        "problems": [plan_services.problem_text(p) for p in found[:20]], "problem_count": len(found),
        "checked": request.method == "POST" and request.POST.get("action") == "check",
    }  # fmt: skip
    return render(request, "targets/plans/revise.html", context, status=status)
