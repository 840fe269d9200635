"""The catalogue's services and selectors: the category tree, products with a SKU unique per organization, who
may change the catalogue and who reads which of it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.sales import product_selectors, product_services
from fieldloop.sales.models import Product, ProductCategory

from .helpers_products import a_category, a_product

pytestmark = pytest.mark.django_db


def refusal(call) -> ServiceError:
    with pytest.raises(ServiceError) as e, translation.override("en"):
        call()
    return e.value


def test_an_admin_builds_a_category_tree_renames_and_moves_within_it(cast):
    machines = a_category(cast.admin, "机械")
    diggers = a_category(cast.admin, "挖掘机", parent=machines)
    parts = a_category(cast.admin, "配件")
    product_services.category_update(actor=cast.admin, category_id=diggers.pk, name="挖掘机械", parent_id=parts.pk)
    tree = product_selectors.category_tree(actor=cast.admin)
    assert [(n.category.name, n.depth, n.path) for n in tree] == [
        ("机械", 0, "机械"), ("配件", 0, "配件"), ("挖掘机械", 1, "配件 / 挖掘机械"),
    ]  # fmt: skip
    product_services.category_update(actor=cast.admin, category_id=diggers.pk, parent_id=None)
    assert ProductCategory.objects.get(pk=diggers.pk).parent_id is None


def test_a_category_cannot_move_under_itself_or_repeat_a_sibling_name(cast):
    machines = a_category(cast.admin, "机械")
    diggers = a_category(cast.admin, "挖掘机", parent=machines)
    error = refusal(
        lambda: product_services.category_update(actor=cast.admin, category_id=machines.pk, parent_id=diggers.pk)
    )
    assert "under itself" in str(error.fields["parent_id"][0])
    error = refusal(lambda: a_category(cast.admin, "机械"))
    assert error.code == ErrorCode.DUPLICATE and "already exists" in str(error.fields["name"][0])
    assert a_category(cast.admin, "机械", parent=machines).parent_id == machines.pk  # another level: fine


def test_a_category_is_deleted_only_when_nothing_uses_it(cast):
    machines = a_category(cast.admin, "机械")
    diggers = a_category(cast.admin, "挖掘机", parent=machines)
    product = a_product(cast.admin, category_id=diggers.pk)
    error = refusal(lambda: product_services.category_delete(actor=cast.admin, category_id=diggers.pk))
    assert error.code == ErrorCode.CONFLICT and "1 product" in str(error.message)
    error = refusal(lambda: product_services.category_delete(actor=cast.admin, category_id=machines.pk))
    assert "1 sub-category" in str(error.message)
    product_services.product_update(actor=cast.admin, product_id=product.pk, values={"category_id": None})
    product_services.category_delete(actor=cast.admin, category_id=diggers.pk)
    product_services.category_delete(actor=cast.admin, category_id=machines.pk)
    assert not ProductCategory.objects.filter(org=cast.org).exists()


def test_a_sku_is_unique_per_organization_with_an_error_on_the_field(cast):
    a_product(cast.admin, "EX-100")
    error = refusal(lambda: a_product(cast.admin, "EX-100", name="另一个"))
    assert error.code == ErrorCode.DUPLICATE and error.fields["sku"] == ["Another product already has this SKU code."]
    assert a_product(cast.outsider, "EX-100").org_id == cast.other_org.pk  # another catalogue may have it
    other = a_product(cast.admin, "EX-200")
    error = refusal(
        lambda: product_services.product_update(actor=cast.admin, product_id=other.pk, values={"sku": "EX-100"})
    )
    assert "sku" in error.fields


@pytest.mark.parametrize(
    ("price", "message"),
    [("-1", "cannot be negative"), ("abc", "Enter a number"), ("1.005", "two decimal places"),
     ("NaN", "Enter a number"), ("1e20", "below one trillion"), ("", "required")],
)  # fmt: skip
def test_a_list_price_is_a_number_of_at_least_zero(cast, price, message):
    error = refusal(lambda: a_product(cast.admin, list_price=price))
    assert message in str(error.fields["list_price"][0])
    assert not Product.objects.exists()


def test_every_field_error_is_reported_at_once_and_nothing_is_written(cast):
    error = refusal(lambda: product_services.product_create(
        actor=cast.admin, sku="A B", name="", list_price="-3", category_id=999_999
    ))  # fmt: skip
    assert set(error.fields) == {"sku", "name", "list_price", "category_id"}
    assert not Product.objects.exists()


def test_another_organizations_category_cannot_hold_a_product(cast):
    theirs = a_category(cast.outsider, "对手的类别")
    error = refusal(lambda: a_product(cast.admin, category_id=theirs.pk))
    assert "category_id" in error.fields


def test_only_an_admin_changes_the_catalogue(cast):
    product = a_product(cast.admin)
    for actor in (cast.director, cast.manager, cast.rep):
        assert refusal(lambda actor=actor: a_product(actor, "X-1")).code == ErrorCode.FORBIDDEN
        assert refusal(lambda actor=actor: a_category(actor, "X")).code == ErrorCode.FORBIDDEN
        set_inactive = lambda actor=actor: product_services.product_set_active(  # noqa: E731
            actor=actor, product_id=product.pk, active=False
        )
        assert refusal(set_inactive).code == ErrorCode.FORBIDDEN
    assert Product.objects.get(pk=product.pk).is_active


def test_another_organizations_product_is_not_found(cast):
    product = a_product(cast.admin)
    error = refusal(
        lambda: product_services.product_update(actor=cast.outsider, product_id=product.pk, values={"name": "x"})
    )
    assert error.code == ErrorCode.NOT_FOUND
    with pytest.raises(ServiceError):
        product_selectors.product_get(actor=cast.outsider, product_id=product.pk)


def test_everyone_reads_the_active_catalogue_and_only_the_admin_the_deactivated_products(cast):
    kept = a_product(cast.admin, "EX-100")
    gone = a_product(cast.admin, "EX-200")
    product_services.product_set_active(actor=cast.admin, product_id=gone.pk, active=False)
    assert list(product_selectors.product_list(actor=cast.rep, active=None)) == [kept]
    assert list(product_selectors.product_list(actor=cast.rep, active=False)) == [kept]  # a rep cannot ask for them
    assert set(product_selectors.product_list(actor=cast.admin, active=None)) == {kept, gone}
    with pytest.raises(ServiceError):
        product_selectors.product_get(actor=cast.rep, product_id=gone.pk)
    assert not list(product_selectors.product_list(actor=cast.outsider, active=None))
    product_services.product_set_active(actor=cast.admin, product_id=gone.pk, active=True)
    assert product_selectors.product_get(actor=cast.rep, product_id=gone.pk) == gone


def test_search_by_sku_or_name_and_filter_by_category_with_its_subcategories(cast):
    machines = a_category(cast.admin, "机械")
    diggers = a_category(cast.admin, "挖掘机", parent=machines)
    big = a_product(cast.admin, "EX-900", name="大型挖掘机", category_id=diggers.pk)
    oil = a_product(cast.admin, "OIL-1", name="液压油", list_price="300")
    assert list(product_selectors.product_list(actor=cast.rep, text="ex-9")) == [big]
    assert list(product_selectors.product_list(actor=cast.rep, text="液压")) == [oil]
    assert list(product_selectors.product_list(actor=cast.rep, category_id=machines.pk)) == [big]
    assert [p.label for p in product_selectors.product_pick(actor=cast.rep, text="挖掘")] == ["EX-900 大型挖掘机"]


def test_an_edit_changes_what_is_sent_and_records_it(cast):
    product = a_product(cast.admin)
    product_services.product_update(
        actor=cast.admin, product_id=product.pk, values={"list_price": "99.5", "unit": "辆"}
    )
    product.refresh_from_db()
    assert product.list_price == Decimal("99.50") and product.unit == "辆" and product.name == "小型挖掘机"


def test_a_bulk_create_checks_every_entry_and_writes_all_or_nothing_in_few_queries(cast):
    parts = a_category(cast.admin, "配件")
    a_product(cast.admin, "P-0")
    rows = [{"sku": f"P-{i}", "name": f"配件{i}", "list_price": i, "category_id": parts.pk} for i in range(1, 201)]
    broken = [{"sku": "P-0", "name": "x", "list_price": 1}, {"sku": "", "name": "y", "list_price": -1}]
    error = refusal(lambda: product_services.products_bulk_create(actor=cast.admin, products=[*rows, *broken]))
    assert set(error.fields) == {"products[200].sku", "products[201].sku", "products[201].list_price"}
    assert Product.objects.filter(org=cast.org).count() == 1
    with CaptureQueriesContext(connection) as queries:
        assert product_services.products_bulk_create(actor=cast.admin, products=rows) == 200
    assert len(queries) <= 8
    assert Product.objects.get(org=cast.org, sku="P-7").category_id == parts.pk
