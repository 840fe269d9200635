"""The shared cast every test may use.

Organization "华东机械" (org):

    华东机械 (root)                 admin Ada
    └── 销售部 Sales                director Dora (manages it)
        ├── 上海分公司 Shanghai     manager Mia (manages it), reps Rex and Ria (report to Mia)
        └── 北京分公司 Beijing      rep Ben (another branch)

and a second organization "对手公司" with its own admin, Otto (the outsider).
Default data scopes: admin sees the org; director and manager their department tree; a rep himself.
"""

from dataclasses import dataclass

import pytest
from django.test import Client

from org.models import Department, Employee, Organization, Role
from org.tests.factories import TEST_PASSWORD, DepartmentFactory, EmployeeFactory, OrganizationFactory


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
    org = OrganizationFactory(name="华东机械")
    root = DepartmentFactory(org=org, name="华东机械")
    sales = DepartmentFactory(org=org, name="销售部", parent=root)
    shanghai = DepartmentFactory(org=org, name="上海分公司", parent=sales)
    beijing = DepartmentFactory(org=org, name="北京分公司", parent=sales)
    admin = EmployeeFactory(department=root, role=Role.ADMIN, name="Ada", user__username="ada")
    director = EmployeeFactory(department=sales, role=Role.DIRECTOR, name="Dora", user__username="dora")
    manager = EmployeeFactory(department=shanghai, role=Role.MANAGER, name="Mia", user__username="mia", manager=director)
    rep = EmployeeFactory(department=shanghai, role=Role.REP, name="Rex", user__username="rex", manager=manager)
    rep2 = EmployeeFactory(department=shanghai, role=Role.REP, name="Ria", user__username="ria", manager=manager)
    other_branch_rep = EmployeeFactory(department=beijing, role=Role.REP, name="Ben", user__username="ben")
    for dept, boss in ((root, admin), (sales, director), (shanghai, manager)):
        dept.manager = boss
        dept.save(update_fields=["manager"])
    other_org = OrganizationFactory(name="对手公司")
    other_root = DepartmentFactory(org=other_org, name="对手公司")
    outsider = EmployeeFactory(department=other_root, role=Role.ADMIN, name="Otto", user__username="otto")
    return Cast(
        org=org, root=root, sales=sales, shanghai=shanghai, beijing=beijing, admin=admin, director=director,
        manager=manager, rep=rep, rep2=rep2, other_branch_rep=other_branch_rep, other_org=other_org, outsider=outsider,
    )


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()
