"""/api/v1/schedule-items: thin shells over services and selectors.

A create's `Idempotency-Key` is the new item's `client_id` (`org.idempotency.create_once`): a replay returns the
first item with the same status and writes nothing.
"""

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once
from fieldloop.org.schemas import ERRORS

from . import selectors, services
from .models import ScheduleItem
from .schemas import (
    ScheduleItemDoneIn,
    ScheduleItemFilters,
    ScheduleItemIn,
    ScheduleItemOut,
    ScheduleItemPage,
    ScheduleItemPatchIn,
)

router = Router(tags=["schedules"])


def item_out(i: ScheduleItem) -> dict[str, Any]:
    return {
        "id": i.pk, "client_id": i.client_id, "employee": {"id": i.employee.pk, "name": i.employee.name},
        "day": i.day, "start_time": i.start_time, "end_time": i.end_time, "kind": i.kind, "title": i.title,
        "customer": {"id": i.customer.pk, "name": i.customer.name} if i.customer else None,
        "contact": {"id": i.contact.pk, "name": i.contact.name} if i.contact else None,
        "notes": i.notes, "state": i.state, "done_at": i.done_at, "done_note": i.done_note,
        "fulfilled_visit_id": i.fulfilled_visit_id, "fulfilled_record_id": i.fulfilled_record_id,
        "series_id": i.series_id, "is_exception": i.is_exception, "created_at": i.created_at,
        "updated_at": i.updated_at,
    }  # fmt: skip


@router.get("/schedule-items", response={200: ScheduleItemPage, **ERRORS}, summary="Visible employees' items over days")
def item_list(
    request: HttpRequest,
    filters: Query[ScheduleItemFilters],
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    """The calendar: items of the employees the caller sees (one, a department's subtree, or all) from `date_from`
    to `date_to`, by day; cursor-paged."""
    actor = actor_of(request)
    qs = selectors.calendar_items(
        actor=actor, start_day=filters.date_from, end_day=filters.date_to, employee_id=filters.employee_id,
        department_id=filters.department_id, state=filters.state or "", kind=filters.kind or "",
    )  # fmt: skip
    page = keyset_page(qs, ordering=selectors.API_ORDERING, cursor=cursor, limit=limit)
    return {"items": [item_out(i) for i in page.items], "next_cursor": page.next_cursor}


@router.post("/schedule-items", response={201: ScheduleItemOut, **ERRORS}, summary="Plan an item (or a series)")
def item_create(
    request: HttpRequest, payload: ScheduleItemIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    r = payload.recurrence
    recurrence = services.Recurrence(**r.dict()) if r is not None else None

    def create() -> tuple[ScheduleItem, bool]:
        return services.schedule_item_create(
            actor=actor, client_id=idempotency_key, day=payload.day, kind=payload.kind,
            employee_id=payload.employee_id, title=payload.title, start_time=payload.start_time,
            end_time=payload.end_time, customer_id=payload.customer_id, contact_id=payload.contact_id,
            notes=payload.notes, recurrence=recurrence,
        )  # fmt: skip

    item, _created = create_once(
        create,
        # the same key for another item (someone else, another employee, day, kind or customer) is a mismatch
        same=lambda i: (
            (i.created_by_id, i.employee_id, i.day, i.kind, i.customer_id)
            == (actor.pk, payload.employee_id or actor.pk, payload.day, payload.kind, payload.customer_id)
        ),
    )
    return Status(201, item_out(selectors.item_get(actor=actor, item_id=item.pk)))


@router.get("/schedule-items/{int:item_id}", response={200: ScheduleItemOut, **ERRORS})
def item_detail(request: HttpRequest, item_id: int) -> dict[str, Any]:
    return item_out(selectors.item_get(actor=actor_of(request), item_id=item_id))


@router.patch("/schedule-items/{int:item_id}", response={200: ScheduleItemOut, **ERRORS}, summary="Edit or move")
def item_update(request: HttpRequest, item_id: int, payload: ScheduleItemPatchIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.schedule_item_update(actor=actor, item_id=item_id, **payload.dict(exclude_unset=True))
    return item_out(selectors.item_get(actor=actor, item_id=item_id))


@router.post(
    "/schedule-items/{int:item_id}/cancel", response={200: ScheduleItemOut, **ERRORS}, summary="Cancel an item"
)
def item_cancel(request: HttpRequest, item_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    services.schedule_item_cancel(actor=actor, item_id=item_id)
    return item_out(selectors.item_get(actor=actor, item_id=item_id))


@router.post(
    "/schedule-items/{int:item_id}/done", response={200: ScheduleItemOut, **ERRORS}, summary="Mark done (a note)"
)
def item_done(request: HttpRequest, item_id: int, payload: ScheduleItemDoneIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.schedule_item_done(actor=actor, item_id=item_id, note=payload.note)
    return item_out(selectors.item_get(actor=actor, item_id=item_id))
