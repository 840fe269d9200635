"""The idempotency contract every create of the JSON API follows.

The client generates a UUID once per create and sends it in the `Idempotency-Key` header (`IdempotencyKey`
declares it: a missing or malformed key is refused with a field error on `Idempotency-Key`). The first
request creates; a replay of the same key returns the first result with the same status and writes nothing;
the key sent by someone else, or for a different operation, is refused (422 `idempotency_mismatch`).

Where the created row has a `client_id` column (customers, contacts, work records, comments, visits,
attachments, import jobs), the key is stored as that `client_id` and the row's unique (org, client_id)
constraint is what recognises a replay: `create_once` wraps the service. Any other create keeps its first
response in an `IdempotencyRecord` under the key, in the create's transaction: `run_idempotent`. Either way,
two concurrent requests with one key let the database's unique constraint choose the winner, and the other
returns the winner's result.

HTML forms keep their hidden `client_id` field (the offline outbox posts it) and call the services directly.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import Header

from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError

from .models import Employee, IdempotencyRecord

HEADER = "Idempotency-Key"

# The one way a create endpoint reads the key: `idempotency_key: uuid.UUID = IdempotencyKey`. Ninja declares the
# header (required) in the OpenAPI and refuses a missing or malformed one with the API's field error on it.
IdempotencyKey: Any = Header(
    ..., alias=HEADER, description="A UUID the client generates once per create; a replay returns the first result."
)


def mismatch() -> ServiceError:
    """The key was first used by someone else or for a different operation."""
    return ServiceError(
        ErrorCode.IDEMPOTENCY_MISMATCH,
        _("This idempotency key was already used for a different request."),
        {HEADER: [_("Generate a new UUID for each new record.")]},
    )


def create_once[Row](create: Callable[[], tuple[Row, bool]], *, same: Callable[[Row], bool]) -> tuple[Row, bool]:
    """A create whose row stores the key as its `client_id`: `create` is the service, which returns
    (row, created) and, for a replayed key, the first row without writing. `same(row)` says whether that first
    row answers this request (the same author, the same parent in the path); if not, the key is refused.
    Returns what the service returned: (row, created)."""
    try:
        row, created = create()
    except ServiceError as e:
        if e.code == ErrorCode.IDEMPOTENCY_MISMATCH:  # a service's own check (a visit's employee, a file's bytes)
            raise mismatch() from e
        raise
    if not created and not same(row):
        raise mismatch()
    return row, created


@dataclass
class IdempotentResult:
    status_code: int
    body: Any
    replayed: bool


def request_fingerprint(request: HttpRequest) -> str:
    """What a request asks for (method, path, query, body), as a SHA-256: the same key sent with another
    request is a client's mistake, not a replay. A multipart body already read is taken by its fields and
    files' names and sizes."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    try:
        digest.update(request.body)
    except RawPostDataException:
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, files in sorted(request.FILES.lists()):
            digest.update(repr((name, [(f.name, f.size) for f in files])).encode())
    return digest.hexdigest()


def run_idempotent(
    *,
    actor: Employee,
    key: uuid.UUID,
    operation: str,
    create: Callable[[], tuple[int, Any]],
    request: HttpRequest | None = None,
) -> IdempotentResult:
    """Run `create` once per (organization, key); `create` returns (status, JSON-ready body). With the API
    `request`, a replay must also carry the same request, else it is refused as a mismatch."""
    fingerprint = request_fingerprint(request) if request is not None else ""
    existing = IdempotencyRecord.objects.filter(org_id=actor.org_id, key=key).first()
    if existing is not None:
        return _replay(existing, actor, operation, fingerprint)

    def write() -> IdempotencyRecord:
        status_code, body = create()
        return IdempotencyRecord.objects.create(
            org_id=actor.org_id,
            key=key,
            employee=actor,
            operation=operation,
            status_code=status_code,
            response=body,
            fingerprint=fingerprint,
        )

    record, created = create_or_winner(IdempotencyRecord.objects.filter(org_id=actor.org_id, key=key), write)
    if not created:
        return _replay(record, actor, operation, fingerprint)
    return IdempotentResult(status_code=record.status_code, body=record.response, replayed=False)


def _replay(record: IdempotencyRecord, actor: Employee, operation: str, fingerprint: str) -> IdempotentResult:
    if record.operation != operation or record.employee_id != actor.pk:
        raise mismatch()
    if fingerprint and record.fingerprint and fingerprint != record.fingerprint:
        raise mismatch()
    return IdempotentResult(status_code=record.status_code, body=record.response, replayed=True)
