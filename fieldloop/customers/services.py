"""Writes for customers and contacts: one transaction each, history on the customer's timeline."""

import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, Q, Value, When
from django.db.models.expressions import BaseExpression
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.formtemplates.models import FormTemplateVersion, holder_of
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import attachments_claim_held
from fieldloop.formtemplates.validation import validate_values
from fieldloop.org.models import Employee, Organization
from fieldloop.org.permissions import Permission
from fieldloop.org.selectors import can_change_owned_by, can_see_employee
from fieldloop.org.services import audit, require_permission

from . import credit_code
from .duplicates import check_duplicates
from .models import (
    Contact,
    Customer,
    CustomerEvent,
    CustomerEventKind,
    CustomerLevel,
    CustomerSettings,
    CustomerSource,
    CustomerStage,
    CustomerTag,
    Tag,
)
from .selectors import CreateContext, customer_create_context, customer_for_change, customer_get
from .tags import tags_for_customer

DEFAULT_STAGES = [
    ("潜在客户", "Lead", False),
    ("意向客户", "Prospect", False),
    ("成交客户", "Won", True),
    ("流失客户", "Lost", False),
]

TEXT_LIMITS = {"name": 120, "short_name": 40, "industry": 60, "phone": 32, "province": 20, "city": 20}
TEXT_LIMITS |= {"district": 20, "address": 200, "website": 200}
OTHER_FIELDS = ("credit_code", "level", "stage_id", "source", "latitude", "longitude", "tag_ids", "owner_id")
CUSTOMER_FIELDS = (*TEXT_LIMITS, *OTHER_FIELDS, "collaborator_ids")


def customer_defaults_create(org: Organization) -> None:
    """A new organization's lifecycle stages (the default four) and duplicate rules (warn on both).
    Registered in `org.defaults`; runs in the organization's creating transaction."""
    CustomerStage.objects.bulk_create(
        CustomerStage(org=org, name=name, name_en=name_en, position=i, is_won=won)
        for i, (name, name_en, won) in enumerate(DEFAULT_STAGES)
    )
    CustomerSettings.objects.create(org=org)


def _first_stage_id(org_id: int) -> int | None:
    """The stage a new customer gets when none is given: the organization's first active one."""
    return CustomerStage.objects.filter(org_id=org_id, is_active=True).values_list("pk", flat=True).first()


def _valid_phone(value: str) -> bool:
    digits = value.replace("-", "").replace(" ", "").lstrip("+")
    return not value or (digits.isdigit() and 5 <= len(digits) <= 20)


def _coordinate(value: Any, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    number = Decimal(str(value))
    if not number.is_finite() or abs(number) > limit:
        raise InvalidOperation
    return number.quantize(Decimal("0.000001"))


def _clean(actor: Employee, values: dict[str, Any], *, creating: bool, known: "_Known | None" = None) -> dict[str, Any]:
    """Validate the fixed fields given, all at once; field errors in the user's language. `known` holds
    rows the caller has read already (the stage asked for, found active), which are not read again; it
    receives the owner and collaborators read here, for the caller's answer."""
    known = known if known is not None else _Known()
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("Unknown field."))
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field, limit in TEXT_LIMITS.items():
        if field in values:
            text = str(values[field] or "").strip()
            if len(text) > limit:
                fail(field, _("Enter at most %(limit)d characters.") % {"limit": limit})
            clean[field] = text
    if (creating or "name" in values) and not clean.get("name"):
        fail("name", _("This field is required."))
    if clean.get("phone") and not _valid_phone(clean["phone"]):
        fail("phone", _("Enter a valid phone number."))
    if clean.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(clean["website"])
        except ValidationError:
            fail("website", _("Enter a valid web address, starting with http:// or https://."))
    if "credit_code" in values:
        code = credit_code.normalise(str(values["credit_code"] or ""))
        if code and not credit_code.is_valid(code):
            fail("credit_code", _("This is not a valid unified social credit code (18 characters, check digit)."))
        clean["credit_code"] = code
    if "level" in values:
        if values["level"] not in CustomerLevel.values:
            fail("level", _("Choose one of the allowed values."))
        clean["level"] = values["level"]
    if "source" in values:
        if values["source"] not in CustomerSource.values:
            fail("source", _("Choose one of the allowed values."))
        clean["source"] = values["source"]
    if "stage_id" in values:
        stage_id = values["stage_id"]
        # a deactivated stage stays on the customers that have it, but is no new choice
        if (
            stage_id is not None
            and (known.stage is None or known.stage.pk != stage_id)
            and not CustomerStage.objects.filter(org_id=actor.org_id, pk=stage_id, is_active=True).exists()
        ):
            fail("stage_id", _("Choose a stage of your organization."))
        clean["stage_id"] = stage_id
    for field, limit in (("latitude", 90), ("longitude", 180)):
        if field in values:
            try:
                clean[field] = _coordinate(values[field], limit)
            except (InvalidOperation, ValueError, TypeError):
                fail(field, _("Enter a number between -%(limit)d and %(limit)d.") % {"limit": limit})
    if ("latitude" in clean) != ("longitude" in clean) or (clean.get("latitude") is None) != (
        clean.get("longitude") is None
    ):
        fail("latitude", _("Give both latitude and longitude, or neither."))
    if "tag_ids" in values:
        try:
            known.tags = tags_for_customer(actor=actor, tag_ids=values["tag_ids"] or [], current=known.current_tag_ids)
        except ServiceError as e:
            for field, messages in e.fields.items():
                for message in messages:
                    fail(field, str(message))
        else:
            clean["tag_ids"] = sorted(t.pk for t in known.tags)
    if "owner_id" in values and values["owner_id"] is not None:
        # the actor's own row is loaded already, and an actor sees themself
        owner = actor if values["owner_id"] == actor.pk else None
        owner = owner or Employee.objects.filter(org_id=actor.org_id, pk=values["owner_id"]).first()
        known.owner = owner
        if owner is None or not can_see_employee(actor=actor, employee=owner):
            fail("owner_id", _("Choose an employee you can see."))
        elif not owner.is_active:
            fail("owner_id", _("%(name)s has left the organization.") % {"name": owner.name})
        elif not can_change_owned_by(actor=actor, owner=owner):
            fail("owner_id", _("You may not give customers to this employee."))
        clean["owner_id"] = values["owner_id"]
    if "collaborator_ids" in values:
        ids = set(values["collaborator_ids"] or [])
        known.collaborators = list(Employee.objects.filter(org_id=actor.org_id, pk__in=ids).active()) if ids else []
        if len(known.collaborators) != len(ids):
            fail("collaborator_ids", _("Choose active employees of your organization."))
        clean["collaborator_ids"] = sorted(ids)
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return clean


@dataclass
class _Known:
    """Rows a create has read already (see `_clean`)."""

    stage: CustomerStage | None = None
    owner: Employee | None = None
    collaborators: list[Employee] | None = None
    tags: list[Tag] = dataclass_field(default_factory=list)
    current_tag_ids: list[int] = dataclass_field(default_factory=list)  # an update's: kept even if archived since


def _credit_code_taken() -> ServiceError:
    message = _("A customer with this credit code already exists.")
    return ServiceError(ErrorCode.DUPLICATE, message, {"credit_code": [message]})


def _check_duplicate_credit_code(actor: Employee, code: str, exclude_id: int | None = None) -> None:
    if not code:
        return
    # `~Q(credit_code="")` repeats the unique index's condition, so SQLite uses that partial index too.
    others = Customer.objects.filter(org_id=actor.org_id, credit_code=code).exclude(credit_code="")
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    if others.exists():
        raise _credit_code_taken()


def _event(customer: Customer, actor: Employee | None, kind: str, changes: dict[str, Any], summary: str = "") -> None:
    CustomerEvent.objects.create(
        org_id=customer.org_id, customer=customer, actor=actor, kind=kind, changes=changes, summary=summary
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _clean_with_custom(
    actor: Employee,
    fields: dict[str, Any],
    custom_values: dict[str, Any] | None,
    *,
    customer: Customer | None,
    context: CreateContext | None = None,
    known: _Known | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None, FormTemplateVersion | None]:
    """Validate the fixed fields and the organization's customer template (its current version from `context`,
    when the caller has read it) together: every error at once. Custom fields' errors are keyed
    `custom_values.<key>`."""
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}
    try:
        clean = _clean(actor, fields, creating=customer is None, known=known)
    except ServiceError as e:
        errors |= e.fields or {"__all__": [e.message]}
    version = None
    custom: dict[str, Any] | None = None
    if customer is None or custom_values is not None:
        version = context.version if context is not None else customer_template(org=actor.org).current_version
        if version is not None:
            previous = customer.custom_values if customer is not None else None
            try:
                custom = validate_values(actor=actor, version=version, values=custom_values or {}, previous=previous)
            except ServiceError as e:
                errors |= {f"custom_values.{key}": messages for key, messages in e.fields.items()}
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return clean, custom, version


def customer_create(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    custom_values: dict[str, Any] | None = None,
    allow_duplicates: bool = False,
    **fields: Any,
) -> tuple[Customer, bool]:
    """Create a customer (the actor owns it unless `owner_id` says otherwise), with the fixed fields and
    the organization's customer template's fields. Returns (customer, created); a replay of the same
    `client_id` returns the first customer (if the actor may see it) and writes nothing.

    A few statements whatever the data: one read of what the organization says (customers.selectors.
    customer_create_context: template, stage, duplicate rules, replay, credit code), one for the duplicate
    candidates (when a rule asks), then the customer, its collaborators (if any) and its CREATED event. A new
    customer comes back with its stage, owner, collaborators and template version attached, so an answer
    built from it needs no further query. Two creates racing on one `client_id` or credit code: the
    database's unique constraints let one win; the other gets the winner, or the credit code's refusal."""
    code = credit_code.normalise(str(fields.get("credit_code") or ""))
    stage_id = fields.get("stage_id")
    context = _create_context(actor, client_id, code, stage_id if isinstance(stage_id, int) else None)
    if context.replay_id is not None:
        return customer_get(actor=actor, customer_id=context.replay_id), False
    try:
        return _customer_insert(actor, client_id, context, custom_values, allow_duplicates, fields), True
    except IntegrityError:
        winner = Customer.objects.filter(org_id=actor.org_id, client_id=client_id).first()
        if winner is not None:
            return customer_get(actor=actor, customer_id=winner.pk), False
        if code and Customer.objects.filter(org_id=actor.org_id, credit_code=code).exclude(credit_code="").exists():
            raise _credit_code_taken() from None
        raise


def _create_context(actor: Employee, client_id: uuid.UUID, code: str, stage_id: int | None) -> CreateContext:
    context = customer_create_context(org_id=actor.org_id, client_id=client_id, credit_code=code, stage_id=stage_id)
    if context is None:  # every organization has its customer template from its creation (org.defaults)
        raise not_found()
    return context


@transaction.atomic
def _customer_insert(
    actor: Employee,
    client_id: uuid.UUID,
    context: CreateContext,
    custom_values: dict[str, Any] | None,
    allow_duplicates: bool,
    fields: dict[str, Any],
) -> Customer:
    fields.setdefault("owner_id", actor.pk)
    known = _Known(stage=context.stage)
    clean, custom, version = _clean_with_custom(
        actor, fields, custom_values, customer=None, context=context, known=known
    )
    if context.credit_code_taken:
        raise _credit_code_taken()
    check_duplicates(
        org_id=actor.org_id, name=clean["name"], phone=clean.get("phone", ""), allow_duplicates=allow_duplicates,
        rules=(context.duplicate_name, context.duplicate_phone),
    )  # fmt: skip
    stage = context.stage
    draft = customer_draft(
        actor=actor, client_id=client_id, clean=clean, custom=custom, version=version,
        default_stage_id=stage.pk if stage is not None else None, tag_names=[t.name for t in known.tags],
    )  # fmt: skip
    customer = draft.customer
    customer.save(force_insert=True)
    if version is not None and custom:
        attachments_claim_held(
            actor=actor, holder=holder_of(customer), version=version, values=custom, field_prefix="custom_values."
        )
    if draft.collaborator_ids:
        through = Customer.collaborators.through
        through.objects.bulk_create(through(customer=customer, employee_id=pk) for pk in draft.collaborator_ids)
    if draft.tag_ids:
        CustomerTag.objects.bulk_create(
            CustomerTag(org_id=actor.org_id, customer=customer, tag_id=pk) for pk in draft.tag_ids
        )
    draft.created_event.save()
    # what an answer shows, attached: no read after the insert
    if stage is not None and customer.stage_id == stage.pk:
        customer.stage = stage
    if known.owner is not None and customer.owner_id == known.owner.pk:
        customer.owner = known.owner
    if version is not None:
        customer.template_version = version
    _attach_collaborators(customer, known.collaborators or [], known.tags)
    return customer


def _attach_collaborators(customer: Customer, employees: list[Employee], tags: list[Tag]) -> None:
    """`customer.collaborators.all()` answers `employees` and `customer.tags.all()` answers `tags` without a
    query, as prefetch_related leaves them (Django's own mechanism: a queryset with its result cache filled)."""
    people = Employee.objects.filter(pk__in=[e.pk for e in employees])
    people._result_cache = sorted(employees, key=lambda e: (e.name, e.pk))  # type: ignore[attr-defined]
    people._prefetch_done = True  # type: ignore[attr-defined]
    chosen = Tag.objects.filter(pk__in=[t.pk for t in tags])
    chosen._result_cache = list(tags)  # type: ignore[attr-defined]
    chosen._prefetch_done = True  # type: ignore[attr-defined]
    customer._prefetched_objects_cache = {"collaborators": people, "tags": chosen}  # type: ignore[attr-defined]


@dataclass
class CustomerDraft:
    """What `customer_create` writes for one customer, unsaved: the row, its collaborators, its CREATED event.
    The import's bulk commit writes the same drafts with bulk inserts."""

    customer: Customer
    collaborator_ids: list[int]
    tag_ids: list[int]
    created_event: CustomerEvent


def customer_draft(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    clean: dict[str, Any],
    custom: dict[str, Any] | None,
    version: FormTemplateVersion | None,
    default_stage_id: int | None = None,
    tag_names: list[str] | None = None,
) -> CustomerDraft:
    """The new customer for fields already validated (`_clean_with_custom`, or the import's bulk checks):
    the custom values with their template version, the first stage unless one is given, the timeline's
    CREATED event with every initial value (the tags by their `tag_names`). Writes nothing."""
    clean = dict(clean)
    if version is not None:
        clean |= {"custom_values": custom or {}, "template_version": version}
    collaborator_ids = clean.pop("collaborator_ids", [])
    tag_ids = clean.pop("tag_ids", [])
    if clean.get("stage_id") is None:
        clean["stage_id"] = default_stage_id or _first_stage_id(actor.org_id)
    customer = Customer(org_id=actor.org_id, client_id=client_id, created_by=actor, **clean)
    customer.refresh_match_keys()  # the import writes drafts with bulk_create, which bypasses save()
    initial = {k: [None, _plain(v)] for k, v in clean.items() if v not in ("", None, [], {})}
    initial.pop("template_version", None)
    if tag_names:
        initial["tags"] = [None, sorted(tag_names)]
    event = CustomerEvent(org_id=actor.org_id, customer=customer, actor=actor, kind=CustomerEventKind.CREATED)
    event.changes = initial
    return CustomerDraft(customer=customer, collaborator_ids=collaborator_ids, tag_ids=tag_ids, created_event=event)


def contact_added_event(*, actor: Employee, customer: Customer, contact: Contact) -> CustomerEvent:
    """The timeline's entry for a new contact, unsaved."""
    return CustomerEvent(
        org_id=customer.org_id, customer=customer, actor=actor, kind=CustomerEventKind.CONTACT_ADDED,
        changes={"contact": [None, contact.name]}, summary=contact.name,
    )  # fmt: skip


@transaction.atomic
def customer_update(
    *,
    actor: Employee,
    customer_id: int,
    custom_values: dict[str, Any] | None = None,
    allow_duplicates: bool = False,
    **fields: Any,
) -> Customer:
    """Change fixed fields and custom fields; each change goes to the timeline as old -> new. A new name or
    phone goes through the organization's duplicate rules, as on create."""
    customer = customer_for_change(actor=actor, customer_id=customer_id)
    if "owner_id" in fields and fields["owner_id"] is None:
        raise invalid("owner_id", _("A customer always has an owner."))
    if "stage_id" in fields and fields["stage_id"] == customer.stage_id:
        del fields["stage_id"]  # unchanged: it may have been deactivated since
    known = _Known()
    old_tags: list[Tag] = []
    if "tag_ids" in fields:
        old_tags = list(customer.tags.all())
        known.current_tag_ids = [t.pk for t in old_tags]
    clean, custom, version = _clean_with_custom(actor, fields, custom_values, customer=customer, known=known)
    _check_duplicate_credit_code(actor, clean.get("credit_code", ""), exclude_id=customer.pk)
    new_name = clean["name"] if clean.get("name", customer.name) != customer.name else ""
    new_phone = clean["phone"] if clean.get("phone", customer.phone) != customer.phone else ""
    if new_name or new_phone:
        check_duplicates(
            org_id=actor.org_id, name=new_name, phone=new_phone, allow_duplicates=allow_duplicates,
            exclude_id=customer.pk,
        )  # fmt: skip
    collaborator_ids = clean.pop("collaborator_ids", None)
    tag_ids = clean.pop("tag_ids", None)
    changes: dict[str, list[Any]] = {}
    for field, new in clean.items():
        old = getattr(customer, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(customer, field, new)
    if collaborator_ids is not None:
        old_ids = sorted(customer.collaborators.values_list("pk", flat=True))
        if old_ids != collaborator_ids:
            changes["collaborator_ids"] = [old_ids, collaborator_ids]
            customer.collaborators.set(collaborator_ids)
    if tag_ids is not None and sorted(known.current_tag_ids) != tag_ids:
        changes["tags"] = [sorted(t.name for t in old_tags), sorted(t.name for t in known.tags)]
        customer.tags.set(tag_ids, through_defaults={"org_id": customer.org_id})
    if custom is not None and version is not None:
        old_custom = customer.custom_values or {}
        for key in sorted(set(old_custom) | set(custom)):
            if old_custom.get(key) != custom.get(key):
                changes[f"custom_values.{key}"] = [old_custom.get(key), custom.get(key)]
        attachments_claim_held(
            actor=actor,
            holder=holder_of(customer),
            version=version,
            values=custom,
            previous=old_custom,
            field_prefix="custom_values.",
        )
        customer.custom_values, customer.template_version = custom, version
    if changes:
        customer.save()
        kind = CustomerEventKind.OWNER_CHANGED if set(changes) == {"owner_id"} else CustomerEventKind.UPDATED
        _event(customer, actor, kind, changes)
    return customer


@transaction.atomic
def customer_archive(*, actor: Employee, customer_id: int) -> Customer:
    customer = customer_for_change(actor=actor, customer_id=customer_id)
    if customer.archived_at is None:
        customer.archived_at = timezone.now()
        customer.save(update_fields=["archived_at", "updated_at"])
        _event(customer, actor, CustomerEventKind.ARCHIVED, {"archived": [False, True]})
    return customer


@transaction.atomic
def customer_restore(*, actor: Employee, customer_id: int) -> Customer:
    """Bring an archived customer back: whoever may archive it (`customer_for_change`) may restore it. Its
    contacts, owner, pool and history are as they were; the timeline records RESTORED. A customer that is
    not archived is left as it is; one merged into another is not restored (its records moved there)."""
    customer = customer_for_change(actor=actor, customer_id=customer_id)
    if customer.archived_at is not None:
        merged = CustomerEvent.objects.filter(
            customer=customer, kind=CustomerEventKind.MERGED, changes__merged_id__0=customer.pk
        )
        if merged.exists():  # its contacts and history live on in the customer it was merged into
            raise ServiceError(
                ErrorCode.CONFLICT, _("This customer was merged into another one: open that one instead.")
            )
        customer.archived_at = None
        customer.save(update_fields=["archived_at", "updated_at"])
        _event(customer, actor, CustomerEventKind.RESTORED, {"archived": [True, False]})
    return customer


def customer_stage_move(*, customer: Customer, stage_id: int, by: Employee | None, summary: str = "") -> bool:
    """Move a customer to a stage of its organization as a system action: the rule that moves it is the caller's
    (sales: a customer's first confirmed order moves it to the won stage), not the right of whoever set it off to
    edit the customer, so nothing is checked but that the stage is an active one of the customer's organization.
    On the timeline like any stage change (stage old -> new, `by` as its actor, `summary` saying why). Runs in
    the caller's transaction, on a customer row the caller has read (locked, if others may move it meanwhile).
    Two statements (the UPDATE, which checks the stage, and the event), none when the customer is there already.
    Returns whether it moved."""
    if customer.stage_id == stage_id:
        return False
    stage = CustomerStage.objects.filter(pk=stage_id, org_id=customer.org_id, is_active=True)
    now = timezone.now()
    if not Customer.objects.filter(pk=customer.pk).filter(Exists(stage)).update(stage_id=stage_id, updated_at=now):
        return False
    old = customer.stage_id
    customer.stage_id, customer.updated_at = stage_id, now
    _event(customer, by, CustomerEventKind.UPDATED, {"stage_id": [old, stage_id]}, summary)
    return True


# --- Coordinates and visits (kept by activities' check-in) -------------------------------------------------


def _later(field: str, at: datetime) -> Case:
    """`at` when the rollup `field` is empty or older, else the rollup as it is (never back)."""
    return Case(When(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": at}), then=Value(at)), default=F(field))


def customer_visited(*, customer_id: int, at: datetime) -> None:
    """Move the customer's `last_visited_at` rollup forward to `at`, and its `last_followed_up_at` (a check-in is a
    follow-up): never back, a late offline check-in of an older visit leaves a newer one in place. One UPDATE, in
    the caller's transaction."""
    stale = Q(last_visited_at__isnull=True) | Q(last_visited_at__lt=at)
    stale |= Q(last_followed_up_at__isnull=True) | Q(last_followed_up_at__lt=at)
    Customer.objects.filter(pk=customer_id).filter(stale).update(
        last_visited_at=_later("last_visited_at", at), last_followed_up_at=_later("last_followed_up_at", at)
    )


def customer_last_visit_set(*, customer_id: int, at: datetime | None) -> None:
    """Set the customer's `last_visited_at` rollup to `at` (a visit that stopped counting, rejected by its
    reviewer, leaves the latest one that counts). Runs in the caller's transaction."""
    Customer.objects.filter(pk=customer_id).update(last_visited_at=at)


def customer_followed_up_at(*, customer_id: int, at: datetime) -> None:
    """Move the customer's `last_followed_up_at` rollup forward to `at`, a new follow-up's time (a visit's
    check-in, a work record's capture: activities.follow_ups says which count). Never back: a late offline
    record of an older day leaves a newer follow-up in place. One UPDATE, in the caller's transaction."""
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_followed_up_at__isnull=True) | Q(last_followed_up_at__lt=at)
    ).update(last_followed_up_at=at)


def customer_last_follow_up_set(*, customer_id: int, at: datetime | BaseExpression | None) -> None:
    """Set the customer's `last_followed_up_at` rollup to `at`, when a follow-up stopped counting (a record
    archived, a visit rejected): a time, or an expression on the customer's row that recomputes it
    (activities.follow_ups.last_follow_up_at), so it costs one UPDATE. In the caller's transaction."""
    Customer.objects.filter(pk=customer_id).update(last_followed_up_at=at)


def customer_locate_from_visit(*, actor: Employee, customer_id: int, latitude: Decimal, longitude: Decimal) -> bool:
    """A customer without a location gets the position of its first visit's check-in (the caller has
    checked the actor may see the customer). Returns whether it was set; one timeline event when it was."""
    updated = Customer.objects.filter(pk=customer_id, latitude__isnull=True, longitude__isnull=True).update(
        latitude=latitude, longitude=longitude, updated_at=timezone.now()
    )
    if updated:
        customer = Customer.objects.get(pk=customer_id)
        changes = {"latitude": [None, str(latitude)], "longitude": [None, str(longitude)]}
        _event(customer, actor, CustomerEventKind.UPDATED, changes, summary=_("Location set by the first visit"))
    return bool(updated)


@transaction.atomic
def customer_set_location(*, actor: Employee, customer_id: int, latitude: Decimal, longitude: Decimal) -> Customer:
    """An administrator re-sets a customer's location (e.g. to a visit's check-in position); logged on the
    timeline and in the audit log."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    customer = customer_get(actor=actor, customer_id=customer_id, for_update=True)
    old = [_plain(customer.latitude), _plain(customer.longitude)]
    if old != [str(latitude), str(longitude)]:
        changes = {"latitude": [old[0], str(latitude)], "longitude": [old[1], str(longitude)]}
        customer.latitude, customer.longitude = latitude, longitude
        customer.save(update_fields=["latitude", "longitude", "updated_at"])
        _event(customer, actor, CustomerEventKind.UPDATED, changes, summary=_("Location re-set"))
        audit(actor=actor, org=actor.org, action="customer.set_location", obj=customer, changes=changes)
    return customer


CONTACT_FIELDS = ("name", "title", "mobile", "phone", "email", "wechat", "birthday", "notes", "is_primary")


def _clean_contact(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("Unknown field."))
    errors: dict[str, list[Any]] = {}
    clean = dict(values)
    for field in ("name", "title", "mobile", "phone", "email", "wechat", "notes"):
        if field in clean:
            clean[field] = str(clean[field] or "").strip()
    if (creating or "name" in clean) and not clean.get("name"):
        errors["name"] = [_("This field is required.")]
    for field in ("mobile", "phone"):
        if clean.get(field) and not _valid_phone(clean[field]):
            errors[field] = [_("Enter a valid phone number.")]
    if clean.get("email"):
        try:
            EmailValidator()(clean["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if clean.get("birthday") and not isinstance(clean["birthday"], date):
        errors["birthday"] = [_("Enter a valid date.")]
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return clean


@transaction.atomic
def contact_create(*, actor: Employee, customer_id: int, client_id: uuid.UUID, **fields: Any) -> tuple[Contact, bool]:
    existing = Contact.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    customer = customer_for_change(actor=actor, customer_id=customer_id)
    if customer.archived_at is not None:
        raise ServiceError(ErrorCode.CONFLICT, _("This customer is archived: restore it first."))
    clean = _clean_contact(fields, creating=True)
    has_primary = customer.contacts.filter(is_primary=True, archived_at__isnull=True).exists()
    if clean.get("is_primary") and has_primary:
        customer.contacts.filter(is_primary=True).update(is_primary=False)
    elif not has_primary:
        clean["is_primary"] = True  # the first contact is the primary one
    contact = Contact.objects.create(org_id=actor.org_id, customer=customer, client_id=client_id, **clean)
    contact_added_event(actor=actor, customer=customer, contact=contact).save()
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
    return contact, True


def _contact_for_change(actor: Employee, contact_id: int) -> tuple[Contact, Customer]:
    """A contact of a customer the actor may change (`customer_for_change`, which locks the customer: changes
    to one customer's contacts, and so to its primary contact, run one at a time), locked too."""
    customer_id = Contact.objects.filter(org_id=actor.org_id, pk=contact_id).values_list("customer_id", flat=True)
    customer = customer_for_change(actor=actor, customer_id=customer_id.first() or 0)
    contact = Contact.objects.select_for_update().filter(pk=contact_id, customer_id=customer.pk).first()
    if contact is None:  # moved to another customer (a merge) meanwhile
        raise not_found()
    return contact, customer


@transaction.atomic
def contact_update(*, actor: Employee, contact_id: int, **fields: Any) -> Contact:
    """Change a contact's fields; each change goes to the customer's timeline as old -> new. `is_primary=True`
    makes it the customer's one primary contact (the previous one stops being it); the primary contact cannot
    be un-made primary directly, only by making another one primary. An archived contact is not changed."""
    contact, customer = _contact_for_change(actor, contact_id)
    if contact.archived_at is not None:
        raise ServiceError(ErrorCode.CONFLICT, _("This contact is archived."))
    clean = _clean_contact(fields, creating=False)
    if clean.get("is_primary") is False and contact.is_primary:
        message = _("A customer keeps one primary contact: make another contact the primary one instead.")
        raise ServiceError(ErrorCode.INVALID, message, {"is_primary": [message]})
    if clean.get("is_primary") and not contact.is_primary:
        # before this one becomes primary: the partial unique constraint allows one at any moment
        customer.contacts.filter(is_primary=True).exclude(pk=contact.pk).update(is_primary=False)
    changes = {}
    for field, new in clean.items():
        old = getattr(contact, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(contact, field, new)
    if changes:
        contact.save()
        _event(customer, actor, CustomerEventKind.CONTACT_UPDATED, changes, summary=contact.name)
    return contact


@transaction.atomic
def contact_archive(*, actor: Employee, contact_id: int) -> Contact:
    """Archive a contact (kept for the records that name it, gone from lists and pickers), whoever may change its
    customer. The last contact may be archived: a customer needs none. When the primary contact is archived, the
    customer's earliest added active contact becomes primary, so a customer with contacts keeps exactly one
    primary. The timeline records CONTACT_ARCHIVED (and the new primary). Archiving again changes nothing."""
    contact, customer = _contact_for_change(actor, contact_id)
    if contact.archived_at is not None:
        return contact
    changes: dict[str, list[Any]] = {"archived": [False, True]}
    was_primary = contact.is_primary
    contact.archived_at, contact.is_primary = timezone.now(), False
    contact.save(update_fields=["archived_at", "is_primary", "updated_at"])
    if was_primary:
        successor = customer.contacts.filter(archived_at__isnull=True).order_by("created_at", "id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary", "updated_at"])
            changes["primary_contact"] = [contact.name, successor.name]
    _event(customer, actor, CustomerEventKind.CONTACT_ARCHIVED, changes, summary=contact.name)
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
    return contact


def customer_validate(*, actor: Employee, values: dict[str, Any]) -> dict[str, Any]:
    """The checks `customer_create` makes on its fields, without writing: clean values or a ServiceError
    with field errors (used by the import dry run, so the rules live once)."""
    return _clean(actor, values, creating=True)


def contact_validate(*, values: dict[str, Any]) -> dict[str, Any]:
    """The checks `contact_create` makes on its fields, without writing."""
    return _clean_contact(values, creating=True)
