"""The product catalogue's reads. The catalogue is the organization's: everyone in it reads the active
products; administrators (`MANAGE_ORGANIZATION`) also the inactive ones. Another organization's rows are
never found (the same answer as a missing id)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from fieldloop.core.errors import not_found
from fieldloop.customers.selectors import Pick
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission

from .models import Product, ProductCategory
from .product_services import category_descendants

PRODUCT_ORDERING = ("sku", "id")
PICK_LIMIT = 8
SEARCH_LIMIT = 100  # characters of a search that are used


def manages_catalogue(actor: Employee) -> bool:
    return has_permission(actor, Permission.MANAGE_ORGANIZATION)


@dataclass(frozen=True)
class CategoryNode:
    category: ProductCategory
    depth: int  # 0 for a top category
    path: str  # "Machines / Excavators"
    products: int  # products directly in it (inactive ones too)
    children: int


def category_tree(*, actor: Employee) -> list[CategoryNode]:
    """The organization's categories depth-first in their order, each with its depth, its path and what uses
    it; two queries whatever the catalogue."""
    categories = list(ProductCategory.objects.filter(org_id=actor.org_id).order_by("sort_order", "name", "pk"))
    usage = dict(
        Product.objects.filter(org_id=actor.org_id, category__isnull=False)
        .values("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
        .order_by()
    )
    by_parent: dict[int | None, list[ProductCategory]] = {}
    for c in categories:
        by_parent.setdefault(c.parent_id, []).append(c)
    nodes: list[CategoryNode] = []

    def walk(parent_id: int | None, depth: int, prefix: str) -> None:
        for c in by_parent.get(parent_id, []):
            path = f"{prefix} / {c.name}" if prefix else c.name
            nodes.append(CategoryNode(c, depth, path, usage.get(c.pk, 0), len(by_parent.get(c.pk, []))))
            walk(c.pk, depth + 1, path)

    walk(None, 0, "")
    return nodes


def category_get(*, actor: Employee, category_id: int) -> ProductCategory:
    category = ProductCategory.objects.filter(org_id=actor.org_id, pk=category_id).first()
    if category is None:
        raise not_found()
    return category


def product_list(
    *,
    actor: Employee,
    text: str = "",
    category_id: int | None = None,
    active: bool | None = True,
) -> QuerySet[Product]:
    """The catalogue's products matching `text` (a SKU's start, or part of the name), in `category_id` or a
    category below it, active or not (`active=None`: both). Only an administrator sees inactive products:
    for anyone else `active` is always True. Order it (`PRODUCT_ORDERING`) and page it with a LIMIT."""
    if not manages_catalogue(actor):
        active = True
    qs = Product.objects.filter(org_id=actor.org_id).select_related("category")
    if active is not None:
        qs = qs.filter(is_active=active)
    text = text.strip()[:SEARCH_LIMIT]
    if text:
        qs = qs.filter(Q(sku__istartswith=text) | Q(name__icontains=text))
    if category_id is not None:
        categories = ProductCategory.objects.filter(org_id=actor.org_id).only("pk", "parent_id")
        qs = qs.filter(category_id__in=category_descendants(categories, category_id))
    return qs


def product_get(*, actor: Employee, product_id: int) -> Product:
    """A product of the actor's catalogue (an inactive one for an administrator only), or not found."""
    product = product_list(actor=actor, active=None).filter(pk=product_id).first()
    if product is None:
        raise not_found()
    return product


def product_pick(*, actor: Employee, text: str, limit: int = PICK_LIMIT) -> list[Pick]:
    """The searchable product picker's rows: active products whose SKU starts with, or name contains, `text`,
    exact SKU first, then by SKU; at most `limit`. One query."""
    rows = product_list(actor=actor, text=text, active=True).order_by(*PRODUCT_ORDERING)[:limit]
    found = [
        Pick(pk=p.pk, label=f"{p.sku} {p.name}", detail=p.category.name if p.category else "", distance_m=None)
        for p in rows
    ]
    wanted = text.strip().casefold()
    return sorted(found, key=lambda pick: not pick.label.casefold().startswith(f"{wanted} ")) if wanted else found
