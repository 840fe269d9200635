"""Work records on their customer's timeline (相关工作), through customers' timeline registry."""

from django.urls import reverse
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.timeline import Bound, TimelineItem, register_timeline_source
from org.models import Employee

from .api import record_out
from .display import decorate_cards
from .selectors import customer_records

SOURCE = "work_records"
RANK = 10


def _records(actor: Employee, customer: Customer, bound: Bound | None, limit: int) -> list[TimelineItem]:
    qs = customer_records(actor=actor, customer=customer)
    if bound is not None:
        qs = qs.filter(bound.condition(rank=RANK, time_field="captured_at"))
    records = decorate_cards(list(qs.order_by("-captured_at", "-id")[:limit]))
    return [
        TimelineItem(at=r.captured_at, pk=r.pk, source=SOURCE, template="activities/_timeline_record.html", obj=r)
        for r in records
    ]


def _actions(actor: Employee, customer: Customer) -> list[tuple[str, str]]:
    if customer.is_archived:
        return []
    return [(_("New work record"), f"{reverse('record_new')}?customer={customer.pk}")]


def register() -> None:
    register_timeline_source(SOURCE, rank=RANK, fetch=_records, serialize=record_out, actions=_actions)
