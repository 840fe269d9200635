"""Handover (客户交接): a leaving (or moving) employee's customers go to successors, history intact.

Stage, contacts, timeline and custom fields stay with each customer; protection restarts for the
successor; every customer records the handover. `register_holding` makes `employee_mark_left`
refuse while someone still owns customers, so none is ever orphaned.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.org.departures import Holding, register_holding
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import can_see_employee
from fieldloop.org.services import employee_mark_left

from . import notices
from .models import Customer, CustomerEvent, CustomerEventKind


@dataclass
class HandoverResult:
    moved: dict[int, int]  # successor id -> customers received
    left: bool


# What other apps move with a handover (schedules: the leaver's planned items follow their customers), run in the
# handover's transaction after the customers moved and before the leaver is marked as left.
HandoverFollower = Callable[..., object]  # (*, actor, leaver, successors) -> anything
_FOLLOWERS: dict[str, HandoverFollower] = {}


def register_handover_follower(name: str, callback: HandoverFollower) -> None:
    """`callback(actor=..., leaver=..., successors=[...])` runs inside every customer handover."""
    _FOLLOWERS[name] = callback


def owned_customers(employee: Employee) -> int:
    return Customer.objects.filter(org_id=employee.org_id, owner=employee, archived_at__isnull=True).count()


def register() -> None:
    register_holding(
        "customers",
        Holding(
            label=lambda n: ngettext("%(n)d customer", "%(n)d customers", n) % {"n": n},
            count=owned_customers,
            handover_url=lambda e: reverse("customer_handover", kwargs={"employee_id": e.pk}),
        ),
    )


@transaction.atomic
def customer_handover(
    *, actor: Employee, from_employee_id: int, successor_ids: list[int], mark_left: bool = False
) -> HandoverResult:
    """Move every customer of `from_employee` to the successors, spread evenly (by customer id, so the
    split is reproducible), then optionally mark the employee as left, all in one transaction."""
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    leaver = Employee.objects.filter(org_id=actor.org_id, pk=from_employee_id).first()
    if leaver is None or not can_see_employee(actor=actor, employee=leaver):
        raise not_found()
    if not successor_ids:
        raise invalid("successor_ids", _("Choose at least one successor."))
    successors = list(Employee.objects.filter(org_id=actor.org_id, pk__in=set(successor_ids)).order_by("pk"))
    if len(successors) != len(set(successor_ids)) or any(
        not can_see_employee(actor=actor, employee=s) for s in successors
    ):
        raise invalid("successor_ids", _("Choose successors you can see."))
    gone = [s.name for s in successors if not s.is_active]
    if gone:
        raise invalid("successor_ids", _("%(names)s left the organization.") % {"names": ", ".join(gone)})
    if leaver.pk in {s.pk for s in successors}:
        raise invalid("successor_ids", _("The successor must be someone else."))
    now = timezone.now()
    customers = list(
        Customer.objects.select_for_update(of=("self",))  # the pool is an outer join: lock the customers only
        .select_related("pool")
        .filter(org_id=actor.org_id, owner=leaver)
        .order_by("pk")
    )
    moved: dict[int, int] = {s.pk: 0 for s in successors}
    events = []
    for i, customer in enumerate(customers):
        successor = successors[i % len(successors)]
        customer.owner = successor
        customer.claimed_at = customer.updated_at = now
        if customer.pool is not None:
            customer.protected_until = now + timedelta(days=customer.pool.protection_days)
        moved[successor.pk] += 1
        events.append(
            CustomerEvent(
                org_id=actor.org_id, customer=customer, actor=actor, kind=CustomerEventKind.HANDED_OVER,
                changes={"owner_id": [leaver.pk, successor.pk]}, summary=f"{leaver.name} → {successor.name}",
            )
        )  # fmt: skip
    Customer.objects.bulk_update(customers, ["owner", "claimed_at", "protected_until", "updated_at"])
    CustomerEvent.objects.bulk_create(events)
    notices.customers_handed_over(actor=actor, leaver=leaver, moved=moved)
    Customer.collaborators.through.objects.filter(employee=leaver, customer__org_id=actor.org_id).delete()
    for follow in _FOLLOWERS.values():
        follow(actor=actor, leaver=leaver, successors=successors)
    if mark_left:
        employee_mark_left(actor=actor, employee_id=leaver.pk)
    return HandoverResult(moved=moved, left=mark_left)
