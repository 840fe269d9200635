"""Writes for work records: keyword-only, the acting employee first, one transaction each.

A create is idempotent by the client's `client_id` (a replay returns the first record and writes
nothing), checks everything before writing (the customer the author may see, the template's values,
the capture time) and refuses with every field's error at once. An author edits within the
organization's edit window, and every edit leaves a revision (who, when, old -> new).
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.customers import pools
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Contact, Customer
from fieldloop.customers.selectors import visible_customers
from fieldloop.formtemplates.fields import FieldType
from fieldloop.formtemplates.models import FormTemplate, FormTemplateVersion, Purpose, holder_of
from fieldloop.formtemplates.services import attachments_claim_held
from fieldloop.formtemplates.validation import validate_values
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission
from fieldloop.org.selectors import can_change_owned_by
from fieldloop.org.services import audit, require_permission

from . import hooks, visit_services
from .builtin import activity_settings
from .follow_ups import last_follow_up_at
from .models import ActivitySettings, Visit, WorkRecord, WorkRecordComment, WorkRecordRevision
from .selectors import record_get, visit_record_check
from .visit_review_services import visit_signals_refresh

# How far a client's capture time may be from the server's clock: a phone's clock runs a little fast,
# and an offline phone sends what it captured days ago.
CAPTURE_FUTURE_SLACK = timedelta(minutes=10)
CAPTURE_MAX_AGE = timedelta(days=90)
# Records of these purposes are always about a customer.
CUSTOMER_REQUIRED = {Purpose.VISIT, Purpose.CALL}
MAX_COMMENT_LENGTH = 2000
MAX_EDIT_WINDOW_HOURS = 720


def _check_captured_at(captured_at: datetime | None, now: datetime) -> datetime:
    """The capture time, in UTC (as it reads back from the database)."""
    if captured_at is None:
        return now
    if timezone.is_naive(captured_at):
        raise invalid("captured_at", _("Send the capture time with its time zone (ISO 8601)."))
    if captured_at > now + CAPTURE_FUTURE_SLACK:
        raise invalid("captured_at", _("The capture time is in the future; check the device's clock."))
    if captured_at < now - CAPTURE_MAX_AGE:
        raise invalid("captured_at", _("The capture time is more than %(n)d days ago.") % {"n": CAPTURE_MAX_AGE.days})
    return captured_at.astimezone(UTC)


def _template_for_records(actor: Employee, template_id: int) -> FormTemplate:
    template = (
        FormTemplate.objects.select_related("current_version")
        .filter(org_id=actor.org_id, pk=template_id, is_active=True)
        .exclude(purpose=Purpose.CUSTOMER)
        .first()
    )
    if template is None or template.current_version is None:
        raise invalid("template_id", _("Choose one of the organization's active work record templates."))
    return template


def _customer_and_contact(
    actor: Employee, customer_id: int | None, contact_id: int | None, *, required: bool
) -> tuple[Customer | None, Contact | None]:
    """The record's customer (one the author may see, not archived) and contact (one of that customer's)."""
    contact = None
    if contact_id is not None:
        contact = (
            Contact.objects.filter(org_id=actor.org_id, pk=contact_id, archived_at__isnull=True)
            .filter(customer__in=visible_customers(actor=actor).values("pk"))
            .select_related("customer")
            .first()
        )
        if contact is None:
            raise invalid("contact_id", _("Not found, or not visible to you."))
        if customer_id is not None and contact.customer_id != customer_id:
            raise invalid("contact_id", _("This contact belongs to another customer."))
        return contact.customer, contact  # the contact was found among the visible customers' own
    if customer_id is None:
        if required:
            raise invalid("customer_id", _("Choose the customer this record is about."))
        return None, None
    customer = visible_customers(actor=actor).filter(pk=customer_id).first()
    if customer is None:
        raise invalid("customer_id", _("Not found, or not visible to you."))
    return customer, contact


def record_create(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    template_id: int,
    values: dict[str, Any],
    customer_id: int | None = None,
    contact_id: int | None = None,
    captured_at: datetime | None = None,
    device_position: Any = None,
    visit_id: int | None = None,
    reuse_photo_ids: dict[str, list[int]] | None = None,
) -> tuple[WorkRecord, bool]:
    """File a work record; returns (record, created). A replayed `client_id` returns the first record.

    A step of the actor's own visit may reuse photos its earlier records hold (`reuse_photo_ids`, by photo field
    key): copies of them join the field's photos (`visit_services.visit_photos_reuse`, once per `client_id`).

    A new record comes back with its template, version, author, customer and contact attached (the instances
    the checks loaded), so an answer built from it needs no further query."""
    if not actor.is_active:
        raise not_found()
    existing = WorkRecord.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    errors: dict[str, list[Any]] = {}
    visit = None
    if visit_id is not None:
        try:
            visit = visit_record_check(actor=actor, visit_id=visit_id)
        except ServiceError as e:
            errors |= e.fields
        else:
            if customer_id is None and contact_id is None:
                customer_id = visit.customer_id
            elif visit.customer_id is not None and customer_id not in (None, visit.customer_id):
                errors["customer_id"] = [_("This visit is at another customer.")]
    template = None
    try:
        template = _template_for_records(actor, template_id)
    except ServiceError as e:
        errors |= e.fields
    customer = contact = None
    try:
        required = template is not None and template.purpose in CUSTOMER_REQUIRED
        customer, contact = _customer_and_contact(actor, customer_id, contact_id, required=required)
    except ServiceError as e:
        errors |= e.fields
    try:
        captured_at = _check_captured_at(captured_at, now)
    except ServiceError as e:
        errors |= e.fields
    clean: dict[str, Any] = {}
    if reuse_photo_ids:
        if visit is None:
            if visit_id is None:
                errors["reuse_photo_ids"] = [_("Only a step of one of your visits may reuse its photos.")]
        elif template is not None and template.current_version is not None:
            values, reuse_errors = _reuse_photos(
                actor, visit, template.current_version, values, reuse_photo_ids, client_id
            )
            errors |= reuse_errors
    if template is not None and template.current_version is not None:
        try:
            clean = validate_values(
                actor=actor, version=template.current_version, values=values, device_position=device_position
            )
        except ServiceError as e:
            errors |= {f"values.{key}" if key != "device_position" else key: m for key, m in e.fields.items()}
    if errors or template is None or template.current_version is None or captured_at is None:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    version = template.current_version

    def write() -> WorkRecord:
        record = WorkRecord.objects.create(
            org_id=actor.org_id,
            client_id=client_id,
            template=template,
            template_version=version,
            author=actor,
            customer=customer,
            contact=contact,
            values=clean,
            captured_at=captured_at,
            received_at=now,
            visit=visit,
        )
        if customer is not None and visit is None:  # a step of a visit is part of it (activities.follow_ups)
            customer_services.customer_followed_up_at(customer_id=customer.pk, at=captured_at)
        # pools extends only the protection of a customer its author owns: the row just read says when that
        # cannot be, which spares the call its query
        if customer is not None and customer.owner_id == actor.pk and customer.protected_until is not None:
            pools.customer_followed_up(customer_id=customer.pk, by=actor, at=captured_at)
        attachments_claim_held(
            actor=actor, holder=holder_of(record), version=version, values=clean, field_prefix="values."
        )
        hooks.record_created(record)
        if visit is not None:  # the step's photos may make the visit doubtful (visit_review)
            visit_signals_refresh([visit])
        return record

    # the same client_id sent concurrently: the first one wins
    return create_or_winner(WorkRecord.objects.filter(org_id=actor.org_id, client_id=client_id), write)


def _reuse_photos(
    actor: Employee,
    visit: Visit,
    version: FormTemplateVersion,
    values: dict[str, Any],
    reuse: dict[str, list[int]],
    client_id: uuid.UUID,
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """`values` with copies of the reused photos added to their fields' photos, and the refusals by field."""
    photo_fields = {d.key for d in version.definitions if d.type == FieldType.PHOTO and not d.retired}
    values = dict(values)
    errors: dict[str, list[Any]] = {}
    for key, ids in reuse.items():
        if not ids:
            continue
        if key not in photo_fields:
            errors[f"reuse_photo_ids.{key}"] = [_("This template has no photo field with this key.")]
            continue
        try:
            copies = visit_services.visit_photos_reuse(
                actor=actor, visit_id=visit.pk, attachment_ids=ids, namespace=client_id, field=key
            )
        except ServiceError as e:
            errors[f"reuse_photo_ids.{key}"] = next(iter(e.fields.values()), [e.message])
            continue
        sent = values.get(key)
        if sent is None or isinstance(sent, list):
            values[key] = [*(sent or []), *(c for c in copies if c not in (sent or []))]
    return values, errors


def edit_window(*, org_id: int) -> timedelta:
    return timedelta(hours=activity_settings(org_id=org_id).edit_window_hours)


def can_edit(*, actor: Employee, record: WorkRecord, window: timedelta | None = None) -> bool:
    """Only the author, while the record is not archived and younger than the edit window."""
    if record.author_id != actor.pk or not actor.is_active or record.is_archived:
        return False
    window = window if window is not None else edit_window(org_id=actor.org_id)
    return timezone.now() <= record.received_at + window


@transaction.atomic
def record_update(*, actor: Employee, record_id: int, values: dict[str, Any]) -> WorkRecord:
    """The author changes a record's values within the edit window; `values` holds the fields to change
    (null clears one). The old and new values of each changed field go into a revision."""
    record = record_get(actor=actor, record_id=record_id)
    record = WorkRecord.objects.select_for_update().select_related("template_version").get(pk=record.pk)
    if record.author_id != actor.pk:
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only the author may edit a record."))
    if not can_edit(actor=actor, record=record):
        raise ServiceError(
            ErrorCode.CONFLICT, _("This record can no longer be edited: the edit window has passed or it is archived.")
        )
    if not isinstance(values, dict):
        raise invalid("values", _("Expected an object."))
    merged = {**record.values, **values}
    merged = {k: v for k, v in merged.items() if v is not None}
    try:
        clean = validate_values(actor=actor, version=record.template_version, values=merged, previous=record.values)
    except ServiceError as e:
        raise ServiceError(ErrorCode.INVALID, e.message, {f"values.{key}": m for key, m in e.fields.items()}) from None
    changes = {
        key: [record.values.get(key), clean.get(key)]
        for key in sorted(set(record.values) | set(clean))
        if record.values.get(key) != clean.get(key)
    }
    if changes:
        attachments_claim_held(
            actor=actor,
            holder=holder_of(record),
            version=record.template_version,
            values=clean,
            previous=record.values,
            field_prefix="values.",
        )
        WorkRecordRevision.objects.create(org_id=record.org_id, record=record, editor=actor, changes=changes)
        if record.visit_id is not None:  # the step's photos may make the visit doubtful (visit_review)
            visit_signals_refresh(list(Visit.objects.filter(pk=record.visit_id)))
        record.values = clean
        record.edited_at = timezone.now()
        record.save(update_fields=["values", "edited_at", "updated_at"])
        hooks.record_updated(record)
    return record


@transaction.atomic
def record_archive(*, actor: Employee, record_id: int) -> WorkRecord:
    """Archive a record (it leaves the feed and the timeline; nothing is deleted): its author, or someone
    who may change the author's records."""
    record = record_get(actor=actor, record_id=record_id)
    if not can_change_owned_by(actor=actor, owner=record.author):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not archive this record."))
    if record.archived_at is None:
        record.archived_at = timezone.now()
        record.save(update_fields=["archived_at", "updated_at"])
        if record.customer_id is not None and record.visit_id is None:  # it no longer counts as a follow-up
            customer_services.customer_last_follow_up_set(customer_id=record.customer_id, at=last_follow_up_at())
        audit(actor=actor, org=actor.org, action="workrecord.archive", obj=record, changes={"archived": [0, 1]})
    return record


def comment_create(
    *, actor: Employee, record_id: int, client_id: uuid.UUID, body: str, parent_id: int | None = None
) -> tuple[WorkRecordComment, bool]:
    """Comment on a record the actor may see, or reply to one of its comments; idempotent by client_id."""
    record = record_get(actor=actor, record_id=record_id)
    existing = WorkRecordComment.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    body = (body or "").strip()
    if not body:
        raise invalid("body", _("This field is required."))
    if len(body) > MAX_COMMENT_LENGTH:
        raise invalid("body", _("At most %(n)d characters.") % {"n": MAX_COMMENT_LENGTH})
    parent = None
    if parent_id is not None:
        parent = WorkRecordComment.objects.filter(record=record, pk=parent_id).first()
        if parent is None:
            raise invalid("parent_id", _("Reply to a comment of this record."))

    def write() -> WorkRecordComment:
        comment = WorkRecordComment.objects.create(
            org_id=actor.org_id, client_id=client_id, record=record, author=actor, parent=parent, body=body
        )
        WorkRecord.objects.filter(pk=record.pk).update(comment_count=F("comment_count") + 1)
        return comment

    return create_or_winner(WorkRecordComment.objects.filter(org_id=actor.org_id, client_id=client_id), write)


@transaction.atomic
def settings_update(*, actor: Employee, edit_window_hours: int) -> ActivitySettings:
    """An administrator sets how many hours an author may edit a record after filing it (0: never)."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    if isinstance(edit_window_hours, bool) or not isinstance(edit_window_hours, int):
        raise invalid("edit_window_hours", _("Enter a whole number."))
    if not 0 <= edit_window_hours <= MAX_EDIT_WINDOW_HOURS:
        raise invalid(
            "edit_window_hours", _("Enter a whole number from 0 to %(max)d.") % {"max": MAX_EDIT_WINDOW_HOURS}
        )
    settings = activity_settings(org_id=actor.org_id)
    settings = ActivitySettings.objects.select_for_update().get(pk=settings.pk)
    if settings.edit_window_hours != edit_window_hours:
        audit(
            actor=actor,
            org=actor.org,
            action="activitysettings.update",
            obj=settings,
            changes={"edit_window_hours": [settings.edit_window_hours, edit_window_hours]},
        )
        settings.edit_window_hours = edit_window_hours
        settings.save(update_fields=["edit_window_hours", "updated_at"])
    return settings
