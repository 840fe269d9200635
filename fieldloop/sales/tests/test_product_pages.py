"""The catalogue's pages through the test client: everyone reads the active catalogue, the admin manages it;
field errors on the form; the list pages with constant queries."""

import re
from urllib.parse import unquote

import pytest
from django.utils import translation

from fieldloop.org.services import employee_set_language
from fieldloop.sales import product_services
from fieldloop.sales.models import Product, ProductCategory

from .helpers_products import a_category, a_product

pytestmark = pytest.mark.django_db


def test_a_rep_reads_the_active_catalogue_and_cannot_manage_it(cast):
    a_product(cast.admin, "EX-100", name="小型挖掘机")
    gone = a_product(cast.admin, "OLD-1", name="停产型号")
    product_services.product_set_active(actor=cast.admin, product_id=gone.pk, active=False)
    client = cast.client_for(cast.rep)
    page = client.get("/products/?active=all").content.decode()
    assert "小型挖掘机" in page and "停产型号" not in page and 'data-testid="new-product"' not in page
    assert "128,000.00" in page or "128000.00" in page
    for url in ("/products/new/", f"/products/{gone.pk}/", "/products/categories/", "/products/import/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/products/{gone.pk}/active/", {"active": "1"}).status_code == 403
    assert not Product.objects.get(pk=gone.pk).is_active


def test_the_list_searches_filters_and_pages_with_constant_queries(cast, django_assert_max_num_queries):
    diggers = a_category(cast.admin, "挖掘机")
    rows = [
        {"sku": f"EX-{i:03d}", "name": f"挖掘机{i}", "list_price": 100 + i, "category_id": diggers.pk}
        for i in range(120)
    ]
    product_services.products_bulk_create(actor=cast.admin, products=rows)
    a_product(cast.admin, "OIL-1", name="液压油")
    client = cast.client_for(cast.admin)
    client.get("/products/")
    with django_assert_max_num_queries(12):
        page = client.get("/products/", {"category": diggers.pk}).content.decode()
    assert len(re.findall(r'data-testid="product-\d+"', page)) == 50 and "液压油" not in page
    cursor = unquote(re.findall(r"cursor=([^\"&]+)", page)[0])
    with django_assert_max_num_queries(12):
        more = client.get("/products/", {"category": diggers.pk, "cursor": cursor}, HTTP_HX_REQUEST="true")
    assert (
        len(re.findall(r'data-testid="product-\d+"', more.content.decode())) == 50
        and "<html" not in more.content.decode()
    )
    found = client.get("/products/", {"q": "oil"}).content.decode()
    assert "液压油" in found and "EX-001" not in found


def test_the_admin_adds_a_product_and_sees_field_errors_in_her_language(cast):
    employee_set_language(actor=cast.admin, language="zh-hans")
    diggers = a_category(cast.admin, "挖掘机")
    a_product(cast.admin, "EX-100")
    client = cast.client_for(cast.admin)
    taken = client.post("/products/new/", {"sku": "EX-100", "name": "重复", "list_price": "10"})
    assert taken.status_code == 400 and 'data-testid="error-sku"' in taken.content.decode()
    with translation.override("zh-hans"):
        assert "已有产品使用此产品编码" in taken.content.decode()
    negative = client.post("/products/new/", {"sku": "EX-200", "name": "新品", "list_price": "-1"})
    assert negative.status_code == 400 and 'data-testid="error-list_price"' in negative.content.decode()
    done = client.post(
        "/products/new/", {"sku": "EX-200", "name": "新品", "list_price": "88.5", "category_id": diggers.pk}
    )
    assert done.status_code == 302
    assert Product.objects.get(org=cast.org, sku="EX-200").category_id == diggers.pk


def test_the_admin_edits_deactivates_and_reactivates_a_product(cast):
    product = a_product(cast.admin, "EX-100")
    client = cast.client_for(cast.admin)
    form = client.get(f"/products/{product.pk}/").content.decode()
    assert 'value="EX-100"' in form and 'data-testid="deactivate"' in form
    saved = client.post(f"/products/{product.pk}/", {"sku": "EX-100", "name": "改名", "list_price": "1"})
    assert saved.status_code == 302 and Product.objects.get(pk=product.pk).name == "改名"
    client.post(f"/products/{product.pk}/active/", {"active": "0"})
    assert not Product.objects.get(pk=product.pk).is_active
    client.post(f"/products/{product.pk}/active/", {"active": "1"})
    assert Product.objects.get(pk=product.pk).is_active
    outsider = cast.client_for(cast.outsider)
    assert outsider.get(f"/products/{product.pk}/").status_code == 404
    assert outsider.post(f"/products/{product.pk}/active/", {"active": "0"}).status_code == 404
    assert Product.objects.get(pk=product.pk).is_active


def test_the_admin_manages_the_category_tree_on_its_page(cast):
    client = cast.client_for(cast.admin)
    assert client.post("/products/categories/", {"name": "机械"}).status_code == 302
    machines = ProductCategory.objects.get(org=cast.org, name="机械")
    client.post("/products/categories/", {"name": "挖掘机", "parent_id": machines.pk})
    diggers = ProductCategory.objects.get(org=cast.org, name="挖掘机")
    page = client.get("/products/categories/").content.decode()
    assert f'data-testid="category-{diggers.pk}"' in page and f'data-testid="delete-{machines.pk}"' not in page
    client.post(
        f"/products/categories/{diggers.pk}/", {f"c{diggers.pk}-name": "挖掘机械", f"c{diggers.pk}-parent_id": ""}
    )
    diggers.refresh_from_db()
    assert diggers.name == "挖掘机械" and diggers.parent_id is None
    client.post(f"/products/categories/{machines.pk}/", {"action": "delete"})
    assert not ProductCategory.objects.filter(pk=machines.pk).exists()
    twice = client.post("/products/categories/", {"name": "挖掘机械"})
    assert twice.status_code == 400 and ProductCategory.objects.filter(org=cast.org).count() == 1
