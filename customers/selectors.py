"""Reads of customers: always through the actor's visibility (their owners' reach, or as a collaborator)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.errors import not_found
from org.models import Employee, Role
from org.selectors import visibility_for

from .models import Contact, Customer, CustomerEvent, CustomerPool, PoolMembership


def visible_customers(*, actor: Employee, include_archived: bool = False) -> QuerySet[Customer]:
    """Customers whose owner the actor may see, those the actor collaborates on, and those waiting in
    the pools the actor is a member of."""
    if not actor.is_active:
        return Customer.objects.none()
    visibility = visibility_for(actor)
    qs = Customer.objects.filter(org_id=actor.org_id)
    if not visibility.sees_whole_org:
        collaborating = Customer.collaborators.through.objects.filter(employee_id=actor.pk).values("customer_id")
        my_pools = PoolMembership.objects.filter(employee_id=actor.pk).values("pool_id")
        qs = qs.filter(
            visibility.condition("owner__") | Q(pk__in=collaborating) | Q(owner__isnull=True, pool_id__in=my_pools)
        )
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return qs


@dataclass(frozen=True)
class CustomerFilters:
    search: str = ""
    owner_id: int | None = None
    level: str = ""
    stage_id: int | None = None
    include_archived: bool = False


def customer_filters_from_query(query: dict[str, str]) -> CustomerFilters:
    """The customer list's filters from a query string (q, owner, level, stage); junk is ignored."""
    from .models import CustomerLevel

    level = query.get("level", "")
    return CustomerFilters(
        search=query.get("q", "").strip()[:80],
        owner_id=int(query["owner"]) if query.get("owner", "").isdigit() else None,
        level=level if level in CustomerLevel.values else "",
        stage_id=int(query["stage"]) if query.get("stage", "").isdigit() else None,
    )


def customer_list(*, actor: Employee, filters: CustomerFilters | None = None) -> QuerySet[Customer]:
    f = filters or CustomerFilters()
    qs = visible_customers(actor=actor, include_archived=f.include_archived).select_related("owner", "stage")
    if f.search:
        qs = qs.filter(Q(name__icontains=f.search) | Q(short_name__icontains=f.search) | Q(phone__startswith=f.search))
    if f.owner_id:
        qs = qs.filter(owner_id=f.owner_id)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.stage_id:
        qs = qs.filter(stage_id=f.stage_id)
    return qs


def customer_get(*, actor: Employee, customer_id: int, for_update: bool = False) -> Customer:
    """A visible customer, or not found (the same answer for missing and forbidden)."""
    qs = visible_customers(actor=actor, include_archived=True)
    if for_update:
        customer = qs.filter(pk=customer_id).first()
        if customer is not None:
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
    else:
        customer = qs.select_related("owner", "stage", "created_by").filter(pk=customer_id).first()
    if customer is None:
        raise not_found()
    return customer


def contact_list(*, actor: Employee, customer: Customer) -> QuerySet[Contact]:
    return Contact.objects.filter(org_id=actor.org_id, customer=customer, archived_at__isnull=True)


def customer_timeline(*, actor: Employee, customer: Customer) -> QuerySet[CustomerEvent]:
    """The customer's timeline, newest first (keyset-paged by the caller on ("-created_at", "-id"))."""
    return CustomerEvent.objects.filter(org_id=actor.org_id, customer=customer).select_related("actor")


def pool_customer_list(*, actor: Employee, pool_id: int, search: str = "") -> QuerySet[Customer]:
    """Customers waiting in a pool the actor belongs to (an admin: any pool of the organization)."""
    pool = pools_of(actor=actor).filter(pk=pool_id).first()
    if pool is None:
        raise not_found()
    qs = Customer.objects.filter(org_id=actor.org_id, pool=pool, owner__isnull=True, archived_at__isnull=True)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(short_name__icontains=search))
    return qs.select_related("owner", "stage")


def is_pool_member(*, actor: Employee, pool: CustomerPool) -> bool:
    return actor.role == Role.ADMIN or PoolMembership.objects.filter(pool=pool, employee=actor).exists()


def pools_of(*, actor: Employee) -> QuerySet[CustomerPool]:
    """The pools the actor may claim from (an admin: every pool of the organization)."""
    pools = CustomerPool.objects.filter(org_id=actor.org_id, archived_at__isnull=True)
    if actor.role != Role.ADMIN:
        pools = pools.filter(memberships__employee=actor)
    return pools
