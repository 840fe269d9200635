"""Visibility: the one place that decides which employees' rows a user may see or change.

Every list, detail, export, report and map starts from `visible_employees` /
`scope_to_visible` here. A data scope (per role, per organization) says how far an
actor sees:

- self: their own rows;
- subordinates: their own, their direct reports', and everyone in the subtrees of the
  departments they manage;
- department: everyone in their own department;
- department_tree: everyone in their department and its sub-departments;
- org: the whole organization.

Each is one SQL condition over the employee table (the department path makes a
subtree a prefix match), so the number of queries does not grow with rows or depth.
The unscoped paths have loud names (`all_orgs_...`) and are for tests, migrations
and management commands only.
"""

from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from fieldloop.core.errors import not_found

from .models import DataScope, Department, Employee, EmployeeQuerySet, EmployeeStatus, Organization, Role
from .permissions import Permission, has_permission

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Visibility:
    """An actor's reach, computed once per request."""

    org_id: int
    employee_id: int
    scope: DataScope
    department_id: int
    department_path: str
    managed_paths: tuple[str, ...] = ()  # subtrees the actor manages (the "subordinates" scope)

    @property
    def sees_whole_org(self) -> bool:
        """True when `condition()` is empty: beware, an empty Q OR-ed with another Q is just the other."""
        return self.scope == DataScope.ORG

    def condition(self, prefix: str = "") -> Q:
        """The reach as a condition over Employee rows, or, with `prefix="owner__"`, over rows that an
        employee owns. Written as joins (not `owner IN (subquery)`) so that both databases keep using
        the index on the owned table's ordering, whatever their planner statistics say."""
        if self.scope == DataScope.ORG:
            return Q()
        me = Q(**{f"{prefix}pk": self.employee_id})
        if self.scope == DataScope.SELF:
            return me
        if self.scope == DataScope.DEPARTMENT:
            return Q(**{f"{prefix}department_id": self.department_id})
        if self.scope == DataScope.DEPARTMENT_TREE:
            return Q(**{f"{prefix}department__path__startswith": self.department_path})
        condition = me | Q(**{f"{prefix}manager_id": self.employee_id})
        for path in self.managed_paths:
            condition |= Q(**{f"{prefix}department__path__startswith": path})
        return condition

    def department_condition(self) -> Q:
        """The departments whose people the actor sees, as a condition over Department rows: what a list's
        department filter offers (another branch would only ever list nothing). Direct reports placed in
        another department are still seen, without a filter."""
        if self.scope == DataScope.ORG:
            return Q()
        if self.scope == DataScope.DEPARTMENT_TREE:
            return Q(path__startswith=self.department_path)
        condition = Q(pk=self.department_id)
        if self.scope == DataScope.SUBORDINATES:
            for path in self.managed_paths:
                condition |= Q(path__startswith=path)
        return condition


def visibility_for(actor: Employee) -> Visibility:
    """Compute (and cache on the actor) how far the actor sees: at most one query (managed departments)."""
    cached: Visibility | None = getattr(actor, "_visibility", None)
    if cached is not None:
        return cached
    scope = actor.org.data_scope_for(actor.role)
    managed: tuple[str, ...] = ()
    if scope == DataScope.SUBORDINATES:
        managed = tuple(
            Department.objects.filter(org_id=actor.org_id, manager_id=actor.pk).values_list("path", flat=True)
        )
    visibility = Visibility(
        org_id=actor.org_id,
        employee_id=actor.pk,
        scope=scope,
        department_id=actor.department_id,
        department_path=actor.department.path,
        managed_paths=managed,
    )
    actor._visibility = visibility  # type: ignore[attr-defined]
    return visibility


def leads_people(*, actor: Employee) -> bool:
    """Does the actor lead anyone: someone active reports to them, or they manage a department? One query,
    cached on the actor for the request. It names the actor's pages: a leader's home is the team's overview and
    the work feed is "team work"; anyone else (a rep) starts on Today and the feed is "my records"."""
    cached: bool | None = getattr(actor, "_leads_people", None)
    if cached is not None:
        return cached
    reports = Employee.objects.filter(manager_id=OuterRef("pk"), status=EmployeeStatus.ACTIVE)
    managed = Department.objects.filter(manager_id=OuterRef("pk"), archived_at__isnull=True)
    leads = Employee.objects.filter(pk=actor.pk).filter(Q(Exists(reports)) | Q(Exists(managed))).exists()
    actor._leads_people = leads  # type: ignore[attr-defined]
    return leads


def starts_on_today(*, actor: Employee) -> bool:
    """Is the actor's home their day (Today) rather than the overview? Everyone who leads nobody, except an
    administrator, whose home is where the organization is set up."""
    return actor.role != Role.ADMIN and not leads_people(actor=actor)


def visible_employees(*, actor: Employee) -> EmployeeQuerySet:
    """Employees (active and left) whose rows the actor may see; the actor is always among them."""
    if not actor.is_active:
        return Employee.objects.none()
    visibility = visibility_for(actor)
    return Employee.objects.filter(org_id=actor.org_id).filter(visibility.condition())


def scope_to_visible[M: Model](queryset: QuerySet[M], *, actor: Employee, owner_field: str = "owner") -> QuerySet[M]:
    """Narrow any org-scoped queryset to the rows the actor may see, by the row's owner."""
    if not actor.is_active:
        return queryset.none()
    visibility = visibility_for(actor)
    return queryset.filter(org_id=actor.org_id).filter(visibility.condition(f"{owner_field}__"))


def can_see_employee(*, actor: Employee, employee: Employee) -> bool:
    if employee.org_id != actor.org_id or not actor.is_active:
        return False
    if employee.pk == actor.pk:
        return True
    return visible_employees(actor=actor).filter(pk=employee.pk).exists()


def can_change_owned_by(*, actor: Employee, owner: Employee) -> bool:
    """May the actor change a row owned by `owner`? Their own, or a visible one with the right permission."""
    if owner.pk == actor.pk:
        return actor.is_active
    return has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS) and can_see_employee(
        actor=actor, employee=owner
    )


def employee_list(
    *, actor: Employee, department: Department | None = None, include_left: bool = False, search: str = ""
) -> EmployeeQuerySet:
    qs = visible_employees(actor=actor).select_related("department", "manager", "user")
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    if not include_left:
        qs = qs.active()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(phone__contains=search) | Q(employee_number__icontains=search))
    return qs.order_by("name", "id")


def employee_get(*, actor: Employee, employee_id: int) -> Employee:
    """A visible employee, or not found (the same answer for missing and forbidden)."""
    employee = (
        visible_employees(actor=actor).select_related("department", "manager", "user").filter(pk=employee_id).first()
    )
    if employee is None:
        raise not_found()
    return employee


def department_list(*, actor: Employee, include_archived: bool = False) -> QuerySet[Department]:
    """The organization's departments: the tree is org-wide knowledge for every member."""
    qs = Department.objects.filter(org_id=actor.org_id).select_related("manager")
    if not include_archived:
        qs = qs.active()
    return qs.order_by("path")


def filter_departments(*, actor: Employee) -> QuerySet[Department]:
    """The active departments a list's department filter offers the actor: those whose people they see (all of
    them for an organization-wide scope; a branch manager their branch's tree), in tree order."""
    return department_list(actor=actor).filter(visibility_for(actor).department_condition())


def department_get(*, actor: Employee, department_id: int) -> Department:
    department = (
        Department.objects.filter(org_id=actor.org_id, pk=department_id).select_related("manager", "parent").first()
    )
    if department is None:
        raise not_found()
    return department


@dataclass
class DepartmentNode:
    department: Department
    children: list["DepartmentNode"]
    member_count: int = 0


def department_tree(*, actor: Employee, include_archived: bool = False) -> list[DepartmentNode]:
    """The department tree as nested nodes, built from one query (plus one for member counts)."""
    from django.db.models import Count

    departments = list(department_list(actor=actor, include_archived=include_archived))
    counts = dict(
        Employee.objects.filter(org_id=actor.org_id)
        .active()
        .values_list("department_id")
        .annotate(n=Count("id"))
        .values_list("department_id", "n")
    )
    nodes = {d.pk: DepartmentNode(department=d, children=[], member_count=counts.get(d.pk, 0)) for d in departments}
    roots: list[DepartmentNode] = []
    for d in departments:
        node = nodes[d.pk]
        parent = nodes.get(d.parent_id) if d.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def all_orgs_employee_by_username(username: str) -> Employee | None:
    """Unscoped, for authentication and management commands only."""
    return Employee.objects.select_related("org", "department", "user").filter(user__username=username).first()


def organization_admin_count(org: Organization) -> int:
    return Employee.objects.filter(org=org, role=Role.ADMIN, status=EmployeeStatus.ACTIVE).count()
