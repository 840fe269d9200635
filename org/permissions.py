"""What each role may do: the one list. Which rows a role may see is `org.selectors` (data scopes)."""

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Employee, Role


class Permission(StrEnum):
    MANAGE_ORGANIZATION = "manage_organization"
    MANAGE_DEPARTMENTS = "manage_departments"
    MANAGE_EMPLOYEES = "manage_employees"
    VIEW_EMPLOYEES = "view_employees"
    VIEW_DEPARTMENTS = "view_departments"
    CHANGE_SUBORDINATE_RECORDS = "change_subordinate_records"
    USE_API = "use_api"


PERMISSION_LABELS: dict[Permission, Promise] = {
    Permission.MANAGE_ORGANIZATION: _("Change organization settings and data scopes"),
    Permission.MANAGE_DEPARTMENTS: _("Create, move, rename and archive departments"),
    Permission.MANAGE_EMPLOYEES: _("Create employees, reset passwords, mark as left"),
    Permission.VIEW_EMPLOYEES: _("See the employees within their data scope"),
    Permission.VIEW_DEPARTMENTS: _("See the department tree"),
    Permission.CHANGE_SUBORDINATE_RECORDS: _("Change records of the people they see"),
    Permission.USE_API: _("Use the API with personal tokens"),
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DIRECTOR: frozenset(
        {
            Permission.VIEW_EMPLOYEES,
            Permission.VIEW_DEPARTMENTS,
            Permission.CHANGE_SUBORDINATE_RECORDS,
            Permission.USE_API,
        }
    ),
    Role.MANAGER: frozenset(
        {
            Permission.VIEW_EMPLOYEES,
            Permission.VIEW_DEPARTMENTS,
            Permission.CHANGE_SUBORDINATE_RECORDS,
            Permission.USE_API,
        }
    ),
    Role.REP: frozenset({Permission.VIEW_DEPARTMENTS, Permission.USE_API}),
}


def permission_matrix() -> list[tuple[Promise, list[bool]]]:
    """Rows of (permission label, [granted to each role in Role order]) for the settings page."""
    return [(PERMISSION_LABELS[p], [p in ROLE_PERMISSIONS[role] for role in Role]) for p in Permission]


def has_permission(employee: Employee, permission: Permission) -> bool:
    return employee.is_active and permission in ROLE_PERMISSIONS[Role(employee.role)]
