"""The house: every app lives in the `fieldloop` package under the label it always had, so the tables,
migrations and content types of a database built before the move stay as they are."""

import ast
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

# The labels databases already know (django_migrations.app, django_content_type.app_label, table prefixes).
LABELS = {
    "core",
    "org",
    "formtemplates",
    "customers",
    "notifications",
    "activities",
    "schedules",
    "tracking",
    "attendance",
    "sales",
    "targets",
    "demo",
}


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


def _asserting_calls(tree: ast.Module) -> set[str]:
    """Module functions that assert (directly or through another such function): calling one asserts."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    asserting: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, node in functions.items():
            if name not in asserting and _asserts(node, asserting):
                asserting.add(name)
                changed = True
    return asserting


def _asserts(node: ast.AST, helpers: set[str]) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Assert):
            return True
        if isinstance(n, ast.Call):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name.startswith(("assert", "expect", "raises")) or "validate" in name or name in helpers:
                return True
    return False


def test_every_test_asserts_something():
    """A test that asserts nothing cannot fail for the reason its name gives."""
    silent = []
    for path in sorted([*Path("fieldloop").rglob("test_*.py"), *Path("tests").rglob("test_*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = _asserting_calls(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and not _asserts(node, helpers):
                silent.append(f"{path}::{node.name}")
    assert silent == []
