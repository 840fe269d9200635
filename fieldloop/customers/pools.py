"""Public pools (公海): claim, release, assign, protection and its expiry.

Every write locks the customer row, so two reps claiming one customer at the same moment end with
exactly one owner; each records its event on the customer's timeline.
"""

import dataclasses
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core import progress
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import can_change_owned_by, can_see_employee
from fieldloop.org.services import audit, require_permission

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
    if customer.owner_id == actor.pk:
        return customer
    if not is_pool_member(actor=actor, pool=pool):
        raise not_found()  # before anything about its owner: a non-member learns nothing of the customer
    if customer.owner_id is not None:
        raise ServiceError(ErrorCode.CONFLICT, _("Someone else has just claimed this customer."))
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
    changes = _release(customer, timezone.now())
    customer.save()
    _event(customer, actor, CustomerEventKind.RELEASED, changes)
    return customer


def _release(customer: Customer, now: datetime) -> dict[str, Any]:
    """A release clears the protection (no owner, no expiry) and starts the previous owner's re-claim
    cool-down from `now`. Returns the changes for the timeline."""
    old_owner_id = customer.owner_id
    customer.last_owner_id, customer.released_at = old_owner_id, now
    customer.owner, customer.protected_until, customer.claimed_at = None, None, None
    customer.updated_at = now
    return {"owner_id": [old_owner_id, None], "pool_id": [None, customer.pool_id]}


@transaction.atomic
def customer_assign(*, actor: Employee, customer_id: int, owner_id: int, now: datetime | None = None) -> Customer:
    """Give one customer (owned or in a pool) to an employee: `customers_bulk_assign`'s rules for one
    customer (rights, pool administrators, holding cap, protection restarting), its reason as the error.
    Like a release: a customer the actor does not see is not found, one they see but may not change (as a
    collaborator, say) is forbidden."""
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    customer = customer_get(actor=actor, customer_id=customer_id)
    if customer.owner is not None and not can_change_owned_by(actor=actor, owner=customer.owner):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change this customer."))
    try:
        customers_bulk_assign(actor=actor, customer_ids=[customer_id], owner_id=owner_id, now=now)
    except ServiceError as e:
        problems = e.fields.pop("customer_ids", None)
        if problems == [_("#%(id)s: not found.") % {"id": customer_id}]:
            raise not_found() from e
        if problems:
            reason = str(problems[0]).split(": ", 1)[-1]
            raise ServiceError(e.code, reason, {"owner_id": [reason]}) from e
        raise
    return Customer.objects.select_related("owner", "pool").get(pk=customer_id)


def _assignee(actor: Employee, employee_id: int, field: str = "owner_id") -> Employee:
    """The employee who receives customers: active and within the actor's reach."""
    owner = Employee.objects.filter(org_id=actor.org_id, pk=employee_id).first()
    if owner is None or not can_see_employee(actor=actor, employee=owner):
        raise invalid(field, _("Choose an employee you can see."))
    if not owner.is_active:
        raise invalid(field, _("%(name)s has left the organization.") % {"name": owner.name})
    return owner


def _hand_to(customer: Customer, owner: Employee, now: datetime) -> dict[str, Any]:
    """Assignment and transfer restart protection deliberately: the customer counts as claimed `now` by
    its new owner and is protected for its pool's protection days (so the pool's maximum counts from
    now too); a customer without a pool has no expiry to recompute. Returns the changes for the timeline."""
    old_owner_id, old_expiry = customer.owner_id, customer.protected_until
    customer.owner = owner
    customer.claimed_at = customer.updated_at = now
    if customer.pool is not None:
        customer.protected_until = now + timedelta(days=customer.pool.protection_days)
    return {"owner_id": [old_owner_id, owner.pk], "protected_until": [_iso(old_expiry), _iso(customer.protected_until)]}


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


def customer_followed_up(*, customer_id: int, by: Employee, at: datetime) -> None:
    """A work record or visit about the customer: it is a qualifying follow-up, extending the owner's
    protection, when its author owns the customer (someone else's note keeps nobody's claim alive)."""
    if Customer.objects.filter(pk=customer_id, owner_id=by.pk, protected_until__isnull=False).exists():
        customer_protection_extend(customer_id=customer_id, followed_up_at=at, actor=by)


def all_orgs_recycle_expired_customers(*, now: datetime | None = None) -> int:
    """The nightly job: customers whose protection has expired go back to their pool (unless their
    stage is kept), each in its own transaction, each logged. Returns how many went back."""
    now = now or timezone.now()
    expired = Customer.objects.filter(
        owner__isnull=False, pool__isnull=False, protected_until__lt=now, archived_at__isnull=True
    ).values_list("pk", flat=True)
    returned = 0
    for customer_id in progress.track(list(expired.iterator(chunk_size=2_000)), label="expired customers"):
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


# --- Bulk assign, transfer and release ---------------------------------------------------------------
# Each is all or nothing: the chosen customers are locked together (one query, in id order), every rule is
# checked for every customer, and if any cannot move, nothing moves and the error lists which and why under
# `customer_ids`. The writes are one bulk update and one bulk insert of timeline events. The rules are the
# single operations' (`_assignee`, `_hand_to`, `_release`, `can_change_owned_by`), checked once per owner.

BULK_LIMIT = 500
MOVED_FIELDS = ["owner", "claimed_at", "protected_until", "last_owner", "released_at", "pool", "updated_at"]


@dataclasses.dataclass
class BulkResult:
    moved: list[int] = dataclasses.field(default_factory=list)  # customers that changed hands
    unchanged: list[int] = dataclasses.field(default_factory=list)  # already where they were sent


def _bulk_ids(customer_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        raise invalid("customer_ids", _("Choose at least one customer."))
    if len(ids) > BULK_LIMIT:
        raise invalid("customer_ids", _("Choose at most %(n)d customers at a time.") % {"n": BULK_LIMIT})
    return ids


class _Selection:
    """The chosen customers of the actor's organization, locked, and the reasons any of them cannot move."""

    def __init__(self, actor: Employee, ids: list[int]) -> None:
        self.actor = actor
        locked = (
            Customer.objects.select_for_update(of=("self",))  # owner and pool are outer joins: lock customers only
            .select_related("owner", "pool")
            .filter(org_id=actor.org_id, pk__in=[i for i in ids if 0 < i < 2**63], archived_at__isnull=True)
            .order_by("pk")
        )
        self.customers = list(locked)
        found = {c.pk for c in self.customers}
        self.problems: list[str] = [_("#%(id)s: not found.") % {"id": i} for i in ids if i not in found]
        self._owners: dict[int, tuple[bool, bool]] = {}
        self._pools: dict[int, tuple[bool, bool]] | None = None
        self._collaborating: set[int] | None = None

    def owner_rights(self, owner: Employee) -> tuple[bool, bool]:
        """(may see, may change) the customers `owner` owns; asked once per owner."""
        if owner.pk not in self._owners:
            sees = can_see_employee(actor=self.actor, employee=owner)
            self._owners[owner.pk] = (sees, sees and can_change_owned_by(actor=self.actor, owner=owner))
        return self._owners[owner.pk]

    def pool_rights(self, pool_id: int) -> tuple[bool, bool]:
        """(is a member, is an administrator) of the pool; those who manage pools administer every pool."""
        if self._pools is None:
            pool_ids = {c.pool_id for c in self.customers if c.pool_id is not None}
            if has_permission(self.actor, Permission.MANAGE_CUSTOMER_POOLS):
                self._pools = {p: (True, True) for p in pool_ids}
            else:
                rows = PoolMembership.objects.filter(employee=self.actor, pool_id__in=pool_ids)
                self._pools = {m.pool_id: (True, m.is_pool_admin) for m in rows}
        return self._pools.get(pool_id, (False, False))

    def refuse(self, customer: Customer, reason: str, *, visible: bool = True) -> None:
        if visible:
            self.problems.append(f"{customer.name} (#{customer.pk}): {reason}")
        else:  # the same answer as for a customer that does not exist
            self.problems.append(_("#%(id)s: not found.") % {"id": customer.pk})

    def collaborates_on(self, customer: Customer) -> bool:
        """Is the actor among the customer's collaborators (who see it without seeing its owner)? One query
        for all the chosen customers, asked only when one is refused."""
        if self._collaborating is None:
            self._collaborating = set(
                Customer.collaborators.through.objects.filter(
                    employee_id=self.actor.pk, customer_id__in=[c.pk for c in self.customers]
                ).values_list("customer_id", flat=True)
            )
        return customer.pk in self._collaborating

    def owned_customer_may_move(self, customer: Customer, owner: Employee) -> bool:
        sees, changes = self.owner_rights(owner)
        if not changes:
            reason = _("You may not change the customers of %(name)s.") % {"name": owner.name}
            self.refuse(customer, reason, visible=sees or self.collaborates_on(customer))
        return changes

    def check_holding_cap(self, owner: Employee, incoming: list[Customer]) -> None:
        """The receiver's holding after the move may not pass the cap of any incoming customer's pool."""
        if not incoming:
            return
        holding = Customer.objects.filter(org_id=owner.org_id, owner=owner, archived_at__isnull=True).count()
        after = holding + len(incoming)
        for customer in incoming:
            if customer.pool is not None and after > customer.pool.holding_cap:
                reason = _("%(name)s would hold %(n)d customers; pool “%(pool)s” allows %(cap)d.") % {
                    "name": owner.name, "n": after, "pool": customer.pool.name, "cap": customer.pool.holding_cap,
                }  # fmt: skip
                self.refuse(customer, reason)

    def raise_problems(self) -> None:
        if self.problems:
            raise ServiceError(
                ErrorCode.INVALID,
                _("%(n)d of the chosen customers cannot be moved, so none was moved.") % {"n": len(self.problems)},
                {"customer_ids": list(self.problems)},
            )


def _write(actor: Employee, kind: str, moves: list[tuple[Customer, dict[str, Any], str]]) -> None:
    """One bulk update of the customers, one bulk insert of their timeline events (changes, summary)."""
    Customer.objects.bulk_update([c for c, _changes, _summary in moves], MOVED_FIELDS, batch_size=100)
    CustomerEvent.objects.bulk_create(
        [
            CustomerEvent(org_id=actor.org_id, customer=c, actor=actor, kind=kind, changes=changes, summary=summary)
            for c, changes, summary in moves
        ]
    )


@transaction.atomic
def customers_bulk_assign(
    *, actor: Employee, customer_ids: Iterable[int], owner_id: int, now: datetime | None = None
) -> BulkResult:
    """Give customers waiting in a pool, or owned by people whose customers the actor may change, to one
    active employee within the actor's reach. A pool's customers need an administrator of that pool (or
    someone who manages pools). Expiry, as for a single assignment: protection restarts at `now` for the
    pool's protection days. The receiver's holding cap counts every incoming customer. All or nothing."""
    now = now or timezone.now()
    ids = _bulk_ids(customer_ids)
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    owner = _assignee(actor, owner_id)
    selection = _Selection(actor, ids)
    result, incoming = BulkResult(), []
    for customer in selection.customers:
        if customer.owner_id == owner.pk:
            result.unchanged.append(customer.pk)
        elif customer.owner is not None:
            if selection.owned_customer_may_move(customer, customer.owner):
                incoming.append(customer)
        else:
            member, pool_admin = selection.pool_rights(customer.pool_id or 0)
            if pool_admin:
                incoming.append(customer)
            else:
                selection.refuse(customer, _("Only an administrator of its pool may assign it."), visible=member)
    selection.check_holding_cap(owner, incoming)
    selection.raise_problems()
    _write(actor, CustomerEventKind.ASSIGNED, [(c, _hand_to(c, owner, now), "") for c in incoming])
    notices.customers_assigned(incoming, owner=owner, actor=actor)
    result.moved = [c.pk for c in incoming]
    return result


@transaction.atomic
def customers_bulk_transfer(
    *, actor: Employee, customer_ids: Iterable[int], to_employee_id: int, now: datetime | None = None
) -> BulkResult:
    """Move owned customers to another active employee: a manager within her visible subtree, an
    administrator anywhere (the data scope decides). Customers in a pool are assigned, not transferred.
    Expiry, as for an assignment: the new owner's protection restarts at `now` for the pool's protection
    days, since the relationship starts again with someone new. Holding cap checked. All or nothing."""
    now = now or timezone.now()
    ids = _bulk_ids(customer_ids)
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    receiver = _assignee(actor, to_employee_id, field="to_employee_id")
    selection = _Selection(actor, ids)
    result, incoming = BulkResult(), []
    for customer in selection.customers:
        if customer.owner_id == receiver.pk:
            result.unchanged.append(customer.pk)
        elif customer.owner is None:
            member, _admin = selection.pool_rights(customer.pool_id or 0)
            selection.refuse(customer, _("It waits in the pool: assign it instead."), visible=member)
        elif selection.owned_customer_may_move(customer, customer.owner):
            incoming.append(customer)
    selection.check_holding_cap(receiver, incoming)
    selection.raise_problems()
    moves = []
    for customer in incoming:
        summary = f"{customer.owner.name if customer.owner else ''} → {receiver.name}"
        moves.append((customer, _hand_to(customer, receiver, now), summary))
    _write(actor, CustomerEventKind.OWNER_CHANGED, moves)
    result.moved = [c.pk for c in incoming]
    return result


@transaction.atomic
def customers_bulk_release(
    *, actor: Employee, customer_ids: Iterable[int], pool_id: int | None = None, now: datetime | None = None
) -> BulkResult:
    """Give owned customers back to their pool (or all to `pool_id`): the owner, or someone who may change
    the owner's customers. Expiry, as for a single release: protection is cleared (no owner, no expiry),
    and the previous owner's re-claim cool-down starts at `now`. Customers already in a pool are left as
    they are. All or nothing."""
    now = now or timezone.now()
    ids = _bulk_ids(customer_ids)
    if (
        pool_id is not None
        and not CustomerPool.objects.filter(org_id=actor.org_id, pk=pool_id, archived_at__isnull=True).exists()
    ):
        raise invalid("pool_id", _("Choose a pool of your organization."))
    selection = _Selection(actor, ids)
    result, leaving = BulkResult(), []
    for customer in selection.customers:
        if customer.owner is None:
            member, _admin = selection.pool_rights(customer.pool_id or 0)
            if member or customer.pool_id is None:
                result.unchanged.append(customer.pk)
            else:
                selection.refuse(customer, "", visible=False)
        elif not selection.owned_customer_may_move(customer, customer.owner):
            continue
        elif pool_id is None and customer.pool_id is None:
            selection.refuse(customer, _("Choose the pool this customer goes to."))
        else:
            leaving.append(customer)
    selection.raise_problems()
    moves = []
    for customer in leaving:
        if pool_id is not None:
            customer.pool_id = pool_id
        moves.append((customer, _release(customer, now), ""))
    _write(actor, CustomerEventKind.RELEASED, moves)
    result.moved = [c.pk for c in leaving]
    return result
