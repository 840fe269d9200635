"""A customer's timeline (相关工作): the customer's own events merged with what other apps contribute
(work records, later visits, orders, ...), newest first, keyset-paged.

customers imports no domain app: an app registers a source in its AppConfig.ready
(`register_timeline_source`). Each source answers one query for the rows of a page, so a page costs one
query per source whatever its size. The cursor holds the last item's (time, source rank, id); a source
returns its rows strictly after it, in the order (time desc, rank desc, id desc).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from fieldloop.core.errors import invalid
from fieldloop.core.pagination import decode_cursor, encode_cursor
from fieldloop.org.models import Employee

from .models import Customer, CustomerEvent


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    pk: int
    source: str
    template: str  # the partial rendering `obj` (as `item`) on the customer page
    obj: Any


@dataclass(frozen=True)
class Bound:
    """Where the previous page ended."""

    at: datetime
    rank: int
    pk: int

    def condition(self, *, rank: int, time_field: str) -> Q:
        """Rows of the source of `rank` that come after this bound, as a condition on (time_field, id)."""
        if rank < self.rank:
            return Q(**{f"{time_field}__lte": self.at})
        if rank > self.rank:
            return Q(**{f"{time_field}__lt": self.at})
        return Q(**{f"{time_field}__lt": self.at}) | Q(**{time_field: self.at, "pk__lt": self.pk})


# (actor, customer, bound or None, limit) -> up to `limit` items after the bound, newest first
Fetch = Callable[[Employee, Customer, Bound | None, int], list[TimelineItem]]


# (actor, customer) -> links the timeline offers, as (label, URL), e.g. "New work record"
Actions = Callable[[Employee, Customer], list[tuple[str, str]]]

# an item's object -> what the API shows of it (the source's own output schema, JSON-ready)
Serialize = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class TimelineSource:
    rank: int
    fetch: Fetch
    serialize: Serialize
    actions: Actions | None = None


_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(
    name: str, *, rank: int, fetch: Fetch, serialize: Serialize, actions: Actions | None = None
) -> None:
    """Register (or replace) a source; `rank` orders sources' items that share a time (unique per source)."""
    _SOURCES[name] = TimelineSource(rank=rank, fetch=fetch, serialize=serialize, actions=actions)


def timeline_item_data(item: TimelineItem) -> dict[str, Any]:
    """The API's view of one timeline item: which source, its id and time, and the source's own data."""
    return {"source": item.source, "id": item.pk, "at": item.at, "data": _SOURCES[item.source].serialize(item.obj)}


def timeline_actions(*, actor: Employee, customer: Customer) -> list[tuple[str, str]]:
    return [a for s in _SOURCES.values() if s.actions is not None for a in s.actions(actor, customer)]


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    next_cursor: str | None


TIMELINE_CURSOR = "customer-timeline"


def _encode(item: TimelineItem, rank: int) -> str:
    return encode_cursor(TIMELINE_CURSOR, [item.at, rank, item.pk])


def _decode(cursor: str) -> Bound:
    at, rank, pk = decode_cursor(TIMELINE_CURSOR, cursor, 3)
    if not (isinstance(at, datetime) and isinstance(rank, int) and isinstance(pk, int)):
        raise invalid("cursor", _("This cursor is not valid; start again from the first page."))
    return Bound(at=at, rank=rank, pk=pk)


def customer_timeline_page(*, actor: Employee, customer: Customer, cursor: str | None, limit: int) -> TimelinePage:
    """One page of the merged timeline of a customer the caller has checked the actor may see."""
    bound = _decode(cursor) if cursor else None
    ranks = {name: source.rank for name, source in _SOURCES.items()}
    merged: list[TimelineItem] = []
    for source in _SOURCES.values():
        merged.extend(source.fetch(actor, customer, bound, limit + 1))
    merged.sort(key=lambda i: (i.at, ranks[i.source], i.pk), reverse=True)
    items = merged[:limit]
    next_cursor = _encode(items[-1], ranks[items[-1].source]) if len(merged) > limit else None
    return TimelinePage(items=items, next_cursor=next_cursor)


# --- The customer's own events ------------------------------------------------------------------

EVENTS = "events"
EVENTS_RANK = 0


def _events(actor: Employee, customer: Customer, bound: Bound | None, limit: int) -> list[TimelineItem]:
    qs = CustomerEvent.objects.filter(org_id=actor.org_id, customer=customer).select_related("actor")
    if bound is not None:
        qs = qs.filter(bound.condition(rank=EVENTS_RANK, time_field="created_at"))
    return [
        TimelineItem(at=e.created_at, pk=e.pk, source=EVENTS, template="customers/_timeline_event.html", obj=e)
        for e in qs.order_by("-created_at", "-id")[:limit]
    ]


def event_data(e: CustomerEvent) -> dict[str, Any]:
    actor = {"id": e.actor.pk, "name": e.actor.name} if e.actor else None
    return {
        "id": e.pk, "kind": e.kind, "actor": actor, "changes": e.changes, "summary": e.summary,
        "created_at": e.created_at,
    }  # fmt: skip


register_timeline_source(EVENTS, rank=EVENTS_RANK, fetch=_events, serialize=event_data)
