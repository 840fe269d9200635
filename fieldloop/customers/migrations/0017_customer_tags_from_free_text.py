"""Customers' free comma-separated tags (a JSON list of words on each customer) become the organization's
tags: each distinct name, trimmed and compared ignoring case, is one tag of its organization (blue, no group);
empty words are dropped; each customer gets a link to each of its tags. Going back writes each customer's tag
names into the list again (sorted), leaving the tags as they are.
"""

from typing import Any

from django.db import migrations

NAME_LIMIT = 20  # Tag.name's length on 2026-12-05 (the old free tags were refused above it)
CHUNK = 2000


def tags_from_free_text(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("customers", "Customer")
    Tag = apps.get_model("customers", "Tag")
    CustomerTag = apps.get_model("customers", "CustomerTag")
    tagged = Customer.objects.exclude(tags=[]).exclude(tags__isnull=True).order_by("pk")
    wanted: dict[tuple[int, str], str] = {}  # (org, folded name) -> the first spelling met
    links: list[tuple[int, int, str]] = []  # (org, customer, folded name)
    for pk, org_id, words in tagged.values_list("pk", "org_id", "tags").iterator(chunk_size=CHUNK):
        if not isinstance(words, list):
            continue
        for word in words:
            name = str(word or "").strip()[:NAME_LIMIT].strip()
            if not name:
                continue
            key = (org_id, name.casefold())
            wanted.setdefault(key, name)
            links.append((org_id, pk, name.casefold()))
    existing = {(t.org_id, t.name.casefold()): t.pk for t in Tag.objects.all()}
    Tag.objects.bulk_create(
        [Tag(org_id=org_id, name=name) for (org_id, folded), name in wanted.items() if (org_id, folded) not in existing],
        batch_size=CHUNK,
    )
    ids = {(t.org_id, t.name.casefold()): t.pk for t in Tag.objects.all()}
    rows = {(org_id, customer_id, ids[(org_id, folded)]) for org_id, customer_id, folded in links}
    CustomerTag.objects.bulk_create(
        [CustomerTag(org_id=org_id, customer_id=c, tag_id=t) for org_id, c, t in sorted(rows)],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )


def free_text_from_tags(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("customers", "Customer")
    CustomerTag = apps.get_model("customers", "CustomerTag")
    names: dict[int, list[str]] = {}
    for customer_id, name in CustomerTag.objects.values_list("customer_id", "tag__name").iterator(chunk_size=CHUNK):
        names.setdefault(customer_id, []).append(name)
    customers = list(Customer.objects.filter(pk__in=list(names)).only("pk"))
    for customer in customers:
        customer.tags = sorted(names[customer.pk])
    Customer.objects.bulk_update(customers, ["tags"], batch_size=CHUNK)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_customer_tags"),
    ]

    operations = [
        migrations.RunPython(tags_from_free_text, free_text_from_tags),
    ]
