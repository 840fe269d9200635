"""/api/v1/orders: thin shells over `order_services` and `order_selectors`.

A create's `Idempotency-Key` is the new order's `client_id` (`org.idempotency.create_once`): a replay returns the
first order with the same status and writes nothing; the key reused by someone else or for another customer is
refused (422 idempotency_mismatch).
"""

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once
from fieldloop.org.schemas import ERRORS

from . import order_selectors as selectors
from . import order_services as services
from .models import Order, OrderKind, OrderStatus
from .order_schemas import OrderAmendIn, OrderCancelIn, OrderCreditIn, OrderIn, OrderLineIn, OrderOut, OrderPage

router = Router(tags=["orders"])


class OrderFiltersIn(Schema):
    scope: str = "team"
    status: OrderStatus | None = None
    kind: OrderKind | None = None
    date_from: date | None = None
    date_to: date | None = None
    customer_id: int | None = None


def _ref(row: Any) -> dict[str, Any]:
    return {"id": row.pk, "name": row.name}


def order_summary(o: Order) -> dict[str, Any]:
    return {
        "id": o.pk, "client_id": o.client_id, "number": o.number, "customer": _ref(o.customer),
        "owner": _ref(o.owner), "status": o.status, "kind": o.kind or None, "signed_on": o.signed_on,
        "starts_on": o.starts_on, "ends_on": o.ends_on, "currency": o.currency, "total": o.total, "paid": o.paid,
        "revision": o.revision, "created_at": o.created_at,
    }  # fmt: skip


def order_out(o: Order) -> dict[str, Any]:
    """An order with its details (as `order_selectors.order_get` loads it)."""
    return order_summary(o) | {
        "created_by": _ref(o.created_by), "visit_id": o.visit_id, "renews_id": o.renews_id, "note": o.note,
        "confirmed_at": o.confirmed_at, "cancelled_at": o.cancelled_at, "cancel_reason": o.cancel_reason,
        "updated_at": o.updated_at,
        "lines": [
            {
                "position": line.position, "quantity": line.quantity, "unit_price": line.unit_price,
                "discount_percent": line.discount_percent, "amount": line.amount,
                "product": {"id": line.product.pk, "sku": line.product.sku, "name": line.product.name,
                            "unit": line.product.unit},
            }
            for line in o.lines.all()
        ],
        "credits": [
            {"employee": _ref(c.employee), "department": _ref(c.department), "share_percent": c.share_percent}
            for c in o.credits.all()
        ],
        "amendments": [
            {"revision": a.revision, "author": _ref(a.author), "reason": a.reason, "before": a.before,
             "after": a.after, "created_at": a.created_at}
            for a in o.amendments.all()
        ],
    }  # fmt: skip


def _lines(lines: list[OrderLineIn]) -> list[services.LineIn]:
    return [services.LineIn(**line.dict()) for line in lines]


def _credits(credits: list[OrderCreditIn]) -> list[services.CreditIn]:
    return [services.CreditIn(**credit.dict()) for credit in credits]


@router.get("/orders", response={200: OrderPage, **ERRORS}, summary="Orders the caller sees, newest signed first")
def order_list(
    request: HttpRequest,
    filters: Query[OrderFiltersIn],
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    """`scope=mine`: the caller's own orders and those crediting them; `team` (default): every order the caller
    sees. Filters by status, kind, signing dates and customer; cursor-paged."""
    f = selectors.OrderFilters(
        scope=selectors.MINE if filters.scope == selectors.MINE else selectors.TEAM,
        status=filters.status or "", kind=filters.kind or "", date_from=filters.date_from,
        date_to=filters.date_to, customer_id=filters.customer_id,
    )  # fmt: skip
    qs = selectors.order_list(actor=actor_of(request), filters=f)
    page = keyset_page(qs, ordering=selectors.ORDERING, cursor=cursor, limit=limit)
    return {"items": [order_summary(o) for o in page.items], "next_cursor": page.next_cursor}


@router.post("/orders", response={201: OrderOut, **ERRORS}, summary="Enter an order (a draft, or confirmed)")
def order_create(request: HttpRequest, payload: OrderIn, idempotency_key: uuid.UUID = IdempotencyKey) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[Order, bool]:
        return services.order_create(
            actor=actor, client_id=idempotency_key, customer_id=payload.customer_id, lines=_lines(payload.lines),
            credits=_credits(payload.credits), owner_id=payload.owner_id, signed_on=payload.signed_on,
            starts_on=payload.starts_on, ends_on=payload.ends_on, renews_id=payload.renews_id,
            visit_id=payload.visit_id, note=payload.note, confirm=payload.confirm,
        )  # fmt: skip

    order, _created = create_once(
        create, same=lambda o: (o.created_by_id, o.customer_id) == (actor.pk, payload.customer_id)
    )
    return Status(201, order_out(selectors.order_get(actor=actor, order_id=order.pk)))


@router.get("/orders/{int:order_id}", response={200: OrderOut, **ERRORS}, summary="An order with its details")
def order_detail(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(selectors.order_get(actor=actor_of(request), order_id=order_id))


@router.post("/orders/{int:order_id}/confirm", response={200: OrderOut, **ERRORS}, summary="Confirm a draft")
def order_confirm(request: HttpRequest, order_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    services.order_confirm(actor=actor, order_id=order_id)
    return order_out(selectors.order_get(actor=actor, order_id=order_id))


@router.post(
    "/orders/{int:order_id}/amend", response={200: OrderOut, **ERRORS}, summary="Amend (a confirmed order: a reason)"
)
def order_amend(request: HttpRequest, order_id: int, payload: OrderAmendIn) -> dict[str, Any]:
    actor = actor_of(request)
    given = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {k: given[k] for k in ("signed_on", "starts_on", "ends_on", "note") if k in given}
    if payload.lines is not None:
        changes["lines"] = _lines(payload.lines)
    if payload.credits is not None:
        changes["credits"] = _credits(payload.credits)
    services.order_amend(actor=actor, order_id=order_id, reason=payload.reason, **changes)
    return order_out(selectors.order_get(actor=actor, order_id=order_id))


@router.post("/orders/{int:order_id}/cancel", response={200: OrderOut, **ERRORS}, summary="Cancel, with a reason")
def order_cancel(request: HttpRequest, order_id: int, payload: OrderCancelIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.order_cancel(actor=actor, order_id=order_id, reason=payload.reason)
    return order_out(selectors.order_get(actor=actor, order_id=order_id))
