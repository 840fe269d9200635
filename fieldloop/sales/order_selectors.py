"""Reads of orders, through `org.selectors` visibility.

An order is seen by whoever sees its owner, and by whoever sees one of the employees it credits (a rep credited
40 % on a colleague's order sees that order; so does that rep's manager). Lists are keyset-paged by
(signed_on, id), newest first, and run the same queries for 10 rows as for 1,000.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Prefetch, Q, QuerySet, Sum, Value, When, prefetch_related_objects

from fieldloop.core.errors import not_found
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import PICK_LIMIT, Pick, visible_customers
from fieldloop.org.models import Employee, EmployeeQuerySet, EmployeeStatus
from fieldloop.org.selectors import can_change_owned_by, visibility_for

from .models import Order, OrderAmendment, OrderCredit, OrderKind, OrderLine, OrderStatus, SalesDay

ORDERING = ("-signed_on", "-id")
MINE, TEAM = "mine", "team"


def visible_orders(*, actor: Employee) -> QuerySet[Order]:
    """Orders whose owner the actor sees, or that credit someone the actor sees (one SQL condition)."""
    if not actor.is_active:
        return Order.objects.none()
    visibility = visibility_for(actor)
    qs = Order.objects.filter(org_id=actor.org_id)
    if visibility.sees_whole_org:
        return qs
    credited = OrderCredit.objects.filter(org_id=actor.org_id).filter(visibility.condition("employee__"))
    return qs.filter(visibility.condition("owner__") | Q(pk__in=credited.values("order_id")))


@dataclass(frozen=True)
class OrderFilters:
    scope: str = TEAM  # MINE: the actor's own or credited to the actor; TEAM: every order the actor sees
    status: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    customer_id: int | None = None


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def order_filters_from_query(query: dict[str, str]) -> OrderFilters:
    """Filters from a page's query string; anything unreadable is ignored (a list never answers 500)."""
    customer = query.get("customer") or ""
    return OrderFilters(
        scope=MINE if query.get("scope") == MINE else TEAM,
        status=query.get("status", "") if query.get("status") in OrderStatus.values else "",
        kind=query.get("kind", "") if query.get("kind") in OrderKind.values else "",
        date_from=_day(query.get("date_from")),
        date_to=_day(query.get("date_to")),
        customer_id=int(customer) if customer.isdigit() and len(customer) < 19 else None,
    )


def order_list(*, actor: Employee, filters: OrderFilters | None = None) -> QuerySet[Order]:
    """The orders of a list page (ordered by ORDERING), with what a row shows joined in."""
    filters = filters or OrderFilters()
    qs = visible_orders(actor=actor)
    if filters.scope == MINE:
        mine = OrderCredit.objects.filter(org_id=actor.org_id, employee_id=actor.pk).values("order_id")
        qs = qs.filter(Q(owner_id=actor.pk) | Q(pk__in=mine))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.date_from:
        qs = qs.filter(signed_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(signed_on__lte=filters.date_to)
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    return qs.select_related("customer", "owner").order_by(*ORDERING)


def with_details(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Lines (with products) and credits (with employees and departments) prefetched; amendments are
    `amendments_of`'s (an order that has none, as every new one, costs no query for them)."""
    return qs.select_related("customer", "owner", "created_by", "renews", "visit").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("position")),
        Prefetch("credits", queryset=OrderCredit.objects.select_related("employee", "department").order_by("id")),
    )


def with_amendments(order: Order) -> Order:
    """The order's amendments (with their authors, newest first) prefetched: one query, none for an order at
    revision 0 (every amendment is a revision, so it has none)."""
    if order.revision:
        prefetch_related_objects(
            [order],
            Prefetch("amendments", queryset=OrderAmendment.objects.select_related("author").order_by("-revision")),
        )
    else:
        order._prefetched_objects_cache["amendments"] = order.amendments.none()  # type: ignore[attr-defined]
    return order


def order_get(*, actor: Employee, order_id: int) -> Order:
    """A visible order with its details, or not found (the same answer for missing and not visible)."""
    order = with_details(visible_orders(actor=actor)).filter(pk=order_id).first()
    if order is None:
        raise not_found()
    return with_amendments(order)


def creditable_employees(*, actor: Employee) -> EmployeeQuerySet:
    """Whom an order the actor enters or amends may credit: the employees the actor sees and the active members of
    the actor's own department (their team), so a rep splits an order with a teammate without seeing the
    teammate's rows. Anyone else (another department's rep, one who left) is refused. One SQL condition."""
    if not actor.is_active:
        return Employee.objects.none()
    visibility = visibility_for(actor)
    qs = Employee.objects.filter(org_id=actor.org_id)
    if visibility.sees_whole_org:  # beware: an empty condition OR-ed with the team would narrow it to the team
        return qs
    team = Q(department_id=actor.department_id, status=EmployeeStatus.ACTIVE)
    return qs.filter(visibility.condition() | team)


def credit_pick(*, actor: Employee, text: str, limit: int = PICK_LIMIT) -> list[Pick]:
    """The credit picker's rows: active employees the actor may credit whose name, phone or employee number
    contains `text` (the actor's own department first, then by name), a few at a time; one query."""
    qs = creditable_employees(actor=actor).active().select_related("department")
    text = text.strip()[:50]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(phone__contains=text) | Q(employee_number__icontains=text))
    team_first = Case(When(department_id=actor.department_id, then=Value(0)), default=Value(1))
    rows = qs.order_by(team_first, "name", "id")[:limit]
    return [Pick(pk=e.pk, label=e.name, detail=e.department.name, distance_m=None) for e in rows]


def may_change_order(*, actor: Employee, order: Order) -> bool:
    """May the actor change this order (one it sees)? Its owner, an employee it credits, or whoever may change
    the owner's rows (a manager over their subtree, an administrator); and only for a customer the actor sees.
    Uses the prefetched credits when there; two queries at most."""
    credited = any(c.employee_id == actor.pk for c in order.credits.all())
    if not (order.owner_id == actor.pk or credited or can_change_owned_by(actor=actor, owner=order.owner)):
        return False
    return visible_customers(actor=actor, include_archived=True).filter(pk=order.customer_id).exists()


def customer_orders(*, actor: Employee, customer: Customer) -> QuerySet[Order]:
    """A customer's orders the actor sees (its timeline)."""
    return visible_orders(actor=actor).filter(customer=customer).select_related("owner")


def renewable_contracts(*, actor: Employee, customer_id: int) -> QuerySet[Order]:
    """The customer's confirmed orders a new order may renew (newest first)."""
    return (
        visible_orders(actor=actor)
        .filter(customer_id=customer_id, status=OrderStatus.CONFIRMED)
        .order_by("-signed_on", "-id")
    )


def order_amount_by_day_many(
    org_id: int, employee_ids: list[int], first_day: date, last_day: date, zone: ZoneInfo
) -> dict[tuple[int, date], Decimal]:
    """The daily card's figure: the order amount credited to each employee on each of the organization's days
    from `first_day` to `last_day`, from the SalesDay rollup (kept by the organization's days: `zone` is not
    needed): one query for all of them; (employee id, day) -> amount, a pair without any left out."""
    rows = (
        SalesDay.objects.filter(org_id=org_id, employee_id__in=employee_ids, day__gte=first_day, day__lte=last_day)
        .values_list("employee_id", "day")
        .annotate(amount=Sum("sales_amount"))
        .order_by()
    )
    return {(employee_id, day): amount for employee_id, day, amount in rows if amount}
