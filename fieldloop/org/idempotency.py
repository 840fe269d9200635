"""The idempotency contract every create follows.

A client sends a UUID it generated with each create (`Idempotency-Key` header or an
`id`/`client_id` field). The first request runs the create and stores its response
under that key in the same transaction; a replay returns the stored response and
writes nothing. Two concurrent requests with one key: the database's unique
constraint lets one win, the other then returns the winner's result.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError

from .models import Employee, IdempotencyRecord


@dataclass
class IdempotentResult:
    status_code: int
    body: Any
    replayed: bool


def run_idempotent(
    *, actor: Employee, key: uuid.UUID, operation: str, create: Callable[[], tuple[int, Any]]
) -> IdempotentResult:
    """Run `create` once per (organization, key); `create` returns (status, JSON-ready body)."""
    existing = IdempotencyRecord.objects.filter(org_id=actor.org_id, key=key).first()
    if existing is not None:
        return _replay(existing, operation)

    def write() -> IdempotencyRecord:
        status_code, body = create()
        return IdempotencyRecord.objects.create(
            org_id=actor.org_id,
            key=key,
            employee=actor,
            operation=operation,
            status_code=status_code,
            response=body,
        )

    record, created = create_or_winner(IdempotencyRecord.objects.filter(org_id=actor.org_id, key=key), write)
    if not created:
        return _replay(record, operation)
    return IdempotentResult(status_code=record.status_code, body=record.response, replayed=False)


def _replay(record: IdempotencyRecord, operation: str) -> IdempotentResult:
    if record.operation != operation:
        raise ServiceError(
            ErrorCode.IDEMPOTENCY_MISMATCH,
            _("This idempotency key was already used for a different request."),
            {"idempotency_key": [_("Generate a new UUID for each new record.")]},
        )
    return IdempotentResult(status_code=record.status_code, body=record.response, replayed=True)
