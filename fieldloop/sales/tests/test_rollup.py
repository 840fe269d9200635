import uuid
from datetime import date
from decimal import Decimal

from fieldloop.activities.tests.helpers import customer
from fieldloop.sales.models import Order, OrderCredit, OrderKind, OrderStatus, SalesDay
from fieldloop.sales.rollup import Share, order_deltas, order_shares, sales_day_add, sales_day_rebuild


def confirmed_order(cast, *, total: str, kind: str, signed_on: date, credits) -> Order:
    order = Order.objects.create(
        org=cast.org, client_id=uuid.uuid4(), number=f"SO-{uuid.uuid4().hex[:8]}", customer=customer(cast.rep),
        owner=credits[0][0], created_by=credits[0][0], status=OrderStatus.CONFIRMED, kind=kind,
        signed_on=signed_on, currency="CNY", total=Decimal(total),
    )  # fmt: skip
    for employee, percent in credits:
        OrderCredit.objects.create(
            org=cast.org, order=order, employee=employee, department=employee.department, share_percent=percent
        )
    return order


def figures(cast) -> dict:
    rows = SalesDay.objects.filter(org=cast.org).values_list(
        "day", "employee_id", "department_id", "sales_amount", "order_count", "new_customer_count",
        "new_customer_amount", "renewal_amount", "payments_amount",
    )  # fmt: skip
    return {r[:3]: r[3:] for r in rows}


def test_a_split_order_counts_once_across_its_shares_and_the_rebuild_agrees_to_the_cent(cast):
    march = date(2026, 3, 9)
    split = confirmed_order(
        cast, total="1000.01", kind=OrderKind.NEW, signed_on=march, credits=[(cast.rep, "60"), (cast.rep2, "40")]
    )
    renewal = confirmed_order(cast, total="500", kind=OrderKind.RENEWAL, signed_on=march, credits=[(cast.rep, "100")])
    for order in (split, renewal):
        sales_day_add(
            cast.org.pk,
            order_deltas(signed_on=order.signed_on, kind=order.kind, total=order.total, shares=order_shares(order)),
        )
    incremental = figures(cast)

    rep = incremental[(march, cast.rep.pk, cast.rep.department_id)]
    rep2 = incremental[(march, cast.rep2.pk, cast.rep2.department_id)]
    assert rep[0] == Decimal("600.01") + Decimal("500")  # 60 % of 1000.01 rounded half up, plus the renewal
    assert rep2[0] == Decimal("400.00")
    assert rep[1] + rep2[1] == Decimal("2")  # two orders, not three
    assert rep[2] + rep2[2] == Decimal("1")  # one new customer, split 0.6 / 0.4
    assert (rep[3], rep2[3]) == (Decimal("600.01"), Decimal("400.00"))
    assert rep[4] == Decimal("500")

    assert sales_day_rebuild(cast.org.pk) == 2
    assert figures(cast) == incremental


def test_taking_an_order_off_leaves_zero_behind(cast):
    order = confirmed_order(
        cast, total="99.99", kind=OrderKind.REPEAT, signed_on=date(2026, 1, 5), credits=[(cast.rep, "100")]
    )
    shares = [Share(cast.rep.pk, cast.rep.department_id, Decimal("100"))]
    sales_day_add(
        cast.org.pk, order_deltas(signed_on=order.signed_on, kind=order.kind, total=order.total, shares=shares)
    )
    sales_day_add(
        cast.org.pk, order_deltas(signed_on=order.signed_on, kind=order.kind, total=order.total, shares=shares, sign=-1)
    )
    [row] = figures(cast).values()
    assert row == (
        Decimal("0.00"),
        Decimal("0.0000"),
        Decimal("0.0000"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
