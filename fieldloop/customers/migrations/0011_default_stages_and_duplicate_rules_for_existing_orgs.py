"""Every organization has its lifecycle stages and duplicate rules from its creation
(`customers.services.customer_defaults_create`); before, they were created on first use. This gives an
organization that never had them the same defaults.

The defaults are copied here, not imported: the app's may change later, and this migration must keep
doing what it did. Going back leaves the rows (they are ordinary configuration by then).
"""

from typing import Any

from django.db import migrations

# (name, English name, counts as won), in their order: what a new organization got on 2026-12-05
DEFAULT_STAGES = [
    ("潜在客户", "Lead", False),
    ("意向客户", "Prospect", False),
    ("成交客户", "Won", True),
    ("流失客户", "Lost", False),
]


def create_defaults(apps: Any, schema_editor: Any) -> None:
    Organization = apps.get_model("org", "Organization")
    CustomerStage = apps.get_model("customers", "CustomerStage")
    CustomerSettings = apps.get_model("customers", "CustomerSettings")
    with_stages = CustomerStage.objects.filter(is_active=True).values("org_id")
    without = Organization.objects.exclude(pk__in=with_stages).values_list("pk", flat=True)
    CustomerStage.objects.bulk_create(
        [
            CustomerStage(org_id=org_id, name=name, name_en=name_en, position=i, is_won=won)
            for org_id in without
            for i, (name, name_en, won) in enumerate(DEFAULT_STAGES)
        ],
        ignore_conflicts=True,  # an inactive stage of the same name stays as it is
    )
    with_rules = CustomerSettings.objects.values("org_id")
    CustomerSettings.objects.bulk_create(
        [
            CustomerSettings(org_id=org_id)
            for org_id in Organization.objects.exclude(pk__in=with_rules).values_list("pk", flat=True)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_customer_match_keys"),
        ("org", "0003_organization_export_roles"),
    ]

    operations = [
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
    ]
