"""Writes of target plans (目标计划): keyword-only, the acting employee first, one transaction each, a
`ServiceError` with every field's message on refusal (nothing is written then).

Target plans are the organization's configuration: administrators and sales directors (MANAGE_TARGETS) set them up.

- Settings: the month the fiscal year starts in, the weekdays managers hear about people at risk.
- Plans: created as drafts with a metric, a fiscal year (its start month copied from the settings) and 1-3 tiers.
- Values: set many at once (a grid's edits, a spread, accepted suggestions) by one DELETE of the cells that change
  and one INSERT of their new rows. A draft takes anything not negative; a locked plan only a revision with a
  reason that leaves it adding up, and every changed tier of every cell is recorded (TargetRevision).
- Lock: refused with the list of places that do not add up (`decomposition.problems`).
- Spreads: a node's value to its children (equal parts or by last year's share), a node's year to its months
  (equal or by its seasonality), optionally down the whole subtree.
- Suggestions accepted: every node's values from its history (`suggestions.suggest`), scaled.
- People: a newcomer's pro-rated target added along their department chain; a leaver's remaining months handed
  to the successor within the customer handover (`targets_follow_handover`).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.bulk import insert_rows
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.org.models import Department, Employee, Role
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from . import plan_selectors, suggestions
from .decomposition import Key, PlanTree, Problem, problems, tiers_of
from .models import PERIODS, Metric, PlanStatus, TargetPlan, TargetRevision, TargetSettings, TargetValue, Tier
from .periods import MONTHS, period_bounds

ZERO = Decimal(0)
MAX_VALUE = Decimal("99999999999999.99")  # 16 digits, 2 decimals
MAX_PROBLEMS_SHOWN = 20
TIER_FACTORS = {Tier.TARGET: Decimal(1), Tier.SPRINT: Decimal("1.1"), Tier.CHALLENGE: Decimal("1.2")}

Cell = tuple[Key, str]  # (node, period)
VALUE_COLUMNS = (
    "created_at", "updated_at", "org_id", "plan_id", "department_id", "employee_id", "period", "target", "sprint",
    "challenge", "explanation",
)  # fmt: skip


def _refuse(errors: dict[str, list[Any]], message: Any = None) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, message or _("Please correct the errors below."), errors)


def _plan_for_change(actor: Employee, plan_id: int) -> TargetPlan:
    require_permission(actor, Permission.MANAGE_TARGETS)
    plan = TargetPlan.objects.select_for_update().filter(org_id=actor.org_id, pk=plan_id).first()
    if plan is None:
        raise not_found()
    return plan


def parse_amount(value: Any) -> Decimal:
    """A target value: a number, not negative, at most 14 digits before the point; rounded to cents.
    Raises ValueError with the user's message."""
    if isinstance(value, bool) or value is None:
        raise ValueError(_("Enter a number."))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    if number < 0:
        raise ValueError(_("A target cannot be negative."))
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number > MAX_VALUE:
        raise ValueError(_("This number is too large."))
    return number


def parse_node(text: str) -> Key | None:
    """ "d12" -> ("d", 12), "e7" -> ("e", 7); None when it names no node."""
    if len(text) >= 2 and text[0] in "de" and text[1:].isdigit():
        return (text[0], int(text[1:]))
    return None


# --- settings -------------------------------------------------------------------------------------------------


@transaction.atomic
def target_settings_update(
    *, actor: Employee, fiscal_year_start_month: Any, reminder_weekdays: Sequence[Any]
) -> TargetSettings:
    require_permission(actor, Permission.MANAGE_TARGETS)
    errors: dict[str, list[Any]] = {}
    month = fiscal_year_start_month
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        errors["fiscal_year_start_month"] = [_("Choose a month from 1 to 12.")]
    days: list[int] = []
    if not isinstance(reminder_weekdays, list | tuple) or any(
        isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in reminder_weekdays
    ):
        errors["reminder_weekdays"] = [_("Choose weekdays from 0 (Monday) to 6 (Sunday).")]
    else:
        days = sorted(set(reminder_weekdays))
    if errors:
        raise _refuse(errors)
    row, _created = TargetSettings.objects.select_for_update().get_or_create(
        org_id=actor.org_id, defaults={"fiscal_year_start_month": month, "reminder_weekdays": days}
    )
    before = [row.fiscal_year_start_month, row.reminder_weekdays]
    row.fiscal_year_start_month, row.reminder_weekdays = month, days
    row.save(update_fields=["fiscal_year_start_month", "reminder_weekdays", "updated_at"])
    audit(
        actor=actor,
        org=actor.org,
        action="targetsettings.update",
        obj=actor.org,
        changes={"settings": [before, [month, days]]},
    )
    return row


# --- plans ----------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    actor: Employee,
    name: str,
    metric: str,
    fiscal_year: Any,
    tiers: Any = 1,
    allow_department_surplus: bool = False,
) -> TargetPlan:
    """A draft plan; its fiscal year starts in the organization's start month."""
    require_permission(actor, Permission.MANAGE_TARGETS)
    errors: dict[str, list[Any]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 100:
        errors["name"] = [_("This value is too long.")]
    if metric not in Metric.values:
        errors["metric"] = [_("Choose one of the allowed values.")]
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int) or not 2000 <= fiscal_year <= 2100:
        errors["fiscal_year"] = [_("Enter a year from 2000 to 2100.")]
    if isinstance(tiers, bool) or not isinstance(tiers, int) or not 1 <= tiers <= 3:
        errors["tiers"] = [_("Choose 1, 2 or 3 tiers.")]
    if (
        not errors
        and TargetPlan.objects.filter(org_id=actor.org_id, metric=metric, fiscal_year=fiscal_year, name=name).exists()
    ):
        errors["name"] = [_("A plan of this metric and year already has this name.")]
    if errors:
        raise _refuse(errors)
    start_month = plan_selectors.target_settings_of(org_id=actor.org_id).fiscal_year_start_month
    plan = TargetPlan.objects.create(
        org_id=actor.org_id, name=name, metric=metric, fiscal_year=fiscal_year, start_month=start_month,
        tiers=tiers, allow_department_surplus=bool(allow_department_surplus), created_by=actor,
    )  # fmt: skip
    audit(actor=actor, org=actor.org, action="targetplan.create", obj=plan, changes={"name": [None, name]})
    return plan


def _tree_of(actor: Employee, plan: TargetPlan) -> PlanTree:
    """The whole plan (a change needs every node, whatever the actor's own scope: the actor is an admin)."""
    return plan_selectors.plan_tree(actor=actor, plan=plan)


def problem_text(p: Problem) -> str:
    tier = str(Tier(p.tier).label)
    if p.kind == "tree":
        return _("%(node)s · %(period)s · %(tier)s: %(value)s, its members add up to %(parts)s") % {
            "node": p.name, "period": p.period, "tier": tier, "value": p.value, "parts": p.parts,
        }  # fmt: skip
    return _("%(node)s · %(period)s · %(tier)s: %(value)s, its parts add up to %(parts)s") % {
        "node": p.name, "period": p.period, "tier": tier, "value": p.value, "parts": p.parts,
    }  # fmt: skip


def _problems_error(found: list[Problem], field: str = "plan") -> ServiceError:
    lines: list[Any] = [problem_text(p) for p in found[:MAX_PROBLEMS_SHOWN]]
    if len(found) > MAX_PROBLEMS_SHOWN:
        lines.append(_("… and %(n)d more.") % {"n": len(found) - MAX_PROBLEMS_SHOWN})
    return _refuse(
        {field: lines}, _("The plan does not add up in %(n)d places: correct them first.") % {"n": len(found)}
    )


@transaction.atomic
def plan_lock(*, actor: Employee, plan_id: int) -> TargetPlan:
    """Lock a draft plan that adds up; refused with the places that do not."""
    plan = _plan_for_change(actor, plan_id)
    if plan.status == PlanStatus.LOCKED:
        raise invalid("plan", _("This plan is already locked."))
    found = problems(_tree_of(actor, plan), tiers=plan.tiers, allow_department_surplus=plan.allow_department_surplus)
    if found:
        raise _problems_error(found)
    plan.status, plan.locked_at, plan.locked_by = PlanStatus.LOCKED, timezone.now(), actor
    plan.save(update_fields=["status", "locked_at", "locked_by", "updated_at"])
    audit(actor=actor, org=actor.org, action="targetplan.lock", obj=plan, changes={"status": ["draft", "locked"]})
    return plan


# --- values ---------------------------------------------------------------------------------------------------


def _check_nodes(actor: Employee, keys: Iterable[Key]) -> set[Key]:
    """The keys that name a department or employee of the actor's organization (two queries)."""
    dept_ids = {k[1] for k in keys if k[0] == "d"}
    emp_ids = {k[1] for k in keys if k[0] == "e"}
    found: set[Key] = set()
    if dept_ids:
        found |= {
            ("d", pk)
            for pk in Department.objects.filter(org_id=actor.org_id, pk__in=dept_ids).values_list("pk", flat=True)
        }
    if emp_ids:
        found |= {
            ("e", pk)
            for pk in Employee.objects.filter(org_id=actor.org_id, pk__in=emp_ids).values_list("pk", flat=True)
        }
    return found


def _write(
    *,
    actor: Employee,
    plan: TargetPlan,
    tree: PlanTree,
    changes: Mapping[Cell, Mapping[str, Decimal | None]],
    reason: str,
    explanations: Mapping[Key, str] | None = None,
) -> int:
    """Apply the changes to the tree (in memory) and to the database: one DELETE of the changed cells' rows, one
    INSERT of their new rows, and on a locked plan one INSERT of the revisions, after checking that the plan still
    adds up. Returns the number of cells changed."""
    locked = plan.status == PlanStatus.LOCKED
    reason = (reason or "").strip()
    if locked and not reason:
        raise invalid("reason", _("A locked plan changes only through a revision: say why."))
    revisions: list[TargetRevision] = []
    changed: list[Cell] = []
    for (key, period), tiers in changes.items():
        node = tree.nodes[key]
        differs = False
        for tier, new in tiers.items():
            old = node.values.get((period, tier))
            if tier == Tier.TARGET and new is None:
                new = ZERO
            if old == new:
                continue
            differs = True
            if new is None:
                node.values.pop((period, tier), None)
            else:
                node.values[(period, tier)] = new
            if locked:
                revisions.append(
                    TargetRevision(
                        org_id=plan.org_id, plan=plan, department_id=key[1] if key[0] == "d" else None,
                        employee_id=key[1] if key[0] == "e" else None, period=period, tier=tier,
                        old_value=old, new_value=new, reason=reason, author=actor,
                    )
                )  # fmt: skip
        if differs:
            changed.append((key, period))
    if not changed:
        return 0
    if locked:
        found = problems(tree, tiers=plan.tiers, allow_department_surplus=plan.allow_department_surplus)
        if found:
            raise _problems_error(found, "values")
    old_explanations = plan_selectors.plan_explanations(plan=plan)
    explanations = explanations or {}
    by_node: dict[Key, set[str]] = defaultdict(set)
    for key, period in changed:
        by_node[key].add(period)
    condition = Q()
    for key, periods in by_node.items():
        node_q = Q(department_id=key[1]) if key[0] == "d" else Q(employee_id=key[1])
        condition |= node_q & Q(period__in=sorted(periods))
    TargetValue.objects.filter(plan=plan).filter(condition).delete()
    now = timezone.now()
    rows = []
    for key, period in changed:
        node = tree.nodes[key]
        rows.append((
            now, now, plan.org_id, plan.pk, key[1] if key[0] == "d" else None, key[1] if key[0] == "e" else None,
            period, node.values.get((period, Tier.TARGET), ZERO), node.values.get((period, Tier.SPRINT)),
            node.values.get((period, Tier.CHALLENGE)),
            explanations.get(key, old_explanations.get(key, "")) if period == "Y" else "",
        ))  # fmt: skip
    insert_rows(TargetValue, VALUE_COLUMNS, rows)
    if revisions:
        TargetRevision.objects.bulk_create(revisions, batch_size=2000)
    return len(changed)


def _clean_values(
    actor: Employee, plan: TargetPlan, values: Sequence[Mapping[str, Any]]
) -> dict[Cell, dict[str, Decimal | None]]:
    """Parse `[{department_id | employee_id, period, target?, sprint?, challenge?}]`; every error by field."""
    errors: dict[str, list[Any]] = {}
    allowed_tiers = tiers_of(plan.tiers)
    parsed: list[tuple[int, Key, str, dict[str, Decimal | None]]] = []
    if not isinstance(values, list | tuple):
        raise _refuse({"values": [_("Expected a list.")]})
    for i, item in enumerate(values):
        where = f"values.{i}"
        if not isinstance(item, Mapping):
            errors[where] = [_("Expected an object.")]
            continue
        dept, emp = item.get("department_id"), item.get("employee_id")
        key: Key | None = None
        if (dept is None) == (emp is None):
            errors[f"{where}.department_id"] = [_("Name one department or one employee.")]
        else:
            pk = dept if dept is not None else emp
            if isinstance(pk, bool) or not isinstance(pk, int):
                errors[f"{where}.{'department_id' if dept is not None else 'employee_id'}"] = [
                    _("Enter a whole number.")
                ]
            else:
                key = ("d" if dept is not None else "e", pk)
        period = item.get("period")
        if period not in PERIODS:
            errors[f"{where}.period"] = [_("Choose one of the allowed values.")]
        tiers: dict[str, Decimal | None] = {}
        for tier in (Tier.TARGET, Tier.SPRINT, Tier.CHALLENGE):
            if tier not in item:
                continue
            if tier not in allowed_tiers:
                errors[f"{where}.{tier}"] = [_("This plan has no such tier.")]
                continue
            raw = item[tier]
            if raw is None and tier != Tier.TARGET:
                tiers[str(tier)] = None
                continue
            try:
                tiers[str(tier)] = parse_amount(raw)
            except ValueError as e:
                errors[f"{where}.{tier}"] = [str(e)]
        if not any(t in item for t in (Tier.TARGET, Tier.SPRINT, Tier.CHALLENGE)):
            errors[f"{where}.target"] = [_("Give at least one tier's value.")]
        if key is not None and period in PERIODS:
            parsed.append((i, key, str(period), tiers))
    known = _check_nodes(actor, {k for _i, k, _p, _t in parsed})
    for i, key, _period, _tiers in parsed:
        if key not in known:
            field = "department_id" if key[0] == "d" else "employee_id"
            errors[f"values.{i}.{field}"] = [_("No such department or employee in this organization.")]
    if errors:
        raise _refuse(errors)
    cleaned: dict[Cell, dict[str, Decimal | None]] = {}
    for _i, key, period, tiers in parsed:
        cleaned.setdefault((key, period), {}).update(tiers)
    return cleaned


@transaction.atomic
def plan_values_set(*, actor: Employee, plan_id: int, values: Sequence[Mapping[str, Any]], reason: str = "") -> int:
    """Set many values at once; on a locked plan, a revision (a reason, and the plan still adds up)."""
    plan = _plan_for_change(actor, plan_id)
    changes = _clean_values(actor, plan, values)
    tree = _tree_of(actor, plan)
    missing = [k for (k, _p) in changes if k not in tree.nodes]
    if missing:  # an archived department, or someone who left without values
        raise invalid("values", _("Some of these nodes are no longer in the plan's tree."))
    return _write(actor=actor, plan=plan, tree=tree, changes=changes, reason=reason)


# --- spreads --------------------------------------------------------------------------------------------------


def _node_of(tree: PlanTree, node: str) -> Key:
    key = parse_node(node or "")
    if key is None or key not in tree.nodes:
        raise invalid("node", _("No such department or employee in this plan."))
    return key


@transaction.atomic
def plan_spread_down(
    *, actor: Employee, plan_id: int, node: str, period: str, tier: str = "target", method: str = "equal",
    recursive: bool = True, reason: str = "",
) -> int:  # fmt: skip
    """Split a department's value for one period and tier to its children: equal parts, or by their share of last
    year's actuals ("share"); with `recursive`, down the whole subtree."""
    plan = _plan_for_change(actor, plan_id)
    if period not in PERIODS:
        raise invalid("period", _("Choose one of the allowed values."))
    if tier not in tiers_of(plan.tiers):
        raise invalid("tier", _("This plan has no such tier."))
    if method not in ("equal", "share"):
        raise invalid("method", _("Choose one of the allowed values."))
    tree = _tree_of(actor, plan)
    key = _node_of(tree, node)
    history = plan_selectors.plan_history(plan, plan_selectors.org_today(actor)) if method == "share" else {}
    quantum = suggestions.quantum_of(plan.metric)
    changes: dict[Cell, dict[str, Decimal | None]] = {}

    def spread(n: Any, value: Decimal) -> None:
        if not n.children:
            return
        weights = [history[c.key].last_total if c.key in history else ZERO for c in n.children]
        for c, part in zip(n.children, suggestions.split(value, weights, quantum), strict=True):
            changes[(c.key, period)] = {tier: part}
            if recursive:
                spread(c, part)

    root = tree.nodes[key]
    spread(root, root.values.get((period, tier), ZERO))
    return _write(actor=actor, plan=plan, tree=tree, changes=changes, reason=reason)


@transaction.atomic
def plan_spread_time(
    *, actor: Employee, plan_id: int, node: str, tier: str = "target", method: str = "seasonality",
    recursive: bool = True, reason: str = "",
) -> int:  # fmt: skip
    """Split a node's year to its months (equal, or by its seasonality: its share of last year's actuals per month)
    and set its quarters to their months' sums. With `recursive`, every employee below by their own weights, and
    each department's months the sums of its children's (what the department holds beyond them by its own)."""
    plan = _plan_for_change(actor, plan_id)
    if tier not in tiers_of(plan.tiers):
        raise invalid("tier", _("This plan has no such tier."))
    if method not in ("equal", "seasonality"):
        raise invalid("method", _("Choose one of the allowed values."))
    tree = _tree_of(actor, plan)
    key = _node_of(tree, node)
    history = plan_selectors.plan_history(plan, plan_selectors.org_today(actor)) if method == "seasonality" else {}
    quantum = suggestions.quantum_of(plan.metric)
    changes: dict[Cell, dict[str, Decimal | None]] = {}

    def months_of(n: Any, fallback: list[Decimal]) -> list[Decimal]:
        h = history.get(n.key)
        weights = suggestions.weights_of(h.last, fallback) if h is not None else fallback
        year = n.values.get(("Y", tier), ZERO)
        if recursive and n.children:
            months = [ZERO] * 12
            for c in n.children:
                for i, m in enumerate(months_of(c, weights)):
                    months[i] += m
            if sum(months, ZERO) < year:
                extra = suggestions.split(year - sum(months, ZERO), weights, quantum)
                months = [m + e for m, e in zip(months, extra, strict=True)]
        else:
            months = suggestions.split(year, weights, quantum)
        for i, m in enumerate(months):
            changes[(n.key, MONTHS[i])] = {tier: m}
        for q in range(4):
            changes[(n.key, f"Q{q + 1}")] = {tier: sum(months[3 * q : 3 * q + 3], ZERO)}
        changes[(n.key, "Y")] = {tier: sum(months, ZERO)}
        return months

    months_of(tree.nodes[key], [Decimal(1) / 12] * 12)
    return _write(actor=actor, plan=plan, tree=tree, changes=changes, reason=reason)


# --- suggestions ----------------------------------------------------------------------------------------------


def clean_role_defaults(role_defaults: Mapping[str, Any] | None) -> dict[str, Decimal]:
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Decimal] = {}
    for role, value in (role_defaults or {}).items():
        if role not in Role.values:
            errors[f"role_defaults.{role}"] = [_("Not a role.")]
            continue
        try:
            clean[role] = parse_amount(value)
        except ValueError as e:
            errors[f"role_defaults.{role}"] = [str(e)]
    if errors:
        raise _refuse(errors)
    return clean


def clean_scale(scale: Any) -> Decimal:
    try:
        value = parse_amount(scale)
    except ValueError as e:
        raise invalid("scale", str(e)) from None
    if not Decimal("0.1") <= value <= Decimal(10):
        raise invalid("scale", _("Choose a factor from 0.1 to 10."))
    return value


@transaction.atomic
def plan_suggestion_accept(
    *, actor: Employee, plan_id: int, scale: Any = 1, role_defaults: Mapping[str, Any] | None = None
) -> int:
    """Replace a draft plan's values with the suggestion scaled by `scale` (1.2: +20 %, distributed by share); the
    sprint and challenge tiers at 110 % and 120 % of it. Returns the number of values written."""
    plan = _plan_for_change(actor, plan_id)
    factor = clean_scale(scale)
    defaults = clean_role_defaults(role_defaults)
    if plan.status == PlanStatus.LOCKED:
        raise invalid("plan", _("A locked plan changes only through revisions."))
    tree = _tree_of(actor, plan)
    history = plan_selectors.plan_history(plan, plan_selectors.org_today(actor))
    per_tier = {}
    texts: dict[Key, str] = {}
    for tier in tiers_of(plan.tiers):
        tier_factor = TIER_FACTORS[Tier(tier)]
        result, tier_texts = plan_selectors.plan_suggestion(
            plan=plan, tree=tree, actor=actor, scale=factor * tier_factor,
            role_defaults={r: v * tier_factor for r, v in defaults.items()}, history=history,
        )  # fmt: skip
        per_tier[tier] = {k: s.periods() for k, s in result.items()}
        if tier == Tier.TARGET:
            texts = tier_texts
    TargetValue.objects.filter(plan=plan).delete()
    now = timezone.now()
    rows = []
    for key, periods in per_tier[Tier.TARGET].items():
        for period in PERIODS:
            rows.append((
                now, now, plan.org_id, plan.pk, key[1] if key[0] == "d" else None, key[1] if key[0] == "e" else None,
                period, periods[period],
                per_tier[Tier.SPRINT][key][period] if Tier.SPRINT in per_tier else None,
                per_tier[Tier.CHALLENGE][key][period] if Tier.CHALLENGE in per_tier else None,
                texts.get(key, "")[:300] if period == "Y" else "",
            ))  # fmt: skip
    insert_rows(TargetValue, VALUE_COLUMNS, rows)
    audit(
        actor=actor,
        org=actor.org,
        action="targetplan.suggestion_accept",
        obj=plan,
        changes={"scale": [None, str(factor)]},
    )
    return len(rows)


# --- people joining and leaving -------------------------------------------------------------------------------


def _add_deltas(
    *, actor: Employee, plan: TargetPlan, tree: PlanTree, deltas: Mapping[tuple[Key, str, str], Decimal], reason: str
) -> int:
    changes: dict[Cell, dict[str, Decimal | None]] = {}
    for (key, period, tier), delta in deltas.items():
        if not delta:
            continue
        current = tree.nodes[key].values.get((period, tier), ZERO)
        changes.setdefault((key, period), {})[tier] = max(current + delta, ZERO)
    return _write(actor=actor, plan=plan, tree=tree, changes=changes, reason=reason)


def _along(tree: PlanTree, key: Key) -> list[Key]:
    """The node and every department above it."""
    keys = []
    node = tree.nodes.get(key)
    while node is not None:
        keys.append(node.key)
        node = node.parent
    return keys


def remaining_months(plan: TargetPlan, today: Any) -> list[str]:
    """The fiscal months not over yet (this month included)."""
    return [m for m in MONTHS if period_bounds(plan, m)[1] >= today]


@transaction.atomic
def plan_newcomer_add(*, actor: Employee, plan_id: int, employee_id: int, annual_default: Any, reason: str = "") -> int:
    """A newcomer's pro-rated target: the role default (a year's worth) * the remaining months / 12, spread equally
    over those months, added to them and to every department above them (on a locked plan, a revision)."""
    plan = _plan_for_change(actor, plan_id)
    try:
        annual = parse_amount(annual_default)
    except ValueError as e:
        raise invalid("annual_default", str(e)) from None
    tree = _tree_of(actor, plan)
    key: Key = ("e", employee_id)
    if key not in tree.nodes:
        raise invalid("employee_id", _("No such department or employee in this plan."))
    months = remaining_months(plan, plan_selectors.org_today(actor))
    parts = suggestions.prorated(annual, len(months), suggestions.quantum_of(plan.metric))
    deltas: dict[tuple[Key, str, str], Decimal] = defaultdict(Decimal)
    for month, part in zip(months, parts, strict=True):
        quarter = f"Q{(int(month[1:]) - 1) // 3 + 1}"
        for k in _along(tree, key):
            for period in (month, quarter, "Y"):
                deltas[(k, period, Tier.TARGET)] += part
    return _add_deltas(actor=actor, plan=plan, tree=tree, deltas=deltas, reason=reason or _("New member"))


def targets_follow_handover(*, actor: Employee, leaver: Employee, successors: Sequence[Employee]) -> int:
    """In the customer handover's transaction: in every plan of the current fiscal year, the leaver's remaining
    months (every tier) go to the first successor; quarters, years and both department chains follow, so a locked
    plan still adds up (recorded as revisions)."""
    if not successors:
        return 0
    successor = successors[0]
    today = plan_selectors.org_today(leaver)
    moved = 0
    plan_ids = set(
        TargetValue.objects.filter(org_id=leaver.org_id, employee_id=leaver.pk).values_list("plan_id", flat=True)
    )
    plans = TargetPlan.objects.select_for_update().filter(
        org_id=leaver.org_id, pk__in=plan_ids, fiscal_year__in=[today.year - 1, today.year]
    )
    for plan in plans.order_by("pk"):
        first, last = period_bounds(plan, "Y")
        if not first <= today <= last:
            continue
        tree = _tree_of(actor, plan)
        leaver_key, successor_key = ("e", leaver.pk), ("e", successor.pk)
        if leaver_key not in tree.nodes or successor_key not in tree.nodes:
            continue
        deltas: dict[tuple[Key, str, str], Decimal] = defaultdict(Decimal)
        for month in remaining_months(plan, today):
            quarter = f"Q{(int(month[1:]) - 1) // 3 + 1}"
            for tier in tiers_of(plan.tiers):
                amount = tree.nodes[leaver_key].values.get((month, tier), ZERO)
                if not amount:
                    continue
                for period in (month, quarter, "Y"):
                    for k in _along(tree, leaver_key):
                        deltas[(k, period, tier)] -= amount
                    for k in _along(tree, successor_key):
                        deltas[(k, period, tier)] += amount
        reason = _("Handed over from %(leaver)s to %(successor)s") % {
            "leaver": leaver.name,
            "successor": successor.name,
        }
        moved += _add_deltas(actor=actor, plan=plan, tree=tree, deltas=deltas, reason=reason)
    return moved
