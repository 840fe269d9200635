"""Organizations created before visit plans get the default visit frequency of each customer level (new ones get
them with the organization, `plans.visit_frequency_defaults_create`). This migration keeps its own copy of the
defaults."""

from django.db import migrations

DEFAULT_EVERY_DAYS = {"A": 7, "B": 14, "C": 30, "D": None}


def forwards(apps, schema_editor):
    Organization = apps.get_model("org", "Organization")
    VisitFrequency = apps.get_model("schedules", "VisitFrequency")
    have = set(VisitFrequency.objects.values_list("org_id", "level"))
    VisitFrequency.objects.bulk_create(
        [
            VisitFrequency(org_id=org_id, level=level, every_days=days)
            for org_id in Organization.objects.values_list("pk", flat=True)
            for level, days in DEFAULT_EVERY_DAYS.items()
            if (org_id, level) not in have
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("schedules", "0003_visit_frequencies")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
