"""Fill the customers' new `last_followed_up_at` rollup from their visits and work records: one UPDATE of every
customer, with the definition of a follow-up activities.follow_ups had when it was written, frozen here on the
historical models (a migration must not follow later changes of the app's code). The reverse has nothing to undo
(reversing customers 0021 drops the column)."""

from typing import Any

from django.db import migrations
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def backfill_last_followed_up_at(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    customer = apps.get_model("customers", "Customer")
    visit, record = apps.get_model("activities", "Visit"), apps.get_model("activities", "WorkRecord")
    visits = visit.objects.filter(customer_id=OuterRef("pk")).exclude(review_state="rejected")
    records = record.objects.filter(customer_id=OuterRef("pk"), visit__isnull=True, archived_at__isnull=True)
    visit_at = Subquery(visits.order_by("-checked_in_at").values("checked_in_at")[:1], output_field=DateTimeField())
    record_at = Subquery(records.order_by("-captured_at").values("captured_at")[:1], output_field=DateTimeField())
    customer.objects.using(alias).update(
        last_followed_up_at=Greatest(
            Coalesce(visit_at, record_at), Coalesce(record_at, visit_at), output_field=DateTimeField()
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_visit_review"),
        ("customers", "0021_customer_last_followed_up_at"),
    ]

    operations = [migrations.RunPython(backfill_last_followed_up_at, migrations.RunPython.noop)]
