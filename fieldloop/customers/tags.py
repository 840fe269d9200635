"""Tags (标签) an organization manages: create, rename, recolour, regroup, archive and restore; and the check a
customer's tags go through.

A tag's name is unique in its organization ignoring case (a database constraint on LOWER(name); the check
here gives the field error first). An archived tag stays on the customers that have it, still filters the
lists, and is no new choice. Tags are never deleted: a customer's history names them. Every write locks the
organization's tags in id order (two admins naming two tags alike cannot both win) and goes to the audit
history. The permission is the one that manages the other customer settings (stages, duplicate rules).
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from .models import TAG_GROUP_LIMIT, TAG_NAME_LIMIT, CustomerTag, Tag, TagColour

UPDATE_FIELDS = ("name", "colour", "group", "archived")


def tag_list(*, actor: Employee, include_archived: bool = False) -> QuerySet[Tag]:
    """The organization's tags by group and name (active ones only unless asked)."""
    qs = Tag.objects.filter(org_id=actor.org_id)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return qs.order_by("group", "name", "id")


def tag_usage(*, actor: Employee) -> dict[int, int]:
    """Customers (archived ones included) per tag of the organization: one aggregate query on the
    (org, tag, customer) index."""
    rows = CustomerTag.objects.filter(org_id=actor.org_id).values("tag_id").annotate(n=Count("customer_id"))
    return {row["tag_id"]: row["n"] for row in rows}


def _lock_tags(actor: Employee) -> list[Tag]:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    return list(Tag.objects.select_for_update().filter(org_id=actor.org_id).order_by("pk"))


def _taken() -> ServiceError:
    message = _("A tag with this name already exists.")
    return ServiceError(ErrorCode.DUPLICATE, _("Please correct the errors below."), {"name": [message]})


def _clean(tags: list[Tag], values: dict[str, Any], *, exclude_id: int | None = None) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}
    if "name" in values:
        name = " ".join(str(values["name"] or "").split())
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > TAG_NAME_LIMIT:
            errors["name"] = [_("Enter at most %(limit)d characters.") % {"limit": TAG_NAME_LIMIT}]
        elif any(t.name.casefold() == name.casefold() for t in tags if t.pk != exclude_id):
            raise _taken()
        clean["name"] = name
    if "colour" in values and values["colour"] is not None:
        if values["colour"] not in TagColour.values:
            errors["colour"] = [_("Choose one of the allowed values.")]
        clean["colour"] = values["colour"]
    if "group" in values:
        group = " ".join(str(values["group"] or "").split())
        if len(group) > TAG_GROUP_LIMIT:
            errors["group"] = [_("Enter at most %(limit)d characters.") % {"limit": TAG_GROUP_LIMIT}]
        clean["group"] = group
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return clean


@transaction.atomic
def tag_create(*, actor: Employee, name: str, colour: str = TagColour.BLUE, group: str = "") -> Tag:
    """A new active tag of the actor's organization."""
    tags = _lock_tags(actor)
    clean = _clean(tags, {"name": name, "colour": colour or TagColour.BLUE, "group": group})
    try:
        with transaction.atomic():
            tag = Tag.objects.create(org_id=actor.org_id, **clean)
    except IntegrityError:  # LOWER() of the database and casefold() disagree on some letters
        raise _taken() from None
    changes = {k: [None, v] for k, v in clean.items()}
    audit(actor=actor, org=actor.org, action="customer_tag.create", obj=tag, changes=changes)
    return tag


@transaction.atomic
def tag_update(*, actor: Employee, tag_id: int, **values: Any) -> Tag:
    """Rename, recolour, regroup, archive (`archived=True`) or restore (`archived=False`) a tag; only the
    fields given change, each audited as old -> new."""
    unknown = set(values) - set(UPDATE_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("Unknown field."))
    tags = _lock_tags(actor)
    tag = next((t for t in tags if t.pk == tag_id), None)
    if tag is None:
        raise not_found()
    clean = _clean(tags, values, exclude_id=tag.pk)
    changes: dict[str, list[Any]] = {}
    for field, new in clean.items():
        if getattr(tag, field) != new:
            changes[field] = [getattr(tag, field), new]
            setattr(tag, field, new)
    archived = values.get("archived")
    if archived is not None and bool(archived) != (tag.archived_at is not None):
        changes["archived"] = [tag.archived_at is not None, bool(archived)]
        tag.archived_at = timezone.now() if archived else None
    if changes:
        try:
            with transaction.atomic():
                tag.save()
        except IntegrityError:
            raise _taken() from None
        audit(actor=actor, org=actor.org, action="customer_tag.update", obj=tag, changes=changes)
    return tag


def tags_for_customer(*, actor: Employee, tag_ids: Iterable[Any], current: Iterable[int] = ()) -> list[Tag]:
    """The tags `tag_ids` name, checked: every one a tag of the actor's organization, active unless the
    customer has it already (`current`). One query. A ServiceError on field `tag_ids` otherwise."""
    ids = list(tag_ids)
    if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in ids):
        raise invalid("tag_ids", _("Choose tags of your organization."))
    wanted = set(ids)
    if not wanted:
        return []
    found = list(Tag.objects.filter(org_id=actor.org_id, pk__in=wanted).order_by("group", "name", "id"))
    if len(found) != len(wanted):
        raise invalid("tag_ids", _("Choose tags of your organization."))
    kept = set(current)
    archived = [t.name for t in found if t.archived_at is not None and t.pk not in kept]
    if archived:
        raise invalid("tag_ids", _("These tags are archived: %(names)s.") % {"names": ", ".join(archived)})
    return found
