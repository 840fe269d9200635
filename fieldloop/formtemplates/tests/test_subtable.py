"""The sub-table field: its column definitions, the validation of every cell with placeable error keys,
its display (a table and one line for a spreadsheet cell), and versions that retire a column."""

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from fieldloop.core.errors import ServiceError
from fieldloop.formtemplates import references
from fieldloop.formtemplates.definitions import parse_definitions
from fieldloop.formtemplates.display import display_values
from fieldloop.formtemplates.fields import FieldType
from fieldloop.formtemplates.services import template_publish
from fieldloop.formtemplates.validation import validate_values
from fieldloop.formtemplates.values_form import TemplateValuesForm
from fieldloop.org.services import employee_set_language

from .conftest import make_template, version_of

GRADES = [
    {"value": "a", "label": "甲级", "label_en": "Grade A"},
    {"value": "b", "label": "乙级", "label_en": "Grade B"},
]
COLUMNS: list[dict[str, Any]] = [
    {
        "key": "sku",
        "type": "text",
        "label": "品名",
        "label_en": "Item",
        "required": True,
        "options": {"max_length": 20},
    },
    {"key": "quantity", "type": "integer", "label": "库存", "label_en": "Quantity", "options": {"min": 0}},
    {
        "key": "weight",
        "type": "decimal",
        "label": "重量",
        "label_en": "Weight",
        "options": {"unit": "kg", "decimals": 1},
    },
    {"key": "price", "type": "money", "label": "价格", "label_en": "Price"},
    {"key": "expires", "type": "date", "label": "效期", "label_en": "Expires"},
    {"key": "grade", "type": "single_choice", "label": "等级", "label_en": "Grade", "options": {"choices": GRADES}},
    {"key": "promo", "type": "yes_no", "label": "促销", "label_en": "On promotion"},
]
STOCK: dict[str, Any] = {
    "key": "stock",
    "type": "subtable",
    "label": "库存与需求",
    "label_en": "Stock and demand",
    "options": {"columns": COLUMNS, "max_rows": 3},
}


def subtable(**options: Any) -> dict[str, Any]:
    return {**STOCK, "options": {**STOCK["options"], **options}}


def refused(raw: Any) -> dict[str, list[str]]:
    with pytest.raises(ServiceError) as e, translation.override("en"):
        parse_definitions(raw)
    return {k: [str(m) for m in v] for k, v in e.value.fields.items()}


def errors_of(cast, version, values, language="en", **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ServiceError) as e, translation.override(language):
        validate_values(actor=cast.rep, version=version, values=values, **kwargs)
    return {k: [str(m) for m in v] for k, v in e.value.fields.items()}


@pytest.fixture
def version(cast):
    return version_of(make_template(cast, [subtable()]))


# --- Definitions ----------------------------------------------------------------------------------------


def test_a_subtable_definition_keeps_its_checked_columns_and_row_limits():
    [field] = parse_definitions([subtable(min_rows=1)])
    assert field.type == FieldType.SUBTABLE
    assert field.options["min_rows"] == 1
    assert field.options["max_rows"] == 3
    assert [c.key for c in field.columns] == [c["key"] for c in COLUMNS]
    assert field.columns[0].required is True
    assert field.columns[2].options == {"unit": "kg", "decimals": 1}
    assert field.columns[5].choices[1].display("en") == "Grade B"


def test_max_rows_defaults_to_50_and_is_bounded_at_200():
    [field] = parse_definitions([{**STOCK, "options": {"columns": COLUMNS}}])
    assert field.option("max_rows") == 50
    errors = refused([subtable(max_rows=201, min_rows=-1)])
    assert "200" in errors["fields.0.options.max_rows"][0]
    assert "fields.0.options.min_rows" in errors
    assert "below the minimum" in refused([subtable(min_rows=3, max_rows=2)])["fields.0.options.max_rows"][0]


@pytest.mark.parametrize(
    ("columns", "key", "fragment"),
    [
        ([], "fields.0.options.columns", "at least one column"),
        ("sku", "fields.0.options.columns", "at least one column"),
        ([*COLUMNS, {**COLUMNS[1], "label": "再来"}], "fields.0.options.columns.7.key", "Another column"),
        (
            [{"key": "inner", "type": "subtable", "label": "嵌套"}],
            "fields.0.options.columns.0.type",
            "another sub-table",
        ),
        ([{"key": "pics", "type": "photo", "label": "照片"}], "fields.0.options.columns.0.type", "cannot be of type"),
        ([{"key": "where", "type": "location", "label": "位置"}], "fields.0.options.columns.0.type", "Location"),
        ([{"key": "x", "type": "nonsense", "label": "X"}], "fields.0.options.columns.0.type", "Unknown field type"),
        ([{"key": "x", "type": ["text"], "label": "X"}], "fields.0.options.columns.0.type", "Unknown field type"),
        (["x"], "fields.0.options.columns.0", "must be an object"),
        ([{"key": "Bad Key", "type": "text", "label": "X"}], "fields.0.options.columns.0.key", "lowercase"),
        ([{"key": "x", "type": "text", "label": ""}], "fields.0.options.columns.0.label", "label"),
        ([{"key": "x", "type": "single_choice", "label": "X"}], "fields.0.options.columns.0.options.choices", "choice"),
        (
            [{"key": "x", "type": "integer", "label": "X", "options": {"unit": "kg"}}],
            "fields.0.options.columns.0.options.unit",
            "no option",
        ),
        (
            [{"key": "x", "type": "text", "label": "X", "default": "a"}],
            "fields.0.options.columns.0.default",
            "no default",
        ),
        ([{"key": "x", "type": "text", "label": "X", "retired": True}], "fields.0.options.columns", "not retired"),
    ],
)
def test_a_bad_column_definition_is_refused_where_it_is(columns, key, fragment):
    errors = refused([{**STOCK, "options": {"columns": columns}}])
    assert key in errors, errors
    assert fragment in errors[key][0], errors[key]


def test_a_product_column_needs_a_product_list():
    references.unregister("product")
    product = {"key": "product", "type": "product_ref", "label": "产品", "label_en": "Product"}
    errors = refused([{**STOCK, "options": {"columns": [product]}}])
    assert "not available" in errors["fields.0.options.columns.0.type"][0]
    references.register("product", lambda actor, pk: pk in (1, 2), lambda org_id, ids: {1: "矿泉水", 2: "可乐"})
    try:
        [field] = parse_definitions([{**STOCK, "options": {"columns": [product]}}])
        assert field.columns[0].type == FieldType.PRODUCT_REF
    finally:
        references.unregister("product")


def test_a_published_column_cannot_be_removed_or_change_type_but_can_be_retired(cast):
    template = make_template(cast, [subtable()])
    fewer = subtable(columns=COLUMNS[:-1])
    with pytest.raises(ServiceError) as e, translation.override("en"):
        template_publish(actor=cast.admin, template_id=template.pk, fields=[fewer])
    assert "cannot be removed" in str(e.value.fields["fields.0.options.columns"][0])
    retyped = subtable(columns=[*COLUMNS[:-1], {**COLUMNS[-1], "type": "text"}])
    with pytest.raises(ServiceError) as e:
        template_publish(actor=cast.admin, template_id=template.pk, fields=[retyped])
    assert "fields.0.options.columns.6.type" in e.value.fields
    retired = subtable(columns=[*COLUMNS[:-1], {**COLUMNS[-1], "retired": True}])
    assert template_publish(actor=cast.admin, template_id=template.pk, fields=[retired]).number == 2


# --- Validation ---------------------------------------------------------------------------------------


def test_good_rows_come_back_clean_cell_by_cell_and_blank_rows_are_dropped(cast, version):
    clean = validate_values(
        actor=cast.rep,
        version=version,
        values={
            "stock": [
                {"sku": " 矿泉水 ", "quantity": "12", "weight": "1.5", "price": "3", "grade": "a", "promo": "yes"},
                {"sku": "", "quantity": "", "promo": ""},  # a blank row the form always offers
                {"sku": "可乐", "expires": "2026-12-31", "promo": False},
            ]
        },
    )
    assert clean == {
        "stock": [
            {"sku": "矿泉水", "quantity": 12, "weight": "1.5", "price": "3.00", "grade": "a", "promo": True},
            {"sku": "可乐", "expires": "2026-12-31", "promo": False},
        ]
    }


def test_a_table_of_blank_rows_is_an_empty_field(cast, version):
    assert validate_values(actor=cast.rep, version=version, values={"stock": [{"sku": ""}, {}]}) == {}
    required = version_of(make_template(cast, [{**subtable(), "required": True}], name="必填"))
    assert errors_of(cast, required, {"stock": [{"sku": " "}]}) == {"stock": ["This field is required."]}


def test_every_bad_cell_is_reported_at_once_under_its_row_and_column(cast, version):
    errors = errors_of(
        cast,
        version,
        {
            "stock": [
                {"sku": "矿泉水", "quantity": "12"},
                {"sku": "可乐", "quantity": "3.5", "grade": "z"},
                {"quantity": "-1", "expires": "2026-02-30", "colour": "red"},
                "not a row",
            ]
        },
    )
    assert errors == {
        "stock.1.quantity": ["Row 2, Quantity: Enter a whole number."],
        "stock.1.grade": ["Row 2, Grade: “z” is not one of the choices."],
        "stock.2.colour": ["Row 3, colour: This table has no such column."],
        "stock.2.sku": ["Row 3, Item: This field is required."],
        "stock.2.quantity": ["Row 3, Quantity: Enter at least 0."],
        "stock.2.expires": ["Row 3, Expires: Enter a valid date (YYYY-MM-DD)."],
        "stock.3": ["Row 4: send the row as an object keyed by column."],
    }


def test_cell_errors_speak_the_users_language(cast, version):
    errors = errors_of(cast, version, {"stock": [{"sku": "矿泉水"}, {"sku": "可乐", "quantity": "x"}]}, "zh-hans")
    assert errors == {"stock.1.quantity": ["第 2 行，库存：请输入数字。"]}


def test_row_numbers_in_the_keys_are_positions_as_submitted_blank_rows_included(cast, version):
    errors = errors_of(cast, version, {"stock": [{}, {"sku": "x", "promo": "maybe"}]})
    assert list(errors) == ["stock.1.promo"]


def test_row_limits_and_a_value_that_is_not_a_list_are_refused_on_the_field(cast):
    version = version_of(make_template(cast, [subtable(min_rows=2, max_rows=3)]))
    assert errors_of(cast, version, {"stock": [{"sku": "a"}]}) == {"stock": ["At least 2 rows (this has 1)."]}
    four = [{"sku": s} for s in "abcd"]
    assert errors_of(cast, version, {"stock": four}) == {"stock": ["At most 3 rows (this has 4)."]}
    assert "list of rows" in errors_of(cast, version, {"stock": {"sku": "a"}})["stock"][0]


def test_a_product_cell_goes_through_the_same_reference_check_as_a_product_field(cast):
    calls: list[int] = []

    def resolver(actor, pk):
        calls.append(pk)
        return pk in (1, 2)

    references.register("product", resolver, lambda org_id, ids: {1: "矿泉水", 2: "可乐"})
    try:
        product = {"key": "product", "type": "product_ref", "label": "产品", "label_en": "Product", "required": True}
        demand = {"key": "demand", "type": "integer", "label": "需求", "label_en": "Demand"}
        version = version_of(make_template(cast, [subtable(columns=[product, demand], max_rows=10)]))
        rows = [{"product": 1, "demand": 5}, {"product": "2", "demand": 3}, {"product": 1, "demand": 1}]
        clean = validate_values(actor=cast.rep, version=version, values={"stock": rows})
        assert clean["stock"][1] == {"product": 2, "demand": 3}
        assert calls == [1, 2]  # a product named twice is resolved once
        assert errors_of(cast, version, {"stock": [{"product": 9}]}) == {
            "stock.0.product": ["Row 1, Product: Not found, or not visible to you."]
        }
        calls.clear()
        validate_values(
            actor=cast.rep, version=version, values={"stock": [*clean["stock"], {"product": 2}]}, previous=clean
        )
        assert calls == []  # products already in the stored table are not checked again
        rows_en = {r.key: r for r in display_values(version=version, values=clean, language="en")}
        assert (
            rows_en["stock"].text == "Product: 矿泉水, Demand: 5; Product: 可乐, Demand: 3; Product: 矿泉水, Demand: 1"
        )
    finally:
        references.unregister("product")


# --- Display and versions -----------------------------------------------------------------------------


def test_display_gives_a_table_and_one_line_for_a_spreadsheet_cell(cast, version):
    values = validate_values(
        actor=cast.rep,
        version=version,
        values={
            "stock": [{"sku": "矿泉水", "quantity": 12, "price": "3", "promo": True}, {"sku": "可乐", "grade": "b"}]
        },
    )
    [en] = display_values(version=version, values=values, language="en")
    assert en.text == "Item: 矿泉水, Quantity: 12, Price: 3.00 CNY, On promotion: Yes; Item: 可乐, Grade: Grade B"
    assert en.table is not None
    assert en.table.columns == ["Item", "Quantity", "Weight", "Price", "Expires", "Grade", "On promotion"]
    assert en.table.rows[1] == ["可乐", "", "", "", "", "Grade B", ""]
    [zh] = display_values(version=version, values=values, language="zh-hans")
    assert zh.label == "库存与需求"
    assert zh.text == "品名：矿泉水，库存：12，价格：3.00 CNY，促销：是；品名：可乐，等级：乙级"


def test_retiring_a_column_keeps_its_old_values_displayed_and_stored(cast):
    template = make_template(cast, [subtable()])
    v1 = version_of(template)
    old = validate_values(actor=cast.rep, version=v1, values={"stock": [{"sku": "矿泉水", "promo": True}]})
    retired = subtable(columns=[*COLUMNS[:-1], {**COLUMNS[-1], "retired": True}])
    v2 = template_publish(actor=cast.admin, template_id=template.pk, fields=[retired])

    [row] = display_values(version=v2, values=old, language="en")
    assert row.table is not None and row.table.columns[-1] == "On promotion"
    assert row.text == "Item: 矿泉水, On promotion: Yes"
    [v1_row] = display_values(version=v1, values=old, language="en")
    assert v1_row.text == row.text

    resaved = validate_values(
        actor=cast.rep, version=v2, values={"stock": [*old["stock"], {"sku": "可乐"}]}, previous=old
    )
    assert resaved["stock"] == [{"sku": "矿泉水", "promo": True}, {"sku": "可乐"}]
    errors = errors_of(cast, v2, {"stock": [{"sku": "可乐", "promo": False}]}, previous=old)
    assert errors == {"stock.0.promo": ["Row 1, On promotion: This column is retired; it keeps its old values only."]}
    new = validate_values(actor=cast.rep, version=v2, values={"stock": [{"sku": "雪碧"}]})
    [new_row] = display_values(version=v2, values=new, language="en")
    assert new_row.table is not None and "On promotion" not in new_row.table.columns


# --- The web form ---------------------------------------------------------------------------------------


def test_the_form_reads_posted_rows_in_index_order_and_cleans_them_through_the_validator(cast, version):
    data = {
        "custom-stock-5-sku": "可乐",
        "custom-stock-5-promo": "false",
        "custom-stock-0-sku": "矿泉水",
        "custom-stock-0-quantity": "12",
        "custom-stock-0-promo": "true",
        "custom-stock-2-sku": "",  # a blank row: dropped
        "custom-stock-2-promo": "",
    }
    form = TemplateValuesForm(data, version=version, actor=cast.rep, prefix="custom")
    assert form.is_valid(), form.errors
    assert form.values == {"stock": [{"sku": "矿泉水", "quantity": 12, "promo": True}, {"sku": "可乐", "promo": False}]}


def test_a_bad_cell_is_shown_in_its_cell_with_the_posted_values_kept(cast, version):
    data = {"stock-0-sku": "矿泉水", "stock-0-quantity": "12", "stock-1-sku": "可乐", "stock-1-quantity": "三"}
    with translation.override("en"):
        form = TemplateValuesForm(data, version=version, actor=cast.rep)
        assert not form.is_valid()
        assert form.errors["stock"] == ["Please correct the marked cells."]
        html = str(form["stock"])
    assert 'name="stock-1-quantity"' in html
    assert "Row 2, Quantity: Enter a number." in html
    assert html.count("is-invalid") == 1
    assert 'value="三"' in html and 'value="矿泉水"' in html  # what was posted comes back


def test_a_new_form_offers_blank_rows_and_a_template_row_for_the_add_button(cast):
    version = version_of(make_template(cast, [subtable(min_rows=2)]))
    html = str(TemplateValuesForm(version=version, actor=cast.rep)["stock"])
    assert 'name="stock-0-sku"' in html and 'name="stock-1-sku"' in html and 'name="stock-2-sku"' not in html
    assert 'name="stock-__row__-sku"' in html  # inside the <template> the add button clones
    assert "js/subtable.js" in html


def test_an_edit_form_shows_stored_rows_and_carries_a_retired_columns_values_along(cast):
    template = make_template(cast, [subtable()])
    old = validate_values(
        actor=cast.rep, version=version_of(template), values={"stock": [{"sku": "矿泉水", "promo": True}]}
    )
    retired = subtable(columns=[*COLUMNS[:-1], {**COLUMNS[-1], "retired": True}])
    v2 = template_publish(actor=cast.admin, template_id=template.pk, fields=[retired])
    html = str(TemplateValuesForm(version=v2, actor=cast.rep, previous=old)["stock"])
    assert 'type="hidden" name="stock-0-promo" value="true"' in html
    assert 'name="stock-0-promo" class' not in html  # not shown as an input
    posted = {"stock-0-sku": "矿泉水", "stock-0-promo": "true", "stock-1-sku": "雪碧"}
    form = TemplateValuesForm(posted, version=v2, actor=cast.rep, previous=old)
    assert form.is_valid(), form.errors
    assert form.values == {"stock": [{"sku": "矿泉水", "promo": True}, {"sku": "雪碧"}]}


# --- The designer ---------------------------------------------------------------------------------------


def designer_post(fields: list[dict[str, Any]], **extra: str) -> dict[str, str]:
    """The designer's inputs for fields whose columns are given as a list under "columns"."""
    data = {"rows": str(len(fields)), **extra}
    for i, field in enumerate(fields):
        for attr, value in field.items():
            if attr != "columns":
                data[f"f-{i}-{attr}"] = value
        columns = field.get("columns", [])
        data[f"f-{i}-cols"] = str(len(columns))
        for j, column in enumerate(columns):
            for attr, value in column.items():
                data[f"f-{i}-c-{j}-{attr}"] = value
    return data


DESIGNED = {
    "key": "stock",
    "type": "subtable",
    "label": "库存",
    "opt-max_rows": "20",
    "columns": [
        {"key": "sku", "type": "text", "label": "品名", "label_en": "SKU", "required": "on"},
        {"key": "quantity", "type": "integer", "label": "数量", "label_en": "Quantity", "opt-min": "0"},
        {
            "key": "grade",
            "type": "single_choice",
            "label": "等级",
            "opt-choice-count": "1",
            "opt-choice-0-value": "a",
            "opt-choice-0-label": "甲级",
            "opt-choice-0-label_en": "Grade A",
        },
    ],
}


def test_the_designer_adds_moves_and_removes_columns(cast):
    template = make_template(cast, [])
    client = cast.client_for(cast.admin)
    url = f"/form-templates/{template.pk}/"
    body = client.post(url, designer_post([], action="add", new_type="subtable"), HTTP_HX_REQUEST="true")
    assert body.content.decode().count('data-testid="designer-column"') == 1
    body = client.post(url, designer_post([DESIGNED], action="coladd-0"), HTTP_HX_REQUEST="true").content.decode()
    assert body.count('data-testid="designer-column"') == 4
    assert 'value="col_4"' in body
    body = client.post(url, designer_post([DESIGNED], action="colup-0-2"), HTTP_HX_REQUEST="true").content.decode()
    assert body.index('value="grade"') < body.index('value="quantity"')
    body = client.post(url, designer_post([DESIGNED], action="colremove-0-0"), HTTP_HX_REQUEST="true").content.decode()
    assert 'value="sku"' not in body and body.count('data-testid="designer-column"') == 2


def test_the_designer_publishes_a_subtable_and_previews_it_as_a_table(cast):
    template = make_template(cast, [])
    client = cast.client_for(cast.admin)
    preview = client.post(f"/form-templates/{template.pk}/preview/", designer_post([DESIGNED])).content.decode()
    assert 'data-testid="subtable-stock"' in preview
    assert 'name="preview-stock-0-quantity"' in preview and 'min="0"' in preview
    response = client.post(f"/form-templates/{template.pk}/", designer_post([DESIGNED], action="publish"))
    assert response.status_code == 302
    [field] = version_of(template).definitions
    assert field.option("max_rows") == 20
    assert [(c.key, c.required) for c in field.columns] == [("sku", True), ("quantity", False), ("grade", False)]
    assert field.columns[2].choices[0].display("en") == "Grade A"
    page = client.get(f"/form-templates/{template.pk}/").content.decode()
    assert 'name="f-0-c-0-key" value="sku" data-testid="column-key"' in page  # kept, never typed


def test_a_bad_column_in_the_designer_is_reported_on_its_field(cast):
    template = make_template(cast, [])
    client = cast.client_for(cast.admin)
    employee_set_language(actor=cast.admin, language="en")
    bad = {**DESIGNED, "columns": [*DESIGNED["columns"], {"key": "col_4", "type": "text", "label": ""}]}
    response = client.post(f"/form-templates/{template.pk}/", designer_post([bad], action="publish"))
    body = response.content.decode()
    assert response.status_code == 400
    assert body.count('data-testid="row-error"') == 1
    assert "Column 4: " in body and "label" in body


def test_the_display_partial_renders_a_subtable_as_a_table(cast, version):
    values = validate_values(actor=cast.rep, version=version, values={"stock": [{"sku": "矿泉水", "quantity": 12}]})
    [row] = display_values(version=version, values=values, language="en")
    html = render_to_string("formtemplates/_display_value.html", {"row": row})
    assert 'data-testid="display-table-stock"' in html
    assert "<th>Quantity</th>" in html and "<td>12</td>" in html
