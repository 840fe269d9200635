"""Demo sales for 华东机械 (construction machinery): a catalogue, and two years of orders up to today.

The catalogue: machines (excavators, loaders), spare parts, lubricants, one-off services and 12-month service
packages, each with its SKU, unit and list price.

The orders: every order date is drawn from one curve over the two years, a spring peak (March-May), a dip around
Chinese New Year, fewer orders at weekends and +15 % a year, so the counts follow it month by month. A share of the
reps' customers buy: a customer's first confirmed order is its "new customer" order (a third of them, customers
from before the demo's window, place it in the window's first weeks), then repeat orders go to the customers who
have bought by then, weighted by their level, so each rep sells in proportion to the customers they own (from the
day they joined). A machine is often followed by a service contract (12 months), most contracts are renewed before
they end (the renewal points at the contract it renews), so some end within the next 30 days unrenewed. One order
in ten is split 70/30 with a teammate. A few recent drafts, a few cancelled orders. Big orders and contracts have a
payment plan; payments follow the plan with some late, some outstanding, some overdue.

Like the order service: the customer's first confirmed order moves it to the organization's won stage (with the
change on its timeline). Set-based: one bulk insert per table, then `sales_day_rebuild` once; deterministic per
seed.
"""

import bisect
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fieldloop.activities.models import Visit
from fieldloop.core.bulk import JsonText, allocate_ids, insert_rows
from fieldloop.customers.models import Customer, CustomerEvent, CustomerEventKind, CustomerStage
from fieldloop.org.models import Employee, Role
from fieldloop.sales.models import (
    Order,
    OrderCredit,
    OrderKind,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentPlanItem,
    Product,
    ProductCategory,
)
from fieldloop.sales.order_services import line_amount  # the order service's rule: one formula for both
from fieldloop.sales.rollup import sales_day_rebuild

from .context import DemoContext

CENT = Decimal("0.01")
UNSET = datetime.min.replace(tzinfo=UTC)

# --- The catalogue --------------------------------------------------------------------------------------------

# (name, parent): parents first
CATEGORIES = [
    ("整机", None),
    ("挖掘机", "整机"),
    ("装载机", "整机"),
    ("配件", None),
    ("液压件", "配件"),
    ("发动机件", "配件"),
    ("底盘件", "配件"),
    ("工作装置", "配件"),
    ("滤芯", "配件"),
    ("润滑油品", None),
    ("服务", None),
    ("维修服务", "服务"),
    ("保养套餐", "服务"),
]
MACHINE, ATTACHMENT, PART, FILTER, OIL, SERVICE, PACKAGE = (
    "machine", "attachment", "part", "filter", "oil", "service", "package",
)  # fmt: skip
# (sku, name, category, unit, list price, what it is, description)
PRODUCTS = [
    ("EX-HD15", "HD15 微型挖掘机", "挖掘机", "台", "138000", MACHINE, "1.5吨级，适合市政、园林小空间作业"),
    ("EX-HD35", "HD35 小型挖掘机", "挖掘机", "台", "228000", MACHINE, "3.5吨级，国四排放"),
    ("EX-HD60", "HD60 小型挖掘机", "挖掘机", "台", "326000", MACHINE, "6吨级，带推土铲"),
    ("EX-HD135", "HD135 中型挖掘机", "挖掘机", "台", "568000", MACHINE, "13.5吨级，斗容0.55方"),
    ("EX-HD215", "HD215 中型挖掘机", "挖掘机", "台", "868000", MACHINE, "21.5吨级，斗容1.0方，土方主力机型"),
    ("EX-HD365", "HD365 大型挖掘机", "挖掘机", "台", "1580000", MACHINE, "36.5吨级，矿山加强型"),
    ("EX-HD55", "HD55 小型挖掘机（停产）", "挖掘机", "台", "268000", MACHINE, "已由HD60替代"),
    ("LD-ZL30", "ZL30 轮式装载机", "装载机", "台", "268000", MACHINE, "额定载重3吨"),
    ("LD-ZL50", "ZL50 轮式装载机", "装载机", "台", "428000", MACHINE, "额定载重5吨，斗容3方"),
    ("LD-ZL60", "ZL60 轮式装载机", "装载机", "台", "528000", MACHINE, "额定载重6吨，港口、料场"),
    ("LD-SL08", "SL08 滑移装载机", "装载机", "台", "186000", MACHINE, "额定载重0.8吨，可换多种属具"),
    ("PT-HP01", "主液压泵总成", "液压件", "件", "48600", PART, "适用HD135/HD215"),
    ("PT-HP02", "回转马达", "液压件", "件", "32800", PART, ""),
    ("PT-HP03", "行走马达", "液压件", "件", "36500", PART, ""),
    ("PT-HC01", "动臂油缸", "液压件", "件", "18900", PART, ""),
    ("PT-HS01", "高压油管总成", "液压件", "件", "1280", PART, ""),
    ("PT-EN01", "喷油器", "发动机件", "件", "2350", PART, ""),
    ("PT-EN02", "涡轮增压器", "发动机件", "件", "12600", PART, ""),
    ("PT-EN03", "水箱散热器", "发动机件", "件", "8900", PART, ""),
    ("PT-UC01", "履带链条总成", "底盘件", "件", "21500", PART, "单边"),
    ("PT-UC02", "支重轮", "底盘件", "件", "1680", PART, ""),
    ("PT-UC03", "引导轮", "底盘件", "件", "3200", PART, ""),
    ("PT-WK01", "标准挖斗 1.0方", "工作装置", "件", "15800", ATTACHMENT, "适用HD215"),
    ("PT-WK02", "斗齿", "工作装置", "件", "260", PART, "耐磨合金"),
    ("PT-WK03", "液压破碎锤", "工作装置", "件", "68000", ATTACHMENT, "含管路"),
    ("PT-FL01", "柴油滤芯", "滤芯", "件", "186", FILTER, ""),
    ("PT-FL02", "机油滤芯", "滤芯", "件", "128", FILTER, ""),
    ("PT-FL03", "空气滤芯（内外芯）", "滤芯", "件", "460", FILTER, ""),
    ("PT-FL04", "液压回油滤芯", "滤芯", "件", "320", FILTER, ""),
    ("OL-HY46", "抗磨液压油 46# 18L", "润滑油品", "桶", "680", OIL, ""),
    ("OL-HY68", "抗磨液压油 68# 18L", "润滑油品", "桶", "720", OIL, ""),
    ("OL-EN15", "柴油机油 CI-4 15W-40 18L", "润滑油品", "桶", "860", OIL, ""),
    ("OL-GR00", "极压锂基润滑脂 15kg", "润滑油品", "桶", "520", OIL, ""),
    ("OL-GE85", "重负荷齿轮油 85W-90 18L", "润滑油品", "桶", "760", OIL, ""),
    ("OL-AF35", "长效防冻液 -35℃ 18L", "润滑油品", "桶", "390", OIL, ""),
    ("SV-INS", "设备上门检测", "维修服务", "次", "1200", SERVICE, ""),
    ("SV-RPR", "故障上门维修", "维修服务", "次", "2800", SERVICE, "不含配件"),
    ("SV-TRN", "操作手培训", "维修服务", "次", "3600", SERVICE, "每次两天，最多5人"),
    ("SV-PK1", "年度保养套餐·基础版", "保养套餐", "套", "18800", PACKAGE, "12个月，每台设备4次定期保养"),
    ("SV-PK2", "年度保养套餐·全面版", "保养套餐", "套", "36800", PACKAGE, "12个月，定期保养与易损件更换"),
    ("SV-EXT", "延保服务", "保养套餐", "套", "26000", PACKAGE, "整机延保12个月"),
]
DISCONTINUED = {"EX-HD55"}
# discounts (%) a rep gives, by what is sold
DISCOUNTS = {
    MACHINE: ["3", "5", "5", "6", "8", "8", "10", "12"],
    ATTACHMENT: ["0", "0", "3", "5"],
    PART: ["0", "0", "0", "2", "3", "5", "8"],
    FILTER: ["0", "0", "5", "10"],
    OIL: ["0", "0", "3", "5", "5", "8", "10"],
    SERVICE: ["0", "0", "0", "5", "10"],
    PACKAGE: ["0", "0", "5", "8", "10", "15"],
}


def build_products(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    org = ctx.org
    categories: dict[str, ProductCategory] = {}
    for position, (name, parent) in enumerate(CATEGORIES):
        categories[name] = ProductCategory.objects.create(
            org=org, name=name, parent=categories[parent] if parent else None, sort_order=position
        )
    Product.objects.bulk_create(
        Product(
            org=org, sku=sku, name=name, category=categories[category], unit=unit, list_price=Decimal(price),
            description=description, is_active=sku not in DISCONTINUED,
        )
        for sku, name, category, unit, price, _kind, description in PRODUCTS
    )  # fmt: skip
    ctx.counts["products"] = len(PRODUCTS)


# --- The orders -----------------------------------------------------------------------------------------------

WINDOW_DAYS = 730  # two years back from today
BUYER_SHARE = {"small": 0.35, "medium": 0.2, "large": 0.12}  # of the reps' customers, those who buy
REPEATS_PER_BUYER = 2.2  # repeat orders per buying customer over the two years
LEGACY_SHARE = 0.33  # buyers from before the window: their first order falls in its first weeks
LEGACY_DAYS = 45
GROWTH = 1.15  # a year
SEASON = {1: 0.9, 2: 0.95, 3: 1.3, 4: 1.4, 5: 1.25, 6: 1.0, 7: 0.85, 8: 0.85, 9: 1.05, 10: 0.9, 11: 1.0, 12: 1.05}
WEEKDAY = [1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.15]
# Chinese New Year: orders nearly stop from a few days before to the Lantern Festival
NEW_YEAR = [date(y, m, d) for y, m, d in (
    (2020, 1, 25), (2021, 2, 12), (2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17),
    (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3), (2031, 1, 23), (2032, 2, 11), (2033, 1, 31),
    (2034, 2, 19), (2035, 2, 8),
)]  # fmt: skip
NEW_YEAR_DIP = (timedelta(days=-6), timedelta(days=15), 0.12)
LEVEL_WEIGHT = {"A": 3.0, "B": 2.0, "C": 1.0, "D": 0.5}
FIRST_MIX = {"machine": 55, "parts": 30, "service": 5, "package": 10}  # what a new customer buys first
REPEAT_MIX = {"parts": 60, "service": 15, "machine": 15, "package": 10}
CONTRACT_AFTER_MACHINE = 0.45  # a service contract signed within 20 days of a machine
RENEWAL_SHARE = 0.7
SPLIT_SHARE = 0.1  # orders credited 70/30 with a teammate
DRAFT_SHARE = 0.015  # of the reps' customers, one with a draft from the last days
CANCELLED_SHARE = 0.025  # of the repeat orders
PLAN_FROM = Decimal("100000")  # orders from this total get a payment plan
CANCEL_REASONS = ["客户预算调整，取消采购", "重复下单", "客户改选竞品", "交期无法满足"]
PAYMENT_NOTES = ["银行转账", "银行转账", "承兑汇票", "现金", ""]
PAYMENT_PLAN_NOTES = {
    "deposit": "首付款",
    "delivery": "提货款",
    "retention": "质保金",
    "first": "首期",
    "second": "二期",
}

ORDER_FIELDS = (
    "id", "created_at", "updated_at", "org_id", "client_id", "number", "customer_id", "owner_id", "created_by_id",
    "visit_id", "status", "kind", "renews_id", "signed_on", "starts_on", "ends_on", "currency", "total", "paid",
    "note", "confirmed_at", "cancelled_at", "cancel_reason", "revision",
)  # fmt: skip
LINE_FIELDS = (
    "created_at", "updated_at", "org_id", "order_id", "position", "product_id", "quantity", "unit_price",
    "discount_percent", "amount",
)  # fmt: skip
CREDIT_FIELDS = ("created_at", "updated_at", "org_id", "order_id", "employee_id", "department_id", "share_percent")
PLAN_FIELDS = ("created_at", "updated_at", "org_id", "order_id", "due_on", "amount", "note")
PAYMENT_FIELDS = (
    "created_at", "updated_at", "org_id", "client_id", "order_id", "received_on", "amount", "recorded_by_id", "note",
)  # fmt: skip
EVENT_FIELDS = ("created_at", "updated_at", "org_id", "customer_id", "actor_id", "kind", "changes", "summary")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def a_year_on(day: date) -> date:
    """The last day of a 12-month term starting on `day`."""
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass
class _Buyer:
    pk: int
    owner: Employee
    level: str
    stage_id: int | None
    first_day: date  # the first day an order of it may be signed (window start or its owner's first day)


@dataclass
class _Order:
    customer: _Buyer
    signed_on: date
    mix: str
    owner: Employee
    lines: list[tuple[int, Decimal, Decimal, Decimal, Decimal]] = field(default_factory=list)
    status: str = OrderStatus.CONFIRMED
    kind: str = ""
    renews: "_Order | None" = None
    starts_on: date | None = None
    ends_on: date | None = None
    partner: Employee | None = None
    visit: tuple[int, datetime] | None = None  # the visit it was taken in: id, check-in
    pk: int = 0
    number: str = ""
    at: datetime = UNSET  # when it was entered, set in signing order

    @property
    def total(self) -> Decimal:
        return sum((line[4] for line in self.lines), Decimal(0))


class _Curve:
    """The demand curve over the window: one weight a day, sampled by its cumulative sums."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        self.cumulative: list[float] = []
        total = 0.0
        dips = [(d + NEW_YEAR_DIP[0], d + NEW_YEAR_DIP[1]) for d in NEW_YEAR]
        for n, day in enumerate(self.days):
            weight = SEASON[day.month] * WEEKDAY[day.weekday()] * GROWTH ** (n / 365.25)
            if any(start <= day <= end for start, end in dips):
                weight *= NEW_YEAR_DIP[2]
            total += weight
            self.cumulative.append(total)

    def index(self, day: date) -> int:
        return max(0, min((day - self.first).days, len(self.days) - 1))

    def draw(self, rng: Any, after: date | None = None, until: date | None = None) -> date:
        """A day in (after, until] (the whole window by default), as likely as its weight."""
        low = self.cumulative[self.index(after)] if after is not None and after >= self.first else 0.0
        high = self.cumulative[self.index(until)] if until is not None else self.cumulative[-1]
        position = low + rng.random() * (high - low)
        return self.days[min(bisect.bisect_right(self.cumulative, position), len(self.days) - 1)]


class _Lines:
    """Order lines from the catalogue: what each kind of order holds, at list price with a usual discount."""

    def __init__(self, rng: Any, products: dict[str, tuple[int, Decimal, str]]) -> None:
        self.rng = rng
        by_kind: dict[str, list[tuple[int, Decimal, str]]] = defaultdict(list)
        for sku, (pk, price, kind) in products.items():
            if sku not in DISCONTINUED:
                by_kind[kind].append((pk, price, kind))
        self.by_kind = by_kind

    def line(self, product: tuple[int, Decimal, str], quantity: int) -> tuple[int, Decimal, Decimal, Decimal, Decimal]:
        pk, price, kind = product
        discount = Decimal(self.rng.choice(DISCOUNTS[kind]))
        q = Decimal(quantity)
        return (pk, q, price, discount, line_amount(q, price, discount))

    def quantity(self, kind: str, price: Decimal) -> int:
        rng = self.rng
        if kind == MACHINE:
            return rng.choice([1, 1, 1, 1, 1, 1, 1, 2, 2, 3])
        if kind in (ATTACHMENT, SERVICE, PACKAGE):
            return rng.choice([1, 1, 1, 2, 3])
        if kind == FILTER:
            return rng.randint(6, 60)
        if kind == OIL:
            return rng.randint(2, 30)
        return rng.randint(1, 4) if price > 5000 else rng.randint(2, 12)

    def pick(self, kinds: list[str], count: int) -> list[tuple[int, Decimal, str]]:
        pool = [p for kind in kinds for p in self.by_kind[kind]]
        return self.rng.sample(pool, min(count, len(pool)))

    def order(self, mix: str) -> list[tuple[int, Decimal, Decimal, Decimal, Decimal]]:
        rng = self.rng
        if mix == "machine":
            chosen = [rng.choice(self.by_kind[MACHINE])]
            chosen += self.pick([ATTACHMENT, OIL, SERVICE], rng.choice([0, 0, 1, 1, 2, 3]))
        elif mix == "service":
            chosen = [rng.choice(self.by_kind[SERVICE]), *self.pick([PART, FILTER], rng.randint(0, 3))]
        elif mix == "package":
            chosen = [rng.choice(self.by_kind[PACKAGE])]
        else:
            chosen = self.pick([PART, FILTER, OIL], rng.choice([1, 1, 2, 2, 3, 3, 4, 5]))
        return [self.line(p, self.quantity(p[2], p[1])) for p in chosen]


def _weighted(rng: Any, mix: dict[str, int]) -> str:
    return rng.choices(list(mix), list(mix.values()))[0]


def build_orders(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, org, now = ctx.rng, ctx.org, ctx.now
    zone = ZoneInfo(org.time_zone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=WINDOW_DAYS)
    curve = _Curve(first, today)
    products = {
        sku: (pk, price, next(p[5] for p in PRODUCTS if p[0] == sku))
        for sku, pk, price in Product.objects.filter(org=org).values_list("sku", "pk", "list_price")
    }
    lines = _Lines(rng, products)
    won = CustomerStage.objects.filter(org=org, is_won=True, is_active=True).order_by("position", "id").first()
    if won is None:
        raise ValueError("the organization has no won stage")
    reps = {e.pk: e for e in ctx.employees if e.role == Role.REP and e.is_active}
    team: dict[int, list[Employee]] = defaultdict(list)
    for e in reps.values():
        team[e.department_id].append(e)

    def started(e: Employee) -> date:
        return max(first, e.joined_on or first)

    owned = list(
        Customer.objects.filter(org=org, owner_id__in=list(reps), archived_at__isnull=True)
        .order_by("id")
        .values_list("pk", "owner_id", "level", "stage_id")
    )
    # the buyers: a share of each rep's customers (never a lost one), smaller for a rep who joined during the window
    # (their share of the window, and no customers from before it), so every rep wins customers at one rate
    lost = set(
        CustomerStage.objects.filter(org=org, is_won=False, position__gt=won.position).values_list("pk", flat=True)
    )
    buyers = []
    for pk, owner_id, level, stage_id in owned:
        owner = reps[owner_id]
        employed = (today - started(owner)).days / WINDOW_DAYS
        chance = BUYER_SHARE[ctx.size_name] * (employed if started(owner) == first else employed * (1 - LEGACY_SHARE))
        if stage_id not in lost and rng.random() < chance:
            buyers.append(_Buyer(pk, owner, level, stage_id, started(owner)))

    # 1. each buyer's first order: legacy customers in the window's first weeks, the others along the curve
    orders: list[_Order] = []
    firsts: list[tuple[date, float, _Buyer]] = []
    for buyer in buyers:
        if buyer.first_day == first and rng.random() < LEGACY_SHARE:
            day = curve.draw(
                rng, after=buyer.first_day - timedelta(days=1), until=buyer.first_day + timedelta(LEGACY_DAYS)
            )
            mix = _weighted(rng, REPEAT_MIX)
        else:
            day = curve.draw(rng, after=buyer.first_day - timedelta(days=1))
            mix = _weighted(rng, FIRST_MIX)
        orders.append(_Order(buyer, day, mix, buyer.owner))
        firsts.append((day, LEVEL_WEIGHT.get(buyer.level, 1.0), buyer))
    # 2. repeat orders along the curve, each to a customer who has bought by then (weighted by level)
    firsts.sort(key=lambda f: (f[0], f[2].pk))
    first_days = [f[0] for f in firsts]
    cumulative: list[float] = []
    total = 0.0
    for _day, weight, _buyer in firsts:
        total += weight
        cumulative.append(total)
    for _ in range(int(len(buyers) * REPEATS_PER_BUYER)):
        day = curve.draw(rng)
        eligible = bisect.bisect_left(first_days, day)  # bought strictly before
        if eligible == 0:
            continue
        buyer = firsts[bisect.bisect_right(cumulative, rng.random() * cumulative[eligible - 1])][2]
        orders.append(_Order(buyer, day, _weighted(rng, REPEAT_MIX), buyer.owner))
    # 3. lines; a machine often brings a service contract; contracts are renewed before they end
    contracts: list[_Order] = []
    for order in list(orders):
        order.lines = lines.order(order.mix)
        if order.mix == "machine" and rng.random() < CONTRACT_AFTER_MACHINE:
            day = order.signed_on + timedelta(days=rng.randint(0, 20))
            if day <= today:
                contract = _Order(order.customer, day, "package", order.owner)
                package = rng.choice(lines.by_kind[PACKAGE])
                contract.lines = [lines.line(package, int(order.lines[0][1]))]
                orders.append(contract)
                contracts.append(contract)
        if order.mix == "package":
            contracts.append(order)
    for contract in contracts:
        contract.starts_on = contract.signed_on + timedelta(days=rng.randint(0, 14))
        contract.ends_on = a_year_on(contract.starts_on)
        previous = contract
        while previous.ends_on is not None and rng.random() < RENEWAL_SHARE:
            signed = previous.ends_on - timedelta(days=rng.randint(0, 30))
            if signed > today:
                break  # not renewed yet: the owner gets reminded
            renewal = _Order(previous.customer, signed, "package", previous.owner, renews=previous)
            renewal.lines = [lines.line(_package_of(previous), int(previous.lines[0][1]))]
            renewal.starts_on = previous.ends_on + timedelta(days=1)
            renewal.ends_on = a_year_on(renewal.starts_on)
            orders.append(renewal)
            previous = renewal
    # 4. a few drafts from the last days, also for customers who have not bought yet
    for pk, owner_id, level, stage_id in rng.sample(owned, int(len(owned) * DRAFT_SHARE)):
        owner = reps[owner_id]
        buyer = _Buyer(pk, owner, level, stage_id, started(owner))
        draft = _Order(buyer, today - timedelta(days=rng.randint(0, 10)), _weighted(rng, REPEAT_MIX), owner)
        draft.status, draft.lines = OrderStatus.DRAFT, lines.order(draft.mix)
        if draft.mix == "package":
            draft.starts_on = draft.signed_on + timedelta(days=rng.randint(0, 14))
            draft.ends_on = a_year_on(draft.starts_on)
        orders.append(draft)

    _taken_in_visits(ctx, orders, zone)

    # 5. in signing order: numbers, kinds, credits, cancellations
    orders.sort(key=lambda o: (o.signed_on, o.customer.pk))
    ids = allocate_ids(Order, len(orders))
    bought: set[int] = set()
    per_year: dict[int, int] = defaultdict(int)
    order_rows: list[list[Any]] = []
    line_rows, credit_rows = [], []
    confirmed: list[_Order] = []
    for pk, order in zip(ids, orders, strict=True):
        order.pk = pk
        at = datetime.combine(order.signed_on, time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=zone)
        if order.visit is not None:
            at = order.visit[1] + timedelta(minutes=rng.randint(5, 30))  # entered during the visit
        order.at = at = min(at, now - timedelta(minutes=rng.randint(5, 120)))
        if order.status == OrderStatus.CONFIRMED:
            if order.renews is not None:
                order.kind = OrderKind.RENEWAL
            elif order.customer.pk not in bought:
                order.kind = OrderKind.NEW
            else:
                order.kind = OrderKind.REPEAT
            bought.add(order.customer.pk)
            if order.kind == OrderKind.REPEAT and order.starts_on is None and rng.random() < CANCELLED_SHARE:
                order.status = OrderStatus.CANCELLED
        mates = [e for e in team[order.owner.department_id] if e.pk != order.owner.pk and started(e) <= order.signed_on]
        if mates and rng.random() < SPLIT_SHARE:
            order.partner = rng.choice(mates)
        if order.status == OrderStatus.CONFIRMED:
            confirmed.append(order)
    for order in orders:
        per_year[order.signed_on.year] += 1
        order.number = f"SO-{order.signed_on.year}-{per_year[order.signed_on.year]:06d}"
        at = order.at
        cancelled_at = None
        if order.status == OrderStatus.CANCELLED:
            cancelled_at = min(at + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5)), now)
        order_rows.append([
            order.pk, at, cancelled_at or at, org.pk, uuid.UUID(int=rng.getrandbits(128)),
            order.number, order.customer.pk, order.owner.pk,
            order.owner.pk, order.visit[0] if order.visit else None, order.status, order.kind,
            order.renews.pk if order.renews else None,
            order.signed_on, order.starts_on, order.ends_on, org.currency, order.total, Decimal(0), "",
            at if order.status != OrderStatus.DRAFT else None, cancelled_at,
            rng.choice(CANCEL_REASONS) if cancelled_at else "", 0,
        ])  # fmt: skip
        for position, (product_id, quantity, price, discount, amount) in enumerate(order.lines, start=1):
            line_rows.append((at, at, org.pk, order.pk, position, product_id, quantity, price, discount, amount))
        shares = [(order.owner, Decimal(100))]
        if order.partner is not None:
            shares = [(order.owner, Decimal(70)), (order.partner, Decimal(30))]
        for e, share in shares:
            credit_rows.append((at, at, org.pk, order.pk, e.pk, e.department_id, share))

    # 6. payment plans and payments: most on time, some late, some outstanding, some overdue
    plan_rows, payment_rows = [], []
    paid: dict[int, Decimal] = defaultdict(Decimal)
    last_paid: dict[int, date] = {}
    for order in confirmed:
        at = order.at
        plan = _plan(order, rng)
        if order.total >= PLAN_FROM or order.starts_on is not None:
            plan_rows += [
                (order.at, order.at, org.pk, order.pk, due, amount, PAYMENT_PLAN_NOTES[note])
                for due, amount, note in plan
            ]
        for due, amount, _note in plan:
            if due > today:
                break
            late = (today - due).days
            if rng.random() > (0.97 if late > 60 else 0.8):
                break  # overdue from here on
            parts = [amount]
            if rng.random() < 0.1 and amount > 1000:  # paid in two
                first_part = money(amount * Decimal(rng.choice(["0.4", "0.5", "0.6"])))
                parts = [first_part, amount - first_part]
            received = max(order.signed_on, due + timedelta(days=rng.randint(-3, 25)))
            for part in parts:
                if received > today:
                    break
                recorded = datetime.combine(received, time(16), tzinfo=zone)
                recorded = min(max(recorded, at + timedelta(minutes=30)), now)
                payment_rows.append((
                    recorded, recorded, org.pk, uuid.UUID(int=rng.getrandbits(128)), order.pk, received, part,
                    order.owner.pk, rng.choice(PAYMENT_NOTES),
                ))  # fmt: skip
                paid[order.pk] += part
                last_paid[order.pk] = received
                received += timedelta(days=rng.randint(10, 30))
            else:
                continue
            break  # the rest of the instalment is still to come
    for row in order_rows:
        if row[0] in paid:
            row[18] = paid[row[0]]
            received_at = datetime.combine(last_paid[row[0]], time(16), tzinfo=zone)
            row[2] = max(row[2], min(received_at, now))
    insert_rows(Order, ORDER_FIELDS, order_rows)
    insert_rows(OrderLine, LINE_FIELDS, line_rows)
    insert_rows(OrderCredit, CREDIT_FIELDS, credit_rows)
    insert_rows(PaymentPlanItem, PLAN_FIELDS, plan_rows)
    insert_rows(Payment, PAYMENT_FIELDS, payment_rows)

    # 7. as the order service does: the first confirmed order moves the customer to the won stage
    _mark_won(ctx, won, [o for o in confirmed if o.kind == OrderKind.NEW])
    sales_day_rebuild(org.pk)
    ctx.counts |= {
        "orders": len(order_rows),
        "order lines": len(line_rows),
        "order credits": len(credit_rows),
        "planned payments": len(plan_rows),
        "payments": len(payment_rows),
    }


def _taken_in_visits(ctx: DemoContext, orders: list[_Order], zone: ZoneInfo) -> None:
    """Orders of the visits' months taken during a visit: an order (not a contract) signed within a week after its
    owner visited its customer was signed in that visit (the order moves to the visit's day)."""
    visits: dict[tuple[int, int], list[tuple[date, int, datetime]]] = defaultdict(list)
    for pk, employee_id, customer_id, at in (
        Visit.objects.filter(org=ctx.org, customer__isnull=False)
        .order_by("checked_in_at", "id")
        .values_list("pk", "employee_id", "customer_id", "checked_in_at")
    ):
        visits[(employee_id, customer_id)].append((at.astimezone(zone).date(), pk, at))
    for order in orders:
        if order.starts_on is not None or order.renews is not None:
            continue
        for day, pk, at in reversed(visits.get((order.owner.pk, order.customer.pk), [])):
            if order.signed_on - timedelta(days=7) <= day <= order.signed_on:
                order.signed_on, order.visit = day, (pk, at)
                break


def _package_of(order: _Order) -> tuple[int, Decimal, str]:
    product_id, _quantity, price, _discount, _amount = order.lines[0]
    return (product_id, price, PACKAGE)


def _plan(order: _Order, rng: Any) -> list[tuple[date, Decimal, str]]:
    """The instalments expected: a contract half at its start and half six months in; a big order 30 % at signing,
    60 % on delivery a month later and 10 % retained for a year; any other order in full within a month."""
    total = order.total
    if order.starts_on is not None:
        first = money(total / 2)
        return [(order.starts_on, first, "first"), (order.starts_on + timedelta(days=182), total - first, "second")]
    if total >= PLAN_FROM:
        deposit, delivery = money(total * Decimal("0.3")), money(total * Decimal("0.6"))
        return [
            (order.signed_on, deposit, "deposit"),
            (order.signed_on + timedelta(days=30), delivery, "delivery"),
            (order.signed_on + timedelta(days=365), total - deposit - delivery, "retention"),
        ]
    return [(order.signed_on + timedelta(days=rng.choice([0, 10, 20, 30])), total, "first")]


def _mark_won(ctx: DemoContext, won: CustomerStage, new_orders: list[_Order]) -> None:
    """Customers with a confirmed order: at the won stage, and the change on their timeline when it was one
    (the history step dates the customers before their first order)."""
    org = ctx.org
    if org is None:
        raise ValueError("build_org runs first")
    events = [
        (o.at, o.at, org.pk, o.customer.pk, o.owner.pk, CustomerEventKind.UPDATED,
         JsonText(json.dumps({"stage_id": [o.customer.stage_id, won.pk]})), o.number)
        for o in new_orders
        if o.customer.stage_id != won.pk
    ]  # fmt: skip
    insert_rows(CustomerEvent, EVENT_FIELDS, events)
    buyers = Order.objects.filter(org=org, status=OrderStatus.CONFIRMED, kind=OrderKind.NEW)
    Customer.objects.filter(org=org, pk__in=buyers.values("customer_id")).exclude(stage=won).update(stage=won)
