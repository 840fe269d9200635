"""Importing people's files as they are: the columns mapped by label or synonym and confirmed on the dry run,
the file kept after the check, the good rows committed with the bad ones left out and downloadable."""

import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from fieldloop.customers import credit_code, imports
from fieldloop.customers.models import Customer, CustomerImportJob
from fieldloop.org import services as org_services

HEADER = ["公司名称", "联系电话", "详细地址", "备注"]
ROWS = [
    ["上海精工机械有限公司", "021-55550001", "浦东新区张江路1号", "老客户"],
    ["苏州新材料科技有限公司", "call me", "工业园区星湖街2号", ""],  # a bad phone
    ["杭州云图信息技术有限公司", "0571-55550003", "西湖区文三路3号", ""],
    ["", "0571-55550004", "无名", ""],  # no name
]


def code(n: int) -> str:
    first17 = f"91310115MA1K{n:05d}"
    return first17 + credit_code.check_character(first17)


def xlsx(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "客户.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def form_value(page: str, name: str) -> str:
    return page.split(f'name="{name}" value="')[1].split('"')[0]


def api(employee) -> Client:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {org_services.api_token_create(actor=employee, name='t').secret}"
    return client


# --- The mapping ---------------------------------------------------------------------------------------


def test_headers_are_matched_by_label_in_either_language_and_by_synonym():
    lookup = imports._header_lookup([])
    header = ["客户名称", "TEL", "地址", "省份", "城市", "区县", "行业", "来源", "客户等级", "信用代码", "Company ", ""]
    assert imports.propose_mapping(header, lookup) == [
        "name", "phone", "address", "province", "city", "district", "industry", "source", "level", "credit_code",
        "", "",  # a second name column, and an empty header: ignored
    ]  # fmt: skip
    assert imports.propose_mapping(["Name", "名称", "电话", "手机", "whatever"], lookup) == [
        "name", "", "phone", "", "",
    ]  # fmt: skip


def test_a_file_with_synonym_headers_imports_with_the_proposed_mapping(cast):
    report = imports.import_dry_run(actor=cast.manager, filename="c.xlsx", content=xlsx(ROWS[:1]))
    assert report.mapping == ["name", "phone", "address", ""]
    assert report.ignored_columns == ["备注"]
    assert report.rows[0].status == "ok", report.rows[0].errors
    assert report.rows[0].values["address"] == "浦东新区张江路1号"


def test_a_confirmed_mapping_is_what_the_check_and_the_commit_read(cast):
    content = xlsx(ROWS[:1])
    mapping = ["name", "", "address", "industry"]  # the phone ignored, the note read as the industry
    report = imports.import_dry_run(actor=cast.manager, filename="c.xlsx", content=content, mapping=mapping)
    assert report.rows[0].values["industry"] == "老客户"
    imports.import_commit(actor=cast.manager, filename="c.xlsx", content=content, mapping=mapping)
    customer = Customer.objects.get()
    assert (customer.phone, customer.industry) == ("", "老客户")


def test_a_field_chosen_twice_an_unknown_field_or_a_wrong_length_is_refused(cast):
    content = xlsx(ROWS[:1])
    with translation.override("en"):
        for mapping, says in [
            (["name", "phone", "phone", ""], "is chosen for two columns"),
            (["name", "phone", "salary", ""], "Unknown field"),
            (["name", "phone"], "one field (or none) for each of the file's 4 columns"),
            (["", "phone", "address", ""], "name"),
        ]:
            try:
                imports.import_dry_run(actor=cast.manager, filename="c.xlsx", content=content, mapping=mapping)
            except imports.ServiceError as e:
                assert says in " ".join(map(str, e.fields["mapping"])), (mapping, e.fields)
            else:
                raise AssertionError(mapping)


def test_the_page_shows_the_mapping_and_checks_the_kept_file_again_with_the_confirmed_one(cast):
    client = cast.client_for(cast.manager)
    page = client.post("/customers/import/", {"file": upload(xlsx(ROWS[:1]))}).content.decode()
    assert 'data-testid="import-mapping"' in page
    assert '<option value="name" selected>' in page
    assert 'data-testid="import-commit"' in page
    sha256 = form_value(page, "sha256")
    # The admin reads the note as the industry and checks again: no file picked again
    form = {
        "sha256": sha256,
        "filename": "客户.xlsx",
        "mapping_posted": "1",
        "mapping": ["name", "phone", "", "industry"],
    }
    page = client.post("/customers/import/", form).content.decode()
    assert 'data-status="ok"' in page
    assert page.count('type="hidden" name="mapping" value="industry"') == 1  # the commit carries the mapping
    commit = {**form, "client_id": str(uuid.uuid4())}
    response = client.post("/customers/import/commit/", commit, follow=True)
    assert 'data-status="done"' in response.content.decode()
    customer = Customer.objects.get()
    assert (customer.industry, customer.address) == ("老客户", "")
    assert CustomerImportJob.objects.get().mapping == ["name", "phone", "", "industry"]


def test_the_page_refuses_a_field_chosen_twice_with_the_mapping_shown_again(cast):
    client = cast.client_for(cast.manager)
    with translation.override("zh-hans"):
        page = client.post("/customers/import/", {"file": upload(xlsx(ROWS[:1]))}).content.decode()
    form = {"sha256": form_value(page, "sha256"), "mapping_posted": "1", "mapping": ["name", "phone", "phone", ""]}
    response = client.post("/customers/import/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-mapping-error"' in page
    assert 'data-testid="import-mapping"' in page
    assert 'data-testid="import-commit"' not in page
    commit = {**form, "client_id": str(uuid.uuid4())}
    assert client.post("/customers/import/commit/", commit).status_code == 400
    assert not CustomerImportJob.objects.exists()
    assert not Customer.objects.exists()


def test_a_file_without_a_recognisable_name_column_asks_for_it(cast):
    client = cast.client_for(cast.manager)
    response = client.post(
        "/customers/import/", {"file": upload(xlsx([["上海精工", "021-55550009"]], header=["抬头", "电话"]))}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-mapping"' in page  # the columns shown, to choose the name column
    form = {"sha256": form_value(page, "sha256"), "mapping_posted": "1", "mapping": ["name", "phone"]}
    page = client.post("/customers/import/", form).content.decode()
    assert 'data-status="ok"' in page


def test_another_organizations_kept_file_is_neither_checked_nor_committed(cast):
    content = xlsx([["对手的客户", "021-55550099", "", ""]])  # a file only the other organization checked
    page = cast.client_for(cast.outsider).post("/customers/import/", {"file": upload(content)})
    sha256 = form_value(page.content.decode(), "sha256")
    client = cast.client_for(cast.manager)
    form = {"sha256": sha256, "mapping_posted": "1", "mapping": ["name", "phone", "address", ""]}
    assert client.post("/customers/import/", form).status_code == 400
    assert client.post("/customers/import/refused/", form).status_code == 400
    assert client.post("/customers/import/commit/", {**form, "client_id": str(uuid.uuid4())}).status_code == 400
    assert not CustomerImportJob.objects.exists()
    assert not Customer.objects.exists()


# --- Good rows committed, bad rows left out and downloadable ---------------------------------------------------


def refused_sheet(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_by_default_a_file_with_bad_rows_imports_nothing_and_with_the_option_the_good_rows(cast):
    content = xlsx(ROWS)
    with pytest.raises(imports.ImportRefused):
        imports.import_commit(actor=cast.manager, filename="c.xlsx", content=content)
    assert not Customer.objects.exists()
    result = imports.import_commit(actor=cast.manager, filename="c.xlsx", content=content, skip_errors=True)
    assert (result.created, result.rows) == (2, 4)
    assert [(r.number, sorted(r.errors)) for r in result.refused] == [(3, ["phone"]), (5, ["name"])]
    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        "上海精工机械有限公司",
        "杭州云图信息技术有限公司",
    ]


def test_the_page_commits_the_good_rows_and_offers_the_refused_ones_from_the_dry_run_and_the_job(cast):
    client = cast.client_for(cast.manager)
    with translation.override("en"):
        page = client.post("/customers/import/", {"file": upload(xlsx(ROWS))}, HTTP_ACCEPT_LANGUAGE="en")
    page_text = page.content.decode()
    assert 'data-testid="import-commit"' not in page_text
    assert 'data-testid="import-commit-skip"' in page_text
    assert 'data-testid="import-refused-download"' in page_text
    form: dict[str, object] = {"sha256": form_value(page_text, "sha256"), "filename": "客户.xlsx"}
    form |= {"mapping_posted": "1", "mapping": ["name", "phone", "address", ""]}
    download = client.post("/customers/import/refused/", form)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = refused_sheet(download.content)
    assert sheet[0] == [*HEADER, "错误"]  # the manager's language
    assert [row[:3] for row in sheet[1:]] == [ROWS[1][:3], ROWS[3][:3]]
    assert "联系电话" in sheet[1][4] or "电话" in sheet[1][4]
    assert not Customer.objects.exists()  # downloading wrote nothing

    commit = {**form, "client_id": str(uuid.uuid4()), "skip_errors": "on"}
    response = client.post("/customers/import/commit/", commit, follow=True)
    job_page = response.content.decode()
    assert 'data-status="done"' in job_page
    assert 'data-testid="import-job-refused-download"' in job_page
    assert Customer.objects.count() == 2
    job = CustomerImportJob.objects.get()
    assert (job.skip_errors, job.created_count, job.rows) == (True, 2, 4)
    assert [e["number"] for e in job.row_errors] == [3, 5]
    download = client.get(f"/customers/import/jobs/{job.pk}/refused/")
    assert download.status_code == 200
    assert [row[:3] for row in refused_sheet(download.content)[1:]] == [ROWS[1][:3], ROWS[3][:3]]
    assert cast.client_for(cast.outsider).get(f"/customers/import/jobs/{job.pk}/refused/").status_code == 404


def test_a_failed_all_or_nothing_job_offers_its_refused_rows_too(cast):
    client = api(cast.manager)
    response = client.post(
        "/api/v1/customers/imports", {"file": upload(xlsx(ROWS))}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    job = response.json()
    assert job["status"] == "failed"
    download = client.get(f"/api/v1/customers/imports/{job['id']}/refused-rows")
    assert download.status_code == 200
    assert len(refused_sheet(download.content)) == 3
    assert not Customer.objects.exists()


# --- The API -------------------------------------------------------------------------------------------


def test_the_api_dry_run_proposes_the_mapping_and_the_commit_takes_it_with_the_kept_file(cast):
    client = api(cast.manager)
    response = client.post("/api/v1/customers/imports/dry-run", {"file": upload(xlsx(ROWS))})
    assert response.status_code == 200
    report = response.json()
    assert [m["field"] for m in report["mapping"]] == ["name", "phone", "address", ""]
    assert {"key": "credit_code", "label": "统一社会信用代码"} in report["fields"]
    mapping = json.dumps(["name", "", "address", "industry"])
    data = {"sha256": report["sha256"], "mapping": mapping, "skip_errors": "true"}
    response = client.post("/api/v1/customers/imports", data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["status"], job["created_count"], job["skip_errors"]) == ("done", 3, True)  # the phone ignored
    assert job["mapping"] == ["name", "", "address", "industry"]
    assert Customer.objects.get(name="上海精工机械有限公司").industry == "老客户"


def test_the_api_refuses_a_bad_mapping_or_an_unknown_file_and_writes_nothing(cast):
    client = api(cast.manager)
    sha256 = client.post("/api/v1/customers/imports/dry-run", {"file": upload(xlsx(ROWS))}).json()["sha256"]
    for data in [
        {"sha256": sha256, "mapping": json.dumps(["name", "name", "", ""])},
        {"sha256": sha256, "mapping": json.dumps(["name", "wage", "", ""])},
        {"sha256": sha256, "mapping": "{not json"},
        {"sha256": "0" * 64},
        {"sha256": "../../etc/passwd"},
    ]:
        response = client.post("/api/v1/customers/imports", data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert response.status_code == 400, data
        assert set(response.json()["fields"]) & {"mapping", "sha256"}
    outsider = api(cast.outsider)
    response = outsider.post("/api/v1/customers/imports", {"sha256": sha256}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 400
    response = client.post(
        "/api/v1/customers/imports/dry-run", {"file": upload(xlsx(ROWS)), "mapping": json.dumps(["name", "name"])}
    )
    assert response.status_code == 400
    assert not CustomerImportJob.objects.exists()
    assert not Customer.objects.exists()
