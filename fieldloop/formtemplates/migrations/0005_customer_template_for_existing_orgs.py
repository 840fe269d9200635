"""Every organization has its customer template from its creation
(`formtemplates.services.customer_template_create`); before, it was created on first use. This gives an
organization that never had one the same empty template (version 1, no fields).

Written with the historical models only: the app's code may change later, and this migration must keep
doing what it did. Going back leaves the templates (customers may hold values of their fields by then).
"""

from typing import Any

from django.db import migrations


def create_customer_templates(apps: Any, schema_editor: Any) -> None:
    Organization = apps.get_model("org", "Organization")
    FormTemplate = apps.get_model("formtemplates", "FormTemplate")
    FormTemplateVersion = apps.get_model("formtemplates", "FormTemplateVersion")
    with_one = FormTemplate.objects.filter(purpose="customer", is_active=True).values("org_id")
    for org_id in Organization.objects.exclude(pk__in=with_one).values_list("pk", flat=True):
        template = FormTemplate.objects.create(org_id=org_id, purpose="customer", name="客户", name_en="Customer")
        version = FormTemplateVersion.objects.create(org_id=org_id, template=template, number=1, fields=[])
        template.current_version = version
        template.save(update_fields=["current_version", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("formtemplates", "0004_claim_existing_attachments"),
        ("org", "0003_organization_export_roles"),
    ]

    operations = [
        migrations.RunPython(create_customer_templates, migrations.RunPython.noop),
    ]
