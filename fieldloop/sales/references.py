"""How form templates' product reference fields (a "product" field, a sub-table's product column) see the
catalogue: an active product of the actor's organization; labelled "SKU name"."""

from collections.abc import Iterable

from fieldloop.org.models import Employee

from .models import Product


def product_visible(actor: Employee, product_id: int) -> bool:
    return actor.is_active and Product.objects.filter(org_id=actor.org_id, pk=product_id, is_active=True).exists()


def product_labels(org_id: int, ids: Iterable[int]) -> dict[int, str]:
    rows = Product.objects.filter(org_id=org_id, pk__in=list(ids)).values_list("pk", "sku", "name")
    return {pk: f"{sku} {name}" for pk, sku, name in rows}
