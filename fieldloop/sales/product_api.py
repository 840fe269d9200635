"""/api/v1/products and /api/v1/product-categories: thin shells over the catalogue's services and selectors.

Everyone in the organization reads the active catalogue; administrators also the deactivated products, and
they alone change it. A create keeps its first answer under its `Idempotency-Key` (`run_idempotent`: a
product has no client_id column); a deactivation or reactivation sent twice changes nothing the second time.
"""

import uuid
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from fieldloop.core.errors import not_found
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, run_idempotent
from fieldloop.org.schemas import ERRORS

from . import product_selectors, product_services
from .models import Product
from .product_schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatchIn,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatchIn,
)

router = Router(tags=["products"])
PAGE = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200)
ACTIVE = {"active": True, "inactive": False, "all": None}


def product_out(product: Product) -> dict[str, Any]:
    category = product.category
    return {
        "id": product.pk,
        "sku": product.sku,
        "name": product.name,
        "category": {"id": category.pk, "name": category.name} if category is not None else None,
        "unit": product.unit,
        "list_price": product.list_price,
        "currency": product.org.currency,
        "is_active": product.is_active,
        "description": product.description,
    }


def _product(request: HttpRequest, product_id: int) -> dict[str, Any]:
    return product_out(product_selectors.product_get(actor=actor_of(request), product_id=product_id))


@router.get("/products", response={200: ProductPage, **ERRORS}, summary="The catalogue")
def product_list(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="A SKU code's start, or part of the name."),
    category_id: int | None = Query(None, ge=1, description="In this category or one below it."),
    active: Literal["active", "inactive", "all"] = Query("active", description="Administrators only: not active."),
    cursor: str | None = None,
    limit: int = PAGE,
) -> dict[str, Any]:
    """Products by SKU code, cursor-paged. Anyone but an administrator sees the active ones only."""
    actor = actor_of(request)
    qs = product_selectors.product_list(actor=actor, text=q, category_id=category_id, active=ACTIVE[active])
    page = keyset_page(
        qs.select_related("org"), ordering=product_selectors.PRODUCT_ORDERING, cursor=cursor, limit=limit
    )
    return {"items": [product_out(p) for p in page.items], "next_cursor": page.next_cursor}


@router.post("/products", response={201: ProductOut, **ERRORS}, summary="Add a product (admin)")
def product_create(
    request: HttpRequest, payload: ProductIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        product = product_services.product_create(actor=actor, **payload.dict())
        body = product_out(product_selectors.product_get(actor=actor, product_id=product.pk))
        return 201, ProductOut.model_validate(body).model_dump(mode="json")

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="product.create",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.get("/products/{int:product_id}", response={200: ProductOut, **ERRORS}, summary="A product")
def product_detail(request: HttpRequest, product_id: int) -> dict[str, Any]:
    return _product(request, product_id)


@router.patch("/products/{int:product_id}", response={200: ProductOut, **ERRORS}, summary="Change a product (admin)")
def product_update(request: HttpRequest, product_id: int, payload: ProductPatchIn) -> dict[str, Any]:
    """The fields sent change; `category_id: null` takes it out of its category."""
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None or k == "category_id"}
    product_services.product_update(actor=actor_of(request), product_id=product_id, values=values)
    return _product(request, product_id)


@router.post(
    "/products/{int:product_id}/deactivate", response={200: ProductOut, **ERRORS}, summary="Deactivate (admin)"
)
def product_deactivate(request: HttpRequest, product_id: int) -> dict[str, Any]:
    """No longer offered for new orders and forms; those that have it keep it. Sending it twice changes nothing."""
    product_services.product_set_active(actor=actor_of(request), product_id=product_id, active=False)
    return _product(request, product_id)


@router.post(
    "/products/{int:product_id}/reactivate", response={200: ProductOut, **ERRORS}, summary="Reactivate (admin)"
)
def product_reactivate(request: HttpRequest, product_id: int) -> dict[str, Any]:
    product_services.product_set_active(actor=actor_of(request), product_id=product_id, active=True)
    return _product(request, product_id)


# --- Categories -------------------------------------------------------------------------------------------


def _category_out(actor: Any, category_id: int) -> dict[str, Any]:
    node = next((n for n in product_selectors.category_tree(actor=actor) if n.category.pk == category_id), None)
    if node is None:
        raise not_found()
    return _node_out(node)


def _node_out(node: product_selectors.CategoryNode) -> dict[str, Any]:
    c = node.category
    return {
        "id": c.pk,
        "name": c.name,
        "parent_id": c.parent_id,
        "sort_order": c.sort_order,
        "depth": node.depth,
        "path": node.path,
        "product_count": node.products,
    }


@router.get("/product-categories", response={200: list[CategoryOut], **ERRORS}, summary="The category tree")
def category_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every category of the catalogue, depth-first in their order (a catalogue has tens of them)."""
    return [_node_out(n) for n in product_selectors.category_tree(actor=actor_of(request))]


@router.post("/product-categories", response={201: CategoryOut, **ERRORS}, summary="Add a category (admin)")
def category_create(
    request: HttpRequest, payload: CategoryIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        category = product_services.category_create(actor=actor, **payload.dict())
        return 201, CategoryOut.model_validate(_category_out(actor, category.pk)).model_dump(mode="json")

    result = run_idempotent(request=request, actor=actor, key=idempotency_key, operation="product_category.create",
                            create=create)  # fmt: skip
    return Status(result.status_code, result.body)


@router.get("/product-categories/{int:category_id}", response={200: CategoryOut, **ERRORS}, summary="A category")
def category_detail(request: HttpRequest, category_id: int) -> dict[str, Any]:
    return _category_out(actor_of(request), category_id)


@router.patch(
    "/product-categories/{int:category_id}", response={200: CategoryOut, **ERRORS}, summary="Rename or move (admin)"
)
def category_update(request: HttpRequest, category_id: int, payload: CategoryPatchIn) -> dict[str, Any]:
    """The fields sent change; `parent_id: null` moves it to the top."""
    actor = actor_of(request)
    values = payload.dict(exclude_unset=True)
    product_services.category_update(
        actor=actor,
        category_id=category_id,
        name=values.get("name"),
        parent_id=values.get("parent_id", product_services.UNSET),
        sort_order=values.get("sort_order"),
    )
    return _category_out(actor, category_id)


@router.delete(
    "/product-categories/{int:category_id}", response={204: None, **ERRORS}, summary="Delete an unused category (admin)"
)
def category_delete(request: HttpRequest, category_id: int) -> Status[None]:
    """Refused (409) while products or sub-categories are in it."""
    product_services.category_delete(actor=actor_of(request), category_id=category_id)
    return Status(204, None)
