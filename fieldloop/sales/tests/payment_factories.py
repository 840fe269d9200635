"""Orders for the payments tests, made directly with the models (the order services are another part of the
issue) and, when confirmed, added to the SalesDay rollup through `sales.rollup` as an order write would."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fieldloop.activities.tests.helpers import customer as a_customer
from fieldloop.customers.models import Customer
from fieldloop.org.models import Employee
from fieldloop.sales.models import Order, OrderCredit, OrderKind, OrderStatus, PaymentPlanItem
from fieldloop.sales.rollup import order_deltas, order_shares, sales_day_add


def an_order(
    owner: Employee,
    *,
    total: str = "1000.00",
    customer: Customer | None = None,
    credits: list[tuple[Employee, str]] | None = None,
    status: str = OrderStatus.CONFIRMED,
    kind: str = OrderKind.NEW,
    signed_on: date | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    renews: Order | None = None,
    plan: list[tuple[date, str]] | None = None,
) -> Order:
    customer = customer or a_customer(owner)
    order = Order.objects.create(
        org_id=owner.org_id, client_id=uuid.uuid4(), number=f"SO-{uuid.uuid4().hex[:8]}", customer=customer,
        owner=owner, created_by=owner, status=status, kind=kind if status == OrderStatus.CONFIRMED else "",
        signed_on=signed_on or timezone.localdate() - timedelta(days=30), starts_on=starts_on, ends_on=ends_on,
        renews=renews, currency=owner.org.currency, total=Decimal(total),
        confirmed_at=timezone.now() if status == OrderStatus.CONFIRMED else None,
    )  # fmt: skip
    for employee, percent in credits or [(owner, "100")]:
        OrderCredit.objects.create(
            org_id=owner.org_id, order=order, employee=employee, department_id=employee.department_id,
            share_percent=Decimal(percent),
        )  # fmt: skip
    for due_on, amount in plan or []:
        PaymentPlanItem.objects.create(org_id=owner.org_id, order=order, due_on=due_on, amount=Decimal(amount))
    if status == OrderStatus.CONFIRMED:
        sales_day_add(
            owner.org_id,
            order_deltas(signed_on=order.signed_on, kind=order.kind, total=order.total, shares=order_shares(order)),
        )
    return order


def collaborated_order(owner: Employee, collaborator: Employee, **kwargs: Any) -> Order:
    """An order of `owner` on a customer `collaborator` only collaborates on."""
    customer = a_customer(owner)
    customer.collaborators.add(collaborator)
    return an_order(owner, customer=customer, **kwargs)
