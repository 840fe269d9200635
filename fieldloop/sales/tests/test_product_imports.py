"""The product import: headers in either language, every row checked and refused with its errors, nothing
written by a dry run, an all-or-nothing commit written in bulk, a template that imports as it is filled in."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from fieldloop.core.errors import ServiceError
from fieldloop.sales import product_imports
from fieldloop.sales.models import Product

from .helpers_products import a_category, a_product

pytestmark = pytest.mark.django_db


def csv_file(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def test_a_clean_file_with_chinese_headers_is_checked_then_committed_in_bulk(cast, django_assert_max_num_queries):
    machines = a_category(cast.admin, "机械")
    a_category(cast.admin, "挖掘机", parent=machines)
    with translation.override("zh-hans"):  # the labels as a Chinese user's template has them
        header = ",".join(
            str(product_imports.COLUMN_LABELS[k]) for k in ("sku", "name", "category", "unit", "list_price", "active")
        )
    lines = [header] + [f"EX-{i},挖掘机{i},挖掘机,台,{1000 + i},是" for i in range(300)]
    content = csv_file(*lines)
    with translation.override("en"):
        report = product_imports.product_import_dry_run(actor=cast.admin, filename="p.csv", content=content)
    assert report.ok_count == 300 and report.error_count == 0
    assert not Product.objects.exists()  # a dry run writes nothing
    with django_assert_max_num_queries(12):
        result = product_imports.product_import_commit(actor=cast.admin, filename="p.csv", content=content)
    assert result.created == 300
    product = Product.objects.get(org=cast.org, sku="EX-7")
    assert (
        product.category is not None
        and product.category.name == "挖掘机"
        and str(product.list_price) == "1007.00"
        and product.unit == "台"
    )


def test_english_headers_and_a_category_path_import_too(cast):
    machines = a_category(cast.admin, "机械")
    a_category(cast.admin, "配件", parent=machines)
    a_category(cast.admin, "配件")  # a second "配件": the path names the one meant
    content = csv_file("SKU code,Product name,Category,List price,Active", "P-1,滤芯,机械 / 配件,12.5,no")
    result = product_imports.product_import_commit(actor=cast.admin, filename="p.csv", content=content)
    product = Product.objects.get(org=cast.org, sku="P-1")
    assert (
        result.created == 1
        and product.category is not None
        and product.category.parent_id == machines.pk
        and not product.is_active
    )


def test_broken_rows_are_refused_with_their_errors_and_nothing_is_imported(cast):
    a_product(cast.admin, "EX-1")
    a_category(cast.admin, "配件")
    a_category(cast.admin, "配件", parent=a_category(cast.admin, "机械"))
    content = csv_file(
        "SKU code,Product name,Category,List price,Active",
        "EX-1,已存在,,10,",
        "EX-2,好的,,10,",
        "EX-2,重复,,10,",
        "EX-3,负价,,-5,",
        "EX-4,,,abc,",
        "EX-5,类别,没有的类别,1,",
        "EX-6,同名类别,配件,1,",
        "EX-7,状态,,1,也许",
    )
    with translation.override("en"):
        report = product_imports.product_import_dry_run(actor=cast.admin, filename="p.csv", content=content)
        errors = {row.sku: row.errors for row in report.rows}
        assert report.ok_count == 1 and report.error_count == 7
        assert errors["EX-1"] == {"sku": ["Another product already has this SKU code."]}
        assert report.rows[2].errors == {"sku": ["The same SKU code as row 3 of this file."]}
        assert "cannot be negative" in errors["EX-3"]["list_price"][0]
        assert set(errors["EX-4"]) == {"name", "list_price"}
        assert "No category" in errors["EX-5"]["category"][0] and "path" in errors["EX-6"]["category"][0]
        assert errors["EX-7"] == {"active": ["Write yes or no."]}
        with pytest.raises(product_imports.ProductImportRefused) as refused:
            product_imports.product_import_commit(actor=cast.admin, filename="p.csv", content=content)
    assert "7 rows have errors" in str(refused.value.message)
    assert Product.objects.filter(org=cast.org).count() == 1


def test_the_template_is_in_the_users_language_and_imports_once_filled_in(cast):
    with translation.override("en"):
        template = product_imports.product_import_template(actor=cast.admin)
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    sheet.append(["T-1", "Test product", None, "box", 9.9, "yes"])
    out = io.BytesIO()
    workbook.save(out)
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:2] == ["SKU code", "Product name"]
    with translation.override("zh-hans"):
        result = product_imports.product_import_commit(actor=cast.admin, filename="t.xlsx", content=out.getvalue())
    assert result.created == 1 and Product.objects.get(org=cast.org, sku="T-1").unit == "box"


def test_only_an_admin_imports_and_a_file_without_a_sku_column_is_refused(cast):
    content = csv_file("SKU code,Product name,List price", "X-1,x,1")
    with pytest.raises(ServiceError) as e:
        product_imports.product_import_dry_run(actor=cast.rep, filename="p.csv", content=content)
    assert e.value.status == 403
    with pytest.raises(ServiceError) as e, translation.override("en"):
        product_imports.product_import_dry_run(actor=cast.admin, filename="p.csv", content=csv_file("名字,价格", "x,1"))
    assert "no SKU code column" in str(e.value.fields["file"][0])


def test_the_import_pages_check_then_commit_the_uploaded_file(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = cast.client_for(cast.admin)
    upload = SimpleUploadedFile("p.csv", csv_file("SKU code,Product name,List price", "X-1,新品,1"))
    checked = client.post("/products/import/", {"file": upload}).content.decode()
    assert 'data-testid="import-commit"' in checked and not Product.objects.exists()
    sha256 = checked.split('name="sha256" value="')[1].split('"')[0]
    done = client.post("/products/import/commit/", {"sha256": sha256, "extension": "csv"})
    assert done.status_code == 302 and Product.objects.get(org=cast.org).sku == "X-1"
    again = client.post("/products/import/commit/", {"sha256": sha256, "extension": "csv"})
    assert again.status_code == 400 and Product.objects.filter(org=cast.org).count() == 1
    assert (
        cast.client_for(cast.outsider)
        .post("/products/import/commit/", {"sha256": sha256, "extension": "csv"})
        .status_code
        == 400
    )
    template = client.get("/products/import/template/")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")
