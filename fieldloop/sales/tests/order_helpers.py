"""What the order tests share: catalogue products (made directly: the catalogue is another part) and orders."""

import uuid
from decimal import Decimal
from typing import Any

from fieldloop.customers.models import Customer
from fieldloop.org.models import Employee
from fieldloop.sales.models import Order, Product
from fieldloop.sales.order_services import CreditIn, LineIn, order_create


def product(org: Any, sku: str = "", price: str = "100.00", **extra: Any) -> Product:
    sku = sku or f"P-{uuid.uuid4().hex[:6]}"
    return Product.objects.create(org=org, sku=sku, name=f"挖掘机 {sku}", unit="台", list_price=Decimal(price), **extra)


def an_order(
    actor: Employee,
    customer: Customer,
    *,
    lines: list[tuple[Product, str, str, str]] | None = None,
    credits: list[tuple[Employee, str]] | None = None,
    confirm: bool = False,
    **extra: Any,
) -> Order:
    lines = lines or [(product(actor.org), "2", "100.00", "0")]
    return order_create(
        actor=actor,
        client_id=uuid.uuid4(),
        customer_id=customer.pk,
        lines=[LineIn(p.pk, q, price, d) for p, q, price, d in lines],
        credits=[CreditIn(e.pk, s) for e, s in credits] if credits else None,
        confirm=confirm,
        **extra,
    )[0]
