"""Importing customers as a manager meets it: a broken row is reported, the fixed file imports, the list shows it."""

from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from customers import credit_code, imports
from customers.models import Customer

from .conftest import login

pytestmark = pytest.mark.browser

FIRST17 = "91310115MA1K00001"
GOOD_CODE = FIRST17 + credit_code.check_character(FIRST17)
BAD_CODE = GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")  # a wrong check character


def workbook(path: Path, credit: str) -> Path:
    """An .xlsx with the template's header row and two customers, the second with the given credit code."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append([str(imports.COLUMN_LABELS[c]) for c in imports.COLUMNS])
    for name, code in [("宁波港联物流有限公司", ""), ("温州瓯江电气有限公司", credit)]:
        sheet.append([{"name": name, "credit_code": code}.get(c, "") for c in imports.COLUMNS])
    book.save(path)
    return path


def test_manager_fixes_a_broken_row_and_imports_her_customers(
    page: Page, live_server: LiveServer, live_cast: Cast, tmp_path: Path
) -> None:
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/")
    page.click("[data-testid=import-customers]")
    page.wait_for_url(f"{live_server.url}/customers/import/")

    page.set_input_files("[data-testid=import-file]", str(workbook(tmp_path / "broken.xlsx", BAD_CODE)))
    page.click("[data-testid=import-check]")
    expect(page.locator("[data-testid=import-row-2]")).to_have_attribute("data-status", "ok")
    broken = page.locator("[data-testid=import-row-3]")
    expect(broken).to_have_attribute("data-status", "error")
    expect(broken.locator(".text-danger")).to_contain_text(str(imports.COLUMN_LABELS["credit_code"]))
    expect(page.locator("[data-testid=import-fix]")).to_be_visible()
    expect(page.locator("[data-testid=import-commit]")).to_have_count(0)
    assert not Customer.objects.exists()

    page.set_input_files("[data-testid=import-file]", str(workbook(tmp_path / "fixed.xlsx", GOOD_CODE)))
    page.click("[data-testid=import-check]")
    expect(page.locator("[data-testid=import-row-3]")).to_have_attribute("data-status", "ok")
    page.click("[data-testid=import-commit]")
    expect(page.locator("[data-testid=import-result]")).to_be_visible()

    page.click("[data-testid=to-customer-list]")
    page.wait_for_url(f"{live_server.url}/customers/")
    table = page.locator("[data-testid=customer-table]")
    expect(table).to_contain_text("宁波港联物流有限公司")
    expect(table).to_contain_text("温州瓯江电气有限公司")
    assert Customer.objects.get(credit_code=GOOD_CODE).owner == live_cast.manager
