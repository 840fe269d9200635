"""Reads of the money side of orders: payment plans, payments received (回款), receivables (应收).

Who sees an order's money is who sees its customer (`customers.selectors.visible_customers`, archived
customers included: what they owe does not go away with them). Who may record a payment or set a plan is
narrower (`may_handle_money`): the order's owner or a credited employee, someone who may change their rows (their
managers), an administrator. Correcting or deleting a payment is for managers and administrators only
(`may_correct_payments`).

Instalments are matched to payments first due, first paid: the payments received cover the earliest instalments
first, so an instalment is paid, partly paid, due or overdue by the running sum of the plan against `Order.paid`.
An order's overdue amount is what the instalments due before today ask beyond what was paid
(max(0, planned before today - paid)): one subquery, so receivables are one query per page whatever the rows.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.errors import invalid, not_found
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import visible_customers
from fieldloop.org.models import Department, Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import visible_employees

from .models import ZERO, Order, OrderCredit, OrderStatus, Payment, PaymentPlanItem, SalesSettings

MONEY = DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")
ORDER_ORDERING = ("signed_on", "id")  # the oldest receivable first
CUSTOMER_ORDERING = ("name", "id")


def org_today(employee: Employee) -> date:
    """Today in the employee's organization's time zone."""
    return timezone.now().astimezone(ZoneInfo(employee.org.time_zone)).date()


def sales_settings(*, org_id: int) -> SalesSettings:
    """The organization's sales settings: its own row, or the defaults until an administrator saves them."""
    return SalesSettings.objects.filter(org_id=org_id).first() or SalesSettings(org_id=org_id)


# --- which orders ----------------------------------------------------------------------------------------------


def visible_orders(*, actor: Employee) -> QuerySet[Order]:
    """Orders of the customers the actor sees."""
    customers = visible_customers(actor=actor, include_archived=True).values("pk")
    return Order.objects.filter(org_id=actor.org_id, customer_id__in=customers)


def order_get(*, actor: Employee, order_id: int, for_update: bool = False) -> Order:
    """A visible order (locked for update when asked), or not found: the same answer for missing and forbidden."""
    qs = visible_orders(actor=actor).filter(pk=order_id)
    order = (qs.select_for_update() if for_update else qs.select_related("customer", "owner")).first()
    if order is None:
        raise not_found()
    return order


def _people_of(order: Order) -> list[int]:
    """The order's owner and its credited employees."""
    credited = OrderCredit.objects.filter(order_id=order.pk).values_list("employee_id", flat=True)
    return [order.owner_id, *credited]


def may_handle_money(*, actor: Employee, order: Order) -> bool:
    """May the actor set the plan of, and record payments on, an order they see? Its owner or a credited employee;
    with the permission to change subordinates' records, anyone who sees one of them (their managers; an
    administrator sees everyone). At most two queries."""
    if not actor.is_active:
        return False
    people = _people_of(order)
    if actor.pk in people:
        return True
    return has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS) and (
        visible_employees(actor=actor).filter(pk__in=people).exists()
    )


def may_correct_payments(*, actor: Employee, order: Order) -> bool:
    """May the actor correct or delete the payments of an order they see? Managers of its owner or a credited
    employee (themselves included when they own it) and administrators: not a rep, not even on their own order."""
    if not actor.is_active or not has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS):
        return False
    return visible_employees(actor=actor).filter(pk__in=_people_of(order)).exists()


def payment_get(*, actor: Employee, payment_id: int) -> Payment:
    """A payment of a visible order, or not found."""
    payment = (
        Payment.objects.filter(org_id=actor.org_id, pk=payment_id, order__in=visible_orders(actor=actor))
        .select_related("order", "order__customer", "recorded_by")
        .first()
    )
    if payment is None:
        raise not_found()
    return payment


def order_payments(*, order: Order) -> QuerySet[Payment]:
    """The payments of an order the caller has checked, newest first (an order has a handful)."""
    return (
        Payment.objects.filter(org_id=order.org_id, order_id=order.pk)
        .select_related("recorded_by")
        .order_by("-received_on", "-id")
    )


# --- the plan against what was paid -----------------------------------------------------------------------------


class InstalmentStatus:
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    DUE = "due"
    OVERDUE = "overdue"


def instalment_status_label(status: str) -> str:
    return {
        InstalmentStatus.PAID: _("Paid"),
        InstalmentStatus.PARTLY_PAID: _("Partly paid"),
        InstalmentStatus.DUE: _("Due"),
        InstalmentStatus.OVERDUE: _("Overdue"),
    }[status]


@dataclass(frozen=True)
class Instalment:
    item: PaymentPlanItem
    covered: Decimal  # how much of it the payments received cover
    status: str

    @property
    def open_amount(self) -> Decimal:
        return self.item.amount - self.covered

    @property
    def status_label(self) -> str:
        return instalment_status_label(self.status)


@dataclass(frozen=True)
class PlanView:
    order: Order
    instalments: list[Instalment]
    planned: Decimal  # the sum of the instalments
    unplanned: Decimal  # the part of the total no instalment asks for
    overdue: Decimal  # instalments due before today, beyond what was paid
    due: Decimal  # instalments due from today on, beyond what was paid

    @property
    def outstanding(self) -> Decimal:
        return self.order.outstanding


def match_plan(items: list[PaymentPlanItem], *, paid: Decimal, today: date) -> list[Instalment]:
    """The instalments, earliest due first, each covered by what remains of `paid` after the earlier ones."""
    left = paid
    rows = []
    for item in sorted(items, key=lambda i: (i.due_on, i.pk or 0)):
        covered = min(left, item.amount) if left > 0 else ZERO
        left -= covered
        if covered >= item.amount:
            status = InstalmentStatus.PAID
        elif item.due_on < today:
            status = InstalmentStatus.OVERDUE
        elif covered > 0:
            status = InstalmentStatus.PARTLY_PAID
        else:
            status = InstalmentStatus.DUE
        rows.append(Instalment(item=item, covered=covered, status=status))
    return rows


def payment_plan(*, order: Order, today: date) -> PlanView:
    """An order's plan (one query) matched against what was paid."""
    items = list(PaymentPlanItem.objects.filter(org_id=order.org_id, order_id=order.pk).order_by("due_on", "id"))
    instalments = match_plan(items, paid=order.paid, today=today)
    planned = sum((i.amount for i in items), ZERO)
    overdue = sum((i.open_amount for i in instalments if i.item.due_on < today), ZERO)
    due = sum((i.open_amount for i in instalments if i.item.due_on >= today), ZERO)
    return PlanView(
        order=order, instalments=instalments, planned=planned, unplanned=max(ZERO, order.total - planned),
        overdue=overdue, due=due,
    )  # fmt: skip


# --- receivables (应收) --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivableFilters:
    owner_id: int | None = None
    department_id: int | None = None


def receivable_filters(*, actor: Employee, owner_id: int | None, department_id: int | None) -> ReceivableFilters:
    """Check the filters: an owner the actor sees and a department of the organization, else a field error."""
    if owner_id is not None and not visible_employees(actor=actor).filter(pk=owner_id).exists():
        raise invalid("owner_id", _("Choose an employee you can see."))
    if department_id is not None and not Department.objects.filter(org_id=actor.org_id, pk=department_id).exists():
        raise invalid("department_id", _("Choose a department of your organization."))
    return ReceivableFilters(owner_id=owner_id, department_id=department_id)


def _overdue_of_order(today: date) -> Greatest:
    planned_before_today = (
        PaymentPlanItem.objects.filter(order_id=OuterRef("pk"), due_on__lt=today)
        .values("order_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    planned = Coalesce(Subquery(planned_before_today, output_field=MONEY), Value(ZERO), output_field=MONEY)
    return Greatest(
        ExpressionWrapper(planned - F("paid"), output_field=MONEY), Value(ZERO, output_field=MONEY),
        output_field=MONEY,
    )  # fmt: skip


def _filtered(qs: QuerySet[Order], filters: ReceivableFilters) -> QuerySet[Order]:
    qs = qs.filter(status=OrderStatus.CONFIRMED, total__gt=F("paid"))
    if filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.department_id is not None:
        subtree = Department.objects.filter(pk=filters.department_id).values("path")[:1]
        qs = qs.filter(owner__department__path__startswith=Subquery(subtree))
    return qs


def receivable_orders(*, actor: Employee, filters: ReceivableFilters, today: date) -> QuerySet[Order]:
    """Confirmed orders of visible customers with money outstanding, each with `outstanding_amount`,
    `overdue_amount` and `next_due_on` (the earliest instalment due from today on); keyset-paged by the caller on
    ORDER_ORDERING. One query per page."""
    next_due = (
        PaymentPlanItem.objects.filter(order_id=OuterRef("pk"), due_on__gte=today).order_by("due_on").values("due_on")
    )
    return (
        _filtered(visible_orders(actor=actor), filters)
        .annotate(
            outstanding_amount=ExpressionWrapper(F("total") - F("paid"), output_field=MONEY),
            overdue_amount=_overdue_of_order(today),
            next_due_on=Subquery(next_due[:1]),
        )
        .select_related("customer", "owner")
    )


def receivable_customers(*, actor: Employee, filters: ReceivableFilters, today: date) -> QuerySet[Customer]:
    """Visible customers that owe money, each with `receivable` (outstanding), `overdue` and `order_count` of their
    confirmed orders (within the filters); keyset-paged by the caller on CUSTOMER_ORDERING. One query per page."""
    orders = _filtered(Order.objects.filter(customer_id=OuterRef("pk")), filters).values("customer_id")

    def total(expression: object) -> Subquery:
        return Subquery(orders.annotate(s=Sum(expression)).values("s"), output_field=MONEY)  # type: ignore[arg-type]

    counts = Subquery(orders.annotate(n=Count("pk")).values("n"))
    return (
        visible_customers(actor=actor, include_archived=True)
        .annotate(
            receivable=total(F("total") - F("paid")),
            overdue=Coalesce(total(_overdue_of_order(today)), Value(ZERO), output_field=MONEY),
            order_count=counts,
        )
        .filter(receivable__gt=0)
        .select_related("owner")
    )


@dataclass(frozen=True)
class ReceivableSummary:
    outstanding: Decimal
    overdue: Decimal
    order_count: int


def receivable_summary(*, actor: Employee, filters: ReceivableFilters, today: date) -> ReceivableSummary:
    """The totals of the receivables within the filters: one query."""
    row = (
        receivable_orders(actor=actor, filters=filters, today=today)
        .select_related(None)
        .aggregate(outstanding=Sum("outstanding_amount"), overdue=Sum("overdue_amount"), n=Count("pk"))
    )
    return ReceivableSummary(
        outstanding=cents(row["outstanding"]), overdue=cents(row["overdue"]), order_count=row["n"] or 0
    )


def customer_receivable(*, org_id: int, customer_id: int, today: date) -> tuple[Decimal, Decimal]:
    """(outstanding, overdue) of one customer the caller has checked: one query."""
    row = (
        _filtered(Order.objects.filter(org_id=org_id, customer_id=customer_id), ReceivableFilters())
        .annotate(
            outstanding_amount=ExpressionWrapper(F("total") - F("paid"), output_field=MONEY),
            overdue_amount=_overdue_of_order(today),
        )
        .aggregate(outstanding=Sum("outstanding_amount"), overdue=Sum("overdue_amount"))
    )
    return cents(row["outstanding"]), cents(row["overdue"])


def cents(value: Decimal | None) -> Decimal:
    """A sum as money (SQLite's sums come back without their scale)."""
    return (value or ZERO).quantize(CENT)
