"""/api/v1/targets/plans/{id}/achievement: a node's achievement in a period, at every tier of the plan, with its
children and its figures for every period of the fiscal year. A thin shell over `targets.achievement`."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from fieldloop.core.errors import invalid
from fieldloop.org.decorators import actor_of
from fieldloop.org.schemas import ERRORS

from . import achievement as ach
from .models import PERIODS

router = Router(tags=["targets"])


class NodeOut(Schema):
    kind: str
    id: int
    name: str
    actual: Decimal
    targets: dict[str, Decimal | None]
    attainment: dict[str, Decimal | None]
    status: dict[str, str | None]
    visible: bool
    note: str


class PeriodOut(Schema):
    period: str
    first_day: date
    last_day: date
    elapsed: Decimal
    node: NodeOut


class AchievementOut(Schema):
    plan_id: int
    metric: str
    period: str
    first_day: date
    last_day: date
    working_days: int
    working_days_elapsed: int
    elapsed: Decimal
    tiers: list[str]
    node: NodeOut
    children: list[NodeOut]
    periods: list[PeriodOut]


def _node(f: ach.NodeFigure) -> dict[str, object]:
    return {
        "kind": f.kind, "id": f.id, "name": f.name, "actual": f.actual, "targets": f.targets,
        "attainment": f.attainment, "status": f.status, "visible": f.visible, "note": f.note,
    }  # fmt: skip


@router.get(
    "/targets/plans/{int:plan_id}/achievement",
    response={200: AchievementOut, **ERRORS},
    summary="Achievement of a node (company, department or employee) in a period, with its children",
)
def achievement(
    request: HttpRequest,
    plan_id: int,
    period: str = "",
    department: int | None = None,
    employee: int | None = None,
) -> dict[str, object]:
    """Actual, target, attainment (%) and status (ahead, on_track, at_risk, behind) at each tier of the plan, for
    the node and each of its children, plus the node's figures for the year, its quarters and months. Without a
    node: the top the caller sees (the company, their subtree, or themselves). `period`: Y, Q1-Q4, M1-M12
    (fiscal); default: the current fiscal month."""
    actor = actor_of(request)
    plan = ach.plan_get(actor=actor, plan_id=plan_id)
    if period and period not in PERIODS:
        raise invalid("period", _("Choose one of Y, Q1-Q4, M1-M12."))
    if department is not None and employee is not None:
        raise invalid("employee", _("Give a department or an employee, not both."))
    result = ach.achievement(
        actor=actor,
        plan=plan,
        period=period or ach.current_period(plan, ach.local_today(actor.org)),
        department_id=department,
        employee_id=employee,
    )
    return {
        "plan_id": plan.pk, "metric": plan.metric, "period": result.period, "first_day": result.first_day,
        "last_day": result.last_day, "working_days": result.working_days,
        "working_days_elapsed": result.working_days_elapsed, "elapsed": result.elapsed.quantize(Decimal("0.0001")),
        "tiers": result.tiers, "node": _node(result.node), "children": [_node(c) for c in result.children],
        "periods": [
            {"period": p.period, "first_day": p.first_day, "last_day": p.last_day,
             "elapsed": p.elapsed.quantize(Decimal("0.0001")), "node": _node(p.figure)}
            for p in result.periods
        ],
    }  # fmt: skip
