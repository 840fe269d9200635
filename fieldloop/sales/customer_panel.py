"""The sales panel of a customer's page (registered with `customers.panels`): the contract status and what the
customer owes. Three queries, whatever the data."""

from django.urls import reverse

from fieldloop.customers.models import Customer
from fieldloop.customers.panels import CustomerPanel
from fieldloop.org.models import Employee

from .contracts import contract_state
from .payment_selectors import customer_receivable, org_today, sales_settings


def sales_panel(actor: Employee, customer: Customer) -> CustomerPanel:
    today = org_today(actor)
    state = contract_state(
        org_id=actor.org_id, customer_id=customer.pk, today=today,
        reminder_days=sales_settings(org_id=actor.org_id).contract_reminder_days,
    )  # fmt: skip
    outstanding, overdue = customer_receivable(org_id=actor.org_id, customer_id=customer.pk, today=today)
    return CustomerPanel(
        template="sales/payments/_customer_panel.html",
        context={
            "contract": state, "outstanding": outstanding, "overdue": overdue, "currency": actor.org.currency,
            "contract_url": reverse("order_payments", args=[state.order_id]) if state.order_id else "",
        },
    )  # fmt: skip
