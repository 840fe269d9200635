"""API schemas of the product catalogue."""

from decimal import Decimal

from ninja import Field, Schema

from fieldloop.core.schemas import RowId

from .product_services import CATEGORY_NAME_LIMIT, DESCRIPTION_LIMIT, NAME_LIMIT, SKU_LIMIT, UNIT_LIMIT


class CategoryRef(Schema):
    id: int
    name: str


class CategoryIn(Schema):
    name: str = Field(max_length=CATEGORY_NAME_LIMIT)
    parent_id: RowId | None = Field(None, description="The category it sits in; null: a top category.")
    sort_order: int = Field(0, ge=0, le=9999)


class CategoryPatchIn(Schema):
    name: str | None = Field(None, max_length=CATEGORY_NAME_LIMIT)
    parent_id: RowId | None = Field(None, description="Move it under this category; null (sent): to the top.")
    sort_order: int | None = Field(None, ge=0, le=9999)


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    sort_order: int
    depth: int = Field(description="0 for a top category.")
    path: str = Field(description="Its names from the top, e.g. “Machines / Excavators”.")
    product_count: int = Field(description="Products directly in it, deactivated ones included.")


class ProductIn(Schema):
    sku: str = Field(max_length=SKU_LIMIT, description="Unique in the organization's catalogue; no spaces.")
    name: str = Field(max_length=NAME_LIMIT)
    category_id: RowId | None = None
    unit: str = Field("", max_length=UNIT_LIMIT)
    list_price: Decimal = Field(
        description="In the organization's currency; at least 0, at most two decimal places (checked by the service, "
        "with a field error in the user's language)."
    )
    description: str = Field("", max_length=DESCRIPTION_LIMIT)


class ProductPatchIn(Schema):
    sku: str | None = Field(None, max_length=SKU_LIMIT)
    name: str | None = Field(None, max_length=NAME_LIMIT)
    category_id: RowId | None = None
    unit: str | None = Field(None, max_length=UNIT_LIMIT)
    list_price: Decimal | None = None
    description: str | None = Field(None, max_length=DESCRIPTION_LIMIT)


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: CategoryRef | None
    unit: str
    list_price: Decimal
    currency: str = Field(description="The organization's currency (ISO 4217).")
    is_active: bool
    description: str


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None
