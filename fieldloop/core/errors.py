"""Errors that services raise and every surface (HTML, API) renders the same way."""

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    UNAUTHENTICATED = "unauthenticated"
    LOCKED_OUT = "locked_out"
    TOKEN_INVALID = "token_invalid"
    TREE_CYCLE = "tree_cycle"
    DEPARTMENT_HAS_MEMBERS = "department_has_members"
    LAST_ADMIN = "last_admin"
    DUPLICATE = "duplicate"
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
    METHOD_NOT_ALLOWED = "method_not_allowed"


STATUS_BY_CODE = {
    ErrorCode.INVALID: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.LOCKED_OUT: 429,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.TREE_CYCLE: 400,
    ErrorCode.DEPARTMENT_HAS_MEMBERS: 409,
    ErrorCode.LAST_ADMIN: 409,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.IDEMPOTENCY_MISMATCH: 422,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
}


class ServiceError(Exception):
    """A refused write or read, with a stable code, a translated message and field errors."""

    def __init__(
        self,
        code: ErrorCode,
        message: str | Promise,
        fields: dict[str, list[str | Promise]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}

    @property
    def status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": str(self.code),
            "message": str(self.message),
            "fields": {name: [str(m) for m in msgs] for name, msgs in self.fields.items()},
        }


def invalid(field: str, message: str | Promise, code: ErrorCode = ErrorCode.INVALID) -> ServiceError:
    return ServiceError(code, message, {field: [message]})


def not_found() -> ServiceError:
    from django.utils.translation import gettext

    return ServiceError(ErrorCode.NOT_FOUND, gettext("Not found."))
