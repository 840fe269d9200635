"""Customer.name_key and phone_key: the normalised name and phone stored, so a duplicate check is an
index lookup (an import's dry run used to normalise every customer of the organization in Python).

On SQLite, adding a NOT NULL column remakes the customers table, which drops the name-search triggers
of 0008: they are created again here (the FTS table's content, keyed by the unchanged ids, stays valid).
"""

from importlib import import_module
from typing import Any

from django.db import migrations, models

from fieldloop.customers.names import NAME_KEY_LENGTH, PHONE_KEY_LENGTH, normalise_name, normalise_phone

NAME_SEARCH = import_module("fieldloop.customers.migrations.0008_customer_name_search")
BATCH = 2000


def fill_keys(apps: Any, schema_editor: Any) -> None:
    customer_model = apps.get_model("customers", "Customer")
    rows = customer_model.objects.using(schema_editor.connection.alias).only("id", "name", "phone").order_by("id")
    batch = []
    for customer in rows.iterator(chunk_size=BATCH):
        customer.name_key = normalise_name(customer.name)[:NAME_KEY_LENGTH]
        customer.phone_key = normalise_phone(customer.phone)[:PHONE_KEY_LENGTH]
        batch.append(customer)
        if len(batch) == BATCH:
            customer_model.objects.bulk_update(batch, ["name_key", "phone_key"])
            batch = []
    customer_model.objects.bulk_update(batch, ["name_key", "phone_key"])


def recreate_name_search_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in NAME_SEARCH.SQLITE_BACKWARD[:3] + NAME_SEARCH.SQLITE_FORWARD[1:4]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_customer_last_visit"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_key",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                help_text="The name normalised for duplicate matching (customers.names.normalise_name).",
                max_length=160,
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="phone_key",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                help_text="The phone's digits for duplicate matching (customers.names.normalise_phone).",
                max_length=32,
            ),
        ),
        migrations.RunPython(recreate_name_search_triggers, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["org", "name_key"], name="customer_org_name_key"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("phone_key", ""), _negated=True),
                fields=["org", "phone_key"],
                name="customer_org_phone_key",
            ),
        ),
    ]
