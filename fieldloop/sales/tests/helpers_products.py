"""Catalogue rows for tests: made through the services, as an administrator."""

from typing import Any

from fieldloop.org.models import Employee
from fieldloop.sales import product_services
from fieldloop.sales.models import Product, ProductCategory


def a_category(admin: Employee, name: str = "挖掘机", parent: ProductCategory | None = None) -> ProductCategory:
    return product_services.category_create(actor=admin, name=name, parent_id=parent.pk if parent else None)


def a_product(admin: Employee, sku: str = "EX-100", **values: Any) -> Product:
    fields: dict[str, Any] = {"name": "小型挖掘机", "list_price": "128000.00", "unit": "台"} | values
    return product_services.product_create(actor=admin, sku=sku, **fields)
