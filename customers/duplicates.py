"""Duplicate detection (查重): normalised names and phones, and the masked "does this company exist?" search.

The masked search looks across the whole organization, whoever owns the customer, and answers only
the name, the owner's department and whether it waits in a pool: enough for a rep to know a prospect
is taken before calling it, without showing details the rep may not see.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ErrorCode, ServiceError, invalid
from org.models import Employee
from org.permissions import Permission, has_permission
from org.services import audit

from . import credit_code
from .models import Contact, Customer, CustomerEvent, CustomerEventKind, CustomerSettings, DuplicateAction
from .selectors import customer_get

COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "co.,ltd.", "co.,ltd", "ltd.", "ltd")
MASKED_RESULTS = 10


def normalise_name(name: str) -> str:
    """A company name for duplicate matching: no spaces, half-width brackets, lower-case, no legal suffix."""
    text = re.sub(r"\s+", "", name).replace("（", "(").replace("）", ")").lower()
    for suffix in COMPANY_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


@dataclass(frozen=True)
class MaskedMatch:
    name: str
    owner_department: str | None  # None: waiting in a pool
    in_pool: bool
    mine: bool
    archived: bool


def all_orgs_masked_existence_check(*, actor: Employee, query: str) -> list[MaskedMatch]:
    """Customers of the actor's organization matching a name, credit code or phone, masked.

    Deliberately not scoped by visibility (hence the loud name): it shows no more than the MaskedMatch."""
    text = query.strip()
    if len(text) < 2:
        raise invalid("q", _("Type at least two characters."))
    condition = Q(name__icontains=normalise_name(text) or text)
    code = credit_code.normalise(text)
    if len(code) == 18:
        condition |= Q(credit_code=code)
    phone = normalise_phone(text)
    if len(phone) >= 7:
        condition |= Q(phone__contains=phone[-8:])
    rows = (
        Customer.objects.filter(org_id=actor.org_id)
        .filter(condition)
        .select_related("owner__department")
        .order_by("name", "id")[:MASKED_RESULTS]
    )
    return [
        MaskedMatch(
            name=c.name,
            owner_department=c.owner.department.name if c.owner else None,
            in_pool=c.owner is None,
            mine=c.owner_id == actor.pk,
            archived=c.archived_at is not None,
        )
        for c in rows
    ]


def duplicate_settings(*, org_id: int) -> CustomerSettings:
    settings, _created = CustomerSettings.objects.get_or_create(org_id=org_id)
    return settings


def possible_duplicates(
    *, org_id: int, name: str = "", phone: str = "", exclude_id: int | None = None
) -> tuple[list[Customer], list[Customer]]:
    """Customers of the organization with the same normalised name, and with the same phone."""
    same_name: list[Customer] = []
    same_phone: list[Customer] = []
    base = Customer.objects.filter(org_id=org_id, archived_at__isnull=True).select_related("owner__department")
    if exclude_id is not None:
        base = base.exclude(pk=exclude_id)
    key = normalise_name(name) if name else ""
    if key:
        same_name = [c for c in base.filter(name__icontains=key)[:50] if normalise_name(c.name) == key]
    digits = normalise_phone(phone) if phone else ""
    if len(digits) >= 7:
        same_phone = [c for c in base.filter(phone__contains=digits[-7:])[:50] if normalise_phone(c.phone) == digits]
    return same_name, same_phone


def describe(customer: Customer) -> str:
    """A duplicate named without details: the name and the owner's department (or the pool)."""
    where = customer.owner.department.name if customer.owner else _("the public pool")
    return _("“%(name)s” (%(where)s)") % {"name": customer.name, "where": where}


def check_duplicates(
    *, org_id: int, name: str, phone: str, allow_duplicates: bool, exclude_id: int | None = None
) -> None:
    """Apply the organization's duplicate rules: a blocking match always refuses; a warning refuses
    until the user says the customer is different (`allow_duplicates`)."""
    rules = duplicate_settings(org_id=org_id)
    name_action, phone_action = rules.duplicate_name, rules.duplicate_phone
    if allow_duplicates:  # warnings are waived: only blocking rules still need a look
        name_action = name_action if name_action == DuplicateAction.BLOCK else DuplicateAction.OFF
        phone_action = phone_action if phone_action == DuplicateAction.BLOCK else DuplicateAction.OFF
    if name_action == DuplicateAction.OFF and phone_action == DuplicateAction.OFF:
        return
    same_name, same_phone = possible_duplicates(
        org_id=org_id,
        name=name if name_action != DuplicateAction.OFF else "",
        phone=phone if phone_action != DuplicateAction.OFF else "",
        exclude_id=exclude_id,
    )
    fields: dict[str, list[Any]] = {}
    blocking = False
    for field, matches, action in (
        ("name", same_name, rules.duplicate_name),
        ("phone", same_phone, rules.duplicate_phone),
    ):
        if not matches or action == DuplicateAction.OFF:
            continue
        if action == DuplicateAction.BLOCK:
            blocking = True
        elif allow_duplicates:
            continue
        fields[field] = [_("Already a customer: %(which)s.") % {"which": ", ".join(describe(c) for c in matches[:3])}]
    if fields:
        message = (
            _("This looks like a customer you already have.")
            if not blocking
            else _("A customer with the same details already exists.")
        )
        raise ServiceError(ErrorCode.DUPLICATE, message, fields)


MERGE_FILLED_FIELDS = ("short_name", "industry", "phone", "website", "province", "city", "district", "address")


@transaction.atomic
def customer_merge(*, actor: Employee, keep_id: int, merge_id: int) -> Customer:
    """Merge a duplicate into the customer kept: its contacts, timeline, collaborators and the details the
    kept one lacks move over; the duplicate is archived and both timelines record the merge."""
    if keep_id == merge_id:
        raise invalid("merge_id", _("Choose a different customer to merge."))
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    first, second = sorted((keep_id, merge_id))  # lock in a fixed order
    customer_get(actor=actor, customer_id=first, for_update=True)
    customer_get(actor=actor, customer_id=second, for_update=True)
    keep = Customer.objects.get(pk=keep_id)
    gone = Customer.objects.get(pk=merge_id)
    if gone.archived_at is not None:
        raise invalid("merge_id", _("This customer is archived already."))
    changes: dict[str, list[Any]] = {}
    for field in MERGE_FILLED_FIELDS:
        if not getattr(keep, field) and getattr(gone, field):
            changes[field] = [getattr(keep, field), getattr(gone, field)]
            setattr(keep, field, getattr(gone, field))
    if keep.latitude is None and gone.latitude is not None:
        keep.latitude, keep.longitude = gone.latitude, gone.longitude
    code = gone.credit_code
    keep.tags = sorted(set(keep.tags) | set(gone.tags))
    keep.custom_values = {**(gone.custom_values or {}), **(keep.custom_values or {})}
    gone.archived_at = timezone.now()
    gone.credit_code = ""
    gone.save(update_fields=["archived_at", "credit_code", "updated_at"])
    if not keep.credit_code and code:
        changes["credit_code"] = ["", code]
        keep.credit_code = code
    keep.save()
    has_primary = Contact.objects.filter(customer=keep, is_primary=True, archived_at__isnull=True).exists()
    moved = Contact.objects.filter(customer=gone)
    if has_primary:
        moved.update(is_primary=False)
    moved.update(customer=keep)
    CustomerEvent.objects.filter(customer=gone).update(customer=keep)
    keep.collaborators.add(*gone.collaborators.all())
    summary = _("%(gone)s merged into %(keep)s") % {"gone": gone.name, "keep": keep.name}
    for customer in (keep, gone):
        CustomerEvent.objects.create(
            org_id=actor.org_id, customer=customer, actor=actor, kind=CustomerEventKind.MERGED,
            changes=changes | {"merged_id": [merge_id, keep_id]}, summary=summary,
        )  # fmt: skip
    return keep


@transaction.atomic
def duplicate_rules_update(*, actor: Employee, duplicate_name: str, duplicate_phone: str) -> CustomerSettings:
    if not has_permission(actor, Permission.MANAGE_ORGANIZATION):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    for field, value in (("duplicate_name", duplicate_name), ("duplicate_phone", duplicate_phone)):
        if value not in DuplicateAction.values:
            raise invalid(field, _("Choose one of the allowed values."))
    rules = duplicate_settings(org_id=actor.org_id)
    changes = {
        f: [getattr(rules, f), v]
        for f, v in (("duplicate_name", duplicate_name), ("duplicate_phone", duplicate_phone))
        if getattr(rules, f) != v
    }
    rules.duplicate_name, rules.duplicate_phone = duplicate_name, duplicate_phone
    rules.save()
    audit(actor=actor, org=actor.org, action="customers.duplicate_rules", obj=rules, changes=changes)
    return rules
