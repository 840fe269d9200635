"""The shared cast every test may use.

Organization "华东机械" (org):

    华东机械 (root)                 admin Ada
    └── 销售部 Sales                director Dora (manages it)
        ├── 上海分公司 Shanghai     manager Mia (manages it), reps Rex and Ria (report to Mia)
        └── 北京分公司 Beijing      rep Ben (another branch)

and a second organization "对手公司" with its own admin, Otto (the outsider).
Default data scopes: admin sees the org; director and manager their department tree; a rep himself.
Both organizations have every app's defaults (stages, customer template, built-in templates, settings), as
`organization_sign_up` gives them: `OrganizationFactory` runs the same `org.defaults` creators.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from fieldloop.org.models import Department, Employee, Organization, Role
from fieldloop.org.tests.factories import TEST_PASSWORD, DepartmentFactory, EmployeeFactory, OrganizationFactory

BUILT_ASSETS = Path(__file__).resolve().parent / "build" / "static"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Pages link the stylesheet and icon font that `make install` builds (scripts/build_assets.py, into
    build/static, not committed): without them page and browser tests would test unstyled pages."""
    if not (BUILT_ASSETS / "css" / "fieldloop.css").exists():
        pytest.exit(
            f"{BUILT_ASSETS} is missing: run `make install` (or `make assets`) before pytest; `make test` does it.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


@dataclass
class Cast:
    org: Organization
    root: Department
    sales: Department
    shanghai: Department
    beijing: Department
    admin: Employee
    director: Employee
    manager: Employee
    rep: Employee
    rep2: Employee
    other_branch_rep: Employee
    other_org: Organization
    outsider: Employee

    password: str = TEST_PASSWORD

    def client_for(self, employee: Employee) -> Client:
        client = Client()
        client.force_login(employee.user)
        return client


def build_cast() -> Cast:
    org = OrganizationFactory.create(name="华东机械")
    root = DepartmentFactory.create(org=org, name="华东机械")
    sales = DepartmentFactory.create(org=org, name="销售部", parent=root)
    shanghai = DepartmentFactory.create(org=org, name="上海分公司", parent=sales)
    beijing = DepartmentFactory.create(org=org, name="北京分公司", parent=sales)
    admin = EmployeeFactory.create(department=root, role=Role.ADMIN, name="Ada", user__username="ada")
    director = EmployeeFactory.create(department=sales, role=Role.DIRECTOR, name="Dora", user__username="dora")
    manager = EmployeeFactory.create(
        department=shanghai, role=Role.MANAGER, name="Mia", user__username="mia", manager=director
    )
    rep = EmployeeFactory.create(department=shanghai, role=Role.REP, name="Rex", user__username="rex", manager=manager)
    rep2 = EmployeeFactory.create(department=shanghai, role=Role.REP, name="Ria", user__username="ria", manager=manager)
    other_branch_rep = EmployeeFactory.create(department=beijing, role=Role.REP, name="Ben", user__username="ben")
    for dept, boss in ((root, admin), (sales, director), (shanghai, manager)):
        dept.manager = boss
        dept.save(update_fields=["manager"])
    other_org = OrganizationFactory.create(name="对手公司")
    other_root = DepartmentFactory.create(org=other_org, name="对手公司")
    outsider = EmployeeFactory.create(department=other_root, role=Role.ADMIN, name="Otto", user__username="otto")
    return Cast(
        org=org,
        root=root,
        sales=sales,
        shanghai=shanghai,
        beijing=beijing,
        admin=admin,
        director=director,
        manager=manager,
        rep=rep,
        rep2=rep2,
        other_branch_rep=other_branch_rep,
        other_org=other_org,
        outsider=outsider,
    )


def sign_in(client: Client, username: str, password: str) -> bool:
    """Sign in through the real login form (lockout checks included); True if it worked."""
    response = client.post("/login/", {"username": username, "password": password}, HTTP_HOST="127.0.0.1")
    return response.status_code == 302


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()
