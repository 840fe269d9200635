"""Lifecycle stages (客户阶段), configured per organization: create, rename (zh/en), reorder, mark won,
deactivate, delete.

A stage in use (by a customer, or kept out of the pools by a pool's rules) is never deleted, only
deactivated: a deactivated stage still shows on the customers that have it and is no longer offered for new
choices. The organization keeps at least one active stage; names are unique per organization (the Chinese
name exactly, the English one ignoring case). Every write locks the organization's stages in id order (so
two admins cannot both deactivate "the other" last stage) and goes to the audit history.

(A module of its own beside pools.py and handover.py, rather than more of services.py. A new organization
gets the four default stages when it is created: `services.customer_defaults_create`.)
"""

from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from .models import Customer, CustomerPool, CustomerStage

NAME_LIMIT = 40
UPDATE_FIELDS = ("name", "name_en", "is_won", "is_active", "position")


def stage_list(*, actor: Employee, include_inactive: bool = False) -> list[CustomerStage]:
    """The organization's stages in their order (active ones only unless asked)."""
    qs = CustomerStage.objects.filter(org_id=actor.org_id)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("position", "id"))


def stage_usage(*, actor: Employee) -> dict[int, int]:
    """Customers (archived included) per stage of the organization: one aggregate query."""
    rows = (
        Customer.objects.filter(org_id=actor.org_id, stage__isnull=False)
        .values("stage_id")
        .annotate(n=Count("id"))
        .values_list("stage_id", "n")
    )
    return dict(rows)


def _lock_stages(actor: Employee) -> list[CustomerStage]:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    return list(CustomerStage.objects.select_for_update().filter(org_id=actor.org_id).order_by("pk"))


def _clean_names(
    stages: list[CustomerStage], values: dict[str, Any], *, exclude_id: int | None = None
) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    clean = dict(values)
    others = [s for s in stages if s.pk != exclude_id]
    if "name" in clean:
        clean["name"] = str(clean["name"] or "").strip()
        if not clean["name"]:
            errors["name"] = [_("This field is required.")]
        elif len(clean["name"]) > NAME_LIMIT:
            errors["name"] = [_("Enter at most %(limit)d characters.") % {"limit": NAME_LIMIT}]
        elif any(s.name == clean["name"] for s in others):
            errors["name"] = [_("A stage with this name already exists.")]
    if "name_en" in clean:
        clean["name_en"] = str(clean["name_en"] or "").strip()
        if len(clean["name_en"]) > NAME_LIMIT:
            errors["name_en"] = [_("Enter at most %(limit)d characters.") % {"limit": NAME_LIMIT}]
        elif clean["name_en"] and any(s.name_en.casefold() == clean["name_en"].casefold() for s in others):
            errors["name_en"] = [_("A stage with this name already exists.")]
    if errors:
        taken = _("A stage with this name already exists.")
        code = ErrorCode.DUPLICATE if any(taken in messages for messages in errors.values()) else ErrorCode.INVALID
        raise ServiceError(code, _("Please correct the errors below."), errors)
    return clean


def _renumber(stages: list[CustomerStage], order: list[int]) -> None:
    by_id = {s.pk: s for s in stages}
    changed = []
    for position, stage_id in enumerate(order):
        stage = by_id[stage_id]
        if stage.position != position:
            stage.position = position
            changed.append(stage)
    CustomerStage.objects.bulk_update(changed, ["position"])


def _order(stages: list[CustomerStage]) -> list[int]:
    return [s.pk for s in sorted(stages, key=lambda s: (s.position, s.pk))]


@transaction.atomic
def stage_create(*, actor: Employee, name: str, name_en: str = "", is_won: bool = False) -> CustomerStage:
    """A new active stage, placed last."""
    stages = _lock_stages(actor)
    clean = _clean_names(stages, {"name": name, "name_en": name_en})
    position = max((s.position for s in stages), default=-1) + 1
    stage = CustomerStage.objects.create(org_id=actor.org_id, position=position, is_won=bool(is_won), **clean)
    changes = {"name": [None, stage.name], "name_en": [None, stage.name_en], "is_won": [None, stage.is_won]}
    audit(actor=actor, org=actor.org, action="customer_stage.create", obj=stage, changes=changes)
    return stage


@transaction.atomic
def stage_update(*, actor: Employee, stage_id: int, **values: Any) -> CustomerStage:
    """Rename (name, name_en), mark won (is_won), deactivate or reactivate (is_active), or move to a
    0-based `position` in the order. Only the fields given change; each change is audited as old -> new."""
    unknown = set(values) - set(UPDATE_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("Unknown field."))
    stages = _lock_stages(actor)
    stage = next((s for s in stages if s.pk == stage_id), None)
    if stage is None:
        raise not_found()
    clean = _clean_names(stages, {k: v for k, v in values.items() if k in ("name", "name_en")}, exclude_id=stage.pk)
    changes: dict[str, list[Any]] = {}
    for field in ("name", "name_en"):
        if field in clean and clean[field] != getattr(stage, field):
            changes[field] = [getattr(stage, field), clean[field]]
            setattr(stage, field, clean[field])
    for field in ("is_won", "is_active"):
        if field in values and values[field] is not None and bool(values[field]) != getattr(stage, field):
            changes[field] = [getattr(stage, field), bool(values[field])]
            setattr(stage, field, bool(values[field]))
    if not stage.is_active and not any(s.is_active for s in stages if s.pk != stage.pk):
        raise invalid("is_active", _("The organization needs at least one active stage."), ErrorCode.CONFLICT)
    if changes:
        stage.save()
    if values.get("position") is not None:
        position = values["position"]
        if not isinstance(position, int) or not 0 <= position < len(stages):
            raise invalid("position", _("Enter a position between 0 and %(n)d.") % {"n": len(stages) - 1})
        before = _order(stages)
        after = [i for i in before if i != stage.pk]
        after.insert(position, stage.pk)
        if after != before:
            _renumber(stages, after)
            changes["order"] = [before, after]
    if changes:
        audit(actor=actor, org=actor.org, action="customer_stage.update", obj=stage, changes=changes)
    return stage


@transaction.atomic
def stage_reorder(*, actor: Employee, stage_ids: list[int]) -> list[CustomerStage]:
    """Put all of the organization's stages (active and not) in the given order."""
    stages = _lock_stages(actor)
    if len(stage_ids) != len(set(stage_ids)) or set(stage_ids) != {s.pk for s in stages}:
        raise invalid("stage_ids", _("List every stage of your organization once."))
    before = _order(stages)
    if before != list(stage_ids):
        _renumber(stages, list(stage_ids))
        audit(
            actor=actor, org=actor.org, action="customer_stage.reorder", obj=actor.org,
            changes={"order": [before, list(stage_ids)]},
        )  # fmt: skip
    return sorted(stages, key=lambda s: s.position)


@transaction.atomic
def stage_delete(*, actor: Employee, stage_id: int) -> None:
    """Delete a stage nobody uses; one in use is refused (deactivate it instead), as is the last active one."""
    stages = _lock_stages(actor)
    stage = next((s for s in stages if s.pk == stage_id), None)
    if stage is None:
        raise not_found()
    used = Customer.objects.filter(org_id=actor.org_id, stage=stage).count()
    kept = CustomerPool.keep_stages.through.objects.filter(customerstage_id=stage.pk).exists()
    if used or kept:
        message = (
            _("%(n)d customers have this stage: deactivate it instead.") % {"n": used}
            if used
            else _("A pool's rules use this stage: deactivate it instead.")
        )
        raise ServiceError(ErrorCode.CONFLICT, message, {"stage_id": [message]})
    if stage.is_active and not any(s.is_active for s in stages if s.pk != stage.pk):
        raise invalid("stage_id", _("The organization needs at least one active stage."), ErrorCode.CONFLICT)
    changes = {"name": [stage.name, None], "name_en": [stage.name_en, None]}
    audit(actor=actor, org=actor.org, action="customer_stage.delete", obj=stage, changes=changes)
    stage.delete()
