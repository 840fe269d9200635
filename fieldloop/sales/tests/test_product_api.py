"""The catalogue through the API: everyone reads the active catalogue, the admin changes it; creates are kept
once under their Idempotency-Key; field errors in the error format; constant queries on the list."""

import uuid
from typing import Any

import pytest
from django.test import Client

from fieldloop.sales.models import Product, ProductCategory

from .helpers_products import a_category, a_product

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any], key: uuid.UUID | None = None) -> Any:
    return client.post(f"/api/v1{url}", body, content_type="application/json",
                       headers={"Idempotency-Key": str(key or uuid.uuid4())})  # fmt: skip


def test_an_admin_creates_a_product_once_under_its_key(cast):
    diggers = a_category(cast.admin, "挖掘机")
    client, key = cast.client_for(cast.admin), uuid.uuid4()
    body = {"sku": "EX-100", "name": "小型挖掘机", "list_price": "128000.50", "unit": "台", "category_id": diggers.pk}
    first, again = post(client, "/products", body, key), post(client, "/products", body, key)
    assert first.status_code == again.status_code == 201, first.json()
    assert first.json() == again.json()
    assert first.json()["list_price"] == "128000.50" and first.json()["category"]["name"] == "挖掘机"
    assert first.json()["currency"] == "CNY"
    assert Product.objects.filter(org=cast.org, sku="EX-100").count() == 1
    changed = post(client, "/products", {**body, "name": "别的"}, key)
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_mismatch"


def test_bad_products_get_field_errors_and_nothing_is_written(cast):
    a_product(cast.admin, "EX-100")
    client = cast.client_for(cast.admin)
    taken = post(client, "/products", {"sku": "EX-100", "name": "x", "list_price": "1"})
    assert taken.status_code == 409 and "sku" in taken.json()["fields"]
    negative = post(client, "/products", {"sku": "EX-200", "name": "x", "list_price": "-1"})
    assert negative.status_code == 400 and "list_price" in str(negative.json()["fields"])
    huge = post(client, "/products", {"sku": "EX-200", "name": "x", "list_price": "1", "category_id": 2**70})
    assert huge.status_code == 422 and "category_id" in huge.json()["fields"]
    assert Product.objects.filter(org=cast.org).count() == 1


def test_a_rep_reads_the_active_catalogue_and_may_not_change_it(cast, django_assert_max_num_queries):
    for i in range(30):
        a_product(cast.admin, f"EX-{i:03d}")
    gone = a_product(cast.admin, "OLD-1")
    client = cast.client_for(cast.admin)
    assert client.post(f"/api/v1/products/{gone.pk}/deactivate").json()["is_active"] is False
    assert client.post(f"/api/v1/products/{gone.pk}/deactivate").status_code == 200  # twice: no change
    rep = cast.client_for(cast.rep)
    rep.get("/api/v1/products?limit=10")
    with django_assert_max_num_queries(6):
        page = rep.get("/api/v1/products", {"limit": 10, "active": "all"}).json()
    assert len(page["items"]) == 10 and page["next_cursor"]
    with django_assert_max_num_queries(6):
        rest = rep.get("/api/v1/products", {"limit": 100, "cursor": page["next_cursor"]}).json()
    skus = [p["sku"] for p in page["items"] + rest["items"]]
    assert len(skus) == 30 and "OLD-1" not in skus
    assert rep.get(f"/api/v1/products/{gone.pk}").status_code == 404
    assert rep.get("/api/v1/products", {"q": "ex-00"}).json()["items"][0]["sku"] == "EX-000"
    assert post(rep, "/products", {"sku": "R-1", "name": "x", "list_price": "1"}).status_code == 403
    assert rep.patch(f"/api/v1/products/{gone.pk}", {"name": "x"}, content_type="application/json").status_code in (
        403,
        404,
    )
    assert rep.post(f"/api/v1/products/{gone.pk}/reactivate").status_code in (403, 404)
    assert not Product.objects.get(pk=gone.pk).is_active


def test_another_organization_sees_none_of_the_catalogue(cast):
    product = a_product(cast.admin, "EX-100")
    category = a_category(cast.admin, "挖掘机")
    outsider = cast.client_for(cast.outsider)
    assert outsider.get(f"/api/v1/products/{product.pk}").status_code == 404
    assert outsider.get("/api/v1/products").json()["items"] == []
    assert outsider.get("/api/v1/product-categories").json() == []
    assert outsider.get(f"/api/v1/product-categories/{category.pk}").status_code == 404
    patched = outsider.patch(f"/api/v1/products/{product.pk}", {"name": "x"}, content_type="application/json")
    assert patched.status_code == 404 and Product.objects.get(pk=product.pk).name == "小型挖掘机"
    assert outsider.delete(f"/api/v1/product-categories/{category.pk}").status_code == 404


def test_an_admin_manages_categories_through_the_api(cast):
    client = cast.client_for(cast.admin)
    machines = post(client, "/product-categories", {"name": "机械"}).json()
    diggers = post(client, "/product-categories", {"name": "挖掘机", "parent_id": machines["id"]}).json()
    assert diggers["path"] == "机械 / 挖掘机" and diggers["depth"] == 1
    product = a_product(cast.admin, category_id=diggers["id"])
    used = client.delete(f"/api/v1/product-categories/{diggers['id']}")
    assert used.status_code == 409 and "1" in used.json()["message"]
    loop = client.patch(f"/api/v1/product-categories/{machines['id']}", {"parent_id": diggers["id"]},
                        content_type="application/json")  # fmt: skip
    assert loop.status_code == 400 and "parent_id" in loop.json()["fields"]
    top = client.patch(f"/api/v1/product-categories/{diggers['id']}", {"parent_id": None, "name": "挖掘机械"},
                       content_type="application/json")  # fmt: skip
    assert top.json()["depth"] == 0 and top.json()["name"] == "挖掘机械"
    client.patch(f"/api/v1/products/{product.pk}", {"category_id": None}, content_type="application/json")
    assert client.delete(f"/api/v1/product-categories/{diggers['id']}").status_code == 204
    assert not ProductCategory.objects.filter(pk=diggers["id"]).exists()
