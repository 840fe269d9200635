"""Where orders show beyond their own pages, through the registries of the apps below sales: the customer's
timeline (相关工作) with a "New order" action, a "New order" for the visit in progress on the rep's Today, and the
order amount of the day on the daily close card (from the SalesDay rollup, one query for many employees)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldloop.activities.models import Visit, VisitStatus
from fieldloop.activities.today import TodaySection, register_today_section
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import may_change_customer
from fieldloop.customers.timeline import Bound, TimelineItem, register_timeline_source
from fieldloop.org.models import Employee
from fieldloop.schedules.cards import register_card_figure

from .order_api import order_summary
from .order_selectors import customer_orders, order_amount_by_day_many

TIMELINE = "orders"
TIMELINE_RANK = 30


def _orders(actor: Employee, customer: Customer, bound: Bound | None, limit: int) -> list[TimelineItem]:
    qs = customer_orders(actor=actor, customer=customer).select_related("customer")
    if bound is not None:
        qs = qs.filter(bound.condition(rank=TIMELINE_RANK, time_field="created_at"))
    return [
        TimelineItem(at=o.created_at, pk=o.pk, source=TIMELINE, template="sales/orders/_timeline_order.html", obj=o)
        for o in qs.order_by("-created_at", "-id")[:limit]
    ]


def new_order_url(*, customer_id: int | None = None, visit_id: int | None = None) -> str:
    query = {"customer": str(customer_id)} if visit_id is None else {"visit": str(visit_id)}
    return f"{reverse('order_new')}?{urlencode(query)}"


def _actions(actor: Employee, customer: Customer) -> list[tuple[str, str]]:
    if customer.is_archived or not may_change_customer(actor=actor, customer=customer):
        return []
    return [(_("New order"), new_order_url(customer_id=customer.pk))]


def today_visit_order(actor: Employee) -> TodaySection | None:
    """The visit in progress (if any): a way to take an order there (one query)."""
    visit = (
        Visit.objects.filter(org_id=actor.org_id, employee=actor, status=VisitStatus.OPEN, customer__isnull=False)
        .select_related("customer")
        .order_by("-checked_in_at")
        .first()
    )
    if visit is None:
        return None
    context = {"visit": visit, "url": new_order_url(visit_id=visit.pk)}
    return TodaySection("sales/orders/_today_visit_order.html", context)


def register() -> None:
    register_timeline_source(TIMELINE, rank=TIMELINE_RANK, fetch=_orders, serialize=order_summary, actions=_actions)
    register_today_section("sales.visit_order", today_visit_order)
    register_card_figure(
        "orders.amount", label=gettext_lazy("Order amount"), compute=order_amount_by_day_many, order=60
    )
