"""The demo's sales: a machinery dealer's catalogue and two years of orders whose figures add up (lines to totals,
payments to what was received, shares to 100, the rollup to the orders), with the story a sales director expects
(a spring peak, growth, new customers won, contracts renewed and some ending soon, money outstanding)."""

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from fieldloop.customers.models import Customer, CustomerEvent, CustomerEventKind
from fieldloop.demo.company import build_demo_company
from fieldloop.demo.sales import a_year_on, money
from fieldloop.sales.models import (
    Order,
    OrderCredit,
    OrderKind,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentPlanItem,
    Product,
    SalesDay,
)
from fieldloop.sales.order_services import line_amount
from fieldloop.sales.rollup import sales_day_rebuild

ROLLUP = ("sales_amount", "order_count", "new_customer_count", "new_customer_amount", "renewal_amount",
          "payments_amount")  # fmt: skip


def rollup_rows():
    rows = SalesDay.objects.values_list("day", "employee_id", "department_id", *ROLLUP)
    return {row[:3]: row[3:] for row in rows}


def test_two_years_of_demo_orders_add_up_and_tell_a_sales_story(db):
    ctx = build_demo_company(size="small", seed=9, until="orders")
    assert ctx.org is not None
    today = ctx.now.astimezone(ZoneInfo(ctx.org.time_zone)).date()  # the build's day (a test may cross midnight)
    orders = {o.pk: o for o in Order.objects.all()}
    assert len(orders) == ctx.counts["orders"] > 1000

    # the catalogue: about forty products with a SKU, a unit and a list price, in categories
    products = list(Product.objects.select_related("category"))
    assert 35 <= len(products) <= 45 and all(p.category is not None and p.list_price > 0 for p in products)
    assert {p.unit for p in products} >= {"台", "件", "桶", "次"}
    assert {p.category.parent.name for p in products if p.category and p.category.parent} >= {"整机", "配件"}
    sold_products = set(OrderLine.objects.values_list("product_id", flat=True))
    assert not sold_products & {p.pk for p in products if not p.is_active}  # a discontinued product is not sold

    # lines add up to the order's total; numbers are unique, by year of signing
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for order_id, quantity, price, discount, amount in OrderLine.objects.values_list(
        "order_id", "quantity", "unit_price", "discount_percent", "amount"
    ):
        assert amount == line_amount(quantity, price, discount) and 0 <= discount <= 100
        totals[order_id] += amount
    assert all(o.total == totals[o.pk] > 0 for o in orders.values())
    assert all(re.fullmatch(rf"SO-{o.signed_on.year}-\d{{6}}", o.number) for o in orders.values())
    assert len({o.number for o in orders.values()}) == len(orders)
    assert all(o.signed_on <= today for o in orders.values())

    # payments: only on confirmed orders; paid is their sum, never above the total; some outstanding, some overdue
    received: dict[int, Decimal] = defaultdict(Decimal)
    for order_id, amount in Payment.objects.values_list("order_id", "amount"):
        received[order_id] += amount
    assert {orders[pk].status for pk in received} == {OrderStatus.CONFIRMED}
    assert all(o.paid == received[o.pk] <= o.total for o in orders.values())
    confirmed = [o for o in orders.values() if o.status == OrderStatus.CONFIRMED]
    assert sum(o.paid for o in confirmed) > Decimal("0.8") * sum(o.total for o in confirmed)
    assert any(o.paid < o.total for o in confirmed)
    plans: dict[int, list[PaymentPlanItem]] = defaultdict(list)
    for item in PaymentPlanItem.objects.order_by("due_on"):
        plans[item.order_id].append(item)
    assert all(sum(i.amount for i in items) == orders[pk].total for pk, items in plans.items())
    overdue = [
        pk for pk, items in plans.items()
        if orders[pk].paid < sum((i.amount for i in items if i.due_on < today), Decimal(0))
    ]  # fmt: skip
    assert overdue
    assert all(o.pk in plans for o in confirmed if o.total >= 100_000 or o.is_contract)  # a plan for the big ones

    # credits: shares sum to 100; one order in ten split 70/30 with a teammate
    shares: dict[int, list[OrderCredit]] = defaultdict(list)
    for credit in OrderCredit.objects.select_related("employee"):
        shares[credit.order_id].append(credit)
    assert all(sum(c.share_percent for c in shares[pk]) == 100 for pk in orders)
    split = [credits for credits in shares.values() if len(credits) > 1]
    assert 0.05 * len(orders) < len(split) < 0.2 * len(orders)
    for credits in split:
        assert sorted(c.share_percent for c in credits) == [30, 70]
        assert len({c.employee.department_id for c in credits}) == 1
        assert all(c.department_id == c.employee.department_id for c in credits)
    assert all(shares[pk][0].employee_id == o.owner_id for pk, o in orders.items() if len(shares[pk]) == 1)

    # kinds: a customer's first confirmed order is "new", a renewal renews a contract of its customer from the day
    # after it ends; contracts run 12 months; some end within 30 days unrenewed (the owner's reminder)
    by_customer: dict[int, list[Order]] = defaultdict(list)
    for o in sorted(orders.values(), key=lambda o: (o.signed_on, o.pk)):
        if o.confirmed_at is not None:
            by_customer[o.customer_id].append(o)
    for customer_orders in by_customer.values():
        kinds = [o.kind for o in customer_orders]
        assert kinds[0] == OrderKind.NEW and OrderKind.NEW not in kinds[1:]
    assert {o.kind for o in confirmed} == {OrderKind.NEW, OrderKind.REPEAT, OrderKind.RENEWAL}
    contracts = [o for o in confirmed if o.is_contract]
    assert all(o.starts_on and o.ends_on == a_year_on(o.starts_on) for o in contracts)
    renewals = [o for o in confirmed if o.kind == OrderKind.RENEWAL]
    for renewal in renewals:
        renewed = orders[renewal.renews_id or 0]
        assert renewed.customer_id == renewal.customer_id and renewed.ends_on is not None
        assert renewal.starts_on == renewed.ends_on + timedelta(days=1)
        assert renewal.signed_on <= renewed.ends_on
    assert all(o.renews_id is None for o in orders.values() if o.kind != OrderKind.RENEWAL)
    renewed_ids = {o.renews_id for o in renewals}
    ends = {o.pk: o.ends_on for o in contracts if o.ends_on is not None}
    ending = [pk for pk, end in ends.items() if today <= end <= today + timedelta(days=30) and pk not in renewed_ids]
    assert len(ending) >= 3

    # orders of the visits' months taken in a visit: by its owner, at its customer, on its day
    taken = Order.objects.filter(visit__isnull=False).select_related("visit", "customer__org")
    assert taken.count() >= 3
    for o in taken:
        assert o.visit is not None and (o.visit.employee_id, o.visit.customer_id) == (o.owner_id, o.customer_id)
        assert o.visit.checked_in_at.astimezone(ZoneInfo(o.customer.org.time_zone)).date() == o.signed_on

    # a few drafts (no kind, not confirmed) and cancelled orders (no payment, with a reason)
    drafts = [o for o in orders.values() if o.status == OrderStatus.DRAFT]
    cancelled = [o for o in orders.values() if o.status == OrderStatus.CANCELLED]
    assert drafts and all(o.kind == "" and o.confirmed_at is None and o.paid == 0 for o in drafts)
    assert cancelled and all(
        o.paid == 0 and o.cancel_reason and o.confirmed_at and o.cancelled_at and o.cancelled_at > o.confirmed_at
        for o in cancelled
    )

    # as the order service does: a customer with a confirmed order is at the won stage, the move on its timeline
    won = Customer.objects.filter(pk__in=by_customer).select_related("stage")
    assert all(c.stage is not None and c.stage.is_won for c in won)
    moved = CustomerEvent.objects.filter(kind=CustomerEventKind.UPDATED, changes__has_key="stage_id")
    assert moved.exists() and set(moved.values_list("customer_id", flat=True)) <= set(by_customer)
    numbers = {o.number for o in orders.values() if o.kind == OrderKind.NEW}
    assert set(moved.values_list("summary", flat=True)) <= numbers  # the order that moved it

    # the story: orders grow about 15 % a year, spring (March-May) sells more than the Chinese New Year months
    last_year = [o for o in confirmed if o.signed_on > today - timedelta(days=365)]
    year_before = [o for o in confirmed if o.signed_on <= today - timedelta(days=365)]
    assert 1.0 < len(last_year) / len(year_before) < 1.4
    # the amounts follow the counts, with the noise of a few hundred machines a year (a small company: +-15 %)
    assert 0.8 < sum(o.total for o in last_year) / sum(o.total for o in year_before) < 1.6
    per_month: dict[int, int] = defaultdict(int)
    for o in confirmed:
        per_month[o.signed_on.month] += 1
    assert min(per_month[3], per_month[4], per_month[5]) > 1.3 * per_month[2]

    # each rep employed the whole two years sells in proportion to the customers they own (within a band: the
    # buyers, their levels and their repeat orders are drawn at random)
    first = today - timedelta(days=730)
    owned: dict[int, int] = defaultdict(int)
    for owner_id in Customer.objects.filter(owner__isnull=False).values_list("owner_id", flat=True):
        owned[owner_id] += 1
    sold: dict[int, int] = defaultdict(int)
    for o in confirmed:
        sold[o.owner_id] += 1
    veterans = [e.pk for e in ctx.employees if e.pk in owned and (e.joined_on or first) <= first]
    rates = [sold[pk] / owned[pk] for pk in veterans]
    mean = sum(rates) / len(rates)
    assert len(rates) >= 5 and all(0.2 * mean < rate < 2.5 * mean for rate in rates)
    assert first <= min(o.signed_on for o in orders.values())

    # the rollup: equal to a rebuild, and to a hand aggregate over the orders for one rep and one month
    built = rollup_rows()
    assert built and sales_day_rebuild(ctx.org.pk) == len(built)
    assert rollup_rows() == built
    credit = next(c for credits in split for c in credits if c.share_percent == 30)
    rep, month = credit.employee, orders[credit.order_id].signed_on.replace(day=1)
    in_month = {o.pk for o in confirmed if o.signed_on.replace(day=1) == month}
    sales = orders_count = new_count = Decimal(0)
    for order_id, credits in shares.items():
        for c in credits:
            if order_id in in_month and c.employee_id == rep.pk:
                sales += money(orders[order_id].total * c.share_percent / 100)
                orders_count += c.share_percent / 100
                new_count += c.share_percent / 100 if orders[order_id].kind == OrderKind.NEW else 0
    payments = Decimal(0)
    for order_id, received_on, amount in Payment.objects.values_list("order_id", "received_on", "amount"):
        for c in shares[order_id]:
            if c.employee_id == rep.pk and received_on.replace(day=1) == month:
                payments += money(amount * c.share_percent / 100)
    days = [row for key, row in built.items() if key[1] == rep.pk and key[0].replace(day=1) == month]
    assert sum(row[0] for row in days) == sales > 0
    assert sum(row[1] for row in days) == orders_count
    assert sum(row[2] for row in days) == new_count
    assert sum(row[5] for row in days) == payments
