"""An admin designs a form template in the browser: two fields, a live preview, publish, version 2."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from formtemplates.models import FormTemplate

from .conftest import login

pytestmark = pytest.mark.browser


def test_admin_designs_previews_and_publishes_a_template(page: Page, live_server: LiveServer, live_cast: Cast) -> None:
    login(page, live_server, "ada", live_cast.password)
    page.goto(f"{live_server.url}/form-templates/")
    form = page.locator("[data-testid=template-create]")
    form.locator("#id_purpose").select_option("visit")
    form.locator("#id_name").fill("客户拜访")
    form.locator("#id_name_en").fill("Customer visit")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=version-1]")).to_be_visible()

    page.locator("[data-testid=new-type]").select_option("text")
    page.click("[data-testid=add-field]")
    rows = page.locator("[data-testid=designer-row]")
    expect(rows).to_have_count(1)
    rows.nth(0).locator("[data-testid=field-label]").fill("拜访目的")
    page.locator("[data-testid=new-type]").select_option("integer")
    page.click("[data-testid=add-field]")
    expect(rows).to_have_count(2)
    rows.nth(1).locator("[data-testid=field-label]").fill("参与人数")
    rows.nth(1).locator("[data-testid=field-label]").press("Tab")

    preview = page.locator("[data-testid=preview-box]")
    expect(preview).to_contain_text("拜访目的")
    expect(preview).to_contain_text("参与人数")
    expect(preview.locator("input[type=number]")).to_have_count(1)

    page.click("[data-testid=publish]")
    expect(page.locator("[data-testid=version-2]")).to_be_visible()
    expect(page.locator("[data-testid=current-version]")).to_have_text("v2")
    template = FormTemplate.objects.get(org=live_cast.org, name="客户拜访")
    assert template.current_version is not None
    assert [f["label"] for f in template.current_version.fields] == ["拜访目的", "参与人数"]
