"""/api/v1/form-templates and /api/v1/attachments: thin shells over services and selectors.

An upload's `Idempotency-Key` is the attachment's `client_id`; a template's or version's first answer is kept by
`run_idempotent`. A replay returns the first result with the same status and writes nothing.
"""

import json
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once, run_idempotent
from fieldloop.org.schemas import ERRORS

from . import selectors, services
from .models import Attachment, AttachmentKind, FormTemplateVersion, Purpose
from .schemas import (
    AttachmentOut,
    TemplateCreateIn,
    TemplateOut,
    TemplatePublishIn,
    TemplateSummaryOut,
    VersionOut,
    template_out,
    template_summary_out,
    version_out,
)

router = Router(tags=["form templates"])


def attachment_out(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "client_id": a.client_id,
        "kind": a.kind,
        "original_name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "original_size": a.original_size or a.size,
        "sha256": a.sha256,
        "created_at": a.created_at,
    }


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@router.get("/form-templates", response={200: list[TemplateSummaryOut], **ERRORS}, summary="Form templates")
def template_list(
    request: HttpRequest, purpose: Purpose | None = None, include_archived: bool = False
) -> list[dict[str, Any]]:
    templates = selectors.template_list(actor=actor_of(request), purpose=purpose, include_archived=include_archived)
    return [template_summary_out(t) for t in templates]


@router.get(
    "/form-templates/{int:template_id}", response={200: TemplateOut, **ERRORS}, summary="A template and its fields"
)
def template_detail(request: HttpRequest, template_id: int) -> dict[str, Any]:
    template = selectors.template_get(actor=actor_of(request), template_id=template_id)
    if template.current_version is not None:
        template.current_version = FormTemplateVersion.objects.select_related("created_by").get(
            pk=template.current_version.pk
        )
    return template_out(template)


@router.get("/form-templates/{int:template_id}/versions", response={200: list[VersionOut], **ERRORS})
def version_list(request: HttpRequest, template_id: int) -> list[dict[str, Any]]:
    return [version_out(v) for v in selectors.version_list(actor=actor_of(request), template_id=template_id)]


@router.get("/form-templates/{int:template_id}/versions/{int:number}", response={200: VersionOut, **ERRORS})
def version_detail(request: HttpRequest, template_id: int, number: int) -> dict[str, Any]:
    return version_out(selectors.version_get(actor=actor_of(request), template_id=template_id, number=number))


@router.post("/form-templates", response={201: TemplateOut, **ERRORS}, summary="Create a template (admins)")
def template_create(
    request: HttpRequest, payload: TemplateCreateIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        data = payload.dict()
        template = services.template_create(actor=actor, **data)
        return 201, _jsonable(template_out(selectors.template_get(actor=actor, template_id=template.pk)))

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="formtemplate.create", create=create
    )
    return Status(result.status_code, result.body)


@router.post(
    "/form-templates/{int:template_id}/versions",
    response={201: VersionOut, **ERRORS},
    summary="Publish a new version from the full list of fields (admins)",
)
def template_publish(
    request: HttpRequest, template_id: int, payload: TemplatePublishIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        version = services.template_publish(actor=actor, template_id=template_id, fields=payload.dict()["fields"])
        return 201, _jsonable(version_out(version))

    result = run_idempotent(
        request=request,
        actor=actor,
        key=idempotency_key,
        operation=f"formtemplate.publish:{template_id}",
        create=create,
    )
    return Status(result.status_code, result.body)


@router.post(
    "/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="Upload a photo or file (multipart); the Idempotency-Key becomes its client_id",
)
def attachment_upload(
    request: HttpRequest,
    kind: Form[AttachmentKind],
    file: File[UploadedFile],
    idempotency_key: uuid.UUID = IdempotencyKey,
    latitude: Form[float | None] = None,
    longitude: Form[float | None] = None,
    accuracy: float | None = Form(None, description="Of the position, in metres; required with coordinates."),
    address: str = Form("", max_length=200, description="Where the photo was taken; drawn on it."),
) -> Status[Any]:
    """A photo is stored re-encoded as JPEG, without its metadata (EXIF, GPS), with a watermark of the
    employee, the time and the position or address sent with it ("no position" when none), and a thumbnail.
    Name its id in a photo/file field of a record or customer within 24 hours: an upload that nothing holds
    by then is deleted (`manage.py cleanup_attachments`). Once held, it is fetched through what holds it
    (the record's or customer's `attachments` give the URLs)."""
    actor = actor_of(request)
    position = services.photo_position(latitude=latitude, longitude=longitude, accuracy=accuracy, address=address)
    # the service answers the row alone and itself refuses the key sent again by someone else or with other bytes:
    # create_once puts that refusal on the header
    attachment, _ = create_once(
        lambda: (
            services.attachment_upload(
                actor=actor, client_id=idempotency_key, upload=file, kind=kind, position=position
            ),
            True,
        ),
        same=lambda a: True,
    )
    return Status(201, attachment_out(attachment))
