"""Public pools (公海): claim, release, assign, protection and its expiry.

Every write locks the customer row, so two reps claiming one customer at the same moment end with
exactly one owner; each records its event on the customer's timeline.
"""

import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ErrorCode, ServiceError, invalid, not_found
from org.models import Employee
from org.permissions import Permission, has_permission
from org.selectors import can_change_owned_by, can_see_employee
from org.services import audit, require_permission

from . import notices
from .models import Customer, CustomerEvent, CustomerEventKind, CustomerPool, CustomerStage, PoolMembership
from .selectors import customer_get, is_pool_member

RULE_FIELDS = (
    "name", "description", "protection_days", "extension_days", "max_protection_days", "notify_days_before",
    "daily_claim_limit", "holding_cap", "reclaim_cooldown_days",
)  # fmt: skip


def _event(customer: Customer, actor: Employee | None, kind: str, changes: dict[str, Any]) -> None:
    CustomerEvent.objects.create(org_id=customer.org_id, customer=customer, actor=actor, kind=kind, changes=changes)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _clean_rules(rules: dict[str, Any]) -> dict[str, Any]:
    unknown = set(rules) - set(RULE_FIELDS) - {"keep_stage_ids"}
    if unknown:
        raise invalid(sorted(unknown)[0], _("Unknown field."))
    errors: dict[str, list[Any]] = {}
    clean = dict(rules)
    if "name" in clean:
        clean["name"] = str(clean["name"] or "").strip()
        if not clean["name"]:
            errors["name"] = [_("This field is required.")]
    for field in RULE_FIELDS[2:]:
        if field in clean and (not isinstance(clean[field], int) or not 0 <= clean[field] <= 10_000):
            errors[field] = [_("Enter a whole number between 0 and 10000.")]
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return clean


def _apply_rules(pool: CustomerPool, actor: Employee, clean: dict[str, Any]) -> None:
    keep_stage_ids = clean.pop("keep_stage_ids", None)
    for field, value in clean.items():
        setattr(pool, field, value)
    if pool.max_protection_days < pool.protection_days:
        raise invalid("max_protection_days", _("The maximum must be at least the protection days."))
    if CustomerPool.objects.filter(org_id=actor.org_id, name=pool.name).exclude(pk=pool.pk).exists():
        raise invalid("name", _("A pool with this name already exists."), ErrorCode.DUPLICATE)
    pool.save()
    if keep_stage_ids is not None:
        stages = CustomerStage.objects.filter(org_id=actor.org_id, pk__in=keep_stage_ids)
        if stages.count() != len(set(keep_stage_ids)):
            raise invalid("keep_stage_ids", _("Choose stages of your organization."))
        pool.keep_stages.set(stages)


@transaction.atomic
def pool_create(*, actor: Employee, name: str, **rules: Any) -> CustomerPool:
    require_permission(actor, Permission.MANAGE_CUSTOMER_POOLS)
    clean = _clean_rules({"name": name, **rules})
    pool = CustomerPool(org_id=actor.org_id)
    _apply_rules(pool, actor, clean)
    audit(actor=actor, org=actor.org, action="customer_pool.create", obj=pool, changes={"name": [None, pool.name]})
    return pool


@transaction.atomic
def pool_update(*, actor: Employee, pool_id: int, **rules: Any) -> CustomerPool:
    require_permission(actor, Permission.MANAGE_CUSTOMER_POOLS)
    pool = CustomerPool.objects.select_for_update().filter(org_id=actor.org_id, pk=pool_id).first()
    if pool is None:
        raise not_found()
    clean = _clean_rules(rules)
    before = {f: getattr(pool, f) for f in clean if f != "keep_stage_ids"}
    _apply_rules(pool, actor, clean)
    changes = {f: [old, getattr(pool, f)] for f, old in before.items() if old != getattr(pool, f)}
    audit(actor=actor, org=actor.org, action="customer_pool.update", obj=pool, changes=changes)
    return pool


@transaction.atomic
def pool_set_members(
    *, actor: Employee, pool_id: int, member_ids: list[int], admin_ids: list[int] | None = None
) -> CustomerPool:
    require_permission(actor, Permission.MANAGE_CUSTOMER_POOLS)
    pool = CustomerPool.objects.select_for_update().filter(org_id=actor.org_id, pk=pool_id).first()
    if pool is None:
        raise not_found()
    ids = set(member_ids) | set(admin_ids or [])
    if Employee.objects.filter(org_id=actor.org_id, pk__in=ids).count() != len(ids):
        raise invalid("member_ids", _("Choose employees of your organization."))
    PoolMembership.objects.filter(pool=pool).exclude(employee_id__in=ids).delete()
    existing = set(PoolMembership.objects.filter(pool=pool).values_list("employee_id", flat=True))
    PoolMembership.objects.bulk_create(
        [PoolMembership(org_id=actor.org_id, pool=pool, employee_id=i) for i in ids - existing]
    )
    PoolMembership.objects.filter(pool=pool).update(is_pool_admin=False)
    PoolMembership.objects.filter(pool=pool, employee_id__in=admin_ids or []).update(is_pool_admin=True)
    audit(actor=actor, org=actor.org, action="customer_pool.members", obj=pool, changes={"members": sorted(ids)})
    return pool


def _start_of_today(actor: Employee, now: datetime) -> datetime:
    local = timezone.localtime(now, timezone=zoneinfo.ZoneInfo(actor.org.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def customer_claim(*, actor: Employee, customer_id: int, now: datetime | None = None) -> Customer:
    """Take a customer from its pool. Refused beyond the daily limit or the holding cap, during the
    previous owner's cool-down, and when someone else got it first."""
    now = now or timezone.now()
    customer = Customer.objects.select_for_update().filter(org_id=actor.org_id, pk=customer_id).first()
    if customer is None or customer.pool_id is None or customer.archived_at is not None:
        raise not_found()
    pool = CustomerPool.objects.get(pk=customer.pool_id)
    if customer.owner_id is not None:
        if customer.owner_id == actor.pk:
            return customer
        raise ServiceError(ErrorCode.CONFLICT, _("Someone else has just claimed this customer."))
    if not is_pool_member(actor=actor, pool=pool):
        raise not_found()
    claimed_today = CustomerEvent.objects.filter(
        org_id=actor.org_id, actor=actor, kind=CustomerEventKind.CLAIMED, created_at__gte=_start_of_today(actor, now)
    ).count()
    if claimed_today >= pool.daily_claim_limit:
        raise ServiceError(
            ErrorCode.CONFLICT,
            _("You have claimed %(n)d customers today, the daily limit of this pool.") % {"n": claimed_today},
        )
    holding = Customer.objects.filter(org_id=actor.org_id, owner=actor, archived_at__isnull=True).count()
    if holding >= pool.holding_cap:
        raise ServiceError(
            ErrorCode.CONFLICT,
            _("You already hold %(n)d customers, the most this pool allows. Release some first.") % {"n": holding},
        )
    cooldown_ends = customer.released_at + timedelta(days=pool.reclaim_cooldown_days) if customer.released_at else None
    if customer.last_owner_id == actor.pk and cooldown_ends and cooldown_ends > now:
        raise ServiceError(
            ErrorCode.CONFLICT,
            _("You released this customer recently; you may claim it again from %(date)s.")
            % {"date": timezone.localtime(cooldown_ends).strftime("%Y-%m-%d %H:%M")},
        )
    customer.owner = actor
    customer.claimed_at = now
    customer.protected_until = now + timedelta(days=pool.protection_days)
    customer.save(update_fields=["owner", "claimed_at", "protected_until", "updated_at"])
    _event(
        customer,
        actor,
        CustomerEventKind.CLAIMED,
        {"owner_id": [None, actor.pk], "protected_until": [None, _iso(customer.protected_until)]},
    )
    return customer


@transaction.atomic
def customer_release(*, actor: Employee, customer_id: int, pool_id: int | None = None) -> Customer:
    """Give a customer back to its pool (or to `pool_id`): its owner, or someone who may change it."""
    customer = customer_get(actor=actor, customer_id=customer_id, for_update=True)
    if customer.owner is None:
        return customer
    if not can_change_owned_by(actor=actor, owner=customer.owner):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change this customer."))
    if pool_id is not None:
        if not CustomerPool.objects.filter(org_id=actor.org_id, pk=pool_id, archived_at__isnull=True).exists():
            raise invalid("pool_id", _("Choose a pool of your organization."))
        customer.pool_id = pool_id
    if customer.pool_id is None:
        raise invalid("pool_id", _("Choose the pool this customer goes to."))
    old_owner = customer.owner
    customer.last_owner, customer.released_at = old_owner, timezone.now()
    customer.owner, customer.protected_until, customer.claimed_at = None, None, None
    customer.save()
    _event(
        customer,
        actor,
        CustomerEventKind.RELEASED,
        {"owner_id": [old_owner.pk, None], "pool_id": [None, customer.pool_id]},
    )
    return customer


@transaction.atomic
def customer_assign(*, actor: Employee, customer_id: int, owner_id: int, now: datetime | None = None) -> Customer:
    """Give a customer (owned or in a pool) to an employee; protection restarts deliberately."""
    now = now or timezone.now()
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    customer = Customer.objects.select_for_update().filter(org_id=actor.org_id, pk=customer_id).first()
    if customer is None or (customer.owner is not None and not can_see_employee(actor=actor, employee=customer.owner)):
        raise not_found()
    owner = Employee.objects.filter(org_id=actor.org_id, pk=owner_id).first()
    if owner is None or not can_see_employee(actor=actor, employee=owner):
        raise invalid("owner_id", _("Choose an employee you can see."))
    if not owner.is_active:
        raise invalid("owner_id", _("%(name)s has left the organization.") % {"name": owner.name})
    old_owner_id = customer.owner_id
    customer.owner = owner
    customer.claimed_at = now
    if customer.pool is not None:
        customer.protected_until = now + timedelta(days=customer.pool.protection_days)
    customer.save()
    _event(
        customer,
        actor,
        CustomerEventKind.ASSIGNED,
        {"owner_id": [old_owner_id, owner.pk], "protected_until": [None, _iso(customer.protected_until)]},
    )
    notices.customer_assigned(customer, actor=actor)
    return customer


@transaction.atomic
def customer_protection_extend(
    *, customer_id: int, followed_up_at: datetime, actor: Employee | None = None
) -> Customer:
    """A qualifying follow-up: expiry = follow-up + extension days, only if later, never past the maximum."""
    customer = Customer.objects.select_for_update(of=("self",)).select_related("pool").get(pk=customer_id)
    pool = customer.pool
    if pool is None or customer.owner_id is None or customer.protected_until is None:
        return customer
    ceiling = (customer.claimed_at or followed_up_at) + timedelta(days=pool.max_protection_days)
    candidate = min(followed_up_at + timedelta(days=pool.extension_days), ceiling)
    if candidate > customer.protected_until:
        old = customer.protected_until
        customer.protected_until = candidate
        customer.save(update_fields=["protected_until", "updated_at"])
        _event(
            customer, actor, CustomerEventKind.PROTECTION_EXTENDED, {"protected_until": [_iso(old), _iso(candidate)]}
        )
    return customer


def all_orgs_recycle_expired_customers(*, now: datetime | None = None) -> int:
    """The nightly job: customers whose protection has expired go back to their pool (unless their
    stage is kept), each in its own transaction, each logged. Returns how many went back."""
    now = now or timezone.now()
    expired = Customer.objects.filter(
        owner__isnull=False, pool__isnull=False, protected_until__lt=now, archived_at__isnull=True
    ).values_list("pk", flat=True)
    returned = 0
    for customer_id in list(expired.iterator(chunk_size=2_000)):
        with transaction.atomic():
            customer = Customer.objects.select_for_update(of=("self",)).select_related("pool").get(pk=customer_id)
            if customer.owner_id is None or customer.protected_until is None or customer.protected_until >= now:
                continue  # claimed, extended or released since the scan
            pool = customer.pool
            if pool is None or (customer.stage_id and pool.keep_stages.filter(pk=customer.stage_id).exists()):
                continue
            old_owner_id = customer.owner_id
            customer.last_owner_id, customer.released_at = old_owner_id, now
            customer.owner, customer.protected_until, customer.claimed_at = None, None, None
            customer.save()
            _event(customer, None, CustomerEventKind.RECYCLED, {"owner_id": [old_owner_id, None]})
            notices.customer_recycled(customer, previous_owner_id=old_owner_id)
            returned += 1
    return returned
