"""Bulk writes at the database's own speed: rows of plain values straight into a table, in the caller's
transaction. PostgreSQL gets COPY (psycopg 3's `cursor.copy`), then ANALYZE when the load has outgrown the
table's statistics; SQLite one `executemany` INSERT.

No model instances, no `save()`, no signals, no `auto_now`: the caller gives every column's value (the
timestamps too). Each value is prepared by its field as the ORM would (`get_db_prep_save`), except the
plain types (text, numbers, booleans, foreign keys) that need nothing. Database triggers and indexes apply
as to any INSERT, and a constraint violation raises Django's `IntegrityError`. A COPY does not go through
Django's cursor wrapper, so it is not in `connection.queries` (nor counted by query-count tests).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
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
    kind = field.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    if kind == "FloatField":
        return _float
    if db.vendor == "sqlite" and (fast := _SQLITE_TEXT.get(kind)) is not None:
        return fast
    prepare = field.get_db_prep_save
    is_json = kind == "JSONField"
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


def _float(value: Any) -> float | None:
    """A float column's value as `FloatField.get_prep_value` makes it (both drivers take a Python float)."""
    return value if value is None or type(value) is float else float(value)


def _sqlite_datetime(value: Any) -> Any:
    """An aware datetime as Django's SQLite backend stores it (UTC, as text); anything else its way."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return str(value.astimezone(UTC).replace(tzinfo=None))
    return value if value is None else _django_sqlite_datetime(value)


def _django_sqlite_datetime(value: Any) -> Any:
    from django.db.models import DateTimeField

    return DateTimeField().get_db_prep_save(value, connections[DEFAULT_DB_ALIAS])


# On SQLite, the types the backend stores as text, converted here as it converts them (it costs a few
# attribute lookups a value through the field, which a million rows feel).
_SQLITE_TEXT: dict[str, Callable[[Any], Any]] = {
    "DateTimeField": _sqlite_datetime,
    "DateField": lambda value: value if value is None else value.isoformat(),
    "UUIDField": lambda value: value if value is None else value.hex,
}


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

    converted = [(i, p) for i, p in enumerate(preparers) if p is not None]
    width = len(fields)

    def prepared() -> Iterable[Sequence[Any]]:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"a row of {len(row)} values for {width} columns")
            values = list(row)
            for i, prepare in converted:
                values[i] = prepare(values[i])
            yield values

    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3's cursor: Django's wrapper has no copy()
            with connection.wrap_database_errors, raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in prepared():
                    copy.write_row(values)
                    written += 1
            if written >= ANALYZE_CHECK_FROM_ROWS:  # a small write (a form's few rows) asks the catalogue nothing
                _analyze_if_grown(cursor, table)
        else:
            params = list(prepared())
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608
            written = len(params)
    return written


# PostgreSQL plans a query by its statistics of each table, which a COPY leaves as they were and autovacuum
# renews only for committed rows: after a load in one transaction (the demo's, a big import's) a join with a
# table of hundreds of thousands of rows is planned as if it were empty (nested loops, minutes instead of
# seconds). A load that has more than doubled what the statistics say of a table analyses it, in the same
# transaction (ANALYZE counts the transaction's own rows): a handful of times while a table grows from empty.
ANALYZE_FROM_ROWS = 10_000
ANALYZE_CHECK_FROM_ROWS = 1_000  # a load comes in batches of thousands; below that no batch is looked at
# The rows this transaction inserted into a table (into its partitions, for a partitioned one) and the rows its
# statistics count (a partitioned table's own once analysed, else its partitions').
ROWS_AND_STATISTICS = """
    WITH parts AS (
        SELECT %s::regclass AS oid, true AS whole
        UNION ALL SELECT inhrelid, false FROM pg_inherits WHERE inhparent = %s::regclass
    )
    SELECT COALESCE(SUM(s.n_tup_ins), 0)::bigint,
           GREATEST(
               MAX(c.reltuples) FILTER (WHERE whole),
               COALESCE(SUM(GREATEST(c.reltuples, 0)) FILTER (WHERE NOT whole), 0),
               0
           )::bigint
    FROM parts JOIN pg_class c ON c.oid = parts.oid LEFT JOIN pg_stat_xact_user_tables s ON s.relid = parts.oid
"""


def _analyze_if_grown(cursor: Any, table: str) -> None:
    cursor.execute(ROWS_AND_STATISTICS, [table, table])
    inserted, believed = cursor.fetchone()
    if inserted >= ANALYZE_FROM_ROWS and inserted > 2 * believed:
        cursor.execute(f"ANALYZE {table}")  # a partitioned table: its partitions too


def insert_objects(objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model, as `bulk_create` would but at `insert_rows`' speed: every
    concrete column from the instances' attributes, `auto_now`/`auto_now_add` times filled, and primary keys
    given (`allocate_ids`) to the instances that have none, so the caller uses them without reading back."""
    if not objs:
        return
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if not f.generated]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    unset = [obj for obj in objs if obj.pk is None]
    for obj, pk in zip(unset, allocate_ids(type(objs[0]), len(unset)), strict=True):
        obj.pk = pk
    for obj in objs:
        for f in stamped:
            f.pre_save(obj, add=True)
    attnames = [f.attname for f in fields]
    insert_rows(type(objs[0]), attnames, ([getattr(obj, a) for a in attnames] for obj in objs))
    alias = connections[DEFAULT_DB_ALIAS].alias
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias


def update_column(model: type[models.Model], attname: str, values: Iterable[tuple[int, Any]]) -> None:
    """Set one column of many rows by primary key, from (pk, value) pairs: one UPDATE from unnested arrays
    on PostgreSQL, one `executemany` UPDATE on SQLite (`bulk_update` builds a CASE over every row)."""
    meta = model._meta
    field = next(f for f in meta.concrete_fields if f.attname == attname)
    db = connections[DEFAULT_DB_ALIAS]
    prepare = _preparer(field, db)
    pairs = [(pk, value if prepare is None else prepare(value)) for pk, value in values]
    quote = db.ops.quote_name
    table, column, pk_column = quote(meta.db_table), quote(str(field.column)), quote(str(meta.pk.column))
    with connection.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET {column} = v.value FROM unnest(%s::bigint[], %s::{field.db_type(db)}[]) "  # noqa: S608 - names from the model
                f"AS v(id, value) WHERE {table}.{pk_column} = v.id",
                [[pk for pk, _ in pairs], [value for _, value in pairs]],
            )
        else:
            sql = f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s"  # noqa: S608 - names from the model
            cursor.executemany(sql, [(value, pk) for pk, value in pairs])


def _run_queued_checks(cursor: Any) -> None:
    """Rows written in this transaction have their foreign key checks queued until commit, and a table with
    queued checks cannot be altered or indexed: run them now, then defer again, which is every key's own mode
    (Django creates them INITIALLY DEFERRED, and no other constraint here is deferrable)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def _away_for_the_block(what: str, listing: str, params: list[Any], drop: str, restore: str) -> Iterator[None]:
    """On PostgreSQL, drop the schema objects that `listing` finds (a row of SQL pieces each, which `drop` and
    `restore` format) and bring them back, unchanged, when the block ends, inside the caller's transaction:
    its failure brings them back as they were, and the tables stay locked against every other session until it
    commits. SQLite: nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError(f"{what} needs a transaction: what it drops must come back")
    with connection.cursor() as cursor:
        _run_queued_checks(cursor)
        cursor.execute(listing, params)
        found = cursor.fetchall()
        for row in found:
            cursor.execute(drop.format(*row))
    yield
    with connection.cursor() as cursor:
        _run_queued_checks(cursor)
        for row in found:
            cursor.execute(restore.format(*row))


# The schema's foreign keys, each once: a partition's copy of its parent's key comes and goes with the parent's.
FOREIGN_KEYS = """
    SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
    WHERE c.contype = 'f' AND c.conparentid = 0 AND t.relnamespace = current_schema()::regnamespace
    ORDER BY 1, 2
"""


def foreign_keys_checked_once() -> AbstractContextManager[None]:
    """For a load of millions of rows in one transaction (the large demo company): on PostgreSQL the schema's
    foreign keys are dropped and added back, unchanged, when the block ends, as pg_restore does, so that each
    is checked by one set-based query instead of a trigger per row at commit (a minute of the large demo's
    six). A row pointing nowhere raises `IntegrityError` at the end of the block. SQLite checks its keys at
    commit as always."""
    return _away_for_the_block(
        "foreign_keys_checked_once()", FOREIGN_KEYS, [],
        drop="ALTER TABLE {0} DROP CONSTRAINT {1}", restore="ALTER TABLE {0} ADD CONSTRAINT {1} {2}",
    )  # fmt: skip


# A table's indexes that no constraint owns (a primary key's or a unique constraint's index stays).
SECONDARY_INDEXES = """
    SELECT quote_ident(i.relname), pg_get_indexdef(i.oid)
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY 1
"""


def indexes_rebuilt_after(model: type[models.Model]) -> AbstractContextManager[None]:
    """For a statement that rewrites most rows of a big table (the demo's history, which dates every customer):
    on PostgreSQL the table's secondary indexes are dropped and built again, unchanged, when the block ends,
    one sort each instead of an entry per row version in every index (a unique one refuses a duplicate then).
    Reads in the block find no index on the table."""
    return _away_for_the_block(
        "indexes_rebuilt_after()", SECONDARY_INDEXES, [model._meta.db_table], drop="DROP INDEX {0}", restore="{1}"
    )
