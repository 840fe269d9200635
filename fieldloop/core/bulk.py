"""Bulk writes at the database's own speed: rows of plain values straight into a table, in the caller's
transaction. PostgreSQL gets COPY (psycopg 3's `cursor.copy`), SQLite one `executemany` INSERT.

No model instances, no `save()`, no signals, no `auto_now`: the caller gives every column's value (the
timestamps too). Each value is prepared by its field as the ORM would (`get_db_prep_save`), except the
plain types (text, numbers, booleans, foreign keys) that need nothing. Database triggers and indexes apply
as to any INSERT, and a constraint violation raises Django's `IntegrityError`. A COPY does not go through
Django's cursor wrapper, so it is not in `connection.queries` (nor counted by query-count tests).
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# Fields whose Python value (str, int, bool or None) is already what both drivers take.
PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "BigIntegerField", "BooleanField", "CharField",
    "ForeignKey", "IntegerField", "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField",
})  # fmt: skip


class JsonText(str):
    """A JSON field's value already serialised (`json.dumps`): written as it is, where the field would
    serialise the value itself. Both databases take JSON as text (SQLite stores it so; COPY's text
    format hands it to PostgreSQL's json parser)."""


def _preparer(field: models.Field[Any, Any], db: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    """How a value of `field` goes to the driver: None for the plain types; else the field's own
    preparation, skipped for None (NULL) outside JSON and for `JsonText`, and done once for a value
    repeated row after row (a shared timestamp)."""
    if field.get_internal_type() in PLAIN_TYPES:
        return None
    prepare = field.get_db_prep_save
    is_json = field.get_internal_type() == "JSONField"
    last: list[Any] = [object(), None]  # the last value seen (by identity) and its prepared form

    def prepared(value: Any) -> Any:
        if value is None and not is_json:
            return None
        if is_json and isinstance(value, JsonText):
            return str(value)
        if value is not last[0]:
            last[0], last[1] = value, prepare(value, db)
        return last[1]

    return prepared


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model`'s table, ascending, for rows the caller then inserts with
    them. PostgreSQL: from the table's sequence (safe beside concurrent inserts). SQLite: after the highest
    id ever given (the AUTOINCREMENT counter), which needs the database's write lock: call it inside a
    transaction that holds it (the project's SQLite transactions are IMMEDIATE). A clash would raise an
    IntegrityError on insert, never overwrite a row."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"allocate_ids on {connection.vendor}")
        if not connection.in_atomic_block:
            raise RuntimeError("allocate_ids on SQLite needs a transaction holding the write lock")
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608 - table and column names come from the model
            f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        top = cursor.fetchone()[0]
    return list(range(top + 1, top + 1 + count))


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (each a sequence of Python values, in the order of `attnames`: field attribute names,
    `owner_id` for a foreign key) into `model`'s table. Returns how many were written."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: `connection`, a proxy, costs a lookup per use
    preparers = [_preparer(f, db) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)

    def prepared() -> Iterable[tuple[Any, ...]]:
        for row in rows:
            yield tuple(value if p is None else p(value) for p, value in zip(preparers, row, strict=True))

    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3's cursor: Django's wrapper has no copy()
            with connection.wrap_database_errors, raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in prepared():
                    copy.write_row(values)
                    written += 1
        else:
            params = list(prepared())
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608
            written = len(params)
    return written
