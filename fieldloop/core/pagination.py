"""Keyset (cursor) pagination: a page costs the same at row 10 as at row 1,000,000.

The cursor is an opaque token holding the ordering values of the last row served, signed with the
ordering it was issued for: a cursor the server did not issue (edited, forged, or from another list)
is refused with a clear 400 before it reaches a query. Ordering must end with a unique field (the
primary key) so every row has one place.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core import signing
from django.db.models import F, Lookup, Model, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext as _

from .errors import invalid

M = TypeVar("M", bound=Model)


@dataclass
class Page[M: Model]:
    items: list[M]
    next_cursor: str | None


def _signer(scope: str) -> signing.Signer:
    return signing.Signer(salt="fieldloop.cursor:" + scope)


def encode_cursor(scope: str, values: list[Any]) -> str:
    """A signed cursor for `values` (dates, datetimes, decimals, numbers, strings), valid only for `scope`
    (what the list orders by, so a cursor from one list is refused by another)."""

    def plain(v: Any) -> Any:
        if isinstance(v, (datetime, date)):
            return {"t": v.isoformat()}
        if isinstance(v, Decimal):
            return {"d": str(v)}
        return v

    return _signer(scope).sign_object([plain(v) for v in values])


def decode_cursor(scope: str, cursor: str, size: int) -> list[Any]:
    """The values of a cursor `encode_cursor(scope, ...)` issued; anything else is a 400 on `cursor`."""

    def typed(v: Any) -> Any:
        if isinstance(v, dict) and "t" in v:
            text = v["t"]
            return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        if isinstance(v, dict) and "d" in v:
            return Decimal(v["d"])
        return v

    try:
        values = _signer(scope).unsign_object(cursor)
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return [typed(v) for v in values]
    except (signing.BadSignature, ValueError, TypeError, ArithmeticError) as e:
        raise invalid("cursor", _("This cursor is not valid; start again from the first page.")) from e


def keyset_page[M: Model](
    queryset: QuerySet[M], *, ordering: tuple[str, ...], cursor: str | None, limit: int
) -> Page[M]:
    """One page of `queryset` ordered by `ordering` (e.g. ("name", "id") or ("-created_at", "-id"))."""
    fields = [f.lstrip("-") for f in ordering]
    qs = queryset.order_by(*ordering)
    if cursor:
        qs = qs.filter(_after(ordering, fields, decode_cursor(",".join(ordering), cursor, len(fields))))
    rows = list(qs[: limit + 1])
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(",".join(ordering), [_attr(last, f) for f in fields])
    return Page(items=items, next_cursor=next_cursor)


def _after(ordering: tuple[str, ...], fields: list[str], values: list[Any]) -> Q | Lookup:
    """Rows after the cursor. One direction throughout: a row comparison, `(a, b) < (x, y)`, which lets
    both databases start the index scan at the cursor; mixed directions: the expanded OR form."""
    descending = {f.startswith("-") for f in ordering}
    if len(descending) == 1:
        lookup = TupleLessThan if descending.pop() else TupleGreaterThan
        return lookup(Tuple(*(F(f) for f in fields)), tuple(values))
    condition = Q()
    for i, field in enumerate(fields):
        op = "lt" if ordering[i].startswith("-") else "gt"
        step = Q(**{f"{field}__{op}": values[i]})
        for j in range(i):
            step &= Q(**{fields[j]: values[j]})
        condition |= step
    return condition


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj
