"""Form templates pick products from the catalogue: a "product" field and a sub-table's product column accept an
active product of the actor's organization and refuse another organization's or a deactivated one; the
designer offers the product column; the record form shows a searchable picker whose rows are the catalogue's."""

import re
from typing import Any

import pytest
from django.utils import translation

from fieldloop.activities.tests.helpers import template
from fieldloop.core.errors import ServiceError
from fieldloop.formtemplates.definitions import column_types_available
from fieldloop.formtemplates.display import display_values
from fieldloop.formtemplates.fields import FieldType
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.services import template_create, template_publish
from fieldloop.formtemplates.validation import validate_values
from fieldloop.sales import product_services
from fieldloop.sales.product_selectors import PICK_LIMIT

from .helpers_products import a_product

pytestmark = pytest.mark.django_db

FIELDS: list[dict[str, Any]] = [
    {"key": "product", "type": "product_ref", "label": "产品", "label_en": "Product"},
    {"key": "stock", "type": "subtable", "label": "库存", "label_en": "Stock", "options": {"columns": [
        {"key": "product", "type": "product_ref", "label": "产品", "label_en": "Product", "required": True},
        {"key": "quantity", "type": "integer", "label": "数量", "label_en": "Quantity"},
    ]}},
]  # fmt: skip


def a_version(cast):
    form = template_create(actor=cast.admin, purpose="visit", name="产品巡检", name_en="Product check", fields=FIELDS)
    form.refresh_from_db()
    return form.current_version


def errors_of(cast, version, values) -> dict:
    with pytest.raises(ServiceError) as e, translation.override("en"):
        validate_values(actor=cast.rep, version=version, values=values)
    return {k: [str(m) for m in v] for k, v in e.value.fields.items()}


def test_a_product_field_takes_an_active_product_of_the_organization(cast):
    version = a_version(cast)
    ours = a_product(cast.admin, "EX-100")
    clean = validate_values(actor=cast.rep, version=version, values={"product": ours.pk})
    assert clean["product"] == ours.pk
    rows = {r.key: r.text for r in display_values(version=version, values=clean, language="en")}
    assert rows["product"] == "EX-100 小型挖掘机"


def test_a_product_field_refuses_another_organizations_product_or_a_deactivated_one(cast):
    version = a_version(cast)
    theirs = a_product(cast.outsider, "EX-100")
    gone = a_product(cast.admin, "OLD-1")
    product_services.product_set_active(actor=cast.admin, product_id=gone.pk, active=False)
    for product in (theirs, gone):
        assert errors_of(cast, version, {"product": product.pk}) == {"product": ["Not found, or not visible to you."]}


def test_a_subtable_product_column_checks_every_row_the_same_way(cast):
    version = a_version(cast)
    ours, theirs = a_product(cast.admin, "EX-100"), a_product(cast.outsider, "EX-200")
    clean = validate_values(actor=cast.rep, version=version, values={"stock": [{"product": ours.pk, "quantity": 3}]})
    assert clean["stock"] == [{"product": ours.pk, "quantity": 3}]
    errors = errors_of(cast, version, {"stock": [{"product": ours.pk}, {"product": theirs.pk}]})
    assert list(errors) == ["stock.1.product"]


def test_the_designer_offers_the_product_column_and_the_visit_stock_table_can_take_one(cast):
    assert FieldType.PRODUCT_REF in column_types_available()
    visit = template(cast.admin, Purpose.VISIT)
    assert visit.current_version is not None
    fields = [d.as_json() for d in visit.current_version.definitions]
    stock = next(f for f in fields if f["key"] == "stock")
    stock["options"]["columns"].append(
        {"key": "product", "type": "product_ref", "label": "产品", "label_en": "Product"}
    )
    version = template_publish(actor=cast.admin, template_id=visit.pk, fields=fields)
    ours = a_product(cast.admin, "EX-100")
    row = {"sku": "EX-100", "product": ours.pk, "stock": 4}
    values = {"purpose": "routine", "outcome": "谈妥", "stock": [row]}
    assert validate_values(actor=cast.rep, version=version, values=values)["stock"] == [row]


def test_the_record_form_shows_product_pickers_whose_rows_are_the_active_catalogue(cast, django_assert_max_num_queries):
    version = a_version(cast)
    products = [a_product(cast.admin, f"EX-{i:03d}", name=f"挖掘机{i}") for i in range(PICK_LIMIT + 2)]
    gone = a_product(cast.admin, "EX-999", name="挖掘机 停产")
    product_services.product_set_active(actor=cast.admin, product_id=gone.pk, active=False)
    client = cast.client_for(cast.rep)
    page = client.get(f"/work/new/{version.template_id}/").content.decode()
    assert 'data-testid="picker-v-product"' in page and 'hx-get="/products/pick/?name=v-product"' in page
    assert 'hx-get="/products/pick/?name=v-stock-0-product"' in page  # the sub-table's column too
    client.get("/products/pick/", {"name": "v-product"})
    with django_assert_max_num_queries(6):
        rows = client.get("/products/pick/", {"name": "v-product", "v-product-q": "挖掘"}).content.decode()
    picked = [int(pk) for pk in re.findall(r'value="(\d+)"', rows)]
    assert len(picked) == PICK_LIMIT and gone.pk not in picked and set(picked) <= {p.pk for p in products}
    exact = client.get("/products/pick/", {"name": "v-product", "v-product-q": "EX-005"}).content.decode()
    assert "EX-005 挖掘机5" in exact
    theirs = a_product(cast.outsider, "THEIRS-1", name="对手产品")
    sneaky = client.get("/products/pick/", {"name": "v-product", "v-product": theirs.pk}).content.decode()
    assert "对手产品" not in sneaky and str(theirs.pk) not in re.findall(r'value="(\d+)"', sneaky)
