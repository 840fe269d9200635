"""/api/v1/daily-cards: the daily close cards (日清), thin shells over card_selectors and card_services.

Filing takes an `Idempotency-Key` (the write-up record's client_id): a replay answers the first answer and writes
nothing. Review, copy and read are actions: a second review is refused, a copy or read again changes nothing.
"""

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from fieldloop.core.errors import invalid
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, run_idempotent
from fieldloop.org.schemas import ERRORS

from . import card_selectors as cs
from . import card_services
from .card_schemas import (
    CardCopyIn,
    CardFileIn,
    CardListFilters,
    CardReviewIn,
    DailyCardOut,
    DailyCardPage,
    NotFiledPage,
)
from .models import CardStatus, DailyCard

router = Router(tags=["daily cards"])
PAGE_LIMIT = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200)


def card_out(card: DailyCard, *, readers: bool = False) -> dict[str, Any]:
    f = card.figures or {}
    items = f.get("items") or {}
    record = card.record if card.record_id else None
    return {
        "id": card.pk, "employee": {"id": card.employee.pk, "name": card.employee.name}, "day": card.day,
        "status": card.status, "deadline": card.deadline, "filed_at": card.filed_at, "on_time": card.on_time,
        "late": card.is_late,
        "figures": {
            "items": {k: items.get(k, 0) for k in ("planned", "done", "missed", "open")},
            "visits": f.get("visits", 0), "effective_visits": f.get("effective_visits", 0),
            "calls": f.get("calls", 0), "new_customers": f.get("new_customers", 0),
            "records": f.get("records", []), "extra": f.get("extra", {}),
        },
        "record_id": card.record_id, "values": record.values if record else {},
        "review": {
            "reviewed_by": {"id": card.reviewed_by.pk, "name": card.reviewed_by.name}, "reviewed_at": card.reviewed_at,
            "score": card.score, "comment": card.review_comment,
        } if card.reviewed_by is not None and card.reviewed_at else None,
        "readers": [
            {"employee": {"id": r.employee.pk, "name": r.employee.name}, "copied": r.copied, "read_at": r.read_at}
            for r in cs.card_readers(card=card)
        ] if readers else None,
    }  # fmt: skip


def _page(qs: Any, ordering: tuple[str, ...], cursor: str | None, limit: int) -> dict[str, Any]:
    page = keyset_page(qs, ordering=ordering, cursor=cursor, limit=limit)
    return {"items": [card_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/daily-cards", response={200: DailyCardPage, **ERRORS}, summary="Cards of the people the caller sees")
def card_list(
    request: HttpRequest, filters: Query[CardListFilters], cursor: str | None = None, limit: int = PAGE_LIMIT
) -> dict[str, Any]:
    """Stored cards (filed, or found unfiled by the nightly close) of the employees the caller sees and those
    copied to the caller, newest day first; cursor-paged."""
    qs = cs.card_list(
        actor=actor_of(request), day_from=filters.day_from, day_to=filters.day_to, employee_id=filters.employee_id
    )
    return _page(qs, cs.LIST_ORDERING, cursor, limit)


@router.get("/daily-cards/mine", response={200: DailyCardPage, **ERRORS}, summary="The caller's own cards")
def card_mine(request: HttpRequest, cursor: str | None = None, limit: int = PAGE_LIMIT) -> dict[str, Any]:
    return _page(cs.my_cards(actor=actor_of(request)), cs.LIST_ORDERING, cursor, limit)


@router.get("/daily-cards/draft", response={200: DailyCardOut, **ERRORS}, summary="The caller's card of a day")
def card_draft(request: HttpRequest, day: date) -> dict[str, Any]:
    """The caller's card of `day` (today or before): as filed, or, not filed yet, the day's figures as they are now
    (`id` is null until it is stored). Reading it stores nothing."""
    actor = actor_of(request)
    errors: dict[str, list[str]] = {}
    if card_services.check_card_day(errors, day, cs.today_of(actor)) is None:  # the filing window, not year 566
        raise invalid("day", str(errors["day"][0]))
    return card_out(cs.card_of_day(actor=actor, day=day), readers=True)


@router.get("/daily-cards/review-queue", response={200: DailyCardPage, **ERRORS}, summary="Cards to review")
def card_review_queue(request: HttpRequest, cursor: str | None = None, limit: int = PAGE_LIMIT) -> dict[str, Any]:
    """Filed, unreviewed cards of the people the caller manages, oldest day first."""
    return _page(cs.review_queue(actor=actor_of(request)), cs.QUEUE_ORDERING, cursor, limit)


@router.get("/daily-cards/not-filed", response={200: NotFiledPage, **ERRORS}, summary="Who has not filed a day")
def card_not_filed(
    request: HttpRequest, day: date, cursor: str | None = None, limit: int = PAGE_LIMIT
) -> dict[str, Any]:
    page = keyset_page(
        cs.not_filed(actor=actor_of(request), day=day), ordering=("name", "id"), cursor=cursor, limit=limit
    )
    items = [
        {
            "employee": {"id": e.pk, "name": e.name}, "card_id": e.card_id,  # type: ignore[attr-defined]
            "status": e.card_status or CardStatus.OPEN,  # type: ignore[attr-defined]
        }
        for e in page.items
    ]  # fmt: skip
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/daily-cards/{int:card_id}", response={200: DailyCardOut, **ERRORS})
def card_detail(request: HttpRequest, card_id: int) -> dict[str, Any]:
    return card_out(cs.card_get(actor=actor_of(request), card_id=card_id), readers=True)


@router.post("/daily-cards", response={201: DailyCardOut, **ERRORS}, summary="File a card")
def card_file(request: HttpRequest, payload: CardFileIn, idempotency_key: uuid.UUID = IdempotencyKey) -> Status[Any]:
    """File the caller's card of a day (today or before) with the daily-report template's `values` (a replay of the
    key answers the first answer; another filing of a filed day is a 409)."""
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        card, _filed = card_services.card_file(
            actor=actor, client_id=idempotency_key, day=payload.day, values=payload.values,
            employee_id=payload.employee_id, copy_to=payload.copy_to,
        )  # fmt: skip
        body = DailyCardOut.model_validate(card_out(cs.card_get(actor=actor, card_id=card.pk), readers=True))
        return 201, body.model_dump(mode="json")

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="daily_card.file", create=create
    )
    return Status(result.status_code, result.body)


@router.post("/daily-cards/{int:card_id}/review", response={200: DailyCardOut, **ERRORS}, summary="Review a card")
def card_review(request: HttpRequest, card_id: int, payload: CardReviewIn) -> dict[str, Any]:
    actor = actor_of(request)
    card_services.card_review(actor=actor, card_id=card_id, score=payload.score, comment=payload.comment)
    return card_out(cs.card_get(actor=actor, card_id=card_id), readers=True)


@router.post("/daily-cards/{int:card_id}/copy", response={200: DailyCardOut, **ERRORS}, summary="Copy to colleagues")
def card_copy(request: HttpRequest, card_id: int, payload: CardCopyIn) -> dict[str, Any]:
    actor = actor_of(request)
    card_services.card_copy(actor=actor, card_id=card_id, employee_ids=payload.employee_ids)
    return card_out(cs.card_get(actor=actor, card_id=card_id), readers=True)


@router.post("/daily-cards/{int:card_id}/read", response={200: DailyCardOut, **ERRORS}, summary="Mark read (已读)")
def card_read(request: HttpRequest, card_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    card_services.card_mark_read(actor=actor, card_id=card_id)
    return card_out(cs.card_get(actor=actor, card_id=card_id), readers=True)
