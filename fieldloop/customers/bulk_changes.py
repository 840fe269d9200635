"""Bulk changes of chosen customers: level, stage, tags (add and remove) and archive.

The rules are the single edit's (`services.customer_update`, `services.customer_archive`): a customer may be
changed by whoever `selectors.customer_for_change` lets change it (visible, and its owner the actor or someone
whose customers the actor may change; a pool customer by whoever sees it; archived ones included), a stage must be
an active one of the organization (what `services.customer_stage_move` checks, in its UPDATE), a tag one of the
organization's, and not archived when added. Like bulk assign (`pools.customers_bulk_assign`) each is all or
nothing: the chosen customers are locked together in id order, every rule is checked for every customer, and if
any may not be changed nothing is written and the error says which and why under `customer_ids`. The writes are
set-based whatever the count: one UPDATE of the customers, one bulk insert of their timeline events (old -> new,
as a single edit records them), and for tags one DELETE and one bulk insert of the links.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError, invalid
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import visible_employees

from .models import Customer, CustomerEvent, CustomerEventKind, CustomerLevel, CustomerStage, CustomerTag, Tag
from .pools import BulkResult, _bulk_ids
from .selectors import visible_customers


def _changeable(actor: Employee, ids: list[int]) -> list[Customer]:
    """The chosen customers, locked in id order, if the actor may change every one of them (the rule of
    `selectors.customer_for_change`, asked once for all of them: two queries whatever the count); else a
    ServiceError naming each customer that may not be changed, and why (“not found” for one the actor does
    not see, as for a customer that does not exist)."""
    wanted = [i for i in ids if 0 < i < 2**63]
    customers = list(
        visible_customers(actor=actor, include_archived=True)
        .filter(pk__in=wanted)
        .select_for_update(of=("self",))  # the owner is an outer join: lock the customers only
        .select_related("owner")
        .order_by("pk")
    )
    found = {c.pk for c in customers}
    problems: list[Any] = [_("#%(id)s: not found.") % {"id": i} for i in ids if i not in found]
    others = {c.owner_id for c in customers if c.owner_id is not None and c.owner_id != actor.pk}
    changeable_owners = {actor.pk} if actor.is_active else set()
    if others and has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS):
        changeable_owners |= set(visible_employees(actor=actor).filter(pk__in=others).values_list("pk", flat=True))
    for customer in customers:
        if customer.owner is not None and customer.owner_id not in changeable_owners:
            reason = _("You may not change the customers of %(name)s.") % {"name": customer.owner.name}
            problems.append(f"{customer.name} (#{customer.pk}): {reason}")
    if problems:
        raise ServiceError(
            ErrorCode.INVALID,
            _("%(n)d of the chosen customers cannot be changed, so none was changed.") % {"n": len(problems)},
            {"customer_ids": problems},
        )
    return customers


def _record(actor: Employee, kind: str, changes: list[tuple[Customer, dict[str, Any]]]) -> None:
    """The timeline events of a bulk change: one bulk insert."""
    CustomerEvent.objects.bulk_create(
        [CustomerEvent(org_id=actor.org_id, customer=c, actor=actor, kind=kind, changes=ch) for c, ch in changes]
    )


def _set_field(actor: Employee, customers: list[Customer], field: str, value: Any, now: datetime) -> BulkResult:
    """Set one field of the customers that do not have `value` yet: one UPDATE, one insert of events."""
    result = BulkResult()
    changing = []
    for customer in customers:
        if getattr(customer, field) == value:
            result.unchanged.append(customer.pk)
        else:
            changing.append((customer, {field: [getattr(customer, field), value]}))
    if changing:
        Customer.objects.filter(pk__in=[c.pk for c, _changes in changing]).update(**{field: value, "updated_at": now})
        _record(actor, CustomerEventKind.UPDATED, changing)
    result.moved = [c.pk for c, _changes in changing]
    return result


@transaction.atomic
def customers_bulk_level(*, actor: Employee, customer_ids: Iterable[int], level: str) -> BulkResult:
    """Give the chosen customers one level (A, B, C or D). All or nothing."""
    ids = _bulk_ids(customer_ids)
    if level not in CustomerLevel.values:
        raise invalid("level", _("Choose one of the allowed values."))
    customers = _changeable(actor, ids)
    return _set_field(actor, customers, "level", level, timezone.now())


@transaction.atomic
def customers_bulk_stage(*, actor: Employee, customer_ids: Iterable[int], stage_id: int) -> BulkResult:
    """Move the chosen customers to one active stage of the organization (the rule `customer_stage_move`
    enforces, checked again by the UPDATE itself, so a stage deactivated meanwhile moves nobody). All or nothing."""
    ids = _bulk_ids(customer_ids)
    if not isinstance(stage_id, int) or isinstance(stage_id, bool) or not 0 < stage_id < 2**63:
        raise invalid("stage_id", _("Choose a stage of your organization."))
    stage = CustomerStage.objects.filter(org_id=actor.org_id, pk=stage_id, is_active=True)
    if not stage.exists():
        raise invalid("stage_id", _("Choose a stage of your organization."))
    customers = _changeable(actor, ids)
    now = timezone.now()
    result = BulkResult()
    changing = []
    for customer in customers:
        if customer.stage_id == stage_id:
            result.unchanged.append(customer.pk)
        else:
            changing.append((customer, {"stage_id": [customer.stage_id, stage_id]}))
    if changing:
        moved = (
            Customer.objects.filter(pk__in=[c.pk for c, _changes in changing])
            .filter(Exists(stage))
            .update(stage_id=stage_id, updated_at=now)
        )
        if moved != len(changing):  # deactivated since the check: the transaction rolls back
            raise invalid("stage_id", _("Choose a stage of your organization."))
        _record(actor, CustomerEventKind.UPDATED, changing)
    result.moved = [c.pk for c, _changes in changing]
    return result


def _tags(actor: Employee, field: str, tag_ids: Iterable[Any], *, adding: bool) -> list[Tag]:
    """The tags named, each of the actor's organization; none archived among those added. One query."""
    ids = list(dict.fromkeys(tag_ids))
    if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in ids):
        raise invalid(field, _("Choose tags of your organization."))
    found = list(Tag.objects.filter(org_id=actor.org_id, pk__in=[i for i in ids if 0 < i < 2**63])) if ids else []
    if len(found) != len(ids):
        raise invalid(field, _("Choose tags of your organization."))
    archived = sorted(t.name for t in found if t.archived_at is not None)
    if adding and archived:
        raise invalid(field, _("These tags are archived: %(names)s.") % {"names": ", ".join(archived)})
    return found


@transaction.atomic
def customers_bulk_tags(
    *,
    actor: Employee,
    customer_ids: Iterable[int],
    add_tag_ids: Iterable[Any] = (),
    remove_tag_ids: Iterable[Any] = (),
) -> BulkResult:
    """Add tags to and remove tags from the chosen customers; the other tags they have stay. A tag added must
    be an active tag of the organization, one removed any of its tags; none both added and removed. All or
    nothing. Each customer whose tags change gets one event (its tags' names old -> new, as an edit records)."""
    ids = _bulk_ids(customer_ids)
    adding = _tags(actor, "add_tag_ids", add_tag_ids, adding=True)
    removing = _tags(actor, "remove_tag_ids", remove_tag_ids, adding=False)
    if not adding and not removing:
        raise invalid("add_tag_ids", _("Choose tags to add or to remove."))
    both = sorted({t.name for t in adding} & {t.name for t in removing})
    if both:
        raise invalid("remove_tag_ids", _("Added and removed at once: %(names)s.") % {"names": ", ".join(both)})
    customers = _changeable(actor, ids)
    names = {t.pk: t.name for t in [*adding, *removing]}
    current: dict[int, set[int]] = defaultdict(set)
    for customer_id, tag_id, name in CustomerTag.objects.filter(customer_id__in=[c.pk for c in customers]).values_list(
        "customer_id", "tag_id", "tag__name"
    ):
        current[customer_id].add(tag_id)
        names[tag_id] = name
    add_ids, remove_ids = {t.pk for t in adding}, {t.pk for t in removing}
    result = BulkResult()
    changing: list[tuple[Customer, dict[str, Any]]] = []
    links: list[CustomerTag] = []
    for customer in customers:
        before = current[customer.pk]
        after = (before | add_ids) - remove_ids
        if after == before:
            result.unchanged.append(customer.pk)
            continue
        changing.append((customer, {"tags": [sorted(names[i] for i in before), sorted(names[i] for i in after)]}))
        links += [CustomerTag(org_id=actor.org_id, customer_id=customer.pk, tag_id=i) for i in sorted(after - before)]
    if changing:
        changed_ids = [c.pk for c, _changes in changing]
        if remove_ids:
            CustomerTag.objects.filter(customer_id__in=changed_ids, tag_id__in=remove_ids).delete()
        if links:
            CustomerTag.objects.bulk_create(links)
        Customer.objects.filter(pk__in=changed_ids).update(updated_at=timezone.now())
        _record(actor, CustomerEventKind.UPDATED, changing)
    result.moved = [c.pk for c, _changes in changing]
    return result


@transaction.atomic
def customers_bulk_archive(*, actor: Employee, customer_ids: Iterable[int]) -> BulkResult:
    """Archive the chosen customers (whoever may archive each one may restore it: `services.customer_restore`);
    those archived already are left as they are. All or nothing."""
    ids = _bulk_ids(customer_ids)
    customers = _changeable(actor, ids)
    now = timezone.now()
    result = BulkResult()
    archiving = []
    for customer in customers:
        if customer.archived_at is not None:
            result.unchanged.append(customer.pk)
        else:
            archiving.append((customer, {"archived": [False, True]}))
    if archiving:
        Customer.objects.filter(pk__in=[c.pk for c, _changes in archiving]).update(archived_at=now, updated_at=now)
        _record(actor, CustomerEventKind.ARCHIVED, archiving)
    result.moved = [c.pk for c, _changes in archiving]
    return result
