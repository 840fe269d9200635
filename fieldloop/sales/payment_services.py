"""Writes of the money side of orders: the payment plan, payments received (回款), their correction, the sales
settings. Keyword-only, the actor first, one transaction each, `ServiceError` with field errors on refusal.

A payment changes three things together, in its transaction, the order locked first: the payment row,
`Order.paid` (one set-based UPDATE) and the SalesDay rollup (`sales.rollup.payment_deltas` through
`sales_day_add`, split by the order's credits). A correction or a deletion takes the old figures off and puts the
new ones on the same way, and keeps the before, the after and the reason in the audit trail (`AuditEntry`).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, not_found
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from .models import ZERO, Order, OrderStatus, Payment, PaymentPlanItem, SalesSettings
from .payment_selectors import may_correct_payments, may_handle_money, order_get, org_today, visible_orders
from .rollup import order_shares, payment_deltas, sales_day_add

Errors = dict[str, list[Any]]
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # the columns' 14 digits, 2 of them decimals
REASON_MAX = 500


def _refuse(errors: Errors) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)


def _amount(value: Any, field: str, errors: Errors) -> Decimal | None:
    """A positive amount of at most two decimals, or a field error."""
    try:
        amount = Decimal(str(value)) if value is not None and value != "" else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        errors.setdefault(field, []).append(_("Enter an amount."))
        return None
    if amount <= 0:
        errors.setdefault(field, []).append(_("The amount must be greater than zero."))
        return None
    if amount != amount.quantize(CENT) or amount > MAX_AMOUNT:
        errors.setdefault(field, []).append(_("Enter an amount with at most two decimals, below one trillion."))
        return None
    return amount.quantize(CENT)


def _money(value: Decimal, currency: str) -> str:
    return f"{currency} {value:,.2f}"


def _lock_order(actor: Employee, order_id: int) -> Order:
    """The visible order, locked (the one lock of every money write, taken first)."""
    return order_get(actor=actor, order_id=order_id, for_update=True)


# --- the payment plan --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstalmentIn:
    due_on: date | None
    amount: Any
    note: str = ""


@transaction.atomic
def payment_plan_set(*, actor: Employee, order_id: int, items: Sequence[InstalmentIn]) -> list[PaymentPlanItem]:
    """Replace an order's payment plan with `items` (none: no plan). Each has a due date and an amount above zero;
    together they may not ask for more than the order's total. Not on a cancelled order."""
    order = _lock_order(actor, order_id)
    if not may_handle_money(actor=actor, order=order):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change the payments of this order."))
    if order.status == OrderStatus.CANCELLED:
        raise ServiceError(
            ErrorCode.INVALID, _("This order is cancelled."), {"items": [_("A cancelled order has no payment plan.")]}
        )
    errors: Errors = {}
    clean: list[tuple[date, Decimal, str]] = []
    for i, item in enumerate(items):
        if item.due_on is None:
            errors[f"items.{i}.due_on"] = [_("Enter the date this instalment is due.")]
        amount = _amount(item.amount, f"items.{i}.amount", errors)
        note = (item.note or "").strip()
        if len(note) > 200:
            errors[f"items.{i}.note"] = [_("At most 200 characters.")]
        if item.due_on is not None and amount is not None:
            clean.append((item.due_on, amount, note))
    planned = sum((amount for _d, amount, _n in clean), ZERO)
    if not errors and planned > order.total:
        errors["items"] = [
            _("The instalments add up to %(planned)s, more than the order's total of %(total)s.")
            % {"planned": _money(planned, order.currency), "total": _money(order.total, order.currency)}
        ]
    if errors:
        raise _refuse(errors)
    before = [
        [d.isoformat(), str(a)]
        for d, a in PaymentPlanItem.objects.filter(order_id=order.pk)
        .order_by("due_on", "id")
        .values_list("due_on", "amount")
    ]
    PaymentPlanItem.objects.filter(order_id=order.pk).delete()
    rows = PaymentPlanItem.objects.bulk_create(
        [
            PaymentPlanItem(org_id=order.org_id, order=order, due_on=d, amount=a, note=n)
            for d, a, n in sorted(clean, key=lambda row: row[0])
        ]
    )
    after = [[d.isoformat(), str(a)] for d, a, _n in sorted(clean, key=lambda row: row[0])]
    if before != after:
        audit(actor=actor, org=actor.org, action="order.payment_plan_set", obj=order, changes={"plan": [before, after]})
    return rows


# --- payments ----------------------------------------------------------------------------------------------------


def _check_received_on(received_on: date | None, actor: Employee, errors: Errors) -> None:
    if received_on is None:
        errors["received_on"] = [_("Enter the date the money was received.")]
    elif received_on > org_today(actor):
        errors["received_on"] = [_("The date received cannot be in the future.")]


def _not_above(amount: Decimal | None, room: Decimal, currency: str, errors: Errors) -> None:
    if amount is not None and amount > room:
        errors.setdefault("amount", []).append(
            _("At most %(amount)s is outstanding on this order.") % {"amount": _money(max(room, ZERO), currency)}
        )


def _rollup(order: Order, received_on: date, amount: Decimal, sign: int) -> None:
    sales_day_add(
        order.org_id, payment_deltas(received_on=received_on, amount=amount, shares=order_shares(order), sign=sign)
    )


def payment_record(
    *, actor: Employee, order_id: int, client_id: uuid.UUID, received_on: date | None, amount: Any, note: str = ""
) -> tuple[Payment, bool]:
    """Record money received for a confirmed order: above zero, not above what is outstanding, received today or
    before. Returns (payment, created); a replayed `client_id` returns the first payment and writes nothing."""
    existing = Payment.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        order = _lock_order(actor, order_id)
        if not may_handle_money(actor=actor, order=order):
            raise ServiceError(ErrorCode.FORBIDDEN, _("You may not record payments on this order."))
        if order.status != OrderStatus.CONFIRMED:
            raise ServiceError(
                ErrorCode.INVALID,
                _("Payments are recorded on confirmed orders only."),
                {
                    "order": [
                        _("This order is not confirmed: it is %(status)s.") % {"status": order.get_status_display()}
                    ]
                },
            )
        errors: Errors = {}
        clean = _amount(amount, "amount", errors)
        _not_above(clean, order.outstanding, order.currency, errors)
        _check_received_on(received_on, actor, errors)
        note = (note or "").strip()
        if len(note) > 200:
            errors["note"] = [_("At most 200 characters.")]
        if errors or clean is None or received_on is None:
            raise _refuse(errors)

        def create() -> Payment:
            payment = Payment.objects.create(
                org_id=actor.org_id, client_id=client_id, order=order, received_on=received_on, amount=clean,
                recorded_by=actor, note=note,
            )  # fmt: skip
            Order.objects.filter(pk=order.pk).update(paid=F("paid") + clean)
            _rollup(order, received_on, clean, 1)
            return payment

        return create_or_winner(Payment.objects.filter(org_id=actor.org_id, client_id=client_id), create)


def _payment_for_change(actor: Employee, payment_id: int, reason: str) -> tuple[Payment, Order, str]:
    """The payment and its order, locked (the order first), after the checks a correction and a deletion share."""
    order_id = (
        Payment.objects.filter(org_id=actor.org_id, pk=payment_id, order__in=visible_orders(actor=actor))
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        raise not_found()
    order = _lock_order(actor, order_id)
    payment = Payment.objects.select_for_update().filter(pk=payment_id, order_id=order.pk).first()
    if payment is None:
        raise not_found()
    if not may_correct_payments(actor=actor, order=order):
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only a manager or an administrator corrects payments."))
    reason = (reason or "").strip()
    if not reason:
        raise _refuse({"reason": [_("Say why the payment is changed.")]})
    if len(reason) > REASON_MAX:
        raise _refuse({"reason": [_("At most 500 characters.")]})
    return payment, order, reason


def _snapshot(payment: Payment) -> dict[str, Any]:
    return {
        "order": payment.order_id, "received_on": payment.received_on.isoformat(), "amount": str(payment.amount),
        "note": payment.note, "recorded_by": payment.recorded_by_id, "client_id": str(payment.client_id),
    }  # fmt: skip


@transaction.atomic
def payment_correct(
    *, actor: Employee, payment_id: int, reason: str, amount: Any = None, received_on: date | None = None
) -> Payment:
    """A manager corrects a payment's amount or date (what is not given stays), with a reason kept in the audit
    trail; the order's received sum and the rollup move with it."""
    payment, order, reason = _payment_for_change(actor, payment_id, reason)
    errors: Errors = {}
    new_amount = payment.amount if amount is None else _amount(amount, "amount", errors)
    new_day = received_on or payment.received_on
    _not_above(new_amount if amount is not None else None, order.outstanding + payment.amount, order.currency, errors)
    if received_on is not None:
        _check_received_on(received_on, actor, errors)
    if errors or new_amount is None:
        raise _refuse(errors)
    if (new_amount, new_day) == (payment.amount, payment.received_on):
        return payment
    before = _snapshot(payment)
    _rollup(order, payment.received_on, payment.amount, -1)
    Order.objects.filter(pk=order.pk).update(paid=F("paid") - payment.amount + new_amount)
    payment.amount, payment.received_on = new_amount, new_day
    payment.save(update_fields=["amount", "received_on", "updated_at"])
    _rollup(order, new_day, new_amount, 1)
    audit(
        actor=actor, org=actor.org, action="payment.correct", obj=payment,
        changes={"amount": [before["amount"], str(new_amount)],
                 "received_on": [before["received_on"], new_day.isoformat()], "reason": reason},
    )  # fmt: skip
    return payment


@transaction.atomic
def payment_delete(*, actor: Employee, payment_id: int, reason: str) -> Order:
    """A manager deletes a payment recorded by mistake, with a reason; the audit trail keeps the payment as it was.
    Returns the order."""
    payment, order, reason = _payment_for_change(actor, payment_id, reason)
    before = _snapshot(payment)
    _rollup(order, payment.received_on, payment.amount, -1)
    Order.objects.filter(pk=order.pk).update(paid=F("paid") - payment.amount)
    audit(
        actor=actor, org=actor.org, action="payment.delete", obj=payment, changes={"before": before, "reason": reason}
    )
    payment.delete()
    order.refresh_from_db(fields=["paid"])
    return order


# --- settings ----------------------------------------------------------------------------------------------------


@transaction.atomic
def sales_settings_update(*, actor: Employee, contract_reminder_days: int) -> SalesSettings:
    """An administrator sets how many days before a contract ends its owner is reminded (0: never)."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    if not isinstance(contract_reminder_days, int) or not 0 <= contract_reminder_days <= 365:
        raise _refuse({"contract_reminder_days": [_("From 0 to 365 days.")]})
    row = SalesSettings.objects.select_for_update().filter(org_id=actor.org_id).first()
    is_new = row is None
    row = row or SalesSettings(org_id=actor.org_id)
    before = row.contract_reminder_days
    row.contract_reminder_days = contract_reminder_days
    row.save()
    if before != contract_reminder_days or is_new:
        audit(
            actor=actor, org=actor.org, action="salessettings.update", obj=row,
            changes={"contract_reminder_days": [before, contract_reminder_days]},
        )  # fmt: skip
    return row
