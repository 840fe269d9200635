"""The import contracts in pyproject.toml (`make lint` runs them) bite: the real tree keeps them, and a copy of the
tree with forbidden imports added breaks, for each one, the contract that forbids it, naming the import.

import-linter builds the import graph of the copy (Python files only) once: about a second.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
# An app's shell: what renders pages and routes, parses forms, runs tasks and commands (see CONTRIBUTING.md).
SHELL_MODULE = re.compile(r"^(views|api|forms|urls|tasks|management|\w+_views|\w+_api|\w+_forms)$")
BUILDING_BLOCKS = {"fieldloop.core.forms"}  # form glue every app's forms use, not a shell

LAYER_LEAKS = [
    ("fieldloop.core.leak_customers", "fieldloop.customers.models"),  # core imports nothing above it
    ("fieldloop.core.leak_org", "fieldloop.org.models"),
    ("fieldloop.org.leak_customers", "fieldloop.customers.selectors"),  # org never imports a domain app
    ("fieldloop.org.leak_notifications", "fieldloop.notifications.services"),
    ("fieldloop.formtemplates.leak_notifications", "fieldloop.notifications.services"),  # independent siblings
    ("fieldloop.notifications.leak_formtemplates", "fieldloop.formtemplates.selectors"),
    ("fieldloop.customers.leak_activities", "fieldloop.activities.models"),
    ("fieldloop.activities.leak_schedules", "fieldloop.schedules.models"),  # schedules sits above activities
    ("fieldloop.schedules.leak_demo", "fieldloop.demo.company"),
    ("fieldloop.activities.leak_demo", "fieldloop.demo.company"),  # only the project shell sits above demo
    ("fieldloop.demo.leak_api", "fieldloop.api"),
]
SHELL_LEAKS = [
    ("fieldloop.activities.leak_views", "fieldloop.customers.views", "customers-shell"),
    ("fieldloop.activities.leak_tasks", "fieldloop.customers.tasks", "customers-shell"),
    ("fieldloop.customers.leak_api", "fieldloop.formtemplates.api", "formtemplates-shell"),
    ("fieldloop.customers.leak_forms", "fieldloop.org.forms", "org-shell"),
    ("fieldloop.demo.leak_views", "fieldloop.activities.visit_views", "activities-shell"),
]


def lint_imports(root: Path) -> str:
    result = subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env={**os.environ, "COLUMNS": "500"},  # one import a line, however long its names
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def broken_section(output: str, contract_id: str) -> str:
    """The part of the report under a broken contract's heading ('' if the contract was kept)."""
    name = CONTRACTS[contract_id]["name"]
    match = re.search(rf"^{re.escape(name)}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", output, re.M | re.S)
    return match.group(1) if match else ""


@pytest.fixture(scope="module")
def leaky_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """lint-imports' report on a copy of the tree with every leak above added, and an app without a layer."""
    tree = tmp_path_factory.mktemp("tree")

    def not_python(directory: str, names: list[str]) -> list[str]:
        return [n for n in names if n == "__pycache__" or not (n.endswith(".py") or (Path(directory) / n).is_dir())]

    shutil.copytree(ROOT / "fieldloop", tree / "fieldloop", ignore=not_python)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    leaks = [(importer, imported) for importer, imported, _ in SHELL_LEAKS] + LAYER_LEAKS
    leaks += [
        ("fieldloop.customers.leak_own_shell", "fieldloop.customers.views"),  # an app's own shell is its own
        ("fieldloop.unlayered.__init__", "fieldloop.core.models"),  # a new app nobody gave a layer
    ]
    for importer, imported in leaks:
        path = tree.joinpath(*importer.split(".")).with_suffix(".py")
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"import {imported}\n")
    return lint_imports(tree)


def test_the_real_tree_keeps_every_contract():
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in lint_imports(ROOT)


@pytest.mark.parametrize(("importer", "imported"), LAYER_LEAKS)
def test_an_import_upward_breaks_the_layers(leaky_report: str, importer: str, imported: str):
    assert f"{importer} -> {imported}" in broken_section(leaky_report, "layers")


def test_a_new_app_without_a_layer_breaks_the_layers(leaky_report: str):
    assert "not listed as layers:\n\n- fieldloop.unlayered\n" in broken_section(leaky_report, "layers")


@pytest.mark.parametrize(("importer", "imported", "contract"), SHELL_LEAKS)
def test_importing_another_apps_shell_breaks_its_contract(
    leaky_report: str, importer: str, imported: str, contract: str
):
    assert f"{importer} -> {imported}" in broken_section(leaky_report, contract)


def test_an_app_may_import_its_own_shell(leaky_report: str):
    assert "leak_own_shell" not in leaky_report


def test_every_shell_module_of_every_app_is_protected():
    """A new `*_views.py` (or api, forms, urls, tasks, commands) must be listed in its app's contract."""
    for app in [p.parent.name for p in (ROOT / "fieldloop").glob("*/apps.py")]:
        contract = CONTRACTS.get(f"{app}-shell")
        assert contract, f"pyproject.toml has no `{app}-shell` contract: copy another app's"
        names = {p.stem for p in (ROOT / "fieldloop" / app).glob("*.py")}
        names |= {p.name for p in (ROOT / "fieldloop" / app).iterdir() if (p / "__init__.py").exists()}
        shell = {f"fieldloop.{app}.{name}" for name in names if SHELL_MODULE.match(name)} - BUILDING_BLOCKS
        missing = shell - set(contract["protected_modules"])
        assert not missing, f"add {sorted(missing)} to protected_modules of `{app}-shell` in pyproject.toml"
