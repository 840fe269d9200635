"""Writes for organizations, departments, employees and API tokens.

Each function takes the acting employee first, keyword-only arguments, runs in one
transaction, checks what it must and records history in AuditEntry.
"""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core import rows
from fieldloop.core.db import prepared_cursor
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found

from .defaults import organization_defaults_create
from .departures import holdings_of
from .models import (
    DEFAULT_DATA_SCOPES,
    ApiToken,
    AuditEntry,
    DataScope,
    Department,
    Employee,
    EmployeeStatus,
    Language,
    Organization,
    Role,
    User,
    validate_time_zone,
)
from .permissions import Permission, has_permission

UNSET: Any = object()


def require_permission(actor: Employee, permission: Permission) -> None:
    if not has_permission(actor, permission):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))


def _required_text(value: str, field: str) -> str:
    """The stripped value, or a field error when it is blank."""
    value = value.strip()
    if not value:
        raise invalid(field, _("This field is required."))
    return value


def _lock_in_org[M: Model](model: type[M], *, actor: Employee, pk: int) -> M:
    """The actor's organization's row, locked for update; not found otherwise (also for other organizations)."""
    row = model._default_manager.select_for_update().filter(org_id=actor.org_id, pk=pk).first()
    if row is None:
        raise not_found()
    return row


def audit(*, actor: Employee | None, org: Organization, action: str, obj: Any, changes: dict[str, Any]) -> None:
    AuditEntry.objects.create(
        org=org,
        actor=actor,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        changes=changes,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the given attributes, returning {field: [old, new]} for those that changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        if new is UNSET:
            continue
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_json_value(old), _json_value(new)]
            setattr(obj, name, new)
    return changes


# --- Organizations ------------------------------------------------------------


def _validate_org_fields(*, time_zone: str, currency: str, language: str) -> None:
    fields: dict[str, list[Any]] = {}
    try:
        validate_time_zone(time_zone)
    except ValidationError as e:
        fields["time_zone"] = list(e.messages)
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        fields["currency"] = [_("Enter a three-letter ISO 4217 currency code, such as CNY.")]
    if language not in Language.values:
        fields["language"] = [_("Choose a supported language.")]
    if fields:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), fields)


def _validate_password(password: str, user: User | None = None, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), {field: list(e.messages)}) from e


def _validate_username(username: str) -> None:
    if not username or len(username) > 150:
        raise invalid("username", _("Enter a username of at most 150 characters."))
    try:
        User.username_validator(username)
    except ValidationError as e:
        raise invalid("username", e.messages[0]) from e
    if User.objects.filter(username__iexact=username).exists():
        raise invalid("username", _("This username is already taken."), ErrorCode.DUPLICATE)


@dataclass
class SignupResult:
    org: Organization
    admin: Employee


@transaction.atomic
def organization_sign_up(
    *,
    org_name: str,
    admin_name: str,
    admin_phone: str,
    username: str,
    password: str,
    time_zone: str = "Asia/Shanghai",
    currency: str = "CNY",
    language: str = Language.ZH_HANS,
) -> SignupResult:
    """Create an organization with every app's defaults (stages, templates, ...), its root department and its
    first administrator."""
    org_name = _required_text(org_name, "org_name")
    _validate_org_fields(time_zone=time_zone, currency=currency, language=language)
    _validate_username(username)
    _validate_password(password)
    org = Organization.objects.create(name=org_name, time_zone=time_zone, currency=currency, language=language)
    organization_defaults_create(org=org)
    root = Department(org=org, name=org_name)
    _save_department_path(root)
    user = User.objects.create_user(username=username, password=password)
    admin = Employee.objects.create(
        org=org,
        user=user,
        name=admin_name.strip() or username,
        phone=admin_phone.strip(),
        department=root,
        role=Role.ADMIN,
        language=language,
        joined_on=timezone.localdate(),
    )
    root.manager = admin
    root.save(update_fields=["manager", "updated_at"])
    audit(actor=admin, org=org, action="organization.sign_up", obj=org, changes={"name": [None, org.name]})
    return SignupResult(org=org, admin=admin)


@transaction.atomic
def organization_update(
    *,
    actor: Employee,
    name: str = UNSET,
    time_zone: str = UNSET,
    currency: str = UNSET,
    language: str = UNSET,
    data_scopes: dict[str, str] = UNSET,
    export_roles: list[str] = UNSET,
) -> Organization:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    org = Organization.objects.select_for_update().get(pk=actor.org_id)
    _validate_org_fields(
        time_zone=org.time_zone if time_zone is UNSET else time_zone,
        currency=org.currency if currency is UNSET else currency,
        language=org.language if language is UNSET else language,
    )
    if name is not UNSET:
        name = _required_text(name, "name")
    if data_scopes is not UNSET:
        merged = {**{str(k): str(v) for k, v in DEFAULT_DATA_SCOPES.items()}, **(org.data_scopes or {})}
        for role, scope in data_scopes.items():
            if role not in Role.values:
                raise invalid("data_scopes", _("Unknown role “%(role)s”.") % {"role": role})
            if scope not in DataScope.values:
                raise invalid("data_scopes", _("Unknown data scope “%(scope)s”.") % {"scope": scope})
            merged[role] = scope
        data_scopes = merged
    if export_roles is not UNSET:
        unknown = [role for role in export_roles if role not in Role.values]
        if unknown:
            raise invalid("export_roles", _("Unknown role “%(role)s”.") % {"role": unknown[0]})
        export_roles = [role for role in Role.values if role in export_roles or role == Role.ADMIN]
    changes = _apply_changes(
        org,
        {
            "name": name,
            "time_zone": time_zone,
            "currency": currency,
            "language": language,
            "data_scopes": data_scopes,
            "export_roles": export_roles,
        },
    )
    if changes:
        org.save()
        audit(actor=actor, org=org, action="organization.update", obj=org, changes=changes)
    actor.org = org
    return org


# --- Departments ----------------------------------------------------------------


def _save_department_path(department: Department) -> None:
    """Save a department, then set its path from its parent's."""
    if department.pk is None:
        department.save()
    parent = department.parent
    department.path = f"{parent.path if parent else ''}{department.pk}/"
    department.depth = (parent.depth + 1) if parent else 0
    department.save()


def _active_name_taken(*, org_id: int, parent_id: int | None, name: str, exclude_id: int | None = None) -> bool:
    siblings = Department.objects.filter(org_id=org_id, parent_id=parent_id, name=name, archived_at__isnull=True)
    if exclude_id is not None:
        siblings = siblings.exclude(pk=exclude_id)
    return siblings.exists()


def _org_department(actor: Employee, department_id: int | None, field: str) -> Department | None:
    if department_id is None:
        return None
    department = Department.objects.filter(org_id=actor.org_id, pk=department_id).first()
    if department is None:
        raise invalid(field, _("Choose a department of your organization."))
    if department.is_archived:
        raise invalid(field, _("This department is archived."))
    return department


def _org_employee(actor: Employee, employee_id: int | None, field: str, *, active: bool = True) -> Employee | None:
    if employee_id is None:
        return None
    employee = Employee.objects.filter(org_id=actor.org_id, pk=employee_id).first()
    if employee is None:
        raise invalid(field, _("Choose an employee of your organization."))
    if active and not employee.is_active:
        raise invalid(field, _("%(name)s has left the organization.") % {"name": employee.name})
    return employee


@transaction.atomic
def department_create(*, actor: Employee, name: str, parent_id: int, manager_id: int | None = None) -> Department:
    require_permission(actor, Permission.MANAGE_DEPARTMENTS)
    name = _required_text(name, "name")
    parent = _org_department(actor, parent_id, "parent")
    manager = _org_employee(actor, manager_id, "manager")
    if _active_name_taken(org_id=actor.org_id, parent_id=parent_id, name=name):
        raise invalid("name", _("A department with this name already exists here."), ErrorCode.DUPLICATE)
    department = Department(org_id=actor.org_id, name=name, parent=parent, manager=manager)
    _save_department_path(department)
    audit(
        actor=actor,
        org=actor.org,
        action="department.create",
        obj=department,
        changes={"name": [None, name], "parent": [None, parent_id]},
    )
    return department


@transaction.atomic
def department_update(
    *, actor: Employee, department_id: int, name: str = UNSET, manager_id: int | None = UNSET
) -> Department:
    """Rename a department or change its manager."""
    require_permission(actor, Permission.MANAGE_DEPARTMENTS)
    department = _lock_in_org(Department, actor=actor, pk=department_id)
    values: dict[str, Any] = {}
    if name is not UNSET:
        name = _required_text(name, "name")
        if _active_name_taken(org_id=actor.org_id, parent_id=department.parent_id, name=name, exclude_id=department.pk):
            raise invalid("name", _("A department with this name already exists here."), ErrorCode.DUPLICATE)
        values["name"] = name
    if manager_id is not UNSET:
        values["manager"] = _org_employee(actor, manager_id, "manager")
    changes = _apply_changes(department, values)
    if changes:
        department.save()
        audit(actor=actor, org=actor.org, action="department.update", obj=department, changes=changes)
    return department


@transaction.atomic
def department_move(*, actor: Employee, department_id: int, new_parent_id: int) -> Department:
    """Move a department (with its subtree) under another; never under itself or a descendant."""
    require_permission(actor, Permission.MANAGE_DEPARTMENTS)
    department = _lock_in_org(Department, actor=actor, pk=department_id)
    if department.parent_id is None:
        raise invalid("parent", _("The top department of the organization cannot be moved."))
    new_parent = _org_department(actor, new_parent_id, "parent")
    if new_parent is None:
        raise invalid("parent", _("This field is required."))
    if new_parent.path.startswith(department.path):
        raise invalid(
            "parent",
            _("A department cannot be moved under itself or one of its sub-departments."),
            ErrorCode.TREE_CYCLE,
        )
    if _active_name_taken(org_id=actor.org_id, parent_id=new_parent.pk, name=department.name, exclude_id=department.pk):
        raise invalid("parent", _("A department with this name already exists there."), ErrorCode.DUPLICATE)
    old_parent_id, old_path = department.parent_id, department.path
    department.parent = new_parent
    _save_department_path(department)
    depth_shift = department.depth - old_path.count("/") + 1
    descendants = list(
        Department.objects.select_for_update()
        .filter(org_id=actor.org_id, path__startswith=old_path)
        .exclude(pk=department.pk)
    )
    for d in descendants:
        d.path = department.path + d.path[len(old_path) :]
        d.depth += depth_shift
    Department.objects.bulk_update(descendants, ["path", "depth"])
    audit(
        actor=actor,
        org=actor.org,
        action="department.move",
        obj=department,
        changes={"parent": [old_parent_id, new_parent.pk]},
    )
    return department


@transaction.atomic
def department_archive(*, actor: Employee, department_id: int) -> Department:
    """Archive a department; refused while it (or a sub-department) has active members or active children."""
    require_permission(actor, Permission.MANAGE_DEPARTMENTS)
    department = _lock_in_org(Department, actor=actor, pk=department_id)
    if department.parent_id is None:
        raise invalid("department", _("The top department of the organization cannot be archived."))
    if department.is_archived:
        return department
    active_members = Employee.objects.filter(org_id=actor.org_id, department__path__startswith=department.path).active()
    if active_members.exists():
        raise ServiceError(
            ErrorCode.DEPARTMENT_HAS_MEMBERS,
            _("%(name)s still has %(count)d active members. Move them to another department first.")
            % {"name": department.name, "count": active_members.count()},
        )
    now = timezone.now()
    Department.objects.filter(org_id=actor.org_id, path__startswith=department.path, archived_at__isnull=True).update(
        archived_at=now, updated_at=now
    )
    department.archived_at = now
    audit(actor=actor, org=actor.org, action="department.archive", obj=department, changes={"archived": [False, True]})
    return department


# --- Employees ----------------------------------------------------------------


def _normalise_phone(phone: str) -> str:
    return "".join(ch for ch in phone.strip() if ch.isdigit() or ch == "+")


def _validate_phone(phone: str) -> str:
    normalised = _normalise_phone(phone)
    digits = normalised.lstrip("+")
    if not (5 <= len(digits) <= 20) or not digits.isdigit():
        raise invalid("phone", _("Enter a valid phone number."))
    return normalised


def _check_unique_employee_fields(
    *, org_id: int, phone: str | None, employee_number: str | None, exclude_id: int | None = None
) -> None:
    fields: dict[str, list[Any]] = {}
    others = Employee.objects.filter(org_id=org_id)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    if phone and others.filter(phone=phone).exists():
        fields["phone"] = [_("Another employee already has this phone number.")]
    if employee_number and others.filter(employee_number=employee_number).exists():
        fields["employee_number"] = [_("Another employee already has this employee number.")]
    if fields:
        raise ServiceError(ErrorCode.DUPLICATE, _("Please correct the errors below."), fields)


def _ensure_admin_remains(org_id: int) -> None:
    admins = Employee.objects.select_for_update().filter(org_id=org_id, role=Role.ADMIN, status=EmployeeStatus.ACTIVE)
    if not admins.exists():
        raise ServiceError(ErrorCode.LAST_ADMIN, _("The organization must keep at least one active administrator."))


@transaction.atomic
def employee_create(
    *,
    actor: Employee,
    name: str,
    phone: str,
    username: str,
    password: str,
    department_id: int,
    role: str = Role.REP,
    employee_number: str = "",
    manager_id: int | None = None,
    joined_on: date | None = None,
    language: str | None = None,
) -> Employee:
    require_permission(actor, Permission.MANAGE_EMPLOYEES)
    name = _required_text(name, "name")
    if role not in Role.values:
        raise invalid("role", _("Choose a valid role."))
    language = language or actor.org.language
    if language not in Language.values:
        raise invalid("language", _("Choose a supported language."))
    phone = _validate_phone(phone)
    employee_number = employee_number.strip()
    department = _org_department(actor, department_id, "department")
    if department is None:
        raise invalid("department", _("This field is required."))
    manager = _org_employee(actor, manager_id, "manager")
    _check_unique_employee_fields(org_id=actor.org_id, phone=phone, employee_number=employee_number)
    _validate_username(username)
    _validate_password(password, User(username=username))
    user = User.objects.create_user(username=username, password=password)
    try:
        with transaction.atomic():
            employee = Employee.objects.create(
                org_id=actor.org_id,
                user=user,
                name=name,
                phone=phone,
                employee_number=employee_number,
                department=department,
                manager=manager,
                role=role,
                joined_on=joined_on or timezone.localdate(),
                language=language,
            )
    except IntegrityError as e:  # a concurrent create won the race for the same phone or number
        raise ServiceError(
            ErrorCode.DUPLICATE, _("Another employee already has this phone number or employee number.")
        ) from e
    audit(
        actor=actor,
        org=actor.org,
        action="employee.create",
        obj=employee,
        changes={"name": [None, name], "role": [None, role], "department": [None, department_id]},
    )
    return employee


@transaction.atomic
def employee_update(
    *,
    actor: Employee,
    employee_id: int,
    name: str = UNSET,
    phone: str = UNSET,
    employee_number: str = UNSET,
    department_id: int = UNSET,
    manager_id: int | None = UNSET,
    role: str = UNSET,
    language: str = UNSET,
) -> Employee:
    require_permission(actor, Permission.MANAGE_EMPLOYEES)
    employee = _lock_in_org(Employee, actor=actor, pk=employee_id)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _required_text(name, "name")
    if phone is not UNSET:
        values["phone"] = _validate_phone(phone)
    if employee_number is not UNSET:
        values["employee_number"] = employee_number.strip()
    if department_id is not UNSET:
        values["department"] = _org_department(actor, department_id, "department")
    if manager_id is not UNSET:
        if manager_id == employee.pk:
            raise invalid("manager", _("An employee cannot report to themselves."), ErrorCode.TREE_CYCLE)
        values["manager"] = _org_employee(actor, manager_id, "manager")
    if role is not UNSET:
        if role not in Role.values:
            raise invalid("role", _("Choose a valid role."))
        values["role"] = role
    if language is not UNSET:
        if language not in Language.values:
            raise invalid("language", _("Choose a supported language."))
        values["language"] = language
    _check_unique_employee_fields(
        org_id=actor.org_id,
        phone=values.get("phone"),
        employee_number=values.get("employee_number"),
        exclude_id=employee.pk,
    )
    changes = _apply_changes(employee, values)
    if changes:
        employee.save()
        if "role" in changes:
            _ensure_admin_remains(actor.org_id)
        audit(actor=actor, org=actor.org, action="employee.update", obj=employee, changes=changes)
    return employee


@transaction.atomic
def employee_mark_left(*, actor: Employee, employee_id: int, left_on: date | None = None) -> Employee:
    """Mark someone as left: their login and API tokens stop at once. Their rows stay."""
    require_permission(actor, Permission.MANAGE_EMPLOYEES)
    employee = _lock_in_org(Employee, actor=actor, pk=employee_id)
    if not employee.is_active:
        return employee
    held = holdings_of(employee)
    if held:
        raise ServiceError(
            ErrorCode.CONFLICT,
            _("%(name)s still holds %(what)s. Hand them over to a successor first.")
            % {"name": employee.name, "what": ", ".join(str(label) for _n, _c, label, _u in held)},
        )
    employee.status = EmployeeStatus.LEFT
    employee.left_on = left_on or timezone.localdate()
    employee.save(update_fields=["status", "left_on", "updated_at"])
    _ensure_admin_remains(actor.org_id)
    user = employee.user
    user.is_active = False
    user.save(update_fields=["is_active"])  # an inactive user's sessions stop authenticating at once
    ApiToken.objects.filter(employee=employee, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit(
        actor=actor,
        org=actor.org,
        action="employee.mark_left",
        obj=employee,
        changes={
            "status": [EmployeeStatus.ACTIVE, EmployeeStatus.LEFT],
            "left_on": [None, employee.left_on.isoformat()],
        },
    )
    return employee


@transaction.atomic
def employee_reset_password(*, actor: Employee, employee_id: int, new_password: str) -> Employee:
    require_permission(actor, Permission.MANAGE_EMPLOYEES)
    employee = Employee.objects.select_related("user").filter(org_id=actor.org_id, pk=employee_id).first()
    if employee is None:
        raise not_found()
    _validate_password(new_password, employee.user, field="new_password")
    employee.user.set_password(new_password)
    employee.user.save(update_fields=["password"])
    audit(actor=actor, org=actor.org, action="employee.reset_password", obj=employee, changes={})
    return employee


@transaction.atomic
def password_change(*, actor: Employee, old_password: str, new_password: str) -> None:
    user = actor.user
    if not user.check_password(old_password):
        raise invalid("old_password", _("Your old password was entered incorrectly."))
    _validate_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])


@transaction.atomic
def employee_set_language(*, actor: Employee, language: str) -> Employee:
    if language not in Language.values:
        raise invalid("language", _("Choose a supported language."))
    actor.language = language
    actor.save(update_fields=["language", "updated_at"])
    return actor


# --- API tokens -----------------------------------------------------------------

TOKEN_PREFIX = "flp_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def api_token_create(*, actor: Employee, name: str, expires_at: datetime | None = None) -> IssuedToken:
    require_permission(actor, Permission.USE_API)
    name = _required_text(name, "name")
    if expires_at is not None and expires_at <= timezone.now():
        raise invalid("expires_at", _("The expiry must be in the future."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        org_id=actor.org_id,
        employee=actor,
        name=name,
        prefix=secret[:10],
        token_hash=hash_token(secret),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: Employee, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(org_id=actor.org_id, employee=actor, pk=token_id).first()
    if token is None:
        raise not_found()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def _token_models() -> tuple[type[Model], ...]:
    return (ApiToken, Employee, Organization, Department, Employee._meta.get_field("user").related_model)


@functools.cache
def _token_sql() -> str:
    """The token and its employee with her organization, department and user: one statement, written once (the
    ORM's `select_related` of the four compiles to these joins but costs more to build than to run, on every
    API request)."""
    token, employee, org, department, user = (connection.ops.quote_name(m._meta.db_table) for m in _token_models())
    selected = ", ".join(rows.columns(m, a) for m, a in zip(_token_models(), "teodu", strict=True))
    return (
        f"SELECT {selected} FROM {token} t JOIN {employee} e ON e.id = t.employee_id "  # noqa: S608 - names from the models
        f"JOIN {org} o ON o.id = e.org_id JOIN {department} d ON d.id = e.department_id "
        f"JOIN {user} u ON u.id = e.user_id WHERE t.token_hash = %s"
    )


def _token_row(secret: str) -> tuple[ApiToken, Employee] | None:
    with prepared_cursor() as cursor:
        cursor.execute(_token_sql(), [hash_token(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    parts: list[Any] = []
    for model in _token_models():
        parts.append(rows.instance(model, row[: rows.width(model)]))
        row = row[rows.width(model) :]
    token, employee, employee.org, employee.department, employee.user = parts
    token.employee = employee
    return token, employee


def api_token_authenticate(secret: str) -> Employee:
    """The employee a token belongs to, or a clear refusal (unknown, revoked, expired, person left)."""
    found = _token_row(secret)
    if found is None or found[0].revoked_at is not None:
        raise ServiceError(ErrorCode.TOKEN_INVALID, _("This API token is not valid or has been revoked."))
    token, employee = found
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise ServiceError(ErrorCode.TOKEN_INVALID, _("This API token has expired."))
    if not employee.is_active:
        raise ServiceError(ErrorCode.TOKEN_INVALID, _("This API token is not valid or has been revoked."))
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return employee
