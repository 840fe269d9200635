"""How form templates' customer and contact reference fields see this app's rows."""

from collections.abc import Iterable

from fieldloop.org.models import Employee

from .models import Contact, Customer
from .selectors import visible_customers


def customer_visible(actor: Employee, customer_id: int) -> bool:
    return visible_customers(actor=actor).filter(pk=customer_id).exists()


def contact_visible(actor: Employee, contact_id: int) -> bool:
    return Contact.objects.filter(
        org_id=actor.org_id, pk=contact_id, customer__in=visible_customers(actor=actor).values("pk")
    ).exists()


def customer_labels(org_id: int, ids: Iterable[int]) -> dict[int, str]:
    return dict(Customer.objects.filter(org_id=org_id, pk__in=list(ids)).values_list("pk", "name"))


def contact_labels(org_id: int, ids: Iterable[int]) -> dict[int, str]:
    rows = Contact.objects.filter(org_id=org_id, pk__in=list(ids)).values_list("pk", "name", "customer__name")
    return {pk: f"{name} ({customer})" for pk, name, customer in rows}
