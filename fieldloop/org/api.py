"""/api/v1/ endpoints for the current user, departments and employees: thin shells over services and selectors."""

import json
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from ninja import Query, Router, Status

from fieldloop.core.pagination import keyset_page

from . import export_log, selectors, services
from .decorators import actor_of
from .idempotency import IdempotencyKey, run_idempotent
from .models import AuditEntry, Department, Employee
from .permissions import ROLE_PERMISSIONS, Role
from .schemas import (
    ERRORS,
    DepartmentCreateIn,
    DepartmentMoveIn,
    DepartmentNodeOut,
    DepartmentOut,
    DepartmentUpdateIn,
    EmployeeCreateIn,
    EmployeeLeaveIn,
    EmployeeOut,
    EmployeePage,
    EmployeeUpdateIn,
    ExportLogPage,
    MeOut,
    WaitingOut,
)
from .waiting import waiting_for

router = Router(tags=["organization"])


def employee_out(e: Employee) -> dict[str, Any]:
    return {
        "id": e.pk,
        "username": e.user.username,
        "name": e.name,
        "phone": e.phone,
        "employee_number": e.employee_number,
        "department": {"id": e.department_id, "name": e.department.name},
        "manager": {"id": e.manager.pk, "name": e.manager.name} if e.manager else None,
        "role": e.role,
        "status": e.status,
        "joined_on": e.joined_on,
        "left_on": e.left_on,
        "language": e.language,
    }


def department_out(d: Department) -> dict[str, Any]:
    return {
        "id": d.pk,
        "name": d.name,
        "parent_id": d.parent_id,
        "manager": {"id": d.manager.pk, "name": d.manager.name} if d.manager else None,
        "depth": d.depth,
        "archived_at": d.archived_at,
    }


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The current user")
def me(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    org = actor.org
    return {
        "id": actor.pk,
        "username": actor.user.username,
        "name": actor.name,
        "role": actor.role,
        "language": actor.language,
        "department": {"id": actor.department_id, "name": actor.department.name},
        "organization": {
            "id": org.pk,
            "name": org.name,
            "time_zone": org.time_zone,
            "currency": org.currency,
            "language": org.language,
        },
        "data_scope": org.data_scope_for(actor.role),
        "permissions": sorted(ROLE_PERMISSIONS[Role(actor.role)]),
    }


@router.get(
    "/me/waiting",
    response={200: list[WaitingOut], **ERRORS},
    summary="What waits for the caller's decision: each queue they decide, with its count (the home page's list)",
)
def me_waiting(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"name": w.name, "label": str(w.label), "count": w.count, "url": w.url} for w in waiting_for(actor_of(request))
    ]


# --- Departments ----------------------------------------------------------------


@router.get("/departments", response={200: list[DepartmentNodeOut], **ERRORS}, summary="The department tree")
def department_tree(request: HttpRequest, include_archived: bool = False) -> list[dict[str, Any]]:
    def node(n: selectors.DepartmentNode) -> dict[str, Any]:
        d = n.department
        return {
            "id": d.pk,
            "name": d.name,
            "manager": {"id": d.manager.pk, "name": d.manager.name} if d.manager else None,
            "member_count": n.member_count,
            "children": [node(c) for c in n.children],
        }

    return [node(n) for n in selectors.department_tree(actor=actor_of(request), include_archived=include_archived)]


@router.get("/departments/{int:department_id}", response={200: DepartmentOut, **ERRORS})
def department_detail(request: HttpRequest, department_id: int) -> dict[str, Any]:
    return department_out(selectors.department_get(actor=actor_of(request), department_id=department_id))


@router.post("/departments", response={201: DepartmentOut, **ERRORS})
def department_create(
    request: HttpRequest, payload: DepartmentCreateIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        department = services.department_create(actor=actor, **payload.dict())
        return 201, _jsonable(department_out(department))

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="department.create", create=create
    )
    return Status(result.status_code, result.body)


@router.patch("/departments/{int:department_id}", response={200: DepartmentOut, **ERRORS})
def department_update(request: HttpRequest, department_id: int, payload: DepartmentUpdateIn) -> dict[str, Any]:
    department = services.department_update(
        actor=actor_of(request), department_id=department_id, **payload.dict(exclude_unset=True)
    )
    return department_out(department)


@router.post("/departments/{int:department_id}/move", response={200: DepartmentOut, **ERRORS})
def department_move(request: HttpRequest, department_id: int, payload: DepartmentMoveIn) -> dict[str, Any]:
    department = services.department_move(
        actor=actor_of(request), department_id=department_id, new_parent_id=payload.parent_id
    )
    return department_out(department)


@router.post("/departments/{int:department_id}/archive", response={200: DepartmentOut, **ERRORS})
def department_archive(request: HttpRequest, department_id: int) -> dict[str, Any]:
    return department_out(services.department_archive(actor=actor_of(request), department_id=department_id))


# --- Employees ----------------------------------------------------------------


@router.get("/employees", response={200: EmployeePage, **ERRORS}, summary="Visible employees, cursor-paged")
def employee_list(
    request: HttpRequest,
    department_id: int | None = None,
    include_left: bool = False,
    search: str = Query("", max_length=80),
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    actor = actor_of(request)
    department = selectors.department_get(actor=actor, department_id=department_id) if department_id else None
    qs = selectors.employee_list(actor=actor, department=department, include_left=include_left, search=search)
    page = keyset_page(qs, ordering=("name", "id"), cursor=cursor, limit=limit)
    return {"items": [employee_out(e) for e in page.items], "next_cursor": page.next_cursor}


@router.get("/employees/{int:employee_id}", response={200: EmployeeOut, **ERRORS})
def employee_detail(request: HttpRequest, employee_id: int) -> dict[str, Any]:
    return employee_out(selectors.employee_get(actor=actor_of(request), employee_id=employee_id))


@router.post("/employees", response={201: EmployeeOut, **ERRORS})
def employee_create(
    request: HttpRequest, payload: EmployeeCreateIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        employee = services.employee_create(actor=actor, **payload.dict())
        return 201, _jsonable(employee_out(employee))

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="employee.create", create=create
    )
    return Status(result.status_code, result.body)


@router.patch("/employees/{int:employee_id}", response={200: EmployeeOut, **ERRORS})
def employee_update(request: HttpRequest, employee_id: int, payload: EmployeeUpdateIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.employee_update(actor=actor, employee_id=employee_id, **payload.dict(exclude_unset=True))
    return employee_out(selectors.employee_get(actor=actor, employee_id=employee_id))


@router.post("/employees/{int:employee_id}/leave", response={200: EmployeeOut, **ERRORS}, summary="Mark as left")
def employee_leave(request: HttpRequest, employee_id: int, payload: EmployeeLeaveIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.employee_mark_left(actor=actor, employee_id=employee_id, left_on=payload.left_on)
    return employee_out(selectors.employee_get(actor=actor, employee_id=employee_id))


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Stored replies must be JSON: dates become ISO strings."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# --- The export log (administrators) --------------------------------------------


def export_log_entry_out(entry: AuditEntry) -> dict[str, Any]:
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    filters = changes.get("filters")
    return {
        "id": entry.pk, "created_at": entry.created_at, "employee_id": entry.actor_id,
        "employee_name": entry.actor.name if entry.actor else "", "action": entry.action,
        "what": export_log.export_label(entry.action), "format": str(changes.get("format", "")),
        "rows": export_log.export_row_count(entry), "filters": filters if isinstance(filters, dict) else {},
    }  # fmt: skip


@router.get(
    "/exports", response={200: ExportLogPage, **ERRORS}, summary="The export log: who exported what (administrators)"
)
def export_log_list(
    request: HttpRequest,
    employee_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    """Newest first; `date_from`/`date_to` are days of the organization's time zone, both included."""
    filters = export_log.ExportLogFilters(employee_id=employee_id, date_from=date_from, date_to=date_to)
    qs = export_log.export_log(actor=actor_of(request), filters=filters)
    page = keyset_page(qs, ordering=export_log.EXPORT_LOG_ORDERING, cursor=cursor, limit=limit)
    return {"items": [export_log_entry_out(e) for e in page.items], "next_cursor": page.next_cursor}
