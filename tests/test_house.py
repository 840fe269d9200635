"""The house: every app lives in the `fieldloop` package under the label it always had, so the tables,
migrations and content types of a database built before the move stay as they are."""

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

# The labels databases already know (django_migrations.app, django_content_type.app_label, table prefixes).
LABELS = {"core", "org", "formtemplates", "customers", "notifications", "activities", "demo"}


def our_apps():
    return [config for config in apps.get_app_configs() if config.name.startswith("fieldloop.")]


def test_every_app_lives_in_the_fieldloop_package_under_its_old_label():
    assert {config.label for config in our_apps()} == LABELS
    for config in our_apps():
        assert config.name == f"fieldloop.{config.label}"


def test_tables_keep_their_names():
    for config in our_apps():
        for model in config.get_models():
            assert model._meta.db_table.startswith(f"{config.label}_"), model


def test_migrations_are_recorded_under_the_old_labels(db):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {app for app, _ in loader.graph.nodes if app in LABELS}
    assert ours == LABELS - {"core", "demo"}  # core and demo own no tables
