"""/api/v1/target-settings and /api/v1/target-plans: thin shells over targets' plan services and selectors.

Plans are the administrators' to set up; everyone reads the plans and the values of the nodes they see. Values
are set many at once (PUT …/values); a locked plan takes them only as a revision with a reason."""

import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, run_idempotent
from fieldloop.org.schemas import ERRORS

from . import plan_selectors, plan_services
from .decomposition import PlanTree, problems
from .models import PERIODS, TargetPlan
from .periods import periods_of
from .plan_schemas import (
    AcceptIn,
    NewcomerIn,
    PlanIn,
    PlanOut,
    PlanValuesOut,
    ProblemsOut,
    RevisionOut,
    SpreadIn,
    SuggestionsOut,
    TargetSettingsIn,
    TargetSettingsOut,
    ValuesChangedOut,
    ValuesIn,
)

router = Router(tags=["targets"])


def plan_out(plan: TargetPlan) -> dict[str, Any]:
    locked_by = plan.locked_by
    return {
        "id": plan.pk, "name": plan.name, "metric": plan.metric, "fiscal_year": plan.fiscal_year,
        "start_month": plan.start_month, "tiers": plan.tiers, "status": plan.status,
        "allow_department_surplus": plan.allow_department_surplus, "locked_at": plan.locked_at,
        "locked_by": {"id": locked_by.pk, "name": locked_by.name} if locked_by else None,
        "periods": [{"period": p, "first_day": a, "last_day": b} for p, a, b in periods_of(plan)],
    }  # fmt: skip


def _ids(key: tuple[str, int]) -> dict[str, int | None]:
    return {"department_id": key[1] if key[0] == "d" else None, "employee_id": key[1] if key[0] == "e" else None}


@router.get("/target-settings", response={200: TargetSettingsOut, **ERRORS}, summary="Target settings")
def settings_get(request: HttpRequest) -> dict[str, Any]:
    s = plan_selectors.target_settings_of(org_id=actor_of(request).org_id)
    return {"fiscal_year_start_month": s.fiscal_year_start_month, "reminder_weekdays": s.reminder_weekdays}


@router.put("/target-settings", response={200: TargetSettingsOut, **ERRORS}, summary="Set target settings (admin)")
def settings_set(request: HttpRequest, payload: TargetSettingsIn) -> dict[str, Any]:
    row = plan_services.target_settings_update(actor=actor_of(request), **payload.dict())
    return {"fiscal_year_start_month": row.fiscal_year_start_month, "reminder_weekdays": row.reminder_weekdays}


@router.get("/target-plans", response={200: list[PlanOut], **ERRORS}, summary="Target plans")
def plan_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [plan_out(p) for p in plan_selectors.plan_list(actor=actor_of(request)).select_related("locked_by")]


@router.post("/target-plans", response={201: PlanOut, **ERRORS}, summary="Create a target plan (admin)")
def plan_create(request: HttpRequest, payload: PlanIn, idempotency_key: uuid.UUID = IdempotencyKey) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        plan = plan_services.plan_create(actor=actor, **payload.dict())
        return 201, PlanOut.model_validate(plan_out(plan)).model_dump(mode="json")

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="target_plan.create",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.get("/target-plans/{int:plan_id}", response={200: PlanOut, **ERRORS}, summary="A target plan")
def plan_detail(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return plan_out(plan_selectors.plan_get(actor=actor_of(request), plan_id=plan_id))


def values_out(tree: PlanTree, explanations: dict[tuple[str, int], str]) -> dict[str, Any]:
    items = []
    for node in tree.walk():
        items.append(
            {
                **_ids(node.key), "name": node.name, "explanation": explanations.get(node.key, ""),
                "parent_department_id": node.parent.id if node.parent else None,
                "values": [
                    {"period": p, "target": node.value(p, "target"), "sprint": node.value(p, "sprint"),
                     "challenge": node.value(p, "challenge")}
                    for p in PERIODS
                    if any(node.value(p, t) is not None for t in ("target", "sprint", "challenge"))
                ],
            }
        )  # fmt: skip
    return {"items": items}


@router.get("/target-plans/{int:plan_id}/values", response={200: PlanValuesOut, **ERRORS}, summary="A plan's values")
def values_get(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """Every node the caller sees (departments, then their sub-departments and members, in tree order) with its
    values per period and tier."""
    actor = actor_of(request)
    plan = plan_selectors.plan_get(actor=actor, plan_id=plan_id)
    return values_out(plan_selectors.plan_tree(actor=actor, plan=plan), plan_selectors.plan_explanations(plan=plan))


@router.put("/target-plans/{int:plan_id}/values", response={200: ValuesChangedOut, **ERRORS}, summary="Set values")
def values_set(request: HttpRequest, plan_id: int, payload: ValuesIn) -> dict[str, Any]:
    """Administrators: many values at once, all or none. A tier left out is unchanged. On a locked plan, a revision:
    `reason` is required and the plan must still add up."""
    values = [v.dict(exclude_unset=True) for v in payload.values]
    changed = plan_services.plan_values_set(
        actor=actor_of(request), plan_id=plan_id, values=values, reason=payload.reason
    )
    return {"changed": changed}


@router.get(
    "/target-plans/{int:plan_id}/problems", response={200: ProblemsOut, **ERRORS}, summary="What does not add up"
)
def problems_get(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    plan = plan_selectors.plan_get(actor=actor, plan_id=plan_id)
    tree = plan_selectors.plan_tree(actor=actor, plan=plan)
    found = problems(tree, tiers=plan.tiers, allow_department_surplus=plan.allow_department_surplus)
    items = [
        {**_ids(p.node), "name": p.name, "period": p.period, "tier": p.tier, "kind": p.kind, "value": p.value,
         "parts": p.parts, "message": plan_services.problem_text(p)}
        for p in found
    ]  # fmt: skip
    return {"adds_up": not found, "items": items}


@router.post("/target-plans/{int:plan_id}/lock", response={200: PlanOut, **ERRORS}, summary="Lock a plan (admin)")
def plan_lock(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """Refused, with the places that do not add up, unless every department's members and every period's parts
    add up."""
    return plan_out(plan_services.plan_lock(actor=actor_of(request), plan_id=plan_id))


@router.get("/target-plans/{int:plan_id}/revisions", response={200: list[RevisionOut], **ERRORS}, summary="Revisions")
def revisions_get(request: HttpRequest, plan_id: int) -> list[dict[str, Any]]:
    actor = actor_of(request)
    plan = plan_selectors.plan_get(actor=actor, plan_id=plan_id)
    return [
        {"id": r.pk, "department_id": r.department_id, "employee_id": r.employee_id,
         "node": _node_name(r), "period": r.period,
         "tier": r.tier, "old_value": r.old_value, "new_value": r.new_value, "reason": r.reason,
         "author": {"id": r.author.pk, "name": r.author.name}, "created_at": r.created_at}
        for r in plan_selectors.plan_revisions(actor=actor, plan=plan)[:500]
    ]  # fmt: skip


@router.post("/target-plans/{int:plan_id}/spread", response={200: ValuesChangedOut, **ERRORS}, summary="Spread a value")
def spread(request: HttpRequest, plan_id: int, payload: SpreadIn) -> dict[str, Any]:
    """Administrators: a node's value to its children (along the tree: equal or by last year's share) or its year to
    its months (along time: equal or by seasonality), down the subtree when `recursive`."""
    actor = actor_of(request)
    if payload.along == "tree":
        changed = plan_services.plan_spread_down(
            actor=actor, plan_id=plan_id, node=payload.node, period=payload.period, tier=payload.tier,
            method=payload.method, recursive=payload.recursive, reason=payload.reason,
        )  # fmt: skip
    else:
        changed = plan_services.plan_spread_time(
            actor=actor, plan_id=plan_id, node=payload.node, tier=payload.tier, method=payload.method,
            recursive=payload.recursive, reason=payload.reason,
        )  # fmt: skip
    return {"changed": changed}


def _ratio(value: Decimal | None) -> Decimal | None:
    return value.quantize(Decimal("0.0001")) if value is not None else None


def _node_name(r: Any) -> str:
    node = r.department or r.employee
    return node.name if node is not None else ""


def _role_defaults(request: HttpRequest) -> dict[str, Any]:
    return {
        role: request.GET[f"{role}_default"]
        for role in ("rep", "manager", "director", "admin")
        if request.GET.get(f"{role}_default")
    }


@router.get("/target-plans/{int:plan_id}/suggestions", response={200: SuggestionsOut, **ERRORS}, summary="Suggestions")
def suggestions_get(
    request: HttpRequest,
    plan_id: int,
    scale: str = "1",
    rep_default: str = "",
    manager_default: str = "",
    director_default: str = "",
    admin_default: str = "",
) -> dict[str, Any]:
    """Administrators: every node's suggested year and months from its own history, scaled (1.2: +20 %), with a
    one-line explanation; people without history get their role's default (`rep_default`, … : a year's worth).
    Nothing is written: accept with POST …/suggestions/accept."""
    actor = actor_of(request)
    factor = plan_services.clean_scale(scale)
    defaults = plan_services.clean_role_defaults(_role_defaults(request))
    _plan, tree, result, texts = plan_selectors.plan_suggestion_preview(
        actor=actor, plan_id=plan_id, scale=factor, role_defaults=defaults
    )
    items = []
    for node in tree.walk():
        s = result.get(node.key)
        if s is None:
            continue
        items.append(
            {**_ids(node.key), "name": node.name, "year": s.year, "months": s.months, "last_year": s.last_total,
             "trend": _ratio(s.trend), "share": _ratio(s.share),
             "role_default": s.role_default, "explanation": texts.get(node.key, "")}
        )  # fmt: skip
    return {"scale": factor, "items": items}


@router.post("/target-plans/{int:plan_id}/suggestions/accept", response={200: ValuesChangedOut, **ERRORS},
             summary="Accept the suggestions")  # fmt: skip
def suggestions_accept(request: HttpRequest, plan_id: int, payload: AcceptIn) -> dict[str, Any]:
    """Administrators: replace a draft plan's values with the suggestions, scaled; sprint and challenge (when the plan
    has them) at 110 % and 120 % of the target."""
    changed = plan_services.plan_suggestion_accept(
        actor=actor_of(request), plan_id=plan_id, scale=payload.scale, role_defaults=payload.role_defaults
    )
    return {"changed": changed}


@router.post("/target-plans/{int:plan_id}/newcomers", response={200: ValuesChangedOut, **ERRORS},
             summary="Add a newcomer's pro-rated target")  # fmt: skip
def newcomer_add(
    request: HttpRequest, plan_id: int, payload: NewcomerIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    """Administrators: the role's yearly default * the months left / 12, in equal months, added to the newcomer and
    every department above them (a revision on a locked plan). Applied once per `Idempotency-Key`."""
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        changed = plan_services.plan_newcomer_add(
            actor=actor, plan_id=plan_id, employee_id=payload.employee_id, annual_default=payload.annual_default,
            reason=payload.reason,
        )  # fmt: skip
        return 200, {"changed": changed}

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="target_plan.newcomer",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)
