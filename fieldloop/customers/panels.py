"""What other apps add to a customer's page, beside its basic information.

An app above customers (sales: the customer's contract status and what it owes) registers a builder in its
AppConfig.ready. The customer page calls each builder with the signed-in employee and the customer the page has
already checked they may see; a builder returns the template to include and its context, or None when it has
nothing to show. A builder reads (a GET never writes) and costs a query or two whatever the data. customers
imports no app above it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fieldloop.org.models import Employee

from .models import Customer


@dataclass(frozen=True)
class CustomerPanel:
    template: str  # included with `panel` = this object
    context: Mapping[str, object]


_BUILDERS: dict[str, Callable[[Employee, Customer], CustomerPanel | None]] = {}


def register_customer_panel(name: str, build: Callable[[Employee, Customer], CustomerPanel | None]) -> None:
    _BUILDERS[name] = build


def customer_panels(*, actor: Employee, customer: Customer) -> list[CustomerPanel]:
    """The panels of the customer's page, in the order their apps registered them."""
    return [p for p in (build(actor, customer) for build in _BUILDERS.values()) if p is not None]
