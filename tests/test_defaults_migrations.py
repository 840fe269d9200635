"""The data migrations that give organizations created before "defaults at creation" (issue 8) what a new
organization gets: the default stages and duplicate rules (customers), the customer template
(formtemplates), the built-in work-record templates and settings (activities). Run on both databases."""

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fieldloop.activities.models import ActivitySettings
from fieldloop.customers.models import CustomerSettings, CustomerStage, DuplicateAction
from fieldloop.formtemplates.models import FormTemplate
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.org.models import Organization

BEFORE = [
    ("customers", "0010_customer_match_keys"),
    ("formtemplates", "0004_claim_existing_attachments"),
    ("activities", "0002_visits"),
]


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to `targets` (every app's newest when empty) and return the models as they were there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_an_organization_from_before_gets_its_defaults_and_one_that_had_them_keeps_its_own() -> None:
    old = migrate(BEFORE)
    OldOrganization = old.get_model("org", "Organization")
    bare = OldOrganization.objects.create(name="老公司")  # never opened a page that created defaults
    used = OldOrganization.objects.create(name="用过的公司")  # had them created on first use, then changed them
    old.get_model("customers", "CustomerStage").objects.create(org_id=used.pk, name="线索", position=0)
    old.get_model("customers", "CustomerSettings").objects.create(org_id=used.pk, duplicate_name="block")
    old.get_model("activities", "ActivitySettings").objects.create(
        org_id=used.pk, edit_window_hours=6, builtin_templates_installed=True
    )

    migrate([])

    bare_org = Organization.objects.get(pk=bare.pk)
    stages = CustomerStage.objects.filter(org=bare_org).order_by("position")
    assert [(s.name, s.name_en, s.is_won) for s in stages] == [
        ("潜在客户", "Lead", False), ("意向客户", "Prospect", False),
        ("成交客户", "Won", True), ("流失客户", "Lost", False),
    ]  # fmt: skip
    rules = CustomerSettings.objects.get(org=bare_org)
    assert (rules.duplicate_name, rules.duplicate_phone) == (DuplicateAction.WARN, DuplicateAction.WARN)
    template = customer_template(org=bare_org)
    assert template.current_version is not None
    assert (template.current_version.number, template.current_version.fields) == (1, [])
    built_in = FormTemplate.objects.filter(org=bare_org).exclude(purpose="customer")
    assert sorted(built_in.values_list("purpose", "name")) == [
        ("call", "电话记录"), ("competitor", "竞品信息"), ("daily_report", "日报"), ("visit", "客户拜访"),
    ]  # fmt: skip
    visit = built_in.get(purpose="visit")
    assert visit.current_version is not None
    assert visit.current_version.definitions[0].key == "purpose"  # the stored fields read as definitions
    assert ActivitySettings.objects.get(org=bare_org).builtin_templates_installed

    assert list(CustomerStage.objects.filter(org_id=used.pk).values_list("name", flat=True)) == ["线索"]
    assert CustomerSettings.objects.get(org_id=used.pk).duplicate_name == DuplicateAction.BLOCK
    assert ActivitySettings.objects.get(org_id=used.pk).edit_window_hours == 6
    assert not FormTemplate.objects.filter(org_id=used.pk).exclude(purpose="customer").exists()
    assert FormTemplate.objects.filter(org_id=used.pk, purpose="customer").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_data_migrations_go_back_without_undoing_anything() -> None:
    org = Organization.objects.create(name="新公司")  # no defaults: only what the migrations give it
    migrate(BEFORE)
    migrate([])
    migrate(BEFORE)  # going back is a no-op: the defaults are ordinary configuration by then
    assert CustomerStage.objects.filter(org=org).count() == 4
    assert FormTemplate.objects.filter(org=org).count() == 5
    migrate([])  # and forward again adds nothing twice
    assert CustomerStage.objects.filter(org=org).count() == 4
    assert FormTemplate.objects.filter(org=org).count() == 5
    assert CustomerSettings.objects.filter(org=org).count() == ActivitySettings.objects.filter(org=org).count() == 1
