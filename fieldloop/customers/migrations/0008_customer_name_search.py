"""Indexes for searching customers by name (the list, the map, the pools and the duplicate checks).

PostgreSQL: the pg_trgm extension and GIN trigram indexes on UPPER(name) and UPPER(short_name), the
expressions Django's `icontains` compares, so `UPPER(name) LIKE UPPER('%华东机械%')` is an index scan.
Without GIN's pending list (fastupdate = off): customers are written at a person's pace (an import is
a few thousand rows), searched all day, and a search never has to read a long unsorted pending list.

SQLite: an FTS5 table with the trigram tokenizer over name and short_name. Its content is the customers
table itself (external content: nothing is stored twice), kept in step by three triggers, and rebuilt
here for the rows that exist. A query of three or more characters is a MATCH on it.

Neither trigram index can answer a query of one or two characters ("机械"): there is no trigram in it.
`customers.selectors.customer_name_search` then falls back to a plain LIKE, which the list's keyset
order (or the masked search's name order) and LIMIT bound: a frequent word fills the page from the
first rows, a rare one reads the organization's rows once.

Model state is untouched (a GIN index cannot be declared on SQLite), so `makemigrations --check`
stays quiet. Note for later migrations: when Django remakes the customers table on SQLite (some
AlterField operations do), the table's triggers are dropped with it; recreate them (and rebuild)
after such an operation. customers/tests/test_search.py checks that they exist.
"""

from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE customers_customer_name_fts USING fts5(
        name, short_name, content='customers_customer', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER customers_customer_name_fts_insert AFTER INSERT ON customers_customer BEGIN
        INSERT INTO customers_customer_name_fts(rowid, name, short_name) VALUES (new.id, new.name, new.short_name);
    END""",
    """CREATE TRIGGER customers_customer_name_fts_delete AFTER DELETE ON customers_customer BEGIN
        INSERT INTO customers_customer_name_fts(customers_customer_name_fts, rowid, name, short_name)
            VALUES ('delete', old.id, old.name, old.short_name);
    END""",
    """CREATE TRIGGER customers_customer_name_fts_update AFTER UPDATE OF name, short_name ON customers_customer BEGIN
        INSERT INTO customers_customer_name_fts(customers_customer_name_fts, rowid, name, short_name)
            VALUES ('delete', old.id, old.name, old.short_name);
        INSERT INTO customers_customer_name_fts(rowid, name, short_name) VALUES (new.id, new.name, new.short_name);
    END""",
    "INSERT INTO customers_customer_name_fts(customers_customer_name_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_customer_name_fts_update",
    "DROP TRIGGER IF EXISTS customers_customer_name_fts_delete",
    "DROP TRIGGER IF EXISTS customers_customer_name_fts_insert",
    "DROP TABLE IF EXISTS customers_customer_name_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer"
    " USING gin (UPPER(name) gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS customer_short_name_trgm ON customers_customer"
    " USING gin (UPPER(short_name) gin_trgm_ops) WITH (fastupdate = off)",
]
POSTGRES_BACKWARD = [  # the extension stays: something else may use it
    "DROP INDEX IF EXISTS customer_short_name_trgm",
    "DROP INDEX IF EXISTS customer_name_trgm",
]


def _run(schema_editor: Any, by_vendor: dict[str, list[str]]) -> None:
    for statement in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD})


def backward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_customer_import_job"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
