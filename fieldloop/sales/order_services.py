"""Writes of orders and contracts: keyword-only, the acting employee first, one transaction each, `ServiceError`
with every field's message on refusal (nothing is written then).

- Create (`order_create`): idempotent by `client_id` (a replay returns the first order and writes nothing); a
  draft, or confirmed at once. Lines: an active product of the organization, quantity > 0, unit price ≥ 0,
  discount 0-100 %; a line's amount is quantity x price x (1 - discount/100) rounded to the cent, the total their
  sum. Credits: the owner 100 % unless split between several employees whose shares sum to exactly 100; each
  credit records the employee's department when the order is signed (confirmed). An optional contract term
  (starts_on ≤ ends_on), an optional `renews` (a confirmed order of the same customer). A number per
  organization and year of signing, SO-<year>-<seq>: the next after that year's highest, a collision with a
  concurrent create retried. A create costs a dozen statements whatever its lines and credits.
- Confirm: the kind (the customer's first confirmed order is "new", one that renews is "renewal", else
  "repeat"; the customer row is locked so two first orders cannot both be "new"), the SalesDay rollup
  (`sales.rollup`), the customer moved to the organization's won stage on its first confirmed order (through
  `customers.services.customer_stage_move`: a system action, the rule is the order's, not the user's), and a
  follow-up for pool protection (`customers.pools.customer_followed_up`, as a visit or a work record).
- Amend: a draft changes freely; a confirmed order only with a reason, recorded as an `OrderAmendment` (before,
  after), revision + 1, and the rollup moved (old deltas off, new on). A cancelled order changes no more.
- Cancel: a draft or a confirmed order, with a reason; refused while it has payments; the rollup taken off.
- Who: the owner and the employees it credits, on their own orders; whoever may change the owner's rows
  (`org.selectors.can_change_owned_by`: a manager over their subtree, an administrator over everyone); and only
  for a customer the actor may see.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.activities.models import Visit
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.customers import pools
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import visible_customers, won_stage, won_stage_of
from fieldloop.customers.services import customer_stage_move
from fieldloop.org.models import Employee
from fieldloop.org.selectors import can_change_owned_by, visible_employees

from . import rollup
from .models import Order, OrderAmendment, OrderCredit, OrderKind, OrderLine, OrderStatus, Payment, Product
from .order_selectors import creditable_employees, may_change_order, visible_orders

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_LINES = 200
MAX_CREDITS = 20
MAX_NOTE = 2000
MAX_REASON = 1000
MAX_QUANTITY = Decimal("999999999.999")  # the column's 12 digits, 3 after the point
MAX_MONEY = Decimal("999999999999.99")  # 14 digits, 2 after the point
DAYS_BACK = 3660  # a signing day more than ten years back, or a year ahead, is a typo
DAYS_AHEAD = 366
NUMBER_ATTEMPTS = 5

Errors = dict[str, list[Any]]


@dataclass(frozen=True)
class LineIn:
    """One line as a client sends it."""

    product_id: Any
    quantity: Any
    unit_price: Any
    discount_percent: Any = Decimal(0)


@dataclass(frozen=True)
class CreditIn:
    """One credit as a client sends it: who, with which share (a percentage)."""

    employee_id: Any
    share_percent: Any


@dataclass
class _Checked:
    """What a create or an amendment will write, once every field has passed."""

    lines: list[OrderLine]
    credits: list[OrderCredit]
    total: Decimal


def _refuse(errors: Errors) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)


def org_today(employee: Employee, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(employee.org.time_zone)).date()


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity x unit price x (1 - discount/100), rounded half up to the cent."""
    return (quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


# --- checks -----------------------------------------------------------------------------------------------


def _decimal(errors: Errors, name: str, value: Any, *, places: int, low: Decimal, high: Decimal) -> Decimal | None:
    """A decimal with at most `places` decimals within [low, high] (or a field error)."""
    if isinstance(value, bool) or value is None or value == "":
        errors[name] = [_("Enter a number.")]
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[name] = [_("Enter a number.")]
        return None
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        errors[name] = [_("Enter at most %(places)d digits after the decimal point.") % {"places": places}]
        return None
    if not low <= number <= high:
        errors[name] = [_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return number


def _positive_quantity(errors: Errors, name: str, value: Any) -> Decimal | None:
    quantity = _decimal(errors, name, value, places=3, low=Decimal("-1e12"), high=MAX_QUANTITY)
    if quantity is not None and quantity <= 0:
        errors[name] = [_("The quantity must be more than zero.")]
        return None
    return quantity


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _check_lines(errors: Errors, actor: Employee, lines: Sequence[LineIn]) -> list[OrderLine]:
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %(n)d lines.") % {"n": MAX_LINES}]
        return []
    product_ids = {pk for line in lines if (pk := _id(line.product_id)) is not None}
    products = {
        p.pk: p for p in Product.objects.filter(org_id=actor.org_id, pk__in=product_ids, is_active=True).only("pk")
    }
    rows = []
    for i, line in enumerate(lines):
        prefix = f"lines.{i}."
        product = products.get(_id(line.product_id) or 0)
        if product is None:
            errors[prefix + "product_id"] = [_("Choose an active product of the catalogue.")]
        quantity = _positive_quantity(errors, prefix + "quantity", line.quantity)
        price = _decimal(errors, prefix + "unit_price", line.unit_price, places=2, low=Decimal(0), high=MAX_MONEY)
        if price is None and prefix + "unit_price" in errors and _is_negative(line.unit_price):
            errors[prefix + "unit_price"] = [_("The price must not be negative.")]
        discount = _decimal(
            errors, prefix + "discount_percent", line.discount_percent if line.discount_percent not in (None, "")
            else 0, places=2, low=Decimal(0), high=HUNDRED,
        )  # fmt: skip
        if discount is None and prefix + "discount_percent" in errors and _is_number(line.discount_percent):
            errors[prefix + "discount_percent"] = [_("Enter a discount from 0 to 100 %.")]
        if product is None or quantity is None or price is None or discount is None:
            continue
        amount = line_amount(quantity, price, discount)
        rows.append(
            OrderLine(
                org_id=actor.org_id,
                position=i + 1,
                product=product,
                quantity=quantity,
                unit_price=price,
                discount_percent=discount,
                amount=amount,
            )
        )
    return rows


def _is_number(value: Any) -> bool:
    try:
        return Decimal(str(value).strip()).is_finite()
    except (InvalidOperation, ValueError):
        return False


def _is_negative(value: Any) -> bool:
    return _is_number(value) and Decimal(str(value).strip()) < 0


def _check_credits(
    errors: Errors, actor: Employee, owner: Employee | None, credits: Sequence[CreditIn] | None
) -> list[OrderCredit]:
    """The credits: the owner 100 % when none are given; otherwise employees the actor may credit (those the actor
    sees and the actor's teammates: `order_selectors.creditable_employees`), once each, shares summing to exactly
    100. One query for all of them."""
    if not credits:
        if owner is None:
            return []
        return [
            OrderCredit(
                org_id=actor.org_id,
                employee=owner,
                department_id=owner.department_id,
                share_percent=HUNDRED,
            )
        ]
    if len(credits) > MAX_CREDITS:
        errors["credits"] = [_("At most %(n)d employees share an order.") % {"n": MAX_CREDITS}]
        return []
    wanted = {pk for c in credits if (pk := _id(c.employee_id)) is not None}
    employees = {e.pk: e for e in creditable_employees(actor=actor).filter(pk__in=wanted)}
    rows: list[OrderCredit] = []
    seen: set[int] = set()
    total = Decimal(0)
    complete = True
    for i, credit in enumerate(credits):
        prefix = f"credits.{i}."
        employee = employees.get(_id(credit.employee_id) or 0)
        if employee is None:
            errors[prefix + "employee_id"] = [_("Choose an employee you can see or a member of your team.")]
        elif not employee.is_active:
            errors[prefix + "employee_id"] = [_("%(name)s has left the organization.") % {"name": employee.name}]
            employee = None
        elif employee.pk in seen:
            errors[prefix + "employee_id"] = [_("This employee is already credited.")]
            employee = None
        share = _decimal(
            errors, prefix + "share_percent", credit.share_percent, places=2, low=Decimal("0.01"), high=HUNDRED
        )
        if employee is None or share is None:
            complete = False
            continue
        seen.add(employee.pk)
        total += share
        rows.append(
            OrderCredit(
                org_id=actor.org_id,
                employee=employee,
                department_id=employee.department_id,
                share_percent=share,
            )
        )
    if complete and total != HUNDRED:
        errors["credits"] = [_("The shares must sum to exactly 100 %% (they sum to %(total)s %%).") % {"total": total}]
    return rows


def _check_day(errors: Errors, name: str, value: Any, today: date, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            errors[name] = [_("Enter a date.")]
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors[name] = [_("Enter a date.")]
        return None
    first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
    if not first <= value <= last:
        errors[name] = [_("Choose a day from %(first)s to %(last)s.") % {"first": first, "last": last}]
        return None
    return value


def _check_term(errors: Errors, starts_on: date | None, ends_on: date | None) -> None:
    if "starts_on" in errors or "ends_on" in errors:
        return
    if (starts_on is None) != (ends_on is None):
        name = "ends_on" if ends_on is None else "starts_on"
        errors[name] = [_("A contract has both a start and an end date (or neither).")]
    elif starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The contract must not end before it starts.")]


def _check_text(errors: Errors, name: str, value: Any, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = [_("Enter text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = [_("Say why.")]
    elif len(value) > limit:
        errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def _owner_for(errors: Errors, actor: Employee, owner_id: Any) -> Employee | None:
    """The order's owner: the actor, or an active employee the actor sees and may change the rows of."""
    if owner_id is None or owner_id == actor.pk:
        return actor
    owner = visible_employees(actor=actor).filter(pk=_id(owner_id) or 0).first()
    if owner is None:
        errors["owner_id"] = [_("Choose an employee you can see.")]
    elif not owner.is_active:
        errors["owner_id"] = [_("%(name)s has left the organization.") % {"name": owner.name}]
    elif not can_change_owned_by(actor=actor, owner=owner):
        errors["owner_id"] = [_("You may not enter orders for this employee.")]
    else:
        return owner
    return None


def _number(org_id: int, year: int) -> str:
    """The next number of a year (the year the order is signed, whenever it is entered): one more than that year's
    highest in the organization (index on (org, number), one row read). Unique per organization: a concurrent
    create that took it makes the insert fail, and `order_create` runs again."""
    prefix = f"SO-{year}-"
    last = (
        Order.objects.filter(org_id=org_id, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{seq:06d}"


# --- create ------------------------------------------------------------------------------------------------


def order_create(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    customer_id: Any,
    lines: Sequence[LineIn],
    credits: Sequence[CreditIn] | None = None,
    owner_id: Any = None,
    signed_on: date | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    renews_id: Any = None,
    visit_id: Any = None,
    note: str = "",
    confirm: bool = False,
) -> tuple[Order, bool]:
    """Enter an order for a customer the actor sees (a draft, or confirmed at once); returns (order, created).
    A replayed `client_id` returns the first order and writes nothing.

    One transaction, a dozen statements whatever the lines and credits: the replay lookup, the customer (locked
    when confirming, with its organization's won stage), the products in one query, the credited employees in one,
    the year's last number, the first-order check, the order inserted as it ends up (confirmed: no UPDATE after),
    its lines and credits in one INSERT each, the rollup's one upsert, and the won stage's UPDATE and event. A
    number taken by a concurrent create (or the same key sent twice at once) rolls the transaction back and runs it
    again (no savepoint per attempt): the second run finds the winner of the key, or takes the next number."""
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return _create(
                    actor=actor, client_id=client_id, customer_id=customer_id, lines=lines, credits=credits,
                    owner_id=owner_id, signed_on=signed_on, starts_on=starts_on, ends_on=ends_on,
                    renews_id=renews_id, visit_id=visit_id, note=note, confirm=confirm,
                )  # fmt: skip
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:  # not a number taken by a concurrent create: a real fault
                raise
    raise AssertionError("unreachable")


def _create(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    customer_id: Any,
    lines: Sequence[LineIn],
    credits: Sequence[CreditIn] | None,
    owner_id: Any,
    signed_on: date | None,
    starts_on: date | None,
    ends_on: date | None,
    renews_id: Any,
    visit_id: Any,
    note: str,
    confirm: bool,
) -> tuple[Order, bool]:
    existing = Order.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    if not actor.is_active:
        raise not_found()
    errors: Errors = {}
    today = org_today(actor)
    customers = visible_customers(actor=actor).filter(pk=_id(customer_id) or 0)
    if confirm:  # a confirmation decides "first order": the customer row is locked until the transaction ends
        customers = customers.select_for_update(of=("self",)).annotate(won_stage_id=won_stage(actor.org_id))
    customer = customers.first()
    if customer is None:
        errors["customer_id"] = [_("Choose a customer you can see.")]
    owner = _owner_for(errors, actor, owner_id)
    signed = _check_day(errors, "signed_on", signed_on if signed_on is not None else today, today)
    starts = _check_day(errors, "starts_on", starts_on, today)
    ends = _check_day(errors, "ends_on", ends_on, today)
    _check_term(errors, starts, ends)
    note = _check_text(errors, "note", note, MAX_NOTE)
    renews = None
    if renews_id is not None:
        renews = (
            visible_orders(actor=actor)
            .filter(pk=_id(renews_id) or 0, customer_id=customer.pk if customer else 0, status=OrderStatus.CONFIRMED)
            .first()
        )
        if renews is None:
            errors["renews_id"] = [_("Choose a confirmed order of this customer.")]
    visit = None
    if visit_id is not None:
        visit = Visit.objects.filter(
            org_id=actor.org_id, pk=_id(visit_id) or 0, employee_id=actor.pk, customer_id=customer.pk if customer else 0
        ).first()
        if visit is None:
            errors["visit_id"] = [_("Choose a visit of yours at this customer.")]
    line_rows = _check_lines(errors, actor, lines)
    credit_rows = _check_credits(errors, actor, owner, credits)
    total = sum((line.amount for line in line_rows), Decimal(0))
    if total > MAX_MONEY:
        errors["lines"] = [_("The total is too large.")]
    if errors or customer is None or owner is None or signed is None:
        raise _refuse(errors)
    number = _number(actor.org_id, signed.year)
    kind, first, now = "", False, timezone.now()
    if confirm:
        first = _first_order(actor.org_id, customer.pk)
        kind = _kind(renews is not None, first)
    order = Order.objects.create(
        org_id=actor.org_id, client_id=client_id, number=number, customer=customer, owner=owner, created_by=actor,
        visit=visit, renews=renews, signed_on=signed, starts_on=starts, ends_on=ends, currency=actor.org.currency,
        total=total, note=note, status=OrderStatus.CONFIRMED if confirm else OrderStatus.DRAFT, kind=kind,
        confirmed_at=now if confirm else None,
    )  # fmt: skip
    for row in line_rows:
        row.order = order
    for credit in credit_rows:
        credit.order = order
    OrderLine.objects.bulk_create(line_rows)
    OrderCredit.objects.bulk_create(credit_rows)
    if confirm:
        _confirmed(order, actor, credit_rows, first=first, won_stage_id=customer.won_stage_id, now=now)  # type: ignore[attr-defined]
    return order, True


# --- confirm -------------------------------------------------------------------------------------------------


def _lock_order(actor: Employee, order_id: int) -> Order:
    """A visible order the actor may change, locked (its customer too: a confirmation decides "first order")."""
    found = visible_orders(actor=actor).filter(pk=order_id).values_list("pk", "customer_id").first()
    if found is None:
        raise not_found()
    Customer.objects.select_for_update().filter(pk=found[1]).first()
    order = Order.objects.select_for_update(of=("self",)).select_related("owner", "customer").get(pk=found[0])
    if not may_change_order(actor=actor, order=order):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change this order."))
    return order


def _closed(order: Order) -> ServiceError:
    message = _("This order is cancelled: it cannot change any more.")
    return ServiceError(ErrorCode.CONFLICT, message, {"status": [message]})


def _first_order(org_id: int, customer_id: int) -> bool:
    """Has the customer no confirmed order yet? (Asked with the customer row locked.)"""
    return not Order.objects.filter(org_id=org_id, customer_id=customer_id, status=OrderStatus.CONFIRMED).exists()


def _kind(renews: bool, first: bool) -> str:
    return OrderKind.RENEWAL if renews else OrderKind.NEW if first else OrderKind.REPEAT


def _confirmed(
    order: Order, actor: Employee, credits: list[OrderCredit], *, first: bool, won_stage_id: int | None, now: datetime
) -> None:
    """What a confirmation sets off, once the order is confirmed (in the caller's transaction, the customer row
    locked): the rollup (one upsert), the customer's move to the won stage on its first confirmed order
    (`customers.services.customer_stage_move`, a system action: the rule is the order's, whoever confirms it), and a
    follow-up for pool protection."""
    shares = [rollup.Share(c.employee_id, c.department_id, c.share_percent) for c in credits]
    rollup.sales_day_add(
        order.org_id,
        rollup.order_deltas(signed_on=order.signed_on, kind=order.kind, total=order.total, shares=shares),
    )
    customer = order.customer
    if first and won_stage_id is not None:
        customer_stage_move(customer=customer, stage_id=won_stage_id, by=actor, summary=order.number)
    # pools extends only the protection of a customer the order's owner owns: the customer row at hand says when
    # that cannot be, which spares the call its query
    if customer.owner_id == order.owner_id and customer.protected_until is not None:
        pools.customer_followed_up(customer_id=order.customer_id, by=order.owner, at=now)


def _confirm(order: Order, actor: Employee) -> None:
    """Confirm a draft whose customer row the caller has locked (in the caller's transaction)."""
    now = timezone.now()
    first = _first_order(order.org_id, order.customer_id)
    kind = _kind(order.renews_id is not None, first)
    # the credits count where each employee is on the day the order is signed (confirmed)
    credits = list(OrderCredit.objects.filter(order=order).select_related("employee"))
    moved = [c for c in credits if c.department_id != c.employee.department_id]
    for credit in moved:
        credit.department_id = credit.employee.department_id
    if moved:
        OrderCredit.objects.bulk_update(moved, ["department_id"])
    order.status, order.kind, order.confirmed_at = OrderStatus.CONFIRMED, kind, now
    order.save(update_fields=["status", "kind", "confirmed_at", "updated_at"])
    won_stage_id = won_stage_of(order.org_id) if first else None
    _confirmed(order, actor, credits, first=first, won_stage_id=won_stage_id, now=now)


@transaction.atomic
def order_confirm(*, actor: Employee, order_id: int) -> Order:
    """Confirm a draft: its kind, the rollup, the won stage on a first order, a follow-up for the customer."""
    order = _lock_order(actor, order_id)
    if order.status == OrderStatus.CANCELLED:
        raise _closed(order)
    if order.status == OrderStatus.CONFIRMED:
        message = _("This order is already confirmed.")
        raise ServiceError(ErrorCode.CONFLICT, message, {"status": [message]})
    _confirm(order, actor)
    return order


# --- amend ---------------------------------------------------------------------------------------------------


def _snapshot(order: Order, lines: Sequence[OrderLine], credits: Sequence[OrderCredit]) -> dict[str, Any]:
    """What an amendment records of the order (JSON): its dates, note, total, lines and credits."""
    return {
        "signed_on": order.signed_on.isoformat(),
        "starts_on": order.starts_on.isoformat() if order.starts_on else None,
        "ends_on": order.ends_on.isoformat() if order.ends_on else None,
        "note": order.note,
        "total": str(order.total),
        "lines": [
            {
                "product_id": line.product_id,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "discount_percent": str(line.discount_percent),
                "amount": str(line.amount),
            }
            for line in lines
        ],
        "credits": [
            {"employee_id": c.employee_id, "department_id": c.department_id, "share_percent": str(c.share_percent)}
            for c in credits
        ],
    }


_KEEP = object()


@transaction.atomic
def order_amend(
    *,
    actor: Employee,
    order_id: int,
    reason: str = "",
    lines: Sequence[LineIn] | None = None,
    credits: Sequence[CreditIn] | None = None,
    signed_on: Any = _KEEP,
    starts_on: Any = _KEEP,
    ends_on: Any = _KEEP,
    note: Any = _KEEP,
) -> Order:
    """Change an order: a draft freely; a confirmed one with a reason, recorded (before/after, revision + 1),
    moving the rollup (its old figures off, the new on). What is not given stays as it was."""
    order = _lock_order(actor, order_id)
    if order.status == OrderStatus.CANCELLED:
        raise _closed(order)
    confirmed = order.status == OrderStatus.CONFIRMED
    errors: Errors = {}
    reason = _check_text(errors, "reason", reason, MAX_REASON, required=confirmed)
    today = org_today(actor)
    old_lines = list(OrderLine.objects.filter(order=order).order_by("position"))
    old_credits = list(OrderCredit.objects.filter(order=order).order_by("id"))
    before = _snapshot(order, old_lines, old_credits)
    new_signed = (
        order.signed_on if signed_on is _KEEP else _check_day(errors, "signed_on", signed_on, today, required=True)
    )
    new_starts = order.starts_on if starts_on is _KEEP else _check_day(errors, "starts_on", starts_on, today)
    new_ends = order.ends_on if ends_on is _KEEP else _check_day(errors, "ends_on", ends_on, today)
    _check_term(errors, new_starts, new_ends)
    new_note = order.note if note is _KEEP else _check_text(errors, "note", note, MAX_NOTE)
    new_lines = old_lines if lines is None else _check_lines(errors, actor, lines)
    new_credits = old_credits if credits is None else _check_credits(errors, actor, order.owner, credits)
    # a credited employee keeps the department recorded when the order was signed
    recorded = {c.employee_id: c.department_id for c in old_credits}
    if credits is not None and confirmed:
        for credit in new_credits:
            credit.department_id = recorded.get(credit.employee_id, credit.department_id)
    total = sum((line.amount for line in new_lines), Decimal(0))
    if total > MAX_MONEY:
        errors["lines"] = [_("The total is too large.")]
    elif total < order.paid:
        errors["lines"] = [_("The total must not be less than what was received (%(paid)s).") % {"paid": order.paid}]
    if errors or new_signed is None:
        raise _refuse(errors)
    old_shares = [rollup.Share(c.employee_id, c.department_id, c.share_percent) for c in old_credits]
    old_figures = (order.signed_on, order.total)
    order.signed_on, order.starts_on, order.ends_on, order.note, order.total = (
        new_signed, new_starts, new_ends, new_note, total
    )  # fmt: skip
    after = _snapshot(order, new_lines, new_credits)
    if after == before:
        raise invalid("reason", _("Nothing changed."))
    for line in new_lines:
        line.order = order
    for credit in new_credits:
        credit.order = order
    if lines is not None:
        OrderLine.objects.filter(order=order).delete()
        OrderLine.objects.bulk_create(new_lines)
    if credits is not None:
        OrderCredit.objects.filter(order=order).delete()
        OrderCredit.objects.bulk_create(new_credits)
    if confirmed:
        order.revision += 1
        OrderAmendment.objects.create(
            org_id=order.org_id, order=order, revision=order.revision, author=actor, reason=reason, before=before,
            after=after,
        )  # fmt: skip
        new_shares = [rollup.Share(c.employee_id, c.department_id, c.share_percent) for c in new_credits]
        deltas = rollup.order_deltas(
            signed_on=old_figures[0], kind=order.kind, total=old_figures[1], shares=old_shares, sign=-1
        ) + rollup.order_deltas(signed_on=order.signed_on, kind=order.kind, total=total, shares=new_shares)
        rollup.sales_day_add(order.org_id, deltas)
    order.save()
    return order


# --- cancel --------------------------------------------------------------------------------------------------


@transaction.atomic
def order_cancel(*, actor: Employee, order_id: int, reason: str) -> Order:
    """Cancel a draft or a confirmed order, with a reason; refused while it has payments. A confirmed order's
    figures leave the rollup."""
    order = _lock_order(actor, order_id)
    if order.status == OrderStatus.CANCELLED:
        raise _closed(order)
    errors: Errors = {}
    reason = _check_text(errors, "reason", reason, MAX_REASON, required=True)
    if errors:
        raise _refuse(errors)
    if Payment.objects.filter(order=order).exists():
        message = _("Payments were received for this order: it cannot be cancelled. Amend it instead.")
        raise ServiceError(ErrorCode.CONFLICT, message, {"status": [message]})
    if order.status == OrderStatus.CONFIRMED:
        shares = rollup.order_shares(order)
        rollup.sales_day_add(
            order.org_id,
            rollup.order_deltas(signed_on=order.signed_on, kind=order.kind, total=order.total, shares=shares, sign=-1),
        )
    order.status, order.cancelled_at, order.cancel_reason = OrderStatus.CANCELLED, timezone.now(), reason
    order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    return order
