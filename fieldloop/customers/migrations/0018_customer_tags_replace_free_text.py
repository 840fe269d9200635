"""Customer.tags: the organization's tags through CustomerTag (filled by 0015) instead of free words.

On SQLite, dropping the JSON column and adding the many-to-many field (and going back) remake the customers
table, which drops the name-search triggers of 0008: they are created again after it, both ways (the FTS table's content, keyed by
the unchanged ids, stays valid).
"""

from importlib import import_module
from typing import Any

from django.db import migrations, models

NAME_SEARCH = import_module("fieldloop.customers.migrations.0008_customer_name_search")


def recreate_name_search_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in NAME_SEARCH.SQLITE_BACKWARD[:3] + NAME_SEARCH.SQLITE_FORWARD[1:4]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0017_customer_tags_from_free_text"),
    ]

    operations = [
        # going back: after the column is added again
        migrations.RunPython(migrations.RunPython.noop, recreate_name_search_triggers, elidable=False),
        migrations.RemoveField(
            model_name="customer",
            name="tags",
        ),
        migrations.AddField(
            model_name="customer",
            name="tags",
            field=models.ManyToManyField(
                blank=True,
                related_name="customers",
                through="customers.CustomerTag",
                to="customers.tag",
                verbose_name="tags",
            ),
        ),
        migrations.RunPython(recreate_name_search_triggers, migrations.RunPython.noop, elidable=False),
    ]
