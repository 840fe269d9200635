"""A bounded similar-name search for the duplicate check (customers.selectors.customer_name_candidates).

PostgreSQL: a GiST trigram index on (org_id, name_key), so "the organization's names nearest this one"
(`WHERE org_id = %s ORDER BY name_key <-> %s LIMIT n`) walks the index in distance order and stops after
n rows, however many names share a prefix with the new one. The duplicate check used to OR the name's
trigram LIKEs through the GIN index of 0008 and sort every match by similarity(): with thousands of
customers sharing a prefix it read and sorted all of them. GIN cannot order by distance; GiST can.
`btree_gist` puts the organization's id in the same index (an equality on a plain column), so other
organizations' names are never walked. Both extensions are trusted (PostgreSQL 13+): a database owner may
create them.

SQLite: the FTS5 trigram table of 0008 answers, ranked, with a LIMIT; but FTS5 ranks every name that
matches before the LIMIT applies. An fts5vocab table over it (how many names hold each trigram; nothing
stored, it reads the FTS index) lets the check ask for the name's rarest trigrams only, so thousands of names
sharing a prefix are not all ranked.

Model state is untouched (the index is PostgreSQL's own), so `makemigrations --check` stays quiet.
"""

from typing import Any

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "CREATE INDEX IF NOT EXISTS customer_name_key_trgm_gist ON customers_customer"
    " USING gist (org_id, name_key gist_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS customer_name_key_trgm_gist"]  # the extensions stay: something else may use them
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE customers_customer_name_fts_vocab USING fts5vocab('customers_customer_name_fts', 'row')"
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS customers_customer_name_fts_vocab"]


def _run(schema_editor: Any, by_vendor: dict[str, list[str]]) -> None:
    for statement in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0012_attachment_holders_of_customers"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
