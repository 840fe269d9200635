"""Reference fields (customer, contact, employee, product): who may point at which row.

Each kind has a resolver, `resolver(actor, id) -> bool`, answering whether the actor may
see that row; apps register theirs when they load (`formtemplates.references.register`
in their AppConfig.ready). A kind with no resolver refuses every value. An optional
labeller, `labeller(org_id, ids) -> {id: text}`, gives the display text of ids in bulk.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q

from fieldloop.org.models import Employee
from fieldloop.org.selectors import visibility_for, visible_employees

Resolver = Callable[[Employee, int], bool]
Labeller = Callable[[int, Iterable[int]], dict[int, str]]


@dataclass(frozen=True)
class Reference:
    resolver: Resolver
    labeller: Labeller | None = None


_REGISTRY: dict[str, Reference] = {}


def register(kind: str, resolver: Resolver, labeller: Labeller | None = None) -> None:
    """Register (or replace) the resolver of a reference kind: "customer", "contact", "product", …"""
    _REGISTRY[kind] = Reference(resolver=resolver, labeller=labeller)


def unregister(kind: str) -> None:
    _REGISTRY.pop(kind, None)


def get(kind: str) -> Reference | None:
    return _REGISTRY.get(kind)


def labels(kind: str, org_id: int, ids: Iterable[int]) -> dict[int, str]:
    reference = _REGISTRY.get(kind)
    if reference is None or reference.labeller is None:
        return {}
    return reference.labeller(org_id, list(ids))


# --- Employees: resolved here, through org's visibility --------------------------------------


def employee_in_subtree(actor: Employee, employee_id: int) -> bool:
    """An active employee of the actor's department subtree, or one the actor sees anyway."""
    if not actor.is_active:
        return False
    condition = Q(department__path__startswith=actor.department.path) | visibility_for(actor).condition()
    return (
        Employee.objects.filter(org_id=actor.org_id, pk=employee_id).active().filter(condition).exists()
        or visible_employees(actor=actor).active().filter(pk=employee_id).exists()
    )


def employee_in_org(actor: Employee, employee_id: int) -> bool:
    """Any active employee of the actor's organization."""
    return actor.is_active and Employee.objects.filter(org_id=actor.org_id, pk=employee_id).active().exists()


def employee_labels(org_id: int, ids: Iterable[int]) -> dict[int, str]:
    return dict(Employee.objects.filter(org_id=org_id, pk__in=list(ids)).values_list("pk", "name"))


register("employee", employee_in_subtree, employee_labels)
