"""Sending a stored attachment to a viewer the caller has already checked may see what holds it, and the
API links to it through what holds it.

There is no public URL of an attachment: MEDIA_URL is not routed, and an attachment is reached only
through what holds it (a work record, a customer), whose view checks visibility first and then calls
`attachment_response`. A photo is shown inline; any other file is sent as a download with its own
name and a neutral type, so an uploaded HTML or SVG file never runs in the site's origin.
"""

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse

from .fields import FieldType
from .models import Attachment, AttachmentKind, FormTemplateVersion
from .selectors import held_attachments_by_field


def attachment_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """The photo (or its thumbnail, when it has one) inline, or the file as a download; private to the viewer."""
    photo = attachment.kind == AttachmentKind.PHOTO
    stored = attachment.thumbnail if thumbnail and attachment.thumbnail else attachment.file
    try:
        content = stored.open("rb")
    except OSError as e:  # the row is there but its file is gone from storage
        raise Http404 from e
    response = FileResponse(
        content,
        as_attachment=not photo,
        filename=attachment.original_name if not photo else "photo.jpg",
        content_type=attachment.content_type if photo else "application/octet-stream",
    )
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment_links(
    *, version: FormTemplateVersion | None, values: dict[str, Any], url_name: str, holder_id: int
) -> list[dict[str, Any]]:
    """Where a client fetches each attachment that a record's or customer's `values` hold: the API route
    `url_name` (e.g. "api:work_record_attachment") with the holder's id and the attachment's id. Built from
    the values and their template version alone, without a query."""
    if version is None:
        return []
    links = []
    for d, attachment_id in held_attachments_by_field(version=version, values=values):
        url = reverse(url_name, args=[holder_id, attachment_id])
        photo = d.type == FieldType.PHOTO
        links.append(
            {
                "id": attachment_id,
                "field": d.key,
                "kind": AttachmentKind.PHOTO if photo else AttachmentKind.FILE,
                "url": url,
                "thumbnail_url": f"{url}?thumbnail=true" if photo else None,
            }
        )
    return links
