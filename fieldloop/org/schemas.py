"""API schemas for the org app."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from fieldloop.core.schemas import RowId

from .models import DataScope, EmployeeStatus, Language, Role


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


# What every route may answer besides its success, and the header every create takes: shared by all apps' routers.
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class DepartmentRef(Schema):
    id: int
    name: str


class EmployeeRef(Schema):
    id: int
    name: str


class OrganizationOut(Schema):
    id: int
    name: str
    time_zone: str
    currency: str
    language: Language


class WaitingOut(Schema):
    name: str = Field(description="The queue, e.g. activities.visit_review.")
    label: str
    count: int = Field(description="How many wait for the caller's decision.")
    url: str = Field(description="The queue's page.")


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: Role
    language: Language
    department: DepartmentRef
    organization: OrganizationOut
    data_scope: DataScope
    permissions: list[str]


class EmployeeOut(Schema):
    id: int
    username: str
    name: str
    phone: str
    employee_number: str
    department: DepartmentRef
    manager: EmployeeRef | None
    role: Role
    status: EmployeeStatus
    joined_on: date | None
    left_on: date | None
    language: Language


class EmployeePage(Schema):
    items: list[EmployeeOut]
    next_cursor: str | None


class EmployeeCreateIn(Schema):
    name: str = Field(max_length=80)
    phone: str = Field(max_length=32)
    username: str = Field(max_length=150)
    password: str = Field(max_length=128)
    department_id: RowId
    role: Role = Role.REP
    employee_number: str = Field("", max_length=32)
    manager_id: RowId | None = None
    joined_on: date | None = None
    language: Language | None = None


class EmployeeUpdateIn(Schema):
    name: str | None = Field(None, max_length=80)
    phone: str | None = Field(None, max_length=32)
    employee_number: str | None = Field(None, max_length=32)
    department_id: RowId | None = None
    manager_id: RowId | None = None
    role: Role | None = None
    language: Language | None = None


class EmployeeLeaveIn(Schema):
    left_on: date | None = None


class DepartmentOut(Schema):
    id: int
    name: str
    parent_id: int | None
    manager: EmployeeRef | None
    depth: int
    archived_at: datetime | None


class DepartmentNodeOut(Schema):
    id: int
    name: str
    manager: EmployeeRef | None
    member_count: int
    children: list["DepartmentNodeOut"]


class DepartmentCreateIn(Schema):
    name: str = Field(max_length=120)
    parent_id: RowId
    manager_id: RowId | None = None


class DepartmentUpdateIn(Schema):
    name: str | None = Field(None, max_length=120)
    manager_id: RowId | None = None


class DepartmentMoveIn(Schema):
    parent_id: RowId


class ExportLogEntryOut(Schema):
    """One export: who, when, what (the audit action and its label), how many rows, in which format, with which
    filters."""

    id: int
    created_at: datetime
    employee_id: int | None
    employee_name: str
    action: str
    what: str
    format: str
    rows: int | None
    filters: dict[str, Any]


class ExportLogPage(Schema):
    items: list[ExportLogEntryOut]
    next_cursor: str | None
