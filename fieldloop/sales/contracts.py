"""Contracts (合同): a confirmed order with an end date. A customer's contract status, and the owners' reminder
before a contract ends.

A customer's status is read from its contract that ends last (a renewal signed ahead ends after the contract it
renews, so a renewed customer stays covered): none, expired (it ended before today), ending (it ends within the
organization's `contract_reminder_days`) or active. The daily job reminds each contract's owner once, within
those days before the end, unless a confirmed renewal points at the contract; 0 days turns the reminders off.
"""

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.core import progress
from fieldloop.notifications.kinds import register_kind
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org.models import Organization

from .models import Order, OrderStatus, SalesSettings

CONTRACT_ENDING = "sales.contract_ending"
DEFAULT_REMINDER_DAYS = SalesSettings._meta.get_field("contract_reminder_days").default


class ContractStatus:
    NONE = "none"
    ACTIVE = "active"
    ENDING = "ending"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ContractState:
    status: str
    order_id: int | None = None
    number: str = ""
    ends_on: date | None = None
    days_left: int | None = None  # from today to the end (0: ends today); negative once expired

    @property
    def text(self) -> str:
        """One line for the customer page, in the reader's language."""
        if self.status == ContractStatus.NONE or self.ends_on is None or self.days_left is None:
            return _("No contract")
        end = self.ends_on.isoformat()
        if self.status == ContractStatus.EXPIRED:
            return _("Contract expired on %(date)s") % {"date": end}
        if self.status == ContractStatus.ENDING:
            if self.days_left == 0:
                return _("Contract ends today (%(date)s)") % {"date": end}
            return ngettext(
                "Contract ends in %(days)d day (%(date)s)", "Contract ends in %(days)d days (%(date)s)", self.days_left
            ) % {"days": self.days_left, "date": end}
        return _("Active contract until %(date)s") % {"date": end}


def contracts() -> Any:
    """Confirmed orders with an end date (unscoped: callers narrow to an organization and a customer)."""
    return Order.objects.filter(status=OrderStatus.CONFIRMED, ends_on__isnull=False)


def contract_state(*, org_id: int, customer_id: int, today: date, reminder_days: int) -> ContractState:
    """The contract status of a customer the caller has checked: one query."""
    last = (
        contracts()
        .filter(org_id=org_id, customer_id=customer_id)
        .order_by("-ends_on", "-id")
        .values("pk", "number", "ends_on")
        .first()
    )
    if last is None:
        return ContractState(ContractStatus.NONE)
    days_left = (last["ends_on"] - today).days
    if days_left < 0:
        status = ContractStatus.EXPIRED
    elif days_left <= reminder_days:
        status = ContractStatus.ENDING
    else:
        status = ContractStatus.ACTIVE
    return ContractState(status, last["pk"], last["number"], last["ends_on"], days_left)


# --- the reminder ------------------------------------------------------------------------------------------------


def _contract_ending(p: Mapping[str, Any]) -> str:
    return _("The contract %(number)s with %(customer)s ends on %(ends_on)s: time to talk about renewing it.") % p


def register_notices() -> None:
    register_kind(CONTRACT_ENDING, message=_contract_ending, icon="ti-calendar-due")


def all_orgs_remind_contract_endings(*, now: datetime | None = None) -> int:
    """Remind each owner of the contracts that end within their organization's `contract_reminder_days` (from
    today, the organization's day) and that no confirmed renewal points at: one notification per contract and end
    date, however often the job runs (the dedupe key). One query per organization. Returns how many contracts
    were due a reminder (those already reminded included)."""
    now = now or timezone.now()
    days_by_org = dict(SalesSettings.objects.values_list("org_id", "contract_reminder_days"))
    renewed = Order.objects.filter(renews_id=OuterRef("pk"), status=OrderStatus.CONFIRMED)
    due = 0
    with_contracts = contracts().filter(ends_on__gte=now.date() - timedelta(days=1)).values("org_id")
    orgs = Organization.objects.filter(pk__in=with_contracts).order_by("pk").values_list("pk", "time_zone")
    for org_id, zone in progress.track(list(orgs), label="organizations with contracts"):
        days = days_by_org.get(org_id, DEFAULT_REMINDER_DAYS)
        if not days:
            continue
        today = timezone.localtime(now, zoneinfo.ZoneInfo(zone)).date()
        rows = (
            contracts()
            .filter(org_id=org_id, ends_on__gte=today, ends_on__lte=today + timedelta(days=days))
            .filter(~Exists(renewed))
            .values_list("pk", "number", "owner_id", "customer_id", "customer__name", "ends_on")
            .order_by("pk")
        )
        notices = [
            Notice(
                org_id=org_id,
                recipient_id=owner_id,
                kind=CONTRACT_ENDING,
                params={"number": number, "customer": customer, "ends_on": ends_on.isoformat()},
                link=reverse("customer_detail", args=[customer_id]),
                dedupe_key=f"{CONTRACT_ENDING}:{pk}:{ends_on.isoformat()}",
            )
            for pk, number, owner_id, customer_id, customer, ends_on in rows
        ]
        notify_many(notices)
        due += len(notices)
    return due
