"""/api/v1/orders/{id}/payment-plan, /orders/{id}/payments, /payments/{id}, /receivables/..., /customers/{id}/contract,
/sales-settings: thin shells over payment_services, payment_selectors and contracts.

Recording a payment takes an `Idempotency-Key`, stored as the payment's `client_id` (`org.idempotency.create_once`):
a replay answers the first payment and writes nothing; the key reused by someone else, on another order or for
another amount or day is refused (422 `idempotency_mismatch`)."""

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from fieldloop.core.pagination import keyset_page
from fieldloop.customers.selectors import customer_get
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once
from fieldloop.org.models import Employee
from fieldloop.org.schemas import ERRORS

from . import payment_selectors as ps
from . import payment_services
from .contracts import contract_state
from .models import Order, Payment
from .payment_schemas import (
    ContractStatusOut,
    PaymentCorrectIn,
    PaymentCreatedOut,
    PaymentDeleteIn,
    PaymentIn,
    PaymentListOut,
    PaymentOut,
    PaymentPlanIn,
    PaymentPlanOut,
    ReceivableCustomerPage,
    ReceivableFiltersIn,
    ReceivableOrderPage,
    SalesSettingsIn,
    SalesSettingsOut,
)

router = Router(tags=["payments"])
PAGE_LIMIT = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200)


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _order_money(order: Order, plan: ps.PlanView) -> dict[str, Any]:
    return {
        "id": order.pk, "number": order.number, "customer": _ref(order.customer), "owner": _ref(order.owner),
        "status": order.status, "currency": order.currency, "total": order.total, "paid": order.paid,
        "outstanding": order.outstanding, "overdue": plan.overdue,
    }  # fmt: skip


def _order_and_plan(actor: Employee, order_id: int) -> tuple[Order, ps.PlanView]:
    order = ps.order_get(actor=actor, order_id=order_id)
    return order, ps.payment_plan(order=order, today=ps.org_today(actor))


def payment_out(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk, "order_id": payment.order_id, "received_on": payment.received_on, "amount": payment.amount,
        "note": payment.note, "recorded_by": _ref(payment.recorded_by), "created_at": payment.created_at,
    }  # fmt: skip


def _plan_out(order: Order, plan: ps.PlanView) -> dict[str, Any]:
    return {
        "order": _order_money(order, plan),
        "items": [
            {
                "id": i.item.pk,
                "due_on": i.item.due_on,
                "amount": i.item.amount,
                "note": i.item.note,
                "covered": i.covered,
                "status": i.status,
            }
            for i in plan.instalments
        ],
        "planned": plan.planned,
        "unplanned": plan.unplanned,
        "due": plan.due,
    }


@router.get("/orders/{int:order_id}/payment-plan", response={200: PaymentPlanOut, **ERRORS}, summary="Payment plan")
def plan_get(request: HttpRequest, order_id: int) -> dict[str, Any]:
    """The order's instalments, earliest first, each matched against the payments received (earliest due, first
    paid): paid, partly paid, due or overdue."""
    return _plan_out(*_order_and_plan(actor_of(request), order_id))


@router.put("/orders/{int:order_id}/payment-plan", response={200: PaymentPlanOut, **ERRORS}, summary="Set the plan")
def plan_set(request: HttpRequest, order_id: int, payload: PaymentPlanIn) -> dict[str, Any]:
    """Replace the order's plan (an empty list removes it). Errors name the row: `items.<i>.amount`."""
    actor = actor_of(request)
    items = [payment_services.InstalmentIn(due_on=i.due_on, amount=i.amount, note=i.note) for i in payload.items]
    payment_services.payment_plan_set(actor=actor, order_id=order_id, items=items)
    return _plan_out(*_order_and_plan(actor, order_id))


@router.get("/orders/{int:order_id}/payments", response={200: PaymentListOut, **ERRORS}, summary="Payments of an order")
def payment_list(request: HttpRequest, order_id: int) -> dict[str, Any]:
    """The payments received for the order, newest first, with the order's money."""
    order, plan = _order_and_plan(actor_of(request), order_id)
    return {"order": _order_money(order, plan), "items": [payment_out(p) for p in ps.order_payments(order=order)]}


@router.post("/orders/{int:order_id}/payments", response={201: PaymentCreatedOut, **ERRORS}, summary="Record a payment")
def payment_create(
    request: HttpRequest, order_id: int, payload: PaymentIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    """Money received for a confirmed order: above zero, at most what is outstanding, received today or before.
    The owner, a credited employee, their managers and administrators may."""
    actor = actor_of(request)
    payment, _created = create_once(
        lambda: payment_services.payment_record(
            actor=actor, order_id=order_id, client_id=idempotency_key, received_on=payload.received_on,
            amount=payload.amount, note=payload.note,
        ),
        same=lambda p: (p.order_id, p.recorded_by_id, p.amount, p.received_on)
        == (order_id, actor.pk, payload.amount, payload.received_on),
    )  # fmt: skip
    order, plan = _order_and_plan(actor, payment.order_id)
    return Status(201, {"payment": payment_out(payment), "order": _order_money(order, plan)})


@router.patch("/payments/{int:payment_id}", response={200: PaymentOut, **ERRORS}, summary="Correct a payment")
def payment_correct(request: HttpRequest, payment_id: int, payload: PaymentCorrectIn) -> dict[str, Any]:
    """Managers and administrators: a new amount or date, with the reason, kept in the history."""
    payment = payment_services.payment_correct(
        actor=actor_of(request), payment_id=payment_id, reason=payload.reason, amount=payload.amount,
        received_on=payload.received_on,
    )  # fmt: skip
    return payment_out(payment)


@router.delete("/payments/{int:payment_id}", response={200: PaymentListOut, **ERRORS}, summary="Delete a payment")
def payment_delete(request: HttpRequest, payment_id: int, payload: PaymentDeleteIn) -> dict[str, Any]:
    """Managers and administrators: a payment recorded by mistake, with the reason; the history keeps it. Answers
    the order's payments as they are now."""
    actor = actor_of(request)
    order = payment_services.payment_delete(actor=actor, payment_id=payment_id, reason=payload.reason)
    return payment_list(request, order.pk)


def _today_and_filters(actor: Employee, filters: ReceivableFiltersIn) -> tuple[date, ps.ReceivableFilters]:
    checked = ps.receivable_filters(actor=actor, owner_id=filters.owner_id, department_id=filters.department_id)
    return ps.org_today(actor), checked


@router.get("/receivables/orders", response={200: ReceivableOrderPage, **ERRORS}, summary="Receivables by order")
def receivables_by_order(
    request: HttpRequest, filters: Query[ReceivableFiltersIn], cursor: str | None = None, limit: int = PAGE_LIMIT
) -> dict[str, Any]:
    """Confirmed orders of the customers the caller sees with money outstanding, oldest signed first, with the
    overdue part and the next instalment's date; the totals in `summary`. Cursor-paged."""
    actor = actor_of(request)
    today, checked = _today_and_filters(actor, filters)
    qs = ps.receivable_orders(actor=actor, filters=checked, today=today)
    page = keyset_page(qs, ordering=ps.ORDER_ORDERING, cursor=cursor, limit=limit)
    rows: list[Any] = page.items
    items = [
        {
            "id": o.pk,
            "number": o.number,
            "customer": _ref(o.customer),
            "owner": _ref(o.owner),
            "signed_on": o.signed_on,
            "currency": o.currency,
            "total": o.total,
            "paid": o.paid,
            "outstanding": ps.cents(o.outstanding_amount),
            "overdue": ps.cents(o.overdue_amount),
            "next_due_on": o.next_due_on,
        }
        for o in rows
    ]
    summary = ps.receivable_summary(actor=actor, filters=checked, today=today)
    return {"summary": summary.__dict__, "items": items, "next_cursor": page.next_cursor}


@router.get(
    "/receivables/customers", response={200: ReceivableCustomerPage, **ERRORS}, summary="Receivables by customer"
)
def receivables_by_customer(
    request: HttpRequest, filters: Query[ReceivableFiltersIn], cursor: str | None = None, limit: int = PAGE_LIMIT
) -> dict[str, Any]:
    """The customers the caller sees that owe money, by name, with their outstanding and overdue sums and the
    number of orders behind them; cursor-paged."""
    actor = actor_of(request)
    today, checked = _today_and_filters(actor, filters)
    qs = ps.receivable_customers(actor=actor, filters=checked, today=today)
    page = keyset_page(qs, ordering=ps.CUSTOMER_ORDERING, cursor=cursor, limit=limit)
    rows: list[Any] = page.items
    items = [
        {
            "customer": _ref(c),
            "owner": _ref(c.owner),
            "order_count": c.order_count,
            "outstanding": ps.cents(c.receivable),
            "overdue": ps.cents(c.overdue),
        }
        for c in rows
    ]
    summary = ps.receivable_summary(actor=actor, filters=checked, today=today)
    return {
        "summary": summary.__dict__,
        "currency": actor.org.currency,
        "items": items,
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/customers/{int:customer_id}/contract", response={200: ContractStatusOut, **ERRORS}, summary="Contract status"
)
def customer_contract(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The status of the customer's contract that ends last: none, active, ending (within the organization's
    reminder days) or expired."""
    actor = actor_of(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    reminder_days = ps.sales_settings(org_id=actor.org_id).contract_reminder_days
    state = contract_state(
        org_id=actor.org_id, customer_id=customer.pk, today=ps.org_today(actor), reminder_days=reminder_days
    )
    return {
        "customer": _ref(customer), "status": state.status, "order_id": state.order_id, "number": state.number,
        "ends_on": state.ends_on, "days_left": state.days_left, "text": state.text,
    }  # fmt: skip


@router.get("/sales-settings", response={200: SalesSettingsOut, **ERRORS}, summary="Sales settings")
def settings_get(request: HttpRequest) -> dict[str, Any]:
    row = ps.sales_settings(org_id=actor_of(request).org_id)
    return {"contract_reminder_days": row.contract_reminder_days}


@router.put("/sales-settings", response={200: SalesSettingsOut, **ERRORS}, summary="Set the sales settings")
def settings_set(request: HttpRequest, payload: SalesSettingsIn) -> dict[str, Any]:
    """Administrators: how many days before a contract ends its owner is reminded (0: never)."""
    row = payment_services.sales_settings_update(
        actor=actor_of(request), contract_reminder_days=payload.contract_reminder_days
    )
    return {"contract_reminder_days": row.contract_reminder_days}
