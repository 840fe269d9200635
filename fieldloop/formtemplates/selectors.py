"""Reads of form templates: every employee of the organization may read its templates."""

from typing import Any

from django.db import models
from django.db.models import QuerySet

from fieldloop.core.errors import not_found
from fieldloop.org.models import Employee, Organization

from .fields import FieldDefinition, FieldType
from .models import Attachment, FormTemplate, FormTemplateVersion, Purpose, holder_of

ATTACHMENT_TYPES = (FieldType.PHOTO, FieldType.FILE)


def template_list(
    *, actor: Employee, purpose: str | None = None, include_archived: bool = False
) -> QuerySet[FormTemplate]:
    if not actor.is_active:
        return FormTemplate.objects.none()
    qs = FormTemplate.objects.filter(org_id=actor.org_id).select_related("current_version")
    if purpose:
        qs = qs.filter(purpose=purpose)
    if not include_archived:
        qs = qs.filter(is_active=True)
    return qs.order_by("purpose", "name", "id")


def template_get(*, actor: Employee, template_id: int) -> FormTemplate:
    """A template of the actor's organization, or not found (also for another organization's)."""
    template = (
        FormTemplate.objects.select_related("current_version").filter(org_id=actor.org_id, pk=template_id).first()
        if actor.is_active
        else None
    )
    if template is None:
        raise not_found()
    return template


def version_list(*, actor: Employee, template_id: int) -> QuerySet[FormTemplateVersion]:
    template = template_get(actor=actor, template_id=template_id)
    return template.versions.select_related("created_by").order_by("-number")


def version_get(*, actor: Employee, template_id: int, number: int) -> FormTemplateVersion:
    version = (
        FormTemplateVersion.objects.select_related("template")
        .filter(org_id=actor.org_id, template_id=template_id, number=number)
        .first()
        if actor.is_active
        else None
    )
    if version is None:
        raise not_found()
    return version


def attachment_get(*, actor: Employee, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.filter(org_id=actor.org_id, pk=attachment_id).first() if actor.is_active else None
    if attachment is None:
        raise not_found()
    return attachment


def held_attachment_ids(
    *, version: FormTemplateVersion, values: dict[str, Any], types: tuple[FieldType, ...] = ATTACHMENT_TYPES
) -> list[int]:
    """The attachment ids that stored `values` hold in their photo (and file) fields, in field order."""
    return [i for d, i in held_attachments_by_field(version=version, values=values) if d.type in types]


def held_attachments_by_field(
    *, version: FormTemplateVersion, values: dict[str, Any]
) -> list[tuple[FieldDefinition, int]]:
    """(field, attachment id) for each attachment that stored `values` hold, in field order."""
    return [
        (d, i)
        for d in version.definitions
        if d.type in ATTACHMENT_TYPES and isinstance(values.get(d.key), list)
        for i in values[d.key]
        if isinstance(i, int) and not isinstance(i, bool)
    ]


def held_attachment(
    *, holder: models.Model, version: FormTemplateVersion, values: dict[str, Any], attachment_id: int
) -> Attachment:
    """An attachment that `holder`'s `values` hold (the caller has checked the actor may see the holder), or not
    found: an attachment is reached only through what holds it, never by its id alone, and only through the
    holder it was claimed for (a borrowed id in someone's values proves nothing)."""
    if attachment_id not in held_attachment_ids(version=version, values=values):
        raise not_found()
    attachment = Attachment.objects.filter(org_id=version.org_id, pk=attachment_id, holder=holder_of(holder)).first()
    if attachment is None:
        raise not_found()
    return attachment


def customer_template(*, org: Organization) -> FormTemplate:
    """The organization's customer template (every organization has one from its creation: `org.defaults`)."""
    return FormTemplate.objects.select_related("current_version").get(org=org, purpose=Purpose.CUSTOMER, is_active=True)
