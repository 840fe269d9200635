"""A plan for the shared cast that adds up, and helpers to send values."""

import uuid
from decimal import Decimal
from typing import Any

from conftest import Cast
from fieldloop.targets import plan_services
from fieldloop.targets.models import TargetPlan


def a_plan(cast: Cast, *, year: int = 2026, name: str = "2026 销售额", tiers: int = 1) -> TargetPlan:
    return plan_services.plan_create(actor=cast.admin, name=name, metric="sales_amount", fiscal_year=year, tiers=tiers)


def node_values(key: str, pk: int, monthly: int) -> list[dict[str, Any]]:
    """Twelve months of `monthly`, the quarters and the year that add up to them."""
    ids = {key: pk}
    rows = [{**ids, "period": f"M{m}", "target": monthly} for m in range(1, 13)]
    rows += [{**ids, "period": f"Q{q}", "target": 3 * monthly} for q in range(1, 5)]
    rows.append({**ids, "period": "Y", "target": 12 * monthly})
    return rows


def consistent_values(cast: Cast) -> list[dict[str, Any]]:
    """Rex and Ria 10 a month, Ben 5; 上海 20, 北京 5, 销售部 25, 华东机械 25; Mia, Dora and Ada nothing (0)."""
    return [
        *node_values("employee_id", cast.rep.pk, 10),
        *node_values("employee_id", cast.rep2.pk, 10),
        *node_values("employee_id", cast.other_branch_rep.pk, 5),
        *node_values("department_id", cast.shanghai.pk, 20),
        *node_values("department_id", cast.beijing.pk, 5),
        *node_values("department_id", cast.sales.pk, 25),
        *node_values("department_id", cast.root.pk, 25),
    ]


def locked_plan(cast: Cast, **kwargs: Any) -> TargetPlan:
    plan = a_plan(cast, **kwargs)
    plan_services.plan_values_set(actor=cast.admin, plan_id=plan.pk, values=consistent_values(cast))
    return plan_services.plan_lock(actor=cast.admin, plan_id=plan.pk)


def key() -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


D = Decimal
