"""/api/v1/visits/review-queue and a visit's signals and review: thin shells over visit_review_selectors and
visit_review_services. A decision is idempotent by itself (the same decision and reason again changes
nothing), so it takes no Idempotency-Key."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router

from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of
from fieldloop.org.schemas import ERRORS

from . import selectors, visit_review_selectors, visit_review_services
from .models import Visit
from .visit_api import visit_out
from .visit_review import signal_label, signal_text
from .visit_review_schemas import ReviewIn, ReviewQueuePage, VisitSignalsOut
from .visit_schemas import VisitFiltersIn

router = Router(tags=["visit review"])


def signals_out(v: Visit) -> list[dict[str, Any]]:
    return [
        {"code": str(s.get("code")), "label": signal_label(str(s.get("code"))), "text": signal_text(s),
         "detail": s.get("detail") or {}}
        for s in v.review_signals
    ]  # fmt: skip


def visit_signals_out(v: Visit) -> dict[str, Any]:
    reviews = visit_review_selectors.review_history(visit=v) if v.review_state != "none" else []
    return {
        "visit_id": v.pk, "review_state": v.review_state, "signals": signals_out(v),
        "reviews": [
            {"reviewer": {"id": r.reviewer.pk, "name": r.reviewer.name}, "decision": r.decision, "reason": r.reason,
             "at": r.created_at}
            for r in reviews
        ],
    }  # fmt: skip


@router.get("/visits/review-queue", response={200: ReviewQueuePage, **ERRORS}, summary="Doubtful visits to review")
def review_queue(
    request: HttpRequest,
    filters: Query[VisitFiltersIn],
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    """The flagged visits of the employees the caller manages (sees and may change the records of), never the
    caller's own, oldest first; narrowed by the visit list's filters."""
    qs = visit_review_selectors.review_queue(actor=actor_of(request), filters=filters.as_filters())
    page = keyset_page(qs, ordering=visit_review_selectors.QUEUE_ORDERING, cursor=cursor, limit=limit)
    return {
        "items": [
            {"visit": visit_out(v), "review_state": v.review_state, "signals": signals_out(v)} for v in page.items
        ],
        "next_cursor": page.next_cursor,
    }


@router.get("/visits/{int:visit_id}/signals", response={200: VisitSignalsOut, **ERRORS}, summary="A visit's signals")
def visit_signals(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    return visit_signals_out(selectors.visit_get(actor=actor_of(request), visit_id=visit_id))


@router.post(
    "/visits/{int:visit_id}/review", response={200: VisitSignalsOut, **ERRORS}, summary="Confirm or reject a visit"
)
def visit_review(request: HttpRequest, visit_id: int, payload: ReviewIn) -> dict[str, Any]:
    """The employee's manager confirms or rejects a flagged visit (a reason is required to reject). The same
    decision and reason again changes nothing; another decision is recorded beside the first."""
    visit, _changed = visit_review_services.visit_review_decide(
        actor=actor_of(request), visit_id=visit_id, decision=payload.decision, reason=payload.reason
    )
    return visit_signals_out(visit)
