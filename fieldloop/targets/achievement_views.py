"""The achievement page (销售目标达成): a plan's actual against target for the company, a department or a person,
by period and tier, with the children of the node and, for a person, the orders behind the number. Thin: parses
the query string, calls `achievement.achievement` and `achievement.credited_orders`, renders."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fieldloop.org.decorators import actor_of, employee_required

from . import achievement as ach
from .models import PERIODS, TargetPlan
from .periods import period_bounds


def _int_or_none(raw: str | None) -> int | None:
    """An id from the query string: absent is None, anything but a whole number names nothing (404)."""
    if raw in (None, ""):
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    return int(raw)


def period_label(plan: TargetPlan, period: str) -> str:
    if period == "Y":
        return _("Year %(year)s") % {"year": plan.fiscal_year}
    if period.startswith("Q"):
        return period
    first, _last = period_bounds(plan, period)
    return f"{first:%Y-%m}"


def _status(figure: ach.NodeFigure, tier: str) -> dict[str, Any]:
    status = figure.status.get(tier)
    return {"key": status or "", "label": ach.STATUS_LABELS.get(status or "", "")}


@employee_required()
def achievement_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    plan_id = _int_or_none(request.GET.get("plan"))
    plans = list(ach.visible_plans(actor=actor))
    plan = ach.plan_get(actor=actor, plan_id=plan_id) if plan_id is not None else ach.default_plan(actor=actor)
    if plan is None:
        return render(request, "targets/achievement/page.html", {"plan": None, "plans": plans})
    today = ach.local_today(actor.org)
    period = request.GET.get("period", "")
    if period not in PERIODS:
        period = ach.current_period(plan, today)
    tiers = ach.plan_tiers(plan)
    tier = request.GET.get("tier", "")
    if tier not in tiers:
        tier = tiers[0]
    department_id = _int_or_none(request.GET.get("department"))
    employee_id = _int_or_none(request.GET.get("employee"))
    result = ach.achievement(
        actor=actor, plan=plan, period=period, department_id=department_id, employee_id=employee_id, today=today
    )
    orders: list[ach.CreditedLine] = []
    order_count = 0
    if result.node.kind == ach.EMPLOYEE:
        orders, order_count = ach.credited_orders(actor=actor, plan=plan, employee_id=result.node.id, period=period)
    children = [
        {"figure": c, "status": _status(c, tier), "target": c.targets.get(tier), "attainment": c.attainment.get(tier),
         "note": ach.NOTE_LABELS.get(c.note, "")}
        for c in result.children
    ]  # fmt: skip
    periods = [
        {"period": p.period, "label": period_label(plan, p.period), "figure": p.figure,
         "target": p.figure.targets.get(tier), "attainment": p.figure.attainment.get(tier),
         "status": _status(p.figure, tier), "elapsed": round(p.elapsed * 100), "current": p.period == period}
        for p in result.periods
    ]  # fmt: skip
    context = {
        "plan": plan,
        "plans": plans,
        "result": result,
        "period": period,
        "period_label": period_label(plan, period),
        "period_choices": [(p, period_label(plan, p)) for p in PERIODS],
        "tier": tier,
        "tier_choices": [(t, label) for t, label in ach.Tier.choices if t in tiers],
        "node": result.node,
        "node_status": _status(result.node, tier),
        "node_target": result.node.targets.get(tier),
        "node_attainment": result.node.attainment.get(tier),
        "node_targets": [
            (label, result.node.targets.get(t), result.node.attainment.get(t))
            for t, label in ach.Tier.choices
            if t in tiers
        ],
        "elapsed_percent": round(result.elapsed * 100),
        "children": children,
        "periods": periods,
        "orders": orders,
        "order_count": order_count,
        "orders_shown": len(orders),
        "is_money": ach.is_money(plan.metric),
        "is_payments": plan.metric == ach.Metric.PAYMENTS,
        "is_activity": plan.metric in ach.ACTIVITY_METRICS,
        "currency": actor.org.currency,
        "base_query": f"plan={plan.pk}&tier={tier}",
    }  # fmt: skip
    return render(request, "targets/achievement/page.html", context)
