"""/api/v1/work-record-templates and /api/v1/work-records: thin shells over services and selectors.

A create's `Idempotency-Key` is the new row's `client_id` (`org.idempotency.create_once`): a replay returns the
first record with the same status and writes nothing.
"""

import uuid
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Status

from fieldloop.core.pagination import keyset_page
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.schemas import ATTACHMENT_DOWNLOAD, TemplateOut, template_out
from fieldloop.formtemplates.selectors import template_list
from fieldloop.formtemplates.serving import attachment_links, attachment_response
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once
from fieldloop.org.schemas import ERRORS

from . import selectors, services
from .models import WorkRecord, WorkRecordComment
from .schemas import (
    CommentIn,
    CommentOut,
    WorkRecordFilters,
    WorkRecordIn,
    WorkRecordOut,
    WorkRecordPage,
    WorkRecordPatchIn,
)

router = Router(tags=["work records"])


def record_out(r: WorkRecord, *, editable: bool = False) -> dict[str, Any]:
    return {
        "id": r.pk,
        "client_id": r.client_id,
        "template": {"id": r.template.pk, "purpose": r.template.purpose, "name": r.template.name,
                     "name_en": r.template.name_en},
        "template_version": r.template_version.number,
        "author": {"id": r.author.pk, "name": r.author.name},
        "customer": {"id": r.customer.pk, "name": r.customer.name} if r.customer else None,
        "contact": {"id": r.contact.pk, "name": r.contact.name} if r.contact else None,
        "values": r.values,
        "attachments": attachment_links(
            version=r.template_version, values=r.values, url_name="api:work_record_attachment", holder_id=r.pk
        ),
        "captured_at": r.captured_at,
        "received_at": r.received_at,
        "edited_at": r.edited_at,
        "archived_at": r.archived_at,
        "comment_count": r.comment_count,
        "visit_id": r.visit_id,
        "editable": editable,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }  # fmt: skip


def comment_out(c: WorkRecordComment) -> dict[str, Any]:
    return {
        "id": c.pk, "client_id": c.client_id, "author": {"id": c.author.pk, "name": c.author.name},
        "parent_id": c.parent_id, "body": c.body, "created_at": c.created_at,
    }  # fmt: skip


@router.get(
    "/work-record-templates",
    response={200: list[TemplateOut], **ERRORS},
    summary="Templates a record may be filed with",
)
def work_record_templates(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    return [template_out(t) for t in template_list(actor=actor).exclude(purpose=Purpose.CUSTOMER)]


@router.get("/work-records", response={200: WorkRecordPage, **ERRORS}, summary="Visible employees' records (feed)")
def record_list(
    request: HttpRequest,
    filters: Query[WorkRecordFilters],
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    actor = actor_of(request)
    qs = selectors.record_feed(actor=actor, filters=selectors.FeedFilters(**filters.dict()))
    page = keyset_page(qs, ordering=selectors.FEED_ORDERING, cursor=cursor, limit=limit)
    window = services.edit_window(org_id=actor.org_id)
    items = [record_out(r, editable=services.can_edit(actor=actor, record=r, window=window)) for r in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@router.post("/work-records", response={201: WorkRecordOut, **ERRORS}, summary="File a record")
def record_create(
    request: HttpRequest, payload: WorkRecordIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    record, created = create_once(
        lambda: services.record_create(
            actor=actor,
            client_id=idempotency_key,
            template_id=payload.template_id,
            values=payload.values,
            customer_id=payload.customer_id,
            contact_id=payload.contact_id,
            captured_at=payload.captured_at,
            visit_id=payload.visit_id,
            reuse_photo_ids=payload.reuse_photo_ids,
            device_position=payload.device_position.dict() if payload.device_position else None,
        ),
        # the same key with another record (template, visit, customer or contact) is a mismatch, not a replay; a
        # visit's step sent without a customer took the visit's
        same=lambda r: (
            (r.author_id, r.template_id, r.visit_id) == (actor.pk, payload.template_id, payload.visit_id)
            and (
                (r.customer_id, r.contact_id) == (payload.customer_id, payload.contact_id)
                or (r.visit_id is not None and payload.customer_id is None and payload.contact_id is None)
            )
        ),
    )
    if not created:  # a replay: the first record, read with what the answer shows
        record = selectors.record_get(actor=actor, record_id=record.pk)
    # a new record is answered from the instance the service saved (its related rows attached), not read again
    return Status(201, record_out(record, editable=services.can_edit(actor=actor, record=record)))


@router.get("/work-records/{int:record_id}", response={200: WorkRecordOut, **ERRORS})
def record_detail(request: HttpRequest, record_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    record = selectors.record_get(actor=actor, record_id=record_id)
    return record_out(record, editable=services.can_edit(actor=actor, record=record))


@router.get(
    "/work-records/{int:record_id}/attachments/{int:attachment_id}",
    response={**ERRORS},
    openapi_extra={"responses": ATTACHMENT_DOWNLOAD},
    url_name="work_record_attachment",
    summary="A photo or file the record holds (its `attachments` give the URLs)",
)
def record_attachment(
    request: HttpRequest, record_id: int, attachment_id: int, thumbnail: bool = False
) -> FileResponse:
    """Whoever may see the record (as on its page) gets a photo or file its values hold; `thumbnail=true` gives a
    photo's thumbnail. Anything else, including an attachment of another record, is not found (404)."""
    actor = actor_of(request)
    attachment = selectors.record_attachment(actor=actor, record_id=record_id, attachment_id=attachment_id)
    return attachment_response(attachment, thumbnail=thumbnail)


@router.patch(
    "/work-records/{int:record_id}", response={200: WorkRecordOut, **ERRORS}, summary="Edit (author, in window)"
)
def record_update(request: HttpRequest, record_id: int, payload: WorkRecordPatchIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.record_update(actor=actor, record_id=record_id, values=payload.values)
    record = selectors.record_get(actor=actor, record_id=record_id)
    return record_out(record, editable=services.can_edit(actor=actor, record=record))


@router.get("/work-records/{int:record_id}/comments", response={200: list[CommentOut], **ERRORS})
def comment_list(request: HttpRequest, record_id: int) -> list[dict[str, Any]]:
    record = selectors.record_get(actor=actor_of(request), record_id=record_id)
    return [comment_out(c) for c in selectors.comment_list(record=record)]


@router.post("/work-records/{int:record_id}/comments", response={201: CommentOut, **ERRORS}, summary="Comment")
def comment_create(
    request: HttpRequest, record_id: int, payload: CommentIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    comment, _ = create_once(
        lambda: services.comment_create(
            actor=actor, record_id=record_id, client_id=idempotency_key, body=payload.body, parent_id=payload.parent_id
        ),
        same=lambda c: (
            (c.author_id, c.record_id, c.parent_id, c.body)
            == (actor.pk, record_id, payload.parent_id, (payload.body or "").strip())
        ),
    )
    return Status(201, comment_out(comment))


from .visit_api import router as visit_router  # noqa: E402

router.add_router("/", visit_router)

from .visit_review_api import router as visit_review_router  # noqa: E402

router.add_router("/", visit_review_router)
