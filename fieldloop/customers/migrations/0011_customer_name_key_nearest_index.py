"""A bounded similar-name search for the duplicate check (customers.selectors.customer_name_candidates).

PostgreSQL: a GiST trigram index on (org_id, name_key), so "the organization's names nearest this one"
(`WHERE org_id = %s ORDER BY name_key <-> %s LIMIT n`) walks the index in distance order and stops after
n rows, however many names share a prefix with the new one. The duplicate check used to OR the name's
trigram LIKEs through the GIN index of 0008 and sort every match by similarity(): with thousands of
customers sharing a prefix it read and sorted all of them. GIN cannot order by distance; GiST can.
`btree_gist` puts the organization's id in the same index (an equality on a plain column), so other
organizations' names are never walked. Both extensions are trusted (PostgreSQL 13+): a database owner may
create them.

SQLite: nothing; the FTS5 trigram table of 0008 answers there, ranked, with a LIMIT.

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


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_customer_match_keys"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
