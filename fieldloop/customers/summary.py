"""The customer page's summary (its top): what a manager looks for first. Customers says how long the owner keeps
the customer before it returns to its pool; apps above it add their facts through `register_summary` (activities:
visits and records in the last 30 and 90 days and the last follow-up; schedules: open follow-ups). Each builder
reads (a GET never writes) and costs a query whatever the data; customers imports no app above it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from math import ceil

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.org.models import Employee

from .models import Customer, CustomerPool

WINDOWS = (30, 90)  # days the counts look back


@dataclass(frozen=True)
class SummaryFact:
    key: str  # stable, for tests and the API
    label: str
    value: str  # what the page shows large
    detail: str = ""  # a second line
    url: str = ""  # where the fact leads
    warn: bool = False  # shown as something to act on
    number: int | None = None  # the value as a number, for the API, when it is one


# (actor, customer, now) -> facts
Build = Callable[[Employee, Customer, datetime], list[SummaryFact]]
_BUILDERS: dict[str, Build] = {}


def register_summary(name: str, build: Build) -> None:
    _BUILDERS[name] = build


def customer_summary(*, actor: Employee, customer: Customer, now: datetime | None = None) -> list[SummaryFact]:
    """The summary of a customer the caller has checked the actor may read: each registered app's facts in the
    order they registered, then the pool's."""
    now = now or timezone.now()
    facts = [fact for build in _BUILDERS.values() for fact in build(actor, customer, now)]
    return facts + _pool_return(customer, now)


def days_until_return(customer: Customer, now: datetime) -> int | None:
    """Whole days (rounded up) until an owned customer's protection ends and it returns to its pool, or None when
    the pool rule does not apply: no owner, no pool or no protection end, or a stage its pool keeps. One query
    (the pool's kept stages) when it may apply."""
    if customer.owner_id is None or customer.pool_id is None or customer.protected_until is None:
        return None
    if customer.stage_id is not None:
        kept = CustomerPool.keep_stages.through.objects.filter(
            customerpool_id=customer.pool_id, customerstage_id=customer.stage_id
        )
        if kept.exists():
            return None
    return max(0, ceil((customer.protected_until - now).total_seconds() / 86400))


def _pool_return(customer: Customer, now: datetime) -> list[SummaryFact]:
    days = days_until_return(customer, now)
    if days is None:
        return []
    detail = _("on %(date)s") % {"date": timezone.localtime(customer.protected_until).strftime("%Y-%m-%d")}
    value = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    fact = SummaryFact(
        key="pool_return", label=_("Returns to the pool in"), value=value, detail=detail, warn=days <= 7, number=days
    )
    return [fact]
