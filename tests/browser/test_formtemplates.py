"""An admin designs a form template in the browser: two fields, a live preview, publish, version 2; the
columns of a sub-table; and a rep on a phone fills a sub-table, fixes its bad cell and saves."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import FormTemplate
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import template_create, template_publish
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, htmx_settled, login

pytestmark = pytest.mark.browser


def test_admin_designs_previews_and_publishes_a_template(page: Page, live_server: LiveServer, live_cast: Cast) -> None:
    login(page, live_server, "ada", live_cast.password)
    page.goto(f"{live_server.url}/form-templates/")
    form = page.locator("[data-testid=template-create]")
    form.locator("#id_purpose").select_option("visit")
    form.locator("#id_name").fill("门店巡检")
    form.locator("#id_name_en").fill("Store check")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=version-1]")).to_be_visible()

    palette = page.get_by_test_id("field-palette")
    palette.get_by_test_id("add-text").click()  # a field is added by tapping its type
    rows = page.locator("[data-testid=designer-row]")
    expect(rows).to_have_count(1)
    rows.nth(0).get_by_test_id("field-label").fill("拜访目的")
    rows.nth(0).get_by_test_id("field-label-en").fill("Purpose")
    palette.get_by_test_id("add-integer").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_test_id("field-label").fill("参与人数")
    palette.get_by_test_id("add-single_choice").click()
    expect(rows).to_have_count(3)
    htmx_settled(page)
    interest = rows.nth(2)
    interest.get_by_test_id("field-label").fill("客户意向")
    options = interest.get_by_test_id("choice-row")
    expect(options).to_have_count(1)  # options are edited one a row, in both languages, no value to type
    options.nth(0).get_by_test_id("choice-label").fill("高")
    options.nth(0).get_by_test_id("choice-label-en").fill("High")
    interest.get_by_test_id("add-choice").click()
    expect(options).to_have_count(2)
    htmx_settled(page)
    options.nth(1).get_by_test_id("choice-label").fill("低")
    options.nth(1).get_by_test_id("choice-label").press("Tab")

    preview = page.locator("[data-testid=preview-box]")
    expect(preview).to_contain_text("拜访目的")
    expect(preview).to_contain_text("参与人数")
    expect(preview).to_contain_text("低")
    expect(preview.locator("input[type=number]")).to_have_count(1)

    # the third field is dragged by its grip above the first
    page.set_viewport_size({"width": 1280, "height": 1600})  # both rows in view: a drag does not scroll
    rows.nth(2).get_by_test_id("drag-handle").drag_to(rows.nth(0))
    expect(rows.nth(0).get_by_test_id("field-label")).to_have_value("客户意向")
    htmx_settled(page)

    page.click("[data-testid=publish]")
    expect(page.locator("[data-testid=version-2]")).to_be_visible()
    expect(page.locator("[data-testid=current-version]")).to_have_text("v2")
    template = FormTemplate.objects.get(org=live_cast.org, name="门店巡检")  # beside the built-in 客户拜访
    assert template.current_version is not None
    fields = template.current_version.fields
    assert [(f["key"], f["label"]) for f in fields] == [
        ("field_3", "客户意向"), ("purpose", "拜访目的"), ("field_2", "参与人数")
    ]  # fmt: skip
    assert fields[0]["options"]["choices"] == [
        {"value": "high", "label": "高", "label_en": "High"},
        {"value": "option_2", "label": "低", "label_en": ""},
    ]


STOCK_COLUMNS = [
    {"key": "sku", "type": "text", "label": "品名", "label_en": "Item", "required": True},
    {"key": "quantity", "type": "integer", "label": "库存", "label_en": "Stock", "options": {"min": 0}},
    {"key": "demand", "type": "integer", "label": "需求", "label_en": "Demand"},
]
STOCK = {"key": "stock", "type": "subtable", "label": "库存与需求", "label_en": "Stock and demand",
         "options": {"columns": STOCK_COLUMNS, "max_rows": 20}}  # fmt: skip
SUBTABLE_TEXT = {
    "zh-hans": ("第 2 行，库存：请输入不小于 0 的值。", "品名：矿泉水，库存：12，需求：30；品名：可乐，库存：3"),
    "en": ("Row 2, Stock: Enter at least 0.", "Item: 矿泉水, Stock: 12, Demand: 30; Item: 可乐, Stock: 3"),
}


def shoot(part: Locator, name: str) -> None:
    """A screenshot of one part of the page, to look at (test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    part.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_rep_on_a_phone_fixes_a_bad_cell_of_a_subtable_and_saves(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    template = customer_template(org=live_cast.org)
    template_publish(actor=live_cast.admin, template_id=template.pk, fields=[STOCK])
    employee_set_language(actor=live_cast.rep, language=language)
    cell_error, saved_text = SUBTABLE_TEXT[language]
    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/new/")
    phone.fill("#id_name", "杭州湖滨超市")
    table = phone.get_by_test_id("subtable-stock")
    rows = table.get_by_test_id("subtable-row")
    expect(rows).to_have_count(1)
    rows.nth(0).locator("[data-column=sku] input").fill("矿泉水")
    rows.nth(0).locator("[data-column=quantity] input").fill("12")
    rows.nth(0).locator("[data-column=demand] input").fill("30")
    table.get_by_test_id("subtable-add").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("[data-column=sku] input")).to_be_focused()
    rows.nth(1).locator("[data-column=sku] input").fill("可乐")
    rows.nth(1).locator("[data-column=quantity] input").fill("-3")
    table.get_by_test_id("subtable-add").click()  # a third row, left blank: dropped
    expect(rows).to_have_count(3)
    shoot(phone.get_by_test_id("custom-fields"), f"subtable-form-{language}")
    phone.locator(".page-body form button[type=submit]").click()

    expect(table.get_by_test_id("cell-error")).to_have_text([cell_error])
    expect(rows.nth(1).locator("[data-column=quantity] input")).to_have_class(re.compile("is-invalid"))
    expect(rows.nth(0).locator("[data-column=sku] input")).to_have_value("矿泉水")  # what was typed stays
    shoot(phone.get_by_test_id("custom-fields"), f"subtable-form-error-{language}")
    phone.set_viewport_size({"width": 1280, "height": 900})
    shoot(phone.get_by_test_id("custom-fields"), f"subtable-form-error-desktop-{language}")
    phone.set_viewport_size(PHONE["viewport"])
    assert not Customer.objects.filter(name="杭州湖滨超市").exists()

    rows.nth(1).locator("[data-column=quantity] input").fill("3")
    phone.locator(".page-body form button[type=submit]").click()
    expect(phone.get_by_text(saved_text)).to_be_visible()
    customer = Customer.objects.get(name="杭州湖滨超市")
    assert customer.custom_values == {
        "stock": [{"sku": "矿泉水", "quantity": 12, "demand": 30}, {"sku": "可乐", "quantity": 3}]
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_admin_designs_the_columns_of_a_subtable_with_a_live_preview(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.admin, language=language)
    template = template_create(actor=live_cast.admin, purpose="visit", name="门店检查", name_en="Store check")
    phone = new_page(**PHONE)
    login(phone, live_server, "ada", live_cast.password)
    phone.goto(f"{live_server.url}/form-templates/{template.pk}/")
    phone.get_by_test_id("add-subtable").click()
    field = phone.get_by_test_id("designer-row")
    field.get_by_test_id("field-label").fill("库存与需求")
    columns = field.get_by_test_id("designer-column")
    expect(columns).to_have_count(1)
    columns.nth(0).get_by_test_id("column-label").fill("品名")
    columns.nth(0).get_by_test_id("column-label-en").fill("Item")
    columns.nth(0).get_by_test_id("column-required").check()
    field.get_by_test_id("add-column").click()
    expect(columns).to_have_count(2)
    htmx_settled(phone)  # the new column's type select is live, and no earlier request re-renders it later
    columns.nth(1).get_by_test_id("column-type").select_option("integer")
    expect(columns.nth(1).locator("input[name$=opt-min]")).to_be_visible()  # the editor re-rendered for the type
    columns.nth(1).get_by_test_id("column-label").fill("库存")
    columns.nth(1).get_by_test_id("column-label-en").fill("Stock")
    columns.nth(1).get_by_test_id("column-label-en").press("Tab")

    preview = phone.get_by_test_id("preview-box").get_by_test_id("subtable-field_1")
    expect(preview).to_be_visible()
    expect(preview.get_by_test_id("subtable-row")).to_have_count(1)
    expect(preview.locator("input[type=number]")).to_have_count(1)
    shoot(field, f"subtable-designer-{language}")
    shoot(phone.get_by_test_id("preview-box"), f"subtable-preview-{language}")

    phone.get_by_test_id("publish").click()
    expect(phone.get_by_test_id("version-2")).to_be_visible()
    template.refresh_from_db()
    assert template.current_version is not None
    [definition] = template.current_version.definitions
    assert [(c.key, c.type, c.required) for c in definition.columns] == [
        ("item", "text", True),  # keys from the English labels, never typed
        ("stock", "integer", False),
    ]
