"""Data: the attachments held before `Attachment.holder` existed get the holder of their customers (their custom fields).

Where an id is named by several (an id borrowed before the claim rule), the one whose creator uploaded the
attachment holds it, else the oldest. Attachments nobody holds keep an empty holder (the nightly cleanup
deletes unclaimed ones; a claimed one with no holder is served by no route). Reversible as a no-op.
"""

from collections import defaultdict

from django.db import migrations

ATTACHMENT_TYPES = ("photo", "file")


def fill_holders(apps, schema_editor):
    Row = apps.get_model("customers", "Customer")
    Version = apps.get_model("formtemplates", "FormTemplateVersion")
    Attachment = apps.get_model("formtemplates", "Attachment")
    keys: dict[int, list[str]] = {}
    for version in Version.objects.only("pk", "fields").iterator():
        held = [f["key"] for f in version.fields or [] if isinstance(f, dict) and f.get("type") in ATTACHMENT_TYPES]
        if held:
            keys[version.pk] = held
    if not keys:
        return
    named: dict[int, list[tuple[int, int]]] = defaultdict(list)  # attachment id -> [(row id, row's person)]
    rows = Row.objects.filter(template_version_id__in=keys).order_by("pk")
    for row in rows.values("pk", "template_version_id", "custom_values", "created_by_id").iterator(chunk_size=2000):
        values = row["custom_values"] or {}
        for key in keys[row["template_version_id"]]:
            for attachment_id in values.get(key) or []:
                if isinstance(attachment_id, int) and not isinstance(attachment_id, bool):
                    named[attachment_id].append((row["pk"], row["created_by_id"]))
    if not named:
        return
    uploaders = dict(Attachment.objects.filter(pk__in=named, holder="").values_list("pk", "uploaded_by_id"))
    by_holder: dict[str, list[int]] = defaultdict(list)
    for attachment_id, candidates in named.items():
        if attachment_id not in uploaders:
            continue
        own = [pk for pk, person in candidates if person == uploaders[attachment_id]]
        by_holder[f"customers.customer:{(own or [candidates[0][0]])[0]}"].append(attachment_id)
    for holder, ids in by_holder.items():
        Attachment.objects.filter(pk__in=ids, holder="").update(holder=holder)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_default_stages_and_duplicate_rules_for_existing_orgs"),
        ("formtemplates", "0006_attachment_holder"),
    ]

    operations = [migrations.RunPython(fill_holders, migrations.RunPython.noop)]
