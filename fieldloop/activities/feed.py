"""The work feed (下属工作 / my records) as people read it: a visit is one card (check-in and check-out, distance
from the customer, duration, its steps grouped inside with their photos, and the latest comments on them); every
other record is a card of its own.

Two keyset sources merged by time, as the customer's timeline merges its sources: records outside visits (by
capture) and visits (by check-in). A page costs the same queries whatever it holds: each source's page, the steps
of the page's visits, their template versions, and their latest comments.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fieldloop.core.errors import invalid
from fieldloop.core.pagination import decode_cursor, encode_cursor
from fieldloop.customers.timeline import Bound
from fieldloop.org.models import Employee

from . import selectors
from .display import decorate_cards
from .models import Visit, WorkRecord, WorkRecordComment

FEED_CURSOR = "work-feed"
RECORDS_RANK = 10
VISITS_RANK = 20
COMMENTS_PER_VISIT = 3
PHOTOS_PER_VISIT = 6


@dataclass
class FeedEntry:
    at: datetime
    rank: int
    pk: int
    obj: Any  # a WorkRecord (decorated as a card) or a Visit (with `steps`, `photos`, `latest_comments`)

    @property
    def is_visit(self) -> bool:
        return self.rank == VISITS_RANK


@dataclass
class FeedPage:
    items: list[FeedEntry] = field(default_factory=list)
    next_cursor: str | None = None


def _decode(cursor: str) -> Bound:
    at, rank, pk = decode_cursor(FEED_CURSOR, cursor, 3)
    if not (isinstance(at, datetime) and isinstance(rank, int) and isinstance(pk, int)):
        raise invalid("cursor", _("This cursor is not valid; start again from the first page."))
    return Bound(at=at, rank=rank, pk=pk)


def feed_page(*, actor: Employee, filters: selectors.FeedFilters, cursor: str | None, limit: int) -> FeedPage:
    """One page of the feed: the records (outside visits) and the visits of the employees the actor sees,
    newest first."""
    bound = _decode(cursor) if cursor else None
    records = selectors.record_feed(actor=actor, filters=filters).filter(visit__isnull=True)
    visits = selectors.visit_feed(actor=actor, filters=filters)
    if bound is not None:
        records = records.filter(bound.condition(rank=RECORDS_RANK, time_field="captured_at"))
        visits = visits.filter(bound.condition(rank=VISITS_RANK, time_field="checked_in_at"))
    merged = [
        FeedEntry(r.captured_at, RECORDS_RANK, r.pk, r) for r in records.order_by(*selectors.FEED_ORDERING)[: limit + 1]
    ]
    merged += [
        FeedEntry(v.checked_in_at, VISITS_RANK, v.pk, v)
        for v in visits.order_by(*selectors.VISIT_ORDERING)[: limit + 1]
    ]
    merged.sort(key=lambda e: (e.at, e.rank, e.pk), reverse=True)
    items = merged[:limit]
    next_cursor = None
    if len(merged) > limit:
        last = items[-1]
        next_cursor = encode_cursor(FEED_CURSOR, [last.at, last.rank, last.pk])
    language = get_language() or "zh-hans"
    decorate_cards([e.obj for e in items if not e.is_visit], language)
    _decorate_visits([e.obj for e in items if e.is_visit], language)
    return FeedPage(items=items, next_cursor=next_cursor)


def _decorate_visits(visits: list[Visit], language: str) -> None:
    """Attach to each visit its steps (records, oldest first, as cards), their photos as (record id, photo id)
    pairs (the first few), its comment count and latest comments: three queries for the whole page."""
    if not visits:
        return
    steps = list(
        WorkRecord.objects.filter(visit_id__in=[v.pk for v in visits], archived_at__isnull=True)
        .select_related("template")
        .only(*[f.name for f in WorkRecord._meta.concrete_fields], "template__name", "template__name_en")
        .prefetch_related(Prefetch("template_version", queryset=selectors.page_version_queryset()))
        .order_by("captured_at", "id")
    )
    decorate_cards(steps, language)
    by_visit: dict[int, list[WorkRecord]] = {v.pk: [] for v in visits}
    for step in steps:
        by_visit[step.visit_id].append(step)  # type: ignore[index]
    ranked = WorkRecordComment.objects.filter(record__visit_id__in=[v.pk for v in visits]).annotate(
        visit_pk=F("record__visit_id"),
        newest=Window(
            RowNumber(), partition_by=[F("record__visit_id")], order_by=[F("created_at").desc(), F("id").desc()]
        ),
    )
    comments: dict[int, list[WorkRecordComment]] = {v.pk: [] for v in visits}
    for c in ranked.filter(newest__lte=COMMENTS_PER_VISIT).select_related("author").order_by("created_at", "id"):
        comments[c.visit_pk].append(c)  # type: ignore[attr-defined]
    for visit in visits:
        extra: Any = visit
        extra.type_label = visit.visit_type.display_name(language)
        extra.steps = by_visit[visit.pk]
        extra.photos = [(s.pk, p) for s in extra.steps for p in s.photo_ids][:PHOTOS_PER_VISIT]
        extra.photo_count = sum(s.photo_count for s in extra.steps)
        extra.comment_count = sum(s.comment_count for s in extra.steps)
        extra.latest_comments = comments[visit.pk]
