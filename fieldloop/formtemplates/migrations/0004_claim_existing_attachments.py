"""Every attachment stored before claims existed counts as claimed (at its upload time).

Which of them a record, a customer or a record revision holds is not known without reading every stored
value, so none is taken for an orphan: the cleanup only ever deletes attachments uploaded since.
"""

from typing import Any

from django.db import migrations
from django.db.models import F


def claim_existing(apps: Any, schema_editor: Any) -> None:
    Attachment = apps.get_model("formtemplates", "Attachment")
    Attachment.objects.filter(claimed_at__isnull=True).update(claimed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("formtemplates", "0003_attachment_claimed_at"),
    ]

    operations = [
        migrations.RunPython(claim_existing, migrations.RunPython.noop),
    ]
