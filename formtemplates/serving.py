"""Sending a stored attachment to a viewer the caller has already checked may see what holds it.

There is no public URL of an attachment: MEDIA_URL is not routed, and an attachment is reached only
through what holds it (a work record, a customer), whose view checks visibility first and then calls
`attachment_response`. A photo is shown inline; any other file is sent as a download with its own
name and a neutral type, so an uploaded HTML or SVG file never runs in the site's origin.
"""

from django.http import FileResponse, Http404

from .models import Attachment, AttachmentKind


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
