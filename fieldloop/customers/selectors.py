"""Reads of customers: always through the actor's visibility (their owners' reach, or as a collaborator)."""

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.days import days_bounds
from fieldloop.core.errors import ErrorCode, ServiceError, not_found
from fieldloop.core.geo import haversine_m
from fieldloop.formtemplates.models import Attachment, FormTemplate, FormTemplateVersion, Purpose
from fieldloop.formtemplates.selectors import held_attachment
from fieldloop.org.models import Department, Employee, Role
from fieldloop.org.selectors import Visibility, can_change_owned_by, visibility_for

from .models import (
    Contact,
    Customer,
    CustomerEvent,
    CustomerPool,
    CustomerSettings,
    CustomerStage,
    CustomerTag,
    DuplicateAction,
    PoolMembership,
    Tag,
)


def visible_customers(*, actor: Employee, include_archived: bool = False) -> QuerySet[Customer]:
    """Customers whose owner the actor may see, those the actor collaborates on, and those waiting in
    the pools the actor is a member of."""
    if not actor.is_active:
        return Customer.objects.none()
    visibility = visibility_for(actor)
    qs = Customer.objects.filter(org_id=actor.org_id)
    if not visibility.sees_whole_org:
        qs = qs.filter(_reach(actor, visibility))
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return qs


# --- The team's ground: what a leader reads beyond what their people own -----------------------------------
# A manager follows their people's work: the customers a visible employee visited or recorded work on (pool
# customers included) and the pools their team draws from. Reading only: every change still goes through
# `visible_customers` (customer_for_change, claims, assignments). Apps above customers (activities) register the
# work they hold as a condition over Customer rows: one EXISTS each, on an index that starts with the customer.

# (actor, visibility) -> an EXISTS over Customer rows (OuterRef("pk")): a visible employee worked on the customer
GroundCondition = Callable[[Employee, Visibility], Exists]
_GROUND: dict[str, GroundCondition] = {}


def register_ground(name: str, condition: GroundCondition) -> None:
    """Register the work an app holds about customers (activities: visits and work records)."""
    _GROUND[name] = condition


def _drawn_pools(visibility: Visibility) -> Q:
    """Customers waiting in a pool one of the actor's visible employees is a member of (an index on the pool
    answers the EXISTS: the pool's members are a handful of rows)."""
    members = PoolMembership.objects.filter(pool_id=OuterRef("pool_id")).filter(visibility.condition("employee__"))
    return Q(owner__isnull=True) & Q(Exists(members))


def readable_customers(*, actor: Employee, include_archived: bool = False) -> QuerySet[Customer]:
    """The customers the actor may read: the visible ones (`visible_customers`), those a visible employee
    visited or recorded work on, and those waiting in the pools a visible employee draws from. For reading a
    customer (its page, its timeline, its contacts), never for changing it. One query: a few EXISTS, each on an
    index."""
    if not actor.is_active:
        return Customer.objects.none()
    visibility = visibility_for(actor)
    if visibility.sees_whole_org:
        return visible_customers(actor=actor, include_archived=include_archived)
    condition = _reach(actor, visibility) | _drawn_pools(visibility)
    for ground in _GROUND.values():
        condition |= Q(ground(actor, visibility))
    qs = Customer.objects.filter(org_id=actor.org_id).filter(condition)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return qs


def _reach(actor: Employee, visibility: Visibility) -> Q:
    """`visible_customers`' condition for an actor who does not see the whole organization."""
    collaborating = Customer.collaborators.through.objects.filter(employee_id=actor.pk).values("customer_id")
    my_pools = PoolMembership.objects.filter(employee_id=actor.pk).values("pool_id")
    return visibility.condition("owner__") | Q(pk__in=collaborating) | Q(owner__isnull=True, pool_id__in=my_pools)


def _won_stages(org_id: int) -> QuerySet[CustomerStage]:
    return CustomerStage.objects.filter(org_id=org_id, is_won=True, is_active=True).order_by("position", "id")


def won_stage(org_id: int) -> Subquery:
    """The organization's won stage (the first active stage marked won, in the stages' order; none if it has
    none) as a subquery, for a read that wants it beside the customer it locks (an order's confirmation)."""
    return Subquery(_won_stages(org_id).values("pk")[:1])


def won_stage_of(org_id: int) -> int | None:
    """The organization's won stage's id (as `won_stage`), or None: one query."""
    return _won_stages(org_id).values_list("pk", flat=True).first()


class CustomerSort(StrEnum):
    """The customer list's orders: most recently changed first (the default), or by the last follow-up, the
    longest without one first (never followed up first) or the most recent first. The last visit's orders of
    before are read as the last follow-up's (saved filters and links still carry them)."""

    UPDATED = "updated"
    LAST_FOLLOW_UP = "last_follow_up"
    RECENT_FOLLOW_UP = "-last_follow_up"
    LAST_VISIT = "last_visit"  # an old name of LAST_FOLLOW_UP
    RECENT_VISIT = "-last_visit"  # an old name of RECENT_FOLLOW_UP


SORT_ALIASES: dict[str, str] = {
    CustomerSort.LAST_VISIT: CustomerSort.LAST_FOLLOW_UP,
    CustomerSort.RECENT_VISIT: CustomerSort.RECENT_FOLLOW_UP,
}
# keyset orderings (each ends with the primary key); the last follow-up is compared through `follow_key`, never NULL
SORT_ORDERINGS: dict[str, tuple[str, ...]] = {
    CustomerSort.UPDATED: ("-updated_at", "-id"),
    CustomerSort.LAST_FOLLOW_UP: ("follow_key", "id"),
    CustomerSort.RECENT_FOLLOW_UP: ("-follow_key", "-id"),
}
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a customer never followed up sorts as followed up at the epoch


@dataclass(frozen=True)
class CustomerFilters:
    """The filters of the customer list, the map, the API list and the export: one set, one query. They only
    narrow what the actor sees (visibility comes first)."""

    search: str = ""
    owner_id: int | None = None
    level: str = ""
    stage_id: int | None = None
    include_archived: bool = False
    expiring: bool = False  # protection ends within the pool's warning window (notify_days_before)
    not_visited_days: int | None = None  # no visit for this many days (never visited counts)
    in_pool: bool = False  # waiting in a public pool (no owner)
    archived: bool = False  # only the archived ones (to restore them)
    tag_ids: tuple[int, ...] = ()  # any of these tags
    department_id: int | None = None  # the owner is in this department's subtree
    province: str = ""
    city: str = ""
    industry: str = ""
    source: str = ""
    created_from: date | None = None  # days in the organization's time zone, both included
    created_to: date | None = None
    visited_from: date | None = None  # the last visit (the `last_visited_at` rollup) between (API clients)
    visited_to: date | None = None
    followed_from: date | None = None  # the last follow-up (the `last_followed_up_at` rollup) between
    followed_to: date | None = None
    sort: str = CustomerSort.UPDATED

    @property
    def ordering(self) -> tuple[str, ...]:
        return SORT_ORDERINGS.get(self.sort, SORT_ORDERINGS[CustomerSort.UPDATED])

    @property
    def narrowed(self) -> bool:
        """Is any filter beyond the search set? (The pages open their filter panel then.)"""
        return any((
            self.tag_ids, self.department_id, self.province, self.city, self.industry, self.source,
            self.created_from, self.created_to, self.visited_from, self.visited_to, self.followed_from,
            self.followed_to, self.not_visited_days,
        ))  # fmt: skip


# The query-string names the list, the map and the export share (`not_visited` also answers to the map's old
# `stale_days`, which links may still carry).
NOT_VISITED = "not_visited"
NOT_VISITED_ALIASES = ("not_visited", "stale_days")
TEXT_FILTER_LIMIT = 60
FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_FILTER_TAGS = 50


def _first(query: Any, key: str) -> str:
    value = query.get(key, "")
    return value if isinstance(value, str) else ""


def _many(query: Any, key: str) -> list[str]:
    if hasattr(query, "getlist"):
        return [v for v in query.getlist(key) if isinstance(v, str)]
    value = query.get(key)
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def parse_customer_filters(query: Any) -> tuple[CustomerFilters, dict[str, list[str]]]:
    """The filters from a query string (a QueryDict, or a dict of strings): q, owner, level, stage, tag (any
    number), department, province, city, industry, source, created_from, created_to, followed_from, followed_to,
    visited_from, visited_to (YYYY-MM-DD), not_visited (days; `stale_days` too), expiring=1, pool=1, sort (the
    old `last_visit` orders read as the last follow-up's). Values that cannot be right (a bad date, a level or
    source that does not exist, a number that is not one) are dropped and reported by field, so a page shows
    what it ignored and the API answers 400; an id of another organization's row is no error, it matches
    nothing."""
    from .models import CustomerLevel, CustomerSource

    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    def number(name: str) -> int | None:
        raw = _first(query, name).strip()
        if not raw:
            return None
        if raw.isdigit() and len(raw) < 12:
            return int(raw)
        fail(name, _("Enter a whole number."))
        return None

    def day(name: str) -> date | None:
        raw = _first(query, name).strip()
        if not raw:
            return None
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            day = None
        if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:  # beyond: no time zone can convert it
            fail(name, _("Enter a valid date (YYYY-MM-DD)."))
            return None
        return day

    def text(name: str) -> str:
        return _first(query, name).strip()[:TEXT_FILTER_LIMIT]

    level = _first(query, "level")
    if level and level not in CustomerLevel.values:
        fail("level", _("Choose one of the allowed values."))
        level = ""
    source = _first(query, "source")
    if source and source not in CustomerSource.values:
        fail("source", _("Choose one of the allowed values."))
        source = ""
    tag_ids: list[int] = []
    for raw in _many(query, "tag")[: MAX_FILTER_TAGS + 1]:
        if raw.strip().isdigit() and len(raw.strip()) < 12:
            tag_ids.append(int(raw.strip()))
        elif raw.strip():
            fail("tag", _("Choose tags of your organization."))
    if len(tag_ids) > MAX_FILTER_TAGS:
        fail("tag", _("Choose at most %(n)d tags.") % {"n": MAX_FILTER_TAGS})
        tag_ids = tag_ids[:MAX_FILTER_TAGS]
    days: int | None = None
    for alias in NOT_VISITED_ALIASES:
        raw = _first(query, alias).strip()
        if raw:
            days = _days(raw)
            if days is None:
                fail(NOT_VISITED, _("Enter a number of days between 1 and %(max)d.") % {"max": MAX_NOT_VISITED_DAYS})
            break
    sort = _first(query, "sort")
    sort = SORT_ALIASES.get(sort, sort)
    if sort and sort not in SORT_ORDERINGS:
        fail("sort", _("Choose one of the allowed values."))
        sort = ""
    filters = CustomerFilters(
        search=_first(query, "q").strip()[:80],
        owner_id=number("owner"),
        level=level,
        stage_id=number("stage"),
        expiring=_first(query, "expiring") == "1",
        not_visited_days=days,
        in_pool=_first(query, "pool") == "1",
        archived=_first(query, "archived") == "1",
        tag_ids=tuple(sorted(set(tag_ids))),
        department_id=number("department"),
        province=text("province"),
        city=text("city"),
        industry=text("industry"),
        source=source,
        created_from=day("created_from"),
        created_to=day("created_to"),
        visited_from=day("visited_from"),
        visited_to=day("visited_to"),
        followed_from=day("followed_from"),
        followed_to=day("followed_to"),
        sort=sort or CustomerSort.UPDATED,
    )
    return filters, errors


# Every name `parse_customer_filters` reads, in the order `customer_filters_query` writes them.
FILTER_PARAMS = (
    "q", "owner", "department", "level", "stage", "tag", "province", "city", "industry", "source",
    "created_from", "created_to", "followed_from", "followed_to", "visited_from", "visited_to", *NOT_VISITED_ALIASES,
    "expiring", "pool", "archived", "sort",
)  # fmt: skip


def customer_filters_query(filters: CustomerFilters, *, sort: bool = True) -> str:
    """The canonical query string of `filters`, as `parse_customer_filters` reads it back to the same filters:
    only what narrows, in one order, so two equal filters have one string (a saved filter is matched to the page
    by it). Without `sort` when asked (the map has no order)."""
    f = filters
    pairs: list[tuple[str, str]] = [
        ("q", f.search), ("owner", str(f.owner_id or "")), ("department", str(f.department_id or "")),
        ("level", f.level), ("stage", str(f.stage_id or "")),
        *(("tag", str(pk)) for pk in f.tag_ids),
        ("province", f.province), ("city", f.city), ("industry", f.industry), ("source", f.source),
        *((name, day.isoformat() if day else "") for name, day in (
            ("created_from", f.created_from), ("created_to", f.created_to),
            ("followed_from", f.followed_from), ("followed_to", f.followed_to),
            ("visited_from", f.visited_from), ("visited_to", f.visited_to),
        )),
        (NOT_VISITED, str(f.not_visited_days or "")),
        ("expiring", "1" if f.expiring else ""), ("pool", "1" if f.in_pool else ""),
        ("archived", "1" if f.archived else ""),
        ("sort", f.sort if sort and f.sort != CustomerSort.UPDATED else ""),
    ]  # fmt: skip
    return urlencode([(name, value) for name, value in pairs if value])


def customer_filters_from_query(query: Any) -> CustomerFilters:
    """`parse_customer_filters` for callers that ignore what it dropped."""
    return parse_customer_filters(query)[0]


MAX_NOT_VISITED_DAYS = 3650


def _days(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_NOT_VISITED_DAYS else None


def not_visited_since(days: int, *, now: datetime) -> Q:
    """Customers without a visit in the last `days` days (never visited included), on the
    `last_visited_at` rollup that visits keep (indexed with the organization)."""
    return Q(last_visited_at__isnull=True) | Q(last_visited_at__lt=now - timedelta(days=days))


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _between(field: str, start: date | None, end: date | None, zone: ZoneInfo) -> Q:
    """`field` within the days from `start` to `end` (both included) of the organization's time zone."""
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": _day_start(start, zone)})
    if end is not None and end < date.max:
        condition &= Q(**{f"{field}__lt": _day_start(end + timedelta(days=1), zone)})
    return condition


def customer_list(*, actor: Employee, filters: CustomerFilters | None = None) -> QuerySet[Customer]:
    """The visible customers the filters keep, with their owner and stage joined, their tags prefetched and
    `follow_key` (the last follow-up, the epoch when never) annotated for the orders of `CustomerSort`: one query for
    the rows, one for their tags, however many customers and tags there are."""
    f = filters or CustomerFilters()
    qs = visible_customers(actor=actor, include_archived=f.include_archived or f.archived)
    qs = qs.select_related("owner", "stage")
    if f.search:
        qs = customer_name_search(qs, f.search)
    if f.owner_id:
        qs = qs.filter(owner_id=f.owner_id)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.stage_id:
        qs = qs.filter(stage_id=f.stage_id)
    if f.expiring:
        qs = qs.filter(protection_ending(windows=warning_windows(org_id=actor.org_id), now=timezone.now()))
    if f.not_visited_days:
        qs = qs.filter(not_visited_since(f.not_visited_days, now=timezone.now()))
    if f.in_pool:
        qs = qs.filter(owner__isnull=True)
    if f.archived:
        qs = qs.filter(archived_at__isnull=False)
    if f.tag_ids:
        # the (org, tag, customer) index answers it; another organization's tag id matches no link of this one
        tagged = CustomerTag.objects.filter(org_id=actor.org_id, tag_id__in=f.tag_ids).values("customer_id")
        qs = qs.filter(pk__in=tagged)
    if f.department_id:
        subtree = Department.objects.filter(org_id=actor.org_id, pk=f.department_id).values("path")[:1]
        qs = qs.filter(owner__department__path__startswith=Subquery(subtree))
    for name in ("province", "city", "industry", "source"):
        if getattr(f, name):
            qs = qs.filter(**{name: getattr(f, name)})
    if any((f.created_from, f.created_to, f.visited_from, f.visited_to, f.followed_from, f.followed_to)):
        zone = ZoneInfo(actor.org.time_zone)
        qs = qs.filter(_between("created_at", f.created_from, f.created_to, zone))
        qs = qs.filter(_between("last_visited_at", f.visited_from, f.visited_to, zone))
        qs = qs.filter(_between("last_followed_up_at", f.followed_from, f.followed_to, zone))
    return qs.annotate(follow_key=Coalesce("last_followed_up_at", Value(NEVER))).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("group", "name", "id"))
    )


def warning_windows(*, org_id: int) -> list[tuple[int, int]]:
    """[(pool id, notify_days_before)] of the organization's pools that warn owners."""
    pools = CustomerPool.objects.filter(org_id=org_id, notify_days_before__gt=0)
    return list(pools.values_list("pk", "notify_days_before"))


def protection_ending(*, windows: Iterable[tuple[int, int]], now: datetime) -> Q:
    """Owned customers whose protection ends between `now` and their pool's warning window (`windows`:
    pool id and days ahead), unless the pool keeps their stage: the ones the nightly job warns about.
    A Python-side bound per pool, because SQLite cannot multiply a duration by a column."""
    window = Q(pk__in=[])
    for pool_id, days in windows:
        window |= Q(pool_id=pool_id, protected_until__lte=now + timedelta(days=days))
    kept = CustomerPool.keep_stages.through.objects.filter(
        customerpool_id=OuterRef("pool_id"), customerstage_id=OuterRef("stage_id")
    )
    return Q(~Exists(kept), owner__isnull=False, archived_at__isnull=True, protected_until__gte=now) & window


# --- Name search --------------------------------------------------------------------------------------
# Served by customers/migrations/0008_customer_name_search.py: GIN trigram indexes on UPPER(name) and
# UPPER(short_name) on PostgreSQL, the FTS5 trigram table below on SQLite. A text shorter than a trigram
# cannot use either; it is a LIKE, bounded by the caller's order and LIMIT (see the migration).

NAME_FTS = "customers_customer_name_fts"
NAME_VOCAB = "customers_customer_name_fts_vocab"  # its terms (trigrams) and how many names hold each (0011)
RARE_GRAMS = 4  # the duplicate check's trigrams on SQLite: the rarest of the name's
TRIGRAM = 3
PHONE_LIKE = re.compile(r"\+?[\d][\d\s-]*")


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 phrase: with the trigram tokenizer, a case-insensitive substring match."""
    return '"' + text.replace('"', '""') + '"'


def customer_name_search(qs: QuerySet[Customer], text: str, *, phone: bool = True) -> QuerySet[Customer]:
    """The customers of `qs` whose name or short name contains `text` (ignoring case), or, when `text`
    looks like a phone number and `phone`, whose phone starts with it. The one search of the customer
    list (web and API), the map, the pools and the masked existence check."""
    text = text.strip()
    if not text:
        return qs
    condition = customer_name_condition(text, using=qs.db)
    if phone and PHONE_LIKE.fullmatch(text):
        condition |= Q(phone__startswith=text)
    return qs.filter(condition)


def customer_name_condition(text: str, *, using: str = DEFAULT_DB_ALIAS, via: str = "") -> Q:
    """Name or short name contains `text`, ignoring case: customer_name_search's condition, to combine. `via`
    reaches the customer from another model ("customer__" from a contact)."""
    if connections[using].vendor == "sqlite" and len(text) >= TRIGRAM:
        # Identifiers are constants, the text a parameter (also below).
        match = RawSQL(f"SELECT rowid FROM {NAME_FTS} WHERE {NAME_FTS} MATCH %s", (fts_phrase(text),))  # noqa: S608, S611
        return Q(**{f"{via}pk__in": match})
    # PostgreSQL: UPPER(name) LIKE UPPER('%text%'), which the trigram indexes serve from three characters on.
    return Q(**{f"{via}name__icontains": text}) | Q(**{f"{via}short_name__icontains": text})


def customer_name_candidates(
    *,
    org_id: int,
    key: str,
    grams: list[str],
    like: str,
    limit: int,
    phone_key: str = "",
    phone_limit: int = 0,
    include_archived: bool = False,
    exclude_id: int | None = None,
) -> QuerySet[Customer]:
    """Up to `limit` customers of the organization (visible or not: callers show no details) whose names
    come nearest the name, for the caller's finer comparison, and (with `phone_key`) up to `phone_limit`
    not archived whose phone is that one: one statement, bounded by the limits whatever the data.

    PostgreSQL: the `limit` nearest stored name keys by trigram distance to `key` (the new name's
    `normalise_name`), `ORDER BY name_key <-> key LIMIT n`, which the GiST index of 0011 answers by walking
    the nearest entries only. SQLite: the FTS5 trigram table of 0008, the names sharing one of the RARE_GRAMS
    rarest trigrams of `grams` (the name's core), best first by FTS5's rank, LIMIT n; FTS5 ranks every name
    that matches, so the rarest trigrams keep that set small unless every trigram of the name is common.
    Without trigrams (a core of one or two characters), SQLite reads the names containing `like`, bounded
    by the limit."""
    # Hand-written id subqueries in one RawSQL: the ORM's compiling of the same query cost more than the
    # database's answer. Identifiers come from the models, every value is a parameter.
    table = Customer._meta.db_table
    where, params = "c.org_id = %s", [org_id]
    if not include_archived:
        where += " AND c.archived_at IS NULL"
    if exclude_id is not None:
        where += " AND c.id <> %s"
        params.append(exclude_id)
    parts: list[tuple[str, list[Any]]] = []
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if limit > 0 and vendor == "postgresql":
        nearest = f"SELECT c.id FROM {table} c WHERE {where} ORDER BY c.name_key <-> %s LIMIT %s"  # noqa: S608
        parts.append((nearest, [*params, key, limit]))
    elif limit > 0 and not grams:
        containing = (
            f"SELECT c.id FROM {table} c WHERE {where} AND UPPER(c.name) LIKE UPPER(%s) ESCAPE '\\'"  # noqa: S608
            " ORDER BY c.name, c.id LIMIT %s"
        )
        parts.append((containing, [*params, f"%{_like_escape(like)}%", limit]))
    elif limit > 0:
        # FTS5 ranks every name that matches before its LIMIT: the match asks for the RARE_GRAMS rarest of the
        # core's trigrams (their counts from the index's vocabulary, 0011), so names that share only the common
        # ones (a long shared prefix) are not read; if none is known, the first trigram (which matches nothing)
        placeholders = ", ".join(["%s"] * len(grams))
        phrase = "'\"' || replace(term, '\"', '\"\"') || '\"'"  # a term as an FTS5 phrase, in SQL
        rarest = (
            f"SELECT COALESCE('name : (' || group_concat({phrase}, ' OR ') || ')', %s) FROM (SELECT term"  # noqa: S608
            f" FROM {NAME_VOCAB} WHERE term IN ({placeholders}) ORDER BY doc, term LIMIT {RARE_GRAMS})"
        )
        parts.append((
            f"SELECT {NAME_FTS}.rowid FROM {NAME_FTS} JOIN {table} c ON c.id = {NAME_FTS}.rowid"  # noqa: S608
            f" WHERE {NAME_FTS} MATCH ({rarest}) AND {where} ORDER BY {NAME_FTS}.rank LIMIT %s",
            [f"name : {fts_phrase(grams[0])}", *grams, *params, limit],
        ))  # fmt: skip
    if phone_key and phone_limit:
        # `NOT (phone_key = '')` repeats the partial index's condition as Django wrote it: SQLite uses a partial
        # index only for a query that states its condition (`<> ''` does not count)
        phone_where = "c.org_id = %s AND c.archived_at IS NULL AND c.phone_key = %s AND NOT (c.phone_key = '')"
        phone_params: list[Any] = [org_id, phone_key]
        if exclude_id is not None:
            phone_where += " AND c.id <> %s"
            phone_params.append(exclude_id)
        # ordered by id, which the (org_id, phone_key) index holds: ordered by name, SQLite preferred walking the
        # (org_id, name) index over the whole organization
        same_phone = f"SELECT c.id FROM {table} c WHERE {phone_where} ORDER BY c.id LIMIT %s"  # noqa: S608
        parts.append((same_phone, [*phone_params, phone_limit]))
    if not parts:
        return Customer.objects.none()
    # each part in parentheses (SQLite: as a subquery), joined by UNION ALL: each answered from its own index
    wrap = "({})" if vendor == "postgresql" else "SELECT * FROM ({})"
    sql = " UNION ALL ".join(wrap.format(part) for part, _ in parts)
    return Customer.objects.filter(pk__in=RawSQL(sql, [v for _, values in parts for v in values]))  # noqa: S611


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class CreateContext:
    """What a new customer needs to know of its organization, read in one statement."""

    version: FormTemplateVersion | None  # the customer template's current version
    stage: CustomerStage | None  # the stage asked for if it is active; none asked: the first active one
    duplicate_name: str  # the duplicate rules (DuplicateAction)
    duplicate_phone: str
    replay_id: int | None  # the customer this client_id created already
    credit_code_taken: bool  # another customer of the organization has this credit code


def _create_context_sql(*, stage_given: bool, code_given: bool) -> str:
    """The statement of customer_create_context (identifiers from the models; every value a parameter)."""
    template, version = FormTemplate._meta.db_table, FormTemplateVersion._meta.db_table
    stage, rules, customer = CustomerStage._meta.db_table, CustomerSettings._meta.db_table, Customer._meta.db_table
    columns = ", ".join(f'v."{f.column}"' for f in FormTemplateVersion._meta.concrete_fields)
    stage_filter = " AND s2.id = %s" if stage_given else ""
    taken = (
        # `NOT (credit_code = '')`: the unique partial index's condition as Django wrote it (SQLite uses it then)
        f"EXISTS (SELECT 1 FROM {customer} k WHERE k.org_id = %s AND k.credit_code = %s AND NOT (k.credit_code = ''))"  # noqa: S608
        if code_given
        else "0"
    )
    return (
        f"SELECT {columns}, t.id AS template_pk, s.id AS stage_pk, s.name AS stage_name,"  # noqa: S608
        " s.name_en AS stage_name_en, s.position AS stage_position, s.is_won AS stage_is_won,"
        " r.duplicate_name AS rule_name, r.duplicate_phone AS rule_phone,"
        f" (SELECT c.id FROM {customer} c WHERE c.org_id = %s AND c.client_id = %s) AS replay_pk,"
        f" {taken} AS code_taken"
        f" FROM {template} t LEFT JOIN {version} v ON v.id = t.current_version_id"
        f" LEFT JOIN {stage} s ON s.id = (SELECT s2.id FROM {stage} s2"
        f" WHERE s2.org_id = %s AND s2.is_active{stage_filter} ORDER BY s2.position, s2.id LIMIT 1)"
        f" LEFT JOIN {rules} r ON r.org_id = t.org_id"
        " WHERE t.org_id = %s AND t.purpose = %s AND t.is_active"
    )


def customer_create_context(
    *, org_id: int, client_id: Any, credit_code: str, stage_id: int | None
) -> CreateContext | None:
    """The organization's customer template's current version, the new customer's stage, its duplicate rules,
    the customer a replayed `client_id` made and whether the credit code is taken: one statement (the template
    row joined to its version, the stage and the settings; the rest as subqueries on indexed lookups), written
    by hand because the ORM's compiling of the same query cost more than the database's answer. None while the
    organization has no customer template (its first customer: the caller creates the defaults, then asks
    again)."""
    client = Customer._meta.get_field("client_id").get_db_prep_value(client_id, connection, prepared=False)
    sql = _create_context_sql(stage_given=stage_id is not None, code_given=bool(credit_code))
    params: list[Any] = [org_id, client, *([org_id, credit_code] if credit_code else [])]
    params += [org_id, *([stage_id] if stage_id is not None else []), org_id, Purpose.CUSTOMER]
    row = next(iter(FormTemplateVersion.objects.raw(sql, params)), None)
    if row is None:
        return None
    stage = None
    if row.stage_pk is not None:  # type: ignore[attr-defined]
        stage = CustomerStage(
            pk=row.stage_pk, org_id=org_id, name=row.stage_name, name_en=row.stage_name_en,  # type: ignore[attr-defined]
            position=row.stage_position, is_won=bool(row.stage_is_won), is_active=True,  # type: ignore[attr-defined]
        )  # fmt: skip
    return CreateContext(
        version=row if row.pk is not None else None,
        stage=stage,
        duplicate_name=row.rule_name or DuplicateAction.WARN,  # type: ignore[attr-defined]
        duplicate_phone=row.rule_phone or DuplicateAction.WARN,  # type: ignore[attr-defined]
        replay_id=row.replay_pk,  # type: ignore[attr-defined]
        credit_code_taken=bool(row.code_taken),  # type: ignore[attr-defined]
    )


def customer_get(*, actor: Employee, customer_id: int, for_update: bool = False) -> Customer:
    """A visible customer, or not found (the same answer for missing and forbidden)."""
    qs = visible_customers(actor=actor, include_archived=True)
    if for_update:
        customer = qs.filter(pk=customer_id).first()
        if customer is not None:
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
    else:
        customer = qs.select_related("owner", "stage", "created_by", "template_version").filter(pk=customer_id).first()
    if customer is None:
        raise not_found()
    return customer


def customer_read(*, actor: Employee, customer_id: int) -> Customer:
    """A customer the actor may read (`readable_customers`, archived ones included), or not found. Its
    `within_reach` says whether the actor also sees it as `visible_customers` does: when not (a customer the
    actor reads only because their team worked on it), `may_change_customer` is False. One query."""
    qs = readable_customers(actor=actor, include_archived=True)
    within = visible_customers(actor=actor, include_archived=True).filter(pk=OuterRef("pk"))
    customer = (
        qs.select_related("owner", "stage", "created_by", "template_version")
        .annotate(within_reach=Exists(within))
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise not_found()
    return customer


def customer_for_change(*, actor: Employee, customer_id: int) -> Customer:
    """A visible customer the actor may change, locked for the change: the one rule for edit, archive,
    merge and contacts. Seeing a customer (as a collaborator, say) is not enough: its owner must be the
    actor or someone the actor may change rows of; a pool customer is changed by whoever sees it."""
    customer = customer_get(actor=actor, customer_id=customer_id, for_update=True)
    if not may_change_customer(actor=actor, customer=customer):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change this customer."))
    return customer


def may_change_customer(*, actor: Employee, customer: Customer) -> bool:
    """The rule `customer_for_change` enforces, for a customer the actor sees: may they change it? Pages ask
    it to show only what the actor may do (at most one query: whether the actor sees the owner)."""
    if not getattr(customer, "within_reach", True):  # read only because the actor's team worked on it
        return False
    return customer.owner is None or can_change_owned_by(actor=actor, owner=customer.owner)


def customer_attachment(*, actor: Employee, customer_id: int, attachment_id: int) -> Attachment:
    """A photo or file among a visible customer's custom fields, or not found (also when it holds no such id)."""
    customer = customer_read(actor=actor, customer_id=customer_id)
    if customer.template_version is None:
        raise not_found()
    return held_attachment(
        holder=customer, version=customer.template_version, values=customer.custom_values, attachment_id=attachment_id
    )


def contact_list(*, actor: Employee, customer: Customer) -> QuerySet[Contact]:
    return Contact.objects.filter(org_id=actor.org_id, customer=customer, archived_at__isnull=True)


def contact_get(*, actor: Employee, contact_id: int) -> Contact:
    """A contact (archived or not) of a customer the actor sees (archived or not), with its customer; else not
    found."""
    customers = visible_customers(actor=actor, include_archived=True)
    contact = (
        Contact.objects.filter(org_id=actor.org_id, pk=contact_id, customer__in=customers.values("pk"))
        .select_related("customer__owner")
        .first()
    )
    if contact is None:
        raise not_found()
    return contact


def contact_search(*, actor: Employee, text: str = "", include_archived: bool = False) -> QuerySet[Contact]:
    """The contacts list: contacts of the customers the actor sees whose name, mobile or office phone, email or
    customer's name contains `text` (ignoring case), with their customer; for `keyset_page` on ("name", "id").
    Archived contacts, and the contacts of archived customers, only with `include_archived`."""
    customers = visible_customers(actor=actor, include_archived=include_archived)
    qs = Contact.objects.filter(org_id=actor.org_id, customer__in=customers.values("pk"))
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    text = text.strip()[:80]
    if text:
        qs = qs.filter(
            Q(name__icontains=text) | Q(mobile__contains=text) | Q(phone__contains=text) | Q(email__icontains=text)
            | customer_name_condition(text, using=qs.db, via="customer__")
        )  # fmt: skip
    return qs.select_related("customer")


def customer_timeline(*, actor: Employee, customer: Customer) -> QuerySet[CustomerEvent]:
    """The customer's timeline, newest first (keyset-paged by the caller on ("-created_at", "-id"))."""
    return CustomerEvent.objects.filter(org_id=actor.org_id, customer=customer).select_related("actor")


def pool_customer_list(*, actor: Employee, pool_id: int, search: str = "") -> QuerySet[Customer]:
    """Customers waiting in a pool the actor reads (`pools_readable`)."""
    pool = pools_readable(actor=actor).filter(pk=pool_id).first()
    if pool is None:
        raise not_found()
    qs = Customer.objects.filter(org_id=actor.org_id, pool=pool, owner__isnull=True, archived_at__isnull=True)
    if search:
        qs = customer_name_search(qs, search, phone=False)
    return qs.select_related("owner", "stage")


def is_pool_member(*, actor: Employee, pool: CustomerPool) -> bool:
    return actor.role == Role.ADMIN or PoolMembership.objects.filter(pool=pool, employee=actor).exists()


def pools_of(*, actor: Employee) -> QuerySet[CustomerPool]:
    """The pools the actor may claim from (an admin: every pool of the organization)."""
    pools = CustomerPool.objects.filter(org_id=actor.org_id, archived_at__isnull=True)
    if actor.role != Role.ADMIN:
        pools = pools.filter(memberships__employee=actor)
    return pools


def pools_readable(*, actor: Employee) -> QuerySet[CustomerPool]:
    """The pools the actor may read, each with `may_claim`: those they claim from, and the pools an employee they
    see draws from (a manager reads the pools his team claims from; its members claim). An admin: every pool."""
    if not actor.is_active:
        return CustomerPool.objects.none()
    pools = CustomerPool.objects.filter(org_id=actor.org_id, archived_at__isnull=True)
    if actor.role == Role.ADMIN:
        return pools.annotate(may_claim=Value(True))
    members = PoolMembership.objects.filter(pool_id=OuterRef("pk"))
    mine = members.filter(employee_id=actor.pk)
    team = members.filter(visibility_for(actor).condition("employee__"))
    return pools.annotate(may_claim=Exists(mine)).filter(Q(may_claim=True) | Exists(team))


# --- Nearby ---------------------------------------------------------------------------------------------

NEARBY_LIMIT = 20
NEARBY_RADIUS_M = 30_000  # the bounding box's half side: a rep's day does not reach further
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class NearbyCustomer:
    customer: Customer
    distance_m: float | None  # None when listed without a position


def customers_nearby(
    *,
    actor: Employee,
    latitude: float | None,
    longitude: float | None,
    radius_m: float = NEARBY_RADIUS_M,
    limit: int = NEARBY_LIMIT,
) -> list[NearbyCustomer]:
    """The actor's visible customers nearest to a position, nearest first, at most `limit` within a box of
    `radius_m` around it (one query: the box is a range on latitude/longitude that the (org, latitude,
    longitude) index serves; the database orders the box by a flat-earth distance, which ranks like the
    great-circle one at this scale, and each of the `limit` gets its haversine distance here).
    Without a position: the customers the actor owns, most recently active first."""
    qs = visible_customers(actor=actor).select_related("stage", "owner").prefetch_related("tags")
    if latitude is None or longitude is None:
        own = qs.filter(owner_id=actor.pk).order_by("-updated_at", "-id")[:limit]
        return [NearbyCustomer(customer=c, distance_m=None) for c in own]
    d_lat = radius_m / METRES_PER_DEGREE
    shrink = max(math.cos(math.radians(latitude)), 0.01)  # a degree of longitude is shorter away from the equator
    d_lon = min(d_lat / shrink, 180.0)
    lat = Cast("latitude", FloatField())
    lon = Cast("longitude", FloatField())
    flat = (lat - Value(latitude)) * (lat - Value(latitude)) + (lon - Value(longitude)) * (
        lon - Value(longitude)
    ) * Value(shrink * shrink)
    boxed = qs.filter(
        latitude__isnull=False,
        longitude__isnull=False,
        latitude__gte=round(latitude - d_lat, 6),
        latitude__lte=round(latitude + d_lat, 6),
        longitude__gte=round(longitude - d_lon, 6),
        longitude__lte=round(longitude + d_lon, 6),
    )
    nearest = boxed.annotate(flat_distance=ExpressionWrapper(flat, output_field=FloatField())).order_by(
        "flat_distance", "id"
    )[:limit]
    found = [
        NearbyCustomer(customer=c, distance_m=haversine_m(latitude, longitude, float(c.latitude), float(c.longitude)))
        for c in nearest
        if c.latitude is not None and c.longitude is not None
    ]
    found.sort(key=lambda n: (n.distance_m or 0.0, n.customer.pk))
    return found


def customers_created_by_day_many(
    *, org_id: int, employee_ids: list[int], first_day: date, last_day: date, zone: ZoneInfo
) -> dict[tuple[int, date], int]:
    """How many customers each of `employee_ids` created on each of the organization's days (in `zone`) from
    `first_day` to `last_day` (one query; the caller has scoped the employees to what its actor may see):
    (employee id, day) -> count, a pair with none left out. The daily close card's "new customers"."""
    start, end = days_bounds(first_day, last_day, zone)
    rows = (
        Customer.objects.filter(
            org_id=org_id, created_by_id__in=employee_ids, created_at__gte=start, created_at__lt=end
        )
        .values_list("created_by_id", TruncDate("created_at", tzinfo=zone))
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(employee_id, day): n for employee_id, day, n in rows}


# --- Pickers -----------------------------------------------------------------------------------------------

PICK_LIMIT = 8


@dataclass(frozen=True)
class Pick:
    pk: int
    label: str
    detail: str  # a second line: the contact's customer, the customer's address
    distance_m: float | None


def customer_pick(
    *, actor: Employee, text: str, latitude: float | None = None, longitude: float | None = None,
    limit: int = PICK_LIMIT,
) -> list[Pick]:  # fmt: skip
    """The searchable customer picker's rows: the actor's visible customers whose name (or phone) matches
    `text`, nearest first around a position (located ones first), else the actor's own first, by name; at most
    `limit`. One query."""
    qs = customer_name_search(visible_customers(actor=actor), text[:100])
    if latitude is not None and longitude is not None:
        shrink = max(math.cos(math.radians(latitude)), 0.01)
        lat, lon = Cast("latitude", FloatField()), Cast("longitude", FloatField())
        flat = (lat - Value(latitude)) * (lat - Value(latitude)) + (lon - Value(longitude)) * (
            lon - Value(longitude)
        ) * Value(shrink * shrink)
        qs = qs.annotate(flat_distance=ExpressionWrapper(flat, output_field=FloatField())).order_by(
            F("flat_distance").asc(nulls_last=True), "name", "id"
        )
    else:
        qs = qs.annotate(mine=Case(When(owner_id=actor.pk, then=Value(0)), default=Value(1))).order_by(
            "mine", "name", "id"
        )
    rows = qs.values_list("pk", "name", "address", "latitude", "longitude")[:limit]
    return [
        Pick(
            pk=pk, label=name, detail=address or "",
            distance_m=haversine_m(latitude, longitude, float(lat_), float(lon_))
            if latitude is not None and longitude is not None and lat_ is not None and lon_ is not None else None,
        )
        for pk, name, address, lat_, lon_ in rows
    ]  # fmt: skip


def contact_pick(*, actor: Employee, text: str, customer_id: int | None = None, limit: int = PICK_LIMIT) -> list[Pick]:
    """The searchable contact picker's rows: contacts of the actor's visible customers (of `customer_id` when
    given) whose name or phone contains `text`, by name; at most `limit`. One query."""
    qs = Contact.objects.filter(
        org_id=actor.org_id, archived_at__isnull=True, customer__in=visible_customers(actor=actor).values("pk")
    )
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    text = text.strip()[:100]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(mobile__startswith=text) | Q(phone__startswith=text))
    rows = qs.order_by("name", "id").values_list("pk", "name", "customer__name")[:limit]
    return [Pick(pk=pk, label=name, detail=customer, distance_m=None) for pk, name, customer in rows]
