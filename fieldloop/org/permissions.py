"""What each role may do: the one list. Which rows a role may see is `org.selectors` (data scopes)."""

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Employee, Organization, Role


class Permission(StrEnum):
    MANAGE_ORGANIZATION = "manage_organization"
    MANAGE_DEPARTMENTS = "manage_departments"
    MANAGE_EMPLOYEES = "manage_employees"
    VIEW_EMPLOYEES = "view_employees"
    VIEW_DEPARTMENTS = "view_departments"
    CHANGE_SUBORDINATE_RECORDS = "change_subordinate_records"
    USE_API = "use_api"
    EXPORT_CUSTOMERS = "export_customers"
    MANAGE_CUSTOMER_POOLS = "manage_customer_pools"
    ASSIGN_CUSTOMERS = "assign_customers"
    MANAGE_TARGETS = "manage_targets"


PERMISSION_LABELS: dict[Permission, Promise] = {
    Permission.MANAGE_ORGANIZATION: _("Change organization settings and data scopes"),
    Permission.MANAGE_DEPARTMENTS: _("Create, move, rename and archive departments"),
    Permission.MANAGE_EMPLOYEES: _("Create employees, reset passwords, mark as left"),
    Permission.VIEW_EMPLOYEES: _("See the employees within their data scope"),
    Permission.VIEW_DEPARTMENTS: _("See the department tree"),
    Permission.CHANGE_SUBORDINATE_RECORDS: _("Change records of the people they see"),
    Permission.USE_API: _("Use the API with personal tokens"),
    Permission.EXPORT_CUSTOMERS: _("Export the customers they see (the roles are chosen above)"),
    Permission.MANAGE_CUSTOMER_POOLS: _("Set up customer pools, their rules and members"),
    Permission.ASSIGN_CUSTOMERS: _("Assign and transfer the customers of the people they see"),
    Permission.MANAGE_TARGETS: _("Set up target plans: create, decompose, lock and revise them"),
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DIRECTOR: frozenset(
        {
            Permission.VIEW_EMPLOYEES,
            Permission.VIEW_DEPARTMENTS,
            Permission.CHANGE_SUBORDINATE_RECORDS,
            Permission.USE_API,
            Permission.ASSIGN_CUSTOMERS,
            Permission.MANAGE_TARGETS,  # the sales director plans the year with the admin
        }
    ),
    Role.MANAGER: frozenset(
        {
            Permission.VIEW_EMPLOYEES,
            Permission.VIEW_DEPARTMENTS,
            Permission.CHANGE_SUBORDINATE_RECORDS,
            Permission.USE_API,
            Permission.ASSIGN_CUSTOMERS,
        }
    ),
    Role.REP: frozenset({Permission.VIEW_DEPARTMENTS, Permission.USE_API}),
}


def permission_matrix(org: Organization | None = None) -> list[tuple[Promise, list[bool]]]:
    """Rows of (permission label, [granted to each role in Role order]) for the settings page; the
    organization's own settings (who may export customers) when given."""

    def granted(p: Permission, role: Role) -> bool:
        if p == Permission.EXPORT_CUSTOMERS and org is not None:
            return role == Role.ADMIN or role in org.export_roles
        return p in ROLE_PERMISSIONS[role]

    return [(PERMISSION_LABELS[p], [granted(p, role) for role in Role]) for p in Permission]


def may_export_customers(employee: Employee) -> bool:
    """The organization's administrators decide which roles may export customers; admins always may."""
    if not employee.is_active:
        return False
    return employee.role == Role.ADMIN or employee.role in (employee.org.export_roles or [])


def has_permission(employee: Employee, permission: Permission) -> bool:
    if permission == Permission.EXPORT_CUSTOMERS:
        return may_export_customers(employee)
    return employee.is_active and permission in ROLE_PERMISSIONS[Role(employee.role)]
