"""What each role may do: the one list. Which rows a role may see is `org.selectors` (data scopes)."""

from enum import StrEnum

from .models import Employee, Role


class Permission(StrEnum):
    MANAGE_ORGANIZATION = "manage_organization"
    MANAGE_DEPARTMENTS = "manage_departments"
    MANAGE_EMPLOYEES = "manage_employees"
    VIEW_EMPLOYEES = "view_employees"
    VIEW_DEPARTMENTS = "view_departments"
    CHANGE_SUBORDINATE_RECORDS = "change_subordinate_records"
    USE_API = "use_api"


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


def has_permission(employee: Employee, permission: Permission) -> bool:
    return employee.is_active and permission in ROLE_PERMISSIONS[Role(employee.role)]
