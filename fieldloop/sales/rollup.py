"""The daily sales rollup (`SalesDay`): how order and payment writes keep it current, and how to rebuild it.

Every figure is credit-weighted: an order credited 60/40 adds 0.6 of its total and 0.6 of an order to the first
employee and 0.4 to the second, each in the department recorded on the credit (where the employee was when the
order was signed). A confirmed order adds its deltas on its signing day; an amendment takes the old deltas off and
puts the new ones on; a cancellation takes them off. A payment adds to `payments_amount` on the day received,
split by the order's credits (payments are taken only on confirmed orders, and an order with payments is not
cancelled). Writes go through `sales_day_add`: one INSERT … ON CONFLICT DO UPDATE for a whole
batch, whatever the number of rows it touches.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction

from fieldloop.core.bulk import insert_rows

from .models import Order, OrderCredit, OrderKind, OrderStatus, SalesDay

FIGURES = (
    "sales_amount",
    "order_count",
    "new_customer_count",
    "new_customer_amount",
    "renewal_amount",
    "payments_amount",
)
CENT = Decimal("0.01")
COUNT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Share:
    """One credit of an order: who, counted where, with which share (a percentage)."""

    employee_id: int
    department_id: int
    percent: Decimal

    @property
    def fraction(self) -> Decimal:
        return self.percent / 100


@dataclass
class DayDelta:
    day: date
    employee_id: int
    department_id: int
    figures: dict[str, Decimal]

    @property
    def key(self) -> tuple[date, int, int]:
        return (self.day, self.employee_id, self.department_id)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def order_deltas(
    *, signed_on: date, kind: str, total: Decimal, shares: Iterable[Share], sign: int = 1
) -> list[DayDelta]:
    """What one confirmed order adds to the rollup (sign=-1: what taking it off removes)."""
    deltas = []
    for share in shares:
        amount = _money(total * share.fraction) * sign
        count = (share.fraction * sign).quantize(COUNT_PLACES)
        figures = {"sales_amount": amount, "order_count": count}
        if kind == OrderKind.NEW:
            figures |= {"new_customer_count": count, "new_customer_amount": amount}
        elif kind == OrderKind.RENEWAL:
            figures["renewal_amount"] = amount
        deltas.append(DayDelta(signed_on, share.employee_id, share.department_id, figures))
    return deltas


def payment_deltas(*, received_on: date, amount: Decimal, shares: Iterable[Share], sign: int = 1) -> list[DayDelta]:
    """What one payment adds to the rollup, split by the order's credits (sign=-1 to take it off)."""
    return [
        DayDelta(received_on, s.employee_id, s.department_id, {"payments_amount": _money(amount * s.fraction) * sign})
        for s in shares
    ]


def order_shares(order: Order) -> list[Share]:
    """The credits of an order as shares (one query; use the prefetched `credits` when there)."""
    return [Share(c.employee_id, c.department_id, c.share_percent) for c in order.credits.all()]


def sales_day_add(org_id: int, deltas: Iterable[DayDelta]) -> None:
    """Add the deltas to the rollup in one statement: deltas of the same (day, employee, department) are merged
    first (PostgreSQL refuses to touch one row twice in one INSERT … ON CONFLICT)."""
    merged: dict[tuple[date, int, int], dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(FIGURES, Decimal(0)))
    for delta in deltas:
        row = merged[delta.key]
        for name, value in delta.figures.items():
            row[name] += value
    if not merged:
        return
    table = connection.ops.quote_name(SalesDay._meta.db_table)
    columns = ["org_id", "day", "employee_id", "department_id", *FIGURES]
    day_field = SalesDay._meta.get_field("day")
    amount_field = SalesDay._meta.get_field("sales_amount")
    params: list[Any] = []
    for (day, employee_id, department_id), figures in sorted(merged.items()):
        params += [org_id, day_field.get_db_prep_value(day, connection), employee_id, department_id]
        params += [
            connection.ops.adapt_decimalfield_value(figures[name], amount_field.max_digits, 4) for name in FIGURES
        ]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in FIGURES)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholders] * len(merged))} "  # noqa: S608
        f"ON CONFLICT (org_id, day, employee_id, department_id) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def sales_day_rebuild(org_id: int) -> int:
    """Rebuild an organization's rollup from its confirmed orders and their payments (after a bulk load, or to
    repair), through the same deltas as the writes (so a rebuilt rollup equals the incremental one to the cent):
    two streamed queries and one bulk insert (COPY on PostgreSQL). Returns the number of rollup rows."""
    deltas: list[DayDelta] = []
    credits = (
        OrderCredit.objects.filter(org_id=org_id, order__status=OrderStatus.CONFIRMED)
        .values_list("order__signed_on", "order__kind", "order__total", "employee_id", "department_id", "share_percent")
        .iterator(chunk_size=5000)
    )
    for signed_on, kind, total, employee_id, department_id, percent in credits:
        deltas += order_deltas(
            signed_on=signed_on, kind=kind, total=total, shares=[Share(employee_id, department_id, percent)]
        )
    paid = (
        OrderCredit.objects.filter(org_id=org_id, order__status=OrderStatus.CONFIRMED)
        .filter(order__payments__isnull=False)
        .values_list(
            "order__payments__received_on", "order__payments__amount", "employee_id", "department_id", "share_percent"
        )
        .iterator(chunk_size=5000)
    )
    for received_on, amount, employee_id, department_id, percent in paid:
        deltas += payment_deltas(
            received_on=received_on, amount=amount, shares=[Share(employee_id, department_id, percent)]
        )
    rows: dict[tuple[date, int, int], dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(FIGURES, Decimal(0)))
    for delta in deltas:
        for name, value in delta.figures.items():
            rows[delta.key][name] += value
    with transaction.atomic():
        SalesDay.objects.filter(org_id=org_id).delete()
        insert_rows(
            SalesDay,
            ("org_id", "day", "employee_id", "department_id", *FIGURES),
            ((org_id, *key, *(figures[name] for name in FIGURES)) for key, figures in rows.items()),
        )
    return len(rows)
