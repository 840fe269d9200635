"""Duplicate detection (查重): normalised names and phones, and the masked "does this company exist?" search.

The masked search looks across the whole organization, whoever owns the customer, and answers only
the name, the owner's department and whether it waits in a pool: enough for a rep to know a prospect
is taken before calling it, without showing details the rep may not see.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError, invalid
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.services import audit

from . import credit_code
from .models import (
    Contact,
    Customer,
    CustomerEvent,
    CustomerEventKind,
    CustomerSettings,
    CustomerTag,
    DuplicateAction,
)
from .names import NAME_KEY_LENGTH, NameKey, name_key, normalise_name, normalise_phone
from .selectors import customer_for_change, customer_name_candidates, customer_name_condition

MASKED_RESULTS = 10
NAME_SIMILARITY = 0.7  # bigram Dice of two names' cores from which they count as the same company
NAME_CANDIDATES = 30  # names read from the index per check, nearest first (each is then scored in Python)
PHONE_MATCHES = 50  # customers with the same phone read per check


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def name_similarity(a: NameKey, b: NameKey) -> float:
    """0..1: the bigram Dice coefficient of the cores; 0 for different branches, different numbers, or
    names that both state regions and no common one (北京华东机械 is not 上海华东机械)."""
    if a.branch != b.branch or not a.core or not b.core:
        return 0.0
    if a.regions and b.regions and not set(a.regions) & set(b.regions):
        return 0.0
    if re.findall(r"\d+", a.core) != re.findall(r"\d+", b.core):  # 客户1 and 客户10, 第3分厂 and 第4分厂
        return 0.0
    if a.core == b.core:
        return 1.0
    x, y = _bigrams(a.core), _bigrams(b.core)
    return 2 * len(x & y) / (len(x) + len(y))


def trigrams(text: str) -> list[str]:
    grams = dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2))
    return list(grams)[:24]


def similar_names(
    *, org_id: int, name: str, exclude_id: int | None = None, include_archived: bool = False
) -> list[Customer]:
    """The organization's customers whose names look like `name`, most alike first. Candidates come
    from the name index (customers.selectors.customer_name_candidates), then are scored here."""
    return _matches(org_id=org_id, name=name, exclude_id=exclude_id, include_archived=include_archived)[0]


def _matches(
    *, org_id: int, name: str, phone: str = "", exclude_id: int | None = None, include_archived: bool = False
) -> tuple[list[Customer], list[Customer]]:
    """(similar names, same phone): one statement for the candidates, bounded whatever the data (names
    nearest first from the name index, NAME_CANDIDATES of them; PHONE_MATCHES with the phone), scored
    here on (id, name, phone) alone; the details of those that match in a second statement, only when
    some do (a refusal, or a search that finds something)."""
    key = name_key(name) if name else None
    digits = normalise_phone(phone) if phone else ""
    digits = digits if len(digits) >= 7 else ""
    if (key is None or not key.core) and not digits:
        return [], []
    if key is not None and key.core:
        found = customer_name_candidates(
            org_id=org_id, key=normalise_name(name)[:NAME_KEY_LENGTH], grams=trigrams(key.core), like=key.core,
            limit=NAME_CANDIDATES, phone_key=digits, phone_limit=PHONE_MATCHES, include_archived=include_archived,
            exclude_id=exclude_id,
        )  # fmt: skip
    else:
        found = customer_name_candidates(
            org_id=org_id, key="", grams=[], like="", limit=0, phone_key=digits, phone_limit=PHONE_MATCHES,
            exclude_id=exclude_id,
        )  # fmt: skip
    scores: dict[int, float] = {}
    phones: set[int] = set()
    for pk, other_name, phone_key, archived_at in found.values_list("pk", "name", "phone_key", "archived_at"):
        if key is not None and key.core:
            score = name_similarity(key, name_key(other_name))
            if score >= NAME_SIMILARITY:
                scores[pk] = score
        if digits and phone_key == digits and archived_at is None:
            phones.add(pk)
    if not scores and not phones:
        return [], []
    rows = {c.pk: c for c in Customer.objects.filter(pk__in=set(scores) | phones).select_related("owner__department")}
    same_name = sorted((rows[pk] for pk in scores if pk in rows), key=lambda c: (-scores[c.pk], c.name))
    same_phone = sorted((rows[pk] for pk in phones if pk in rows), key=lambda c: (c.name, c.pk))
    return same_name, same_phone


@dataclass(frozen=True)
class MaskedMatch:
    name: str
    owner_department: str | None  # None: waiting in a pool
    in_pool: bool
    mine: bool
    archived: bool


def all_orgs_masked_existence_check(*, actor: Employee, query: str) -> list[MaskedMatch]:
    """Customers of the actor's organization whose name contains the text, with the same credit code or
    phone, then those with a similar name (华东机械(上海) finds 上海华东机械有限公司), masked.

    Deliberately not scoped by visibility (hence the loud name): it shows no more than the MaskedMatch."""
    text = query.strip()
    if len(text) < 2:
        raise invalid("q", _("Type at least two characters."))
    base = Customer.objects.filter(org_id=actor.org_id)
    condition = customer_name_condition(text)
    code = credit_code.normalise(text)
    if len(code) == 18:
        condition |= Q(credit_code=code)
    phone = normalise_phone(text)
    if len(phone) >= 7:
        condition |= Q(phone__contains=phone[-8:])
    rows = list(base.filter(condition).select_related("owner__department").order_by("name", "id")[:MASKED_RESULTS])
    if len(rows) < MASKED_RESULTS:
        found = {c.pk for c in rows}
        similar = similar_names(org_id=actor.org_id, name=text, include_archived=True)
        rows += [c for c in similar if c.pk not in found][: MASKED_RESULTS - len(rows)]
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
    """The organization's duplicate rules (created with the organization: `services.customer_defaults_create`)."""
    return CustomerSettings.objects.get(org_id=org_id)


def possible_duplicates(
    *, org_id: int, name: str = "", phone: str = "", exclude_id: int | None = None
) -> tuple[list[Customer], list[Customer]]:
    """Customers of the organization with a similar name (name_similarity, from the name index), and with
    the same phone (not archived): one statement, and a second for the details of those that match."""
    return _matches(org_id=org_id, name=name, phone=phone, exclude_id=exclude_id)


def describe(customer: Customer) -> str:
    """A duplicate named without details: the name and the owner's department (or the pool)."""
    where = customer.owner.department.name if customer.owner else _("the public pool")
    return _("“%(name)s” (%(where)s)") % {"name": customer.name, "where": where}


def check_duplicates(
    *,
    org_id: int,
    name: str,
    phone: str,
    allow_duplicates: bool,
    exclude_id: int | None = None,
    rules: tuple[str, str] | None = None,
) -> None:
    """Apply the organization's duplicate rules (`rules`: the name's and the phone's DuplicateAction, when
    the caller has read them already): a blocking match always refuses; a warning refuses until the user
    says the customer is different (`allow_duplicates`)."""
    if rules is None:
        settings = duplicate_settings(org_id=org_id)
        rules = (settings.duplicate_name, settings.duplicate_phone)
    rule_name, rule_phone = rules
    name_action, phone_action = rule_name, rule_phone
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
        ("name", same_name, rule_name),
        ("phone", same_phone, rule_phone),
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
MERGE_LATEST_FIELDS = ("last_visited_at", "last_followed_up_at")  # the kept customer's are the later of the two

# A mover takes the organization, the kept customer's id and the duplicate's, moves a higher app's rows of the
# duplicate to the kept customer in one statement, inside the merge's transaction, and says how many it moved.
MergeMover = Callable[[int, int, int], int]


@dataclass(frozen=True)
class Mover:
    move: MergeMover
    label: str | Promise  # what the merge's entry on the timeline calls the rows moved, e.g. "Visits moved"


_MOVERS: dict[str, Mover] = {}


def on_customer_merged(name: str, move: MergeMover, label: str | Promise) -> None:
    """Move an app's rows when a duplicate is merged (called from a higher app's AppConfig.ready); `name` is how
    the merge's history counts them (`changes.moved`, e.g. "visits"), `label` how the timeline shows it."""
    _MOVERS[name] = Mover(move, label)


def moved_counts(changes: dict[str, Any]) -> list[tuple[str | Promise, int]]:
    """A merge's counts of rows moved, labelled, for the timeline (names no mover registers any more: as they are)."""
    return [
        (_MOVERS[name].label if name in _MOVERS else name, count)
        for name, count in (changes.get("moved") or {}).items()
        if count
    ]


def rows_moved(model: type[models.Model]) -> MergeMover:
    """The mover of a model whose rows point at their customer through `customer` (many rows a customer)."""

    def move(org_id: int, keep_id: int, gone_id: int) -> int:
        rows = model._default_manager.filter(org_id=org_id, customer_id=gone_id)
        return rows.update(customer_id=keep_id, updated_at=timezone.now())

    return move


@transaction.atomic
def customer_merge(*, actor: Employee, keep_id: int, merge_id: int) -> Customer:
    """Merge a duplicate into the customer kept: its contacts, timeline, collaborators, tags and the details the
    kept one lacks move over, and so does the work of the higher apps' movers (visits, work records, orders,
    schedules); the duplicate is archived and both timelines record the merge with what moved."""
    if keep_id == merge_id:
        raise invalid("merge_id", _("Choose a different customer to merge."))
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    first, second = sorted((keep_id, merge_id))  # lock in a fixed order
    locked = {pk: customer_for_change(actor=actor, customer_id=pk) for pk in (first, second)}
    keep, gone = locked[keep_id], locked[merge_id]
    if gone.archived_at is not None:
        raise invalid("merge_id", _("This customer is archived already."))
    changes: dict[str, list[Any]] = {}
    for field in MERGE_FILLED_FIELDS:
        if not getattr(keep, field) and getattr(gone, field):
            changes[field] = [getattr(keep, field), getattr(gone, field)]
            setattr(keep, field, getattr(gone, field))
    if keep.latitude is None and gone.latitude is not None:
        keep.latitude, keep.longitude = gone.latitude, gone.longitude
    for field in MERGE_LATEST_FIELDS:
        setattr(keep, field, max(filter(None, (getattr(keep, field), getattr(gone, field))), default=None))
    code = gone.credit_code
    keep.custom_values = {**(gone.custom_values or {}), **(keep.custom_values or {})}
    gone.archived_at = timezone.now()
    gone.credit_code = ""
    gone.save(update_fields=["archived_at", "credit_code", "updated_at"])
    if not keep.credit_code and code:
        changes["credit_code"] = ["", code]
        keep.credit_code = code
    keep.save()
    has_primary = Contact.objects.filter(customer=keep, is_primary=True, archived_at__isnull=True).exists()
    contacts = Contact.objects.filter(customer=gone)
    if has_primary:
        contacts.update(is_primary=False)
    contacts.update(customer=keep, updated_at=timezone.now())
    CustomerEvent.objects.filter(customer=gone).update(customer=keep)
    keep.collaborators.add(*gone.collaborators.all())
    kept_tags = CustomerTag.objects.filter(customer=keep).values("tag_id")
    CustomerTag.objects.bulk_create(
        CustomerTag(org_id=actor.org_id, customer=keep, tag_id=tag_id)
        for tag_id in CustomerTag.objects.filter(customer=gone)
        .exclude(tag_id__in=kept_tags)
        .values_list("tag_id", flat=True)
    )
    moved = {name: mover.move(actor.org_id, keep_id, merge_id) for name, mover in _MOVERS.items()}
    summary = _("%(gone)s merged into %(keep)s") % {"gone": gone.name, "keep": keep.name}
    for customer in (keep, gone):
        CustomerEvent.objects.create(
            org_id=actor.org_id, customer=customer, actor=actor, kind=CustomerEventKind.MERGED,
            changes=changes | {"merged_id": [merge_id, keep_id], "moved": moved}, summary=summary,
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
