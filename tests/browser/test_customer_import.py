"""Importing customers as a manager meets it: a broken row is reported, the fixed file imports, the list shows it."""

import io
from pathlib import Path

import pytest
from django.test import override_settings
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.customers import credit_code, imports
from fieldloop.customers.models import Customer, CustomerImportJob
from fieldloop.customers.tasks import run_customer_import_job
from fieldloop.org.models import Employee

from .conftest import ARTIFACTS, login

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


def test_the_job_page_waits_for_the_background_import_then_links_to_the_customers(
    page: Page, live_server: LiveServer, live_cast: Cast, tmp_path: Path
) -> None:
    """With a real worker the commit runs later: the job page shows it queued, polls, and shows the outcome."""
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/customers/import/")
    page.set_input_files("[data-testid=import-file]", str(workbook(tmp_path / "good.xlsx", GOOD_CODE)))
    page.click("[data-testid=import-check]")
    expect(page.locator("[data-testid=import-row-3]")).to_have_attribute("data-status", "ok")
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        page.click("[data-testid=import-commit]")
        job_card = page.locator("[data-testid=import-job]")
        expect(job_card).to_have_attribute("data-status", "queued")
    job = CustomerImportJob.objects.get()
    page.wait_for_url(f"{live_server.url}/customers/import/jobs/{job.pk}/")
    expect(page.locator("[data-testid=import-job-status]")).to_contain_text("排队中")
    bar = page.locator("[data-testid=import-job-progress]")
    expect(bar).to_have_attribute("data-percent", "0")  # the bar is there before a worker starts it
    page.screenshot(path=str(ARTIFACTS / "customer-import-job-queued-zh.png"), full_page=True)
    assert not Customer.objects.exists()

    # A worker half-way through the check: the page shows it at its next poll.
    CustomerImportJob.objects.filter(pk=job.pk).update(
        status="running", started_at=job.created_at, progress_step="check", progress_done=1, progress_total=2
    )
    expect(bar).to_have_attribute("data-percent", "50", timeout=10_000)
    expect(page.locator("[data-testid=import-job-step]")).not_to_be_empty()
    page.screenshot(path=str(ARTIFACTS / "customer-import-job-running-zh.png"), full_page=True)
    CustomerImportJob.objects.filter(pk=job.pk).update(status="queued", progress_step="", progress_done=0)

    run_customer_import_job.call(job_id=job.pk)  # the worker picks the job up
    expect(job_card).to_have_attribute("data-status", "done", timeout=10_000)  # the page polled by itself
    expect(bar).to_have_attribute("data-percent", "100")
    expect(page.locator("[data-testid=import-job-duration]")).to_be_visible()
    expect(page.locator("[data-testid=import-result]")).to_contain_text("2")
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/import/jobs/" in request.url else None)
    page.wait_for_timeout(2_500)
    assert polls == []  # finished: the page stopped polling
    page.screenshot(path=str(ARTIFACTS / "customer-import-job-done-zh.png"), full_page=True)

    page.click("[data-testid=my-imports]")
    expect(page.locator(f"[data-testid=import-job-{job.pk}]")).to_contain_text("已完成")
    page.click(f"[data-testid=import-job-{job.pk}] a")
    page.click("[data-testid=to-customer-list]")
    page.wait_for_url(f"{live_server.url}/customers/")
    expect(page.locator("[data-testid=customer-table]")).to_contain_text("温州瓯江电气有限公司")

    Employee.objects.filter(pk=live_cast.manager.pk).update(language="en")
    page.goto(f"{live_server.url}/customers/import/jobs/{job.pk}/")
    expect(page.locator("[data-testid=import-job-status]")).to_contain_text("Done")
    page.screenshot(path=str(ARTIFACTS / "customer-import-job-done-en.png"), full_page=True)
    page.goto(f"{live_server.url}/customers/import/jobs/")
    page.screenshot(path=str(ARTIFACTS / "customer-import-jobs-en.png"), full_page=True)


def test_a_file_with_its_own_headers_imports_after_the_admin_confirms_the_mapping(
    page: Page, live_server: LiveServer, live_cast: Cast, tmp_path: Path
) -> None:
    """公司名称/联系电话/详细地址 are matched to the customer fields; the admin reads 备注 as the industry, checks
    again without choosing the file again, imports the good rows and downloads the refused one."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(["公司名称", "联系电话", "详细地址", "备注"])
    sheet.append(["宁波港联物流有限公司", "0574-55550001", "北仑区港城路1号", "物流"])
    sheet.append(["温州瓯江电气有限公司", "call me", "鹿城区江滨路2号", "电气"])
    sheet.append(["台州精密模具有限公司", "0576-55550003", "黄岩区模具城3号", "模具"])
    path = tmp_path / "客户名单.xlsx"
    book.save(path)
    Employee.objects.filter(pk=live_cast.admin.pk).update(language="zh-hans")
    login(page, live_server, "ada", live_cast.password)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/customers/import/")
    page.set_input_files("[data-testid=import-file]", str(path))
    page.click("[data-testid=import-check]")
    mapping = page.locator("[data-testid=import-mapping]")
    expect(mapping).to_be_visible()
    expect(page.locator("[data-testid=import-mapping-select-0]")).to_have_value("name")
    expect(page.locator("[data-testid=import-mapping-select-1]")).to_have_value("phone")
    expect(page.locator("[data-testid=import-mapping-select-2]")).to_have_value("address")
    expect(page.locator("[data-testid=import-mapping-select-3]")).to_have_value("")  # 备注: ignored
    expect(page.locator("[data-testid=import-row-3]")).to_have_attribute("data-status", "error")
    page.screenshot(path=str(ARTIFACTS / "customer-import-mapping-zh.png"), full_page=True)

    page.select_option("[data-testid=import-mapping-select-3]", "industry")
    page.click("[data-testid=import-mapping-apply]")
    expect(page.locator("[data-testid=import-mapping-select-3]")).to_have_value("industry")
    expect(page.locator("[data-testid=import-row-2]")).to_have_attribute("data-status", "ok")
    with page.expect_download() as download:
        page.click("[data-testid=import-refused-download]")
    refused = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    assert [c.value for c in refused[2]][:2] == ["温州瓯江电气有限公司", "call me"]
    page.click("[data-testid=import-commit-skip]")
    expect(page.locator("[data-testid=import-result]")).to_be_visible()
    expect(page.locator("[data-testid=import-job-refused-download]")).to_be_visible()
    assert sorted(Customer.objects.values_list("name", "industry")) == [
        ("台州精密模具有限公司", "模具"),
        ("宁波港联物流有限公司", "物流"),
    ]
    assert CustomerImportJob.objects.get().mapping == ["name", "phone", "address", "industry"]

    Employee.objects.filter(pk=live_cast.admin.pk).update(language="en")
    page.goto(f"{live_server.url}/customers/import/")
    page.set_input_files("[data-testid=import-file]", str(path))
    page.click("[data-testid=import-check]")
    expect(page.locator("[data-testid=import-mapping]")).to_contain_text("Columns of your file")
    page.screenshot(path=str(ARTIFACTS / "customer-import-mapping-en.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "customer-import-mapping-en-phone.png"), full_page=True)
