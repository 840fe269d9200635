"""Writes for form templates and attachments: keyword-only, actor first, one transaction, history in AuditEntry."""

import hashlib
import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.timezone import now
from django.utils.translation import gettext as _

from fieldloop.core import progress
from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.core.geo import Position, position_from
from fieldloop.core.photos import process_photo
from fieldloop.org.models import Employee, Organization
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from .definitions import parse_definitions
from .fields import FieldDefinition, FieldType
from .models import Attachment, AttachmentKind, FormTemplate, FormTemplateVersion, Purpose

logger = logging.getLogger(__name__)

# Who may design templates: the organization's administrators.
MANAGE_TEMPLATES = Permission.MANAGE_ORGANIZATION

# Hard caps at upload; each photo/file field checks its own (smaller) limit when a record is saved.
MAX_UPLOAD_MB = {AttachmentKind.PHOTO: 20, AttachmentKind.FILE: 100}


def _lock_template(actor: Employee, template_id: int) -> FormTemplate:
    template = FormTemplate.objects.select_for_update().filter(org_id=actor.org_id, pk=template_id).first()
    if template is None:
        raise not_found()
    return template


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise invalid("name", _("This field is required."))
    if len(name) > 120:
        raise invalid("name", _("At most %(n)d characters.") % {"n": 120})
    return name


def _new_version(
    *, actor: Employee | None, template: FormTemplate, definitions: list[FieldDefinition]
) -> FormTemplateVersion:
    last = template.versions.aggregate(n=Max("number"))["n"] or 0
    version = FormTemplateVersion.objects.create(
        org_id=template.org_id,
        template=template,
        number=last + 1,
        fields=[d.as_json() for d in definitions],
        created_by=actor,
    )
    template.current_version = version
    template.save(update_fields=["current_version", "updated_at"])
    return version


@transaction.atomic
def template_create(
    *,
    actor: Employee,
    purpose: str,
    name: str,
    name_en: str = "",
    description: str = "",
    fields: list[dict[str, Any]] | None = None,
) -> FormTemplate:
    """A new template with version 1 (the given fields, or none)."""
    require_permission(actor, MANAGE_TEMPLATES)
    if purpose not in Purpose.values:
        raise invalid("purpose", _("Choose one of the allowed values."))
    name = _check_name(name)
    definitions = parse_definitions(fields or [])
    if (
        purpose == Purpose.CUSTOMER
        and FormTemplate.objects.filter(org_id=actor.org_id, purpose=Purpose.CUSTOMER, is_active=True).exists()
    ):
        raise invalid(
            "purpose", _("The organization already has a customer template; edit that one."), ErrorCode.DUPLICATE
        )
    template = FormTemplate.objects.create(
        org_id=actor.org_id,
        purpose=purpose,
        name=name,
        name_en=(name_en or "").strip()[:120],
        description=(description or "").strip(),
    )
    version = _new_version(actor=actor, template=template, definitions=definitions)
    audit(
        actor=actor,
        org=actor.org,
        action="formtemplate.create",
        obj=template,
        changes={"purpose": [None, purpose], "name": [None, name], "version": [None, version.number]},
    )
    return template


def template_install(
    *, org_id: int, purpose: str, name: str, name_en: str, description: str, fields: list[dict[str, Any]]
) -> FormTemplate:
    """A template an app ships (a built-in one), installed without an acting user; afterwards it is an
    ordinary template the organization's administrators edit in the designer. Runs inside the caller's
    transaction."""
    definitions = parse_definitions(fields)
    template = FormTemplate.objects.create(
        org_id=org_id, purpose=purpose, name=name, name_en=name_en, description=description
    )
    _new_version(actor=None, template=template, definitions=definitions)
    return template


def customer_template_create(org: Organization) -> FormTemplate:
    """A new organization's customer template: empty (version 1, no fields) until an administrator adds
    fields in the designer. Registered in `org.defaults`; runs in the organization's creating transaction."""
    return template_install(
        org_id=org.pk, purpose=Purpose.CUSTOMER, name="客户", name_en="Customer", description="", fields=[]
    )


def _check_columns_kept(old: FieldDefinition, new: FieldDefinition, where: str, errors: dict[str, list[Any]]) -> None:
    """A sub-table's published columns stay, with their types, so stored rows stay readable (like fields)."""
    new_columns = {c.key: (j, c) for j, c in enumerate(new.columns)}
    for column in old.columns:
        if column.key not in new_columns:
            errors.setdefault(where, []).append(
                _("The column “%(label)s” (%(key)s) cannot be removed; retire it instead.")
                % {"label": column.label, "key": column.key}
            )
        elif new_columns[column.key][1].type != column.type:
            errors.setdefault(f"{where}.{new_columns[column.key][0]}.type", []).append(
                _("An existing column keeps its type; retire it and add a new column instead.")
            )


@transaction.atomic
def template_publish(*, actor: Employee, template_id: int, fields: list[dict[str, Any]]) -> FormTemplateVersion:
    """Publish a new version from the full, ordered list of field definitions.

    Fields are never removed: a field of the current version must stay in the list (mark it
    `retired` to stop asking for it), and keeps its type, so stored values stay readable.
    """
    require_permission(actor, MANAGE_TEMPLATES)
    template = _lock_template(actor, template_id)
    if not template.is_active:
        raise ServiceError(ErrorCode.CONFLICT, _("This template is archived."))
    definitions = parse_definitions(fields)
    current = template.current_version
    errors: dict[str, list[Any]] = {}
    if current is not None:
        new_by_key = {d.key: (i, d) for i, d in enumerate(definitions)}
        for old in current.definitions:
            if old.key not in new_by_key:
                errors.setdefault("fields", []).append(
                    _("The field “%(label)s” (%(key)s) cannot be removed; retire it instead.")
                    % {"label": old.label, "key": old.key}
                )
                continue
            i, new = new_by_key[old.key]
            if new.type != old.type:
                errors.setdefault(f"fields.{i}.type", []).append(
                    _("An existing field keeps its type; retire it and add a new field instead.")
                )
            elif new.type == FieldType.SUBTABLE:
                _check_columns_kept(old, new, f"fields.{i}.options.columns", errors)
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the field definitions."), errors)
    version = _new_version(actor=actor, template=template, definitions=definitions)
    audit(
        actor=actor,
        org=actor.org,
        action="formtemplate.publish",
        obj=template,
        changes={"version": [current.number if current else None, version.number]},
    )
    return version


@transaction.atomic
def template_update(
    *, actor: Employee, template_id: int, name: str, name_en: str = "", description: str = ""
) -> FormTemplate:
    """Rename a template or change its description (its fields change only by publishing)."""
    require_permission(actor, MANAGE_TEMPLATES)
    template = _lock_template(actor, template_id)
    changes: dict[str, list[Any]] = {}
    for attr, value in (("name", _check_name(name)), ("name_en", name_en.strip()[:120]), ("description", description)):
        if getattr(template, attr) != value:
            changes[attr] = [getattr(template, attr), value]
            setattr(template, attr, value)
    if changes:
        template.save()
        audit(actor=actor, org=actor.org, action="formtemplate.update", obj=template, changes=changes)
    return template


@transaction.atomic
def template_archive(*, actor: Employee, template_id: int) -> FormTemplate:
    """Stop offering a template for new records; its versions and the records entered with them stay."""
    require_permission(actor, MANAGE_TEMPLATES)
    template = _lock_template(actor, template_id)
    if template.purpose == Purpose.CUSTOMER:
        raise ServiceError(ErrorCode.CONFLICT, _("The customer template cannot be archived; retire its fields."))
    if template.is_active:
        template.is_active = False
        template.save(update_fields=["is_active", "updated_at"])
        audit(actor=actor, org=actor.org, action="formtemplate.archive", obj=template, changes={"is_active": [1, 0]})
    return template


# --- Attachments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoPosition:
    """Where a photo was taken: a checked position and/or an address (at least one)."""

    position: Position | None = None
    address: str = ""


def photo_position(
    *, latitude: Any = None, longitude: Any = None, accuracy: Any = None, address: str = ""
) -> PhotoPosition | None:
    """What the client sent beside a photo, checked: None when it sent nothing; field errors
    (ServiceError) when the coordinates are half sent or out of range."""
    sent = any(v is not None and v != "" for v in (latitude, longitude, accuracy))
    position = position_from(latitude, longitude, accuracy) if sent else None
    address = (address or "").strip()[:200]
    if position is None and not address:
        return None
    return PhotoPosition(position, address)


def photo_watermark(*, actor: Employee, taken_at: datetime, position: PhotoPosition | None) -> list[str]:
    """The lines drawn on a photo: who (and for which company), when in the organization's time zone, where."""
    org = actor.org
    local = taken_at.astimezone(ZoneInfo(org.time_zone))
    lines = [f"{actor.name} · {org.name}", f"{local:%Y-%m-%d %H:%M} {org.time_zone}"]
    if position is not None and position.address:
        lines.append(position.address)
    if position is not None and (where := position.position) is not None:
        lines.append(f"{where.latitude:.6f}, {where.longitude:.6f} ±{round(where.accuracy_m)} m")
    if position is None:
        lines.append(_("no position"))
    return lines


def upload_sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attachment_upload(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    upload: UploadedFile,
    kind: str,
    position: PhotoPosition | None = None,
    taken_at: datetime | None = None,
) -> Attachment:
    """Store a photo or file once per client_id: a retried upload (same bytes) returns the first one.
    `taken_at`: when the phone captured it (a record kept offline arrives later), else now.

    A photo is checked and re-encoded by core.photos: what is stored is a fresh JPEG without the
    original's metadata, watermarked with the employee, the time and `position` (as `photo_position` checked
    it; "no position" when None), and a thumbnail beside it; `sha256` stays the digest of the bytes sent,
    so a replay is recognised.
    The size cap here is the hard one, each field checks its own limit when the record is saved.
    A refused upload leaves nothing behind, neither a row nor a file.
    """
    if not actor.is_active:
        raise not_found()
    if kind not in AttachmentKind.values:
        raise invalid("kind", _("Choose one of the allowed values."))
    existing = Attachment.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    digest = upload_sha256(upload)
    if existing is not None:
        return _replayed(existing, digest, actor)
    original_size = upload.size or 0
    if original_size == 0:
        raise invalid("file", _("The file is empty."))
    limit = MAX_UPLOAD_MB[AttachmentKind(kind)]
    if original_size > limit * 1024 * 1024:
        raise invalid("file", _("The file is larger than %(n)d MB.") % {"n": limit})
    attachment = Attachment(
        org_id=actor.org_id,
        uploaded_by=actor,
        original_name=(upload.name or "upload")[-255:],
        original_size=original_size,
        sha256=digest,
        kind=kind,
        client_id=client_id,
    )
    if kind == AttachmentKind.PHOTO:
        upload.seek(0)
        watermark = photo_watermark(actor=actor, taken_at=taken_at or now(), position=position)
        photo = process_photo(upload.read(), watermark=watermark, zone=ZoneInfo(actor.org.time_zone))
        attachment.exif_taken_at = photo.exif_taken_at
        stored: File = ContentFile(photo.jpeg, name="photo.jpg")
        attachment.content_type = "image/jpeg"
        attachment.size = len(photo.jpeg)
    else:
        stored = upload
        attachment.content_type = (upload.content_type or "application/octet-stream")[:100]
        attachment.size = original_size

    def write() -> Attachment:
        attachment.save()
        audit(
            actor=actor,
            org=actor.org,
            action="attachment.upload",
            obj=attachment,
            changes={"name": [None, attachment.original_name], "size": [None, attachment.size]},
        )
        return attachment

    try:
        attachment.file.save(stored.name or "upload", stored, save=False)
        if kind == AttachmentKind.PHOTO:
            attachment.thumbnail.save("thumbnail.jpg", ContentFile(photo.thumbnail), save=False)
        saved, created = create_or_winner(Attachment.objects.filter(org_id=actor.org_id, client_id=client_id), write)
    except BaseException:
        _delete_files(attachment)
        raise
    if not created:  # the same client_id uploaded concurrently: the first upload won
        _delete_files(attachment)
        return _replayed(saved, digest, actor)
    return attachment


def attachment_copy(*, actor: Employee, source: Attachment, client_id: uuid.UUID) -> Attachment:
    """A new attachment of the actor's with the same content as `source` (its file and thumbnail copied), not
    yet held by anything, once per `client_id` (a replay returns the first copy). An attachment is held by one
    row only (`attachments_claim_held`): reusing a photo in another record is a copy. The caller has checked
    that the actor may reuse `source` (activities.visit_services.visit_photos_reuse: a photo of their own visit)."""
    existing = Attachment.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        return _replayed(existing, source.sha256, actor)
    copy = Attachment(
        org_id=actor.org_id, uploaded_by=actor, original_name=source.original_name, original_size=source.original_size,
        sha256=source.sha256, kind=source.kind, client_id=client_id, content_type=source.content_type,
        size=source.size, exif_taken_at=source.exif_taken_at,  # the same photo, taken when it was
    )  # fmt: skip

    def write() -> Attachment:
        copy.save()
        return copy

    try:
        with source.file.open("rb") as f:
            copy.file.save(PurePosixPath(source.file.name or "photo.jpg").name, ContentFile(f.read()), save=False)
        if source.thumbnail:
            with source.thumbnail.open("rb") as f:
                copy.thumbnail.save("thumbnail.jpg", ContentFile(f.read()), save=False)
        saved, created = create_or_winner(Attachment.objects.filter(org_id=actor.org_id, client_id=client_id), write)
    except BaseException:
        _delete_files(copy)
        raise
    if not created:
        _delete_files(copy)
        return _replayed(saved, source.sha256, actor)
    return copy


def _delete_files(attachment: Attachment) -> None:
    """The stored files of an attachment whose row was not written: no orphan is left in storage."""
    for stored in (attachment.file, attachment.thumbnail):
        if stored:
            stored.delete(save=False)


def _replayed(existing: Attachment, digest: str, actor: Employee) -> Attachment:
    """The first upload, for its own uploader sending the same bytes again; any other reuse is refused."""
    if existing.sha256 != digest or existing.uploaded_by_id != actor.pk:
        raise ServiceError(
            ErrorCode.IDEMPOTENCY_MISMATCH,
            _("This client id was already used for a different file."),
            {"client_id": [_("Generate a new UUID for each new file.")]},
        )
    return existing


# --- Claims and orphans -----------------------------------------------------------------------
#
# An attachment is uploaded first and held afterwards, by the values of a work record or a customer
# (a list of attachment ids in a photo/file field; a record revision keeps the ids its record held).
# What holds it is JSON, which neither database searches by an id alone, so instead of looking for
# holders the attachment carries the answer: `claimed_at` is set (once, never cleared) by the service
# that saves values holding it, inside the saving transaction and after every check of the save has
# passed (`attachments_claim_held`). A refused save, for whatever field, claims nothing: the upload
# stays free for the corrected resubmission. An attachment still unclaimed a day after its upload was
# never saved anywhere: a record form that failed validation, or an API client that uploaded and never
# filed. `attachments_cleanup` deletes it.
#
# The two meet on the attachment's row, never on a guess:
# - the claim is one UPDATE … WHERE claimed_at IS NULL, in the saving transaction;
# - the cleanup picks its rows with SELECT … FOR UPDATE and deletes them in the same transaction.
# PostgreSQL: a claim waits for the cleanup's row lock and then finds no row (the save is refused as for
# an unknown attachment); the cleanup waits for a claim's row lock and then re-reads the row, which no
# longer matches (it is kept); a claim rolled back with its save leaves the row unclaimed again. SQLite
# takes the database's write lock at BEGIN (transaction_mode IMMEDIATE), so the two never interleave.

ORPHAN_AGE = timedelta(hours=24)
CLEANUP_BATCH = 200


def attachments_claim(*, actor: Employee, ids: Collection[int], holder: str) -> set[int]:
    """Mark these attachments as held by `holder` (`holder_of` the row whose values are being saved). Only the
    actor's own uploads, never held before, are claimed: another's photo, one already held elsewhere, or one
    deleted as an orphan meanwhile is returned, and the caller refuses the save for it (as not found: the
    answer does not tell which). One query."""
    ids = set(ids)
    if not ids:
        return set()
    fresh = Attachment.objects.filter(org_id=actor.org_id, pk__in=ids, uploaded_by=actor, claimed_at__isnull=True)
    if fresh.update(claimed_at=now(), holder=holder) == len(ids):
        return set()
    claimed = Attachment.objects.filter(org_id=actor.org_id, pk__in=ids, holder=holder)
    return ids - set(claimed.values_list("pk", flat=True))


def attachments_claim_held(
    *,
    actor: Employee,
    holder: str,
    version: FormTemplateVersion,
    values: dict[str, Any],
    previous: dict[str, Any] | None = None,
    field_prefix: str = "",
) -> None:
    """Claim for `holder` the attachments that `values` (validated against `version`) hold and `previous` (the
    holder's stored values they replace) did not. Call it inside the transaction that saves the values, once
    every other check of the save has passed (and, on a create, once the row has its id), so that a refused
    save claims nothing. An attachment that is not the actor's own fresh upload, or is named twice, refuses
    the save (rolling the transaction back), on its field: `<field_prefix><key>`."""
    previous = previous or {}
    new: dict[int, str] = {}
    seen: set[int] = set()
    refused: set[int] = set()
    for d in version.definitions:
        if d.type not in (FieldType.PHOTO, FieldType.FILE) or not isinstance(values.get(d.key), list):
            continue
        before = previous.get(d.key)
        held_before = set(before) if isinstance(before, list) else set()
        for attachment_id in values[d.key]:
            if attachment_id in seen:
                refused.add(attachment_id)  # one attachment, one place
            seen.add(attachment_id)
            if attachment_id not in held_before:
                new.setdefault(attachment_id, d.key)
    refused |= attachments_claim(actor=actor, ids=new, holder=holder)
    if refused:
        errors: dict[str, list[Any]] = {}
        for attachment_id in sorted(refused):
            key = new.get(attachment_id) or next(
                d.key for d in version.definitions if attachment_id in (values.get(d.key) or [])
            )
            errors.setdefault(f"{field_prefix}{key}", []).append(
                _("Attachment %(id)d was not found; upload it first.") % {"id": attachment_id}
            )
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)


def all_orgs_attachments_cleanup(*, older_than: timedelta = ORPHAN_AGE) -> int:
    """Delete every attachment, of any organization, uploaded more than `older_than` ago and never claimed,
    with its files (the files once the rows' deletion is committed). Returns how many were deleted.
    Batches of CLEANUP_BATCH rows, one short transaction each."""
    cutoff = now() - older_than
    deleted = 0
    with progress.step("unclaimed attachments deleted") as shown:
        while True:
            with transaction.atomic():
                batch = list(
                    Attachment.objects.select_for_update()
                    .filter(claimed_at__isnull=True, created_at__lt=cutoff)
                    .order_by("created_at", "pk")
                    .only("pk", "file", "thumbnail")[:CLEANUP_BATCH]
                )
                if not batch:
                    break
                count, _by_model = Attachment.objects.filter(
                    pk__in=[a.pk for a in batch], claimed_at__isnull=True
                ).delete()
                deleted += count
                files = [stored.name for a in batch for stored in (a.file, a.thumbnail) if stored.name]
                transaction.on_commit(partial(_delete_stored_files, files))
            shown.advance(count)
            if len(batch) < CLEANUP_BATCH:
                break
    logger.info("attachments cleanup: deleted %d unclaimed attachment(s) older than %s", deleted, older_than)
    return deleted


def _delete_stored_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # the row is gone already; a file left behind harms nobody
            logger.warning("attachments cleanup: could not delete %s", name, exc_info=True)
