"""Work records on their customer's timeline (相关工作), through customers' timeline registry."""

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fieldloop.customers.models import Customer
from fieldloop.customers.timeline import Bound, TimelineItem, register_timeline_source
from fieldloop.org.models import Employee

from .api import record_out
from .display import decorate_cards
from .selectors import customer_records, customer_visits
from .visit_api import visit_out
from .visits import reasons_text

SOURCE = "work_records"
RANK = 10
VISITS = "visits"
VISITS_RANK = 20


def _records(actor: Employee, customer: Customer, bound: Bound | None, limit: int) -> list[TimelineItem]:
    qs = customer_records(actor=actor, customer=customer)
    if bound is not None:
        qs = qs.filter(bound.condition(rank=RANK, time_field="captured_at"))
    records = decorate_cards(list(qs.order_by("-captured_at", "-id")[:limit]))
    return [
        TimelineItem(at=r.captured_at, pk=r.pk, source=SOURCE, template="activities/_timeline_record.html", obj=r)
        for r in records
    ]


def _visits(actor: Employee, customer: Customer, bound: Bound | None, limit: int) -> list[TimelineItem]:
    qs = customer_visits(actor=actor, customer=customer)
    if bound is not None:
        qs = qs.filter(bound.condition(rank=VISITS_RANK, time_field="checked_in_at"))
    items = []
    for visit in qs.order_by("-checked_in_at", "-id")[:limit]:
        visit.reason_texts = reasons_text(visit.reasons)  # type: ignore[attr-defined]
        visit.type_label = visit.visit_type.display_name(get_language())  # type: ignore[attr-defined]
        items.append(
            TimelineItem(
                at=visit.checked_in_at,
                pk=visit.pk,
                source=VISITS,
                template="activities/_timeline_visit.html",
                obj=visit,
            )
        )
    return items


def _actions(actor: Employee, customer: Customer) -> list[tuple[str, str]]:
    if customer.is_archived:
        return []
    return [(_("New work record"), f"{reverse('record_new')}?customer={customer.pk}")]


def register() -> None:
    register_timeline_source(SOURCE, rank=RANK, fetch=_records, serialize=record_out, actions=_actions)
    register_timeline_source(VISITS, rank=VISITS_RANK, fetch=_visits, serialize=visit_out)
