"""Duplicate detection (查重): normalised names and phones, and the masked "does this company exist?" search.

The masked search looks across the whole organization, whoever owns the customer, and answers only
the name, the owner's department and whether it waits in a pool: enough for a rep to know a prospect
is taken before calling it, without showing details the rep may not see.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import invalid
from org.models import Employee

from . import credit_code
from .models import Customer

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
