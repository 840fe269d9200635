"""The import and export API: template, dry run, all-or-nothing commit, replay, scoped and permitted export."""

import csv
import io
import uuid

from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from fieldloop.customers import credit_code, imports, services
from fieldloop.customers.models import Customer
from fieldloop.org import services as org_services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def api(employee) -> Client:
    client = Client()
    secret = org_services.api_token_create(actor=employee, name="tests").secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def code(n: int) -> str:
    first17 = f"91310115MA1K{n:05d}"
    return first17 + credit_code.check_character(first17)


def xlsx(rows: list[dict[str, str]]) -> bytes:
    """A workbook with the template's label row, then one row per dict (by column key)."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append([str(imports.COLUMN_LABELS[c]) for c in imports.COLUMNS])
    for row in rows:
        sheet.append([row.get(c, "") for c in imports.COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "customers.xlsx") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


GOOD = [
    {"name": "上海精工机械有限公司", "credit_code": code(1), "level": "A", "contact_name": "张伟"},
    {"name": "苏州新材料科技有限公司", "credit_code": code(2), "phone": "0512-55550002"},
]
BROKEN = [*GOOD, {"name": "杭州云图信息技术有限公司", "credit_code": "91350100M000100Y44"}]  # bad check digit


def dry_run(client: Client, content: bytes, name: str = "customers.xlsx"):
    return client.post("/api/v1/customers/imports/dry-run", {"file": upload(content, name)})


def commit(client: Client, content: bytes, key: uuid.UUID | None = None, **form: str):
    """Submit an import job (the test settings' task backend runs it at once)."""
    data = {"file": upload(content), **form}
    return client.post("/api/v1/customers/imports", data, HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()))


def test_the_template_downloads_in_the_users_language_and_imports_once_filled_in(cast):
    response = api(cast.manager).get("/api/v1/customers/import-template")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="customers-template.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert sheet.max_row == 1  # one header row, in the user's language
    assert sheet["A1"].value == "名称"
    sheet.append(["上海精工机械有限公司", "", code(1)])
    filled = io.BytesIO()
    workbook.save(filled)
    report = dry_run(api(cast.manager), filled.getvalue()).json()
    assert report["totals"] == {"rows": 1, "ok": 1, "errors": 0, "duplicates": 0}
    assert report["rows"][0]["number"] == 2


def test_the_template_speaks_the_employees_language(cast):
    for language in ("en", "zh-hans"):
        cast.manager.language = language
        cast.manager.save(update_fields=["language"])
        response = api(cast.manager).get("/api/v1/customers/import-template")
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        with translation.override(language):
            assert [c.value for c in sheet[1]] == [str(imports.COLUMN_LABELS[c]) for c in imports.COLUMNS]


def test_the_dry_run_reports_a_broken_row_on_its_field_and_writes_nothing(cast):
    response = dry_run(api(cast.manager), xlsx(BROKEN))
    assert response.status_code == 200
    report = response.json()
    assert report["totals"] == {"rows": 3, "ok": 2, "errors": 1, "duplicates": 0}
    assert [(r["number"], r["status"]) for r in report["rows"]] == [(2, "ok"), (3, "ok"), (4, "error")]
    assert list(report["rows"][2]["errors"]) == ["credit_code"]
    assert not Customer.objects.exists()


def test_the_dry_run_notes_duplicates(cast):
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="上海精工机械有限公司")
    report = dry_run(api(cast.manager), xlsx(GOOD)).json()
    assert report["rows"][0]["status"] == "duplicate"
    assert report["rows"][0]["duplicates"]


def test_a_missing_or_unreadable_file_is_a_field_error(cast):
    client = api(cast.manager)
    missing = client.post("/api/v1/customers/imports/dry-run", {})
    assert missing.status_code == 422
    assert list(missing.json()["fields"]) == ["file.file"]
    for content, name in [(b"not a workbook", "customers.xlsx"), (b"name\n", "customers.pdf"), (b"", "x.csv")]:
        response = dry_run(client, content, name)
        assert response.status_code == 400, name
        assert response.json()["code"] == "invalid"
        assert "file" in response.json()["fields"]
    job = commit(client, b"not a workbook").json()  # the job reads the file: it fails, saying why
    assert (job["status"], job["row_errors"]) == ("failed", [])
    assert "Excel" in job["error"] or "xlsx" in job["error"]


def test_a_job_for_a_file_with_a_broken_row_fails_with_the_rows_errors_and_writes_nothing(cast):
    client = api(cast.manager)
    response = commit(client, xlsx(BROKEN))
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "failed"
    assert job["error"]
    assert [(e["number"], e["column"]) for e in job["row_errors"]] == [(4, "credit_code")]
    assert job["row_errors"][0]["label"] == "统一社会信用代码"
    assert client.get(f"/api/v1/customers/imports/{job['id']}").json() == job
    assert not Customer.objects.exists()


def test_a_job_imports_a_good_file_once_and_a_replay_returns_the_same_job(cast):
    client = api(cast.manager)
    key = uuid.uuid4()
    first = commit(client, xlsx(GOOD), key)
    assert first.status_code == 202
    job = first.json()
    assert (job["status"], job["rows"], job["created_count"], job["skipped_count"]) == ("done", 2, 0 + 2, 0)
    assert job["created_by"]["name"] == "Mia"
    assert job["started_at"] and job["finished_at"]
    assert commit(client, xlsx(GOOD), key).json() == job  # the same request, replayed: the same job
    again = commit(client, xlsx(GOOD), include_duplicates="true").json()  # the same file, a new job
    assert (again["status"], again["created_count"], again["skipped_count"]) == ("done", 0, 2)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["上海精工机械有限公司", "苏州新材料科技有限公司"]
    assert set(Customer.objects.values_list("owner__name", flat=True)) == {"Mia"}


def test_the_job_list_is_paged_and_holds_own_jobs_and_for_an_admin_the_organizations(cast):
    for actor in (cast.manager, cast.manager, cast.manager, cast.rep):
        commit(api(actor), xlsx(GOOD))
    first = api(cast.manager).get("/api/v1/customers/imports?limit=2").json()
    assert len(first["items"]) == 2
    rest = api(cast.manager).get(f"/api/v1/customers/imports?limit=2&cursor={first['next_cursor']}").json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {j["created_by"]["name"] for j in first["items"] + rest["items"]} == {"Mia"}
    assert len(api(cast.admin).get("/api/v1/customers/imports").json()["items"]) == 4
    rex_job = api(cast.rep).get("/api/v1/customers/imports").json()["items"][0]["id"]
    assert api(cast.manager).get(f"/api/v1/customers/imports/{rex_job}").status_code == 404  # not hers
    assert api(cast.outsider).get(f"/api/v1/customers/imports/{rex_job}").status_code == 404
    assert api(cast.admin).get(f"/api/v1/customers/imports/{rex_job}").status_code == 200


def test_submitting_without_a_file_or_idempotency_key_is_a_field_error(cast):
    client = api(cast.manager)
    key = str(uuid.uuid4())
    assert client.post("/api/v1/customers/imports", {}, HTTP_IDEMPOTENCY_KEY=key).status_code in (400, 422)
    response = client.post("/api/v1/customers/imports", {"file": upload(xlsx(GOOD))})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["fields"]
    # the key is the header: a form field `client_id` is not read
    response = client.post("/api/v1/customers/imports", {"file": upload(xlsx(GOOD)), "client_id": key})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["fields"]
    response = client.post("/api/v1/customers/imports", {"file": upload(b"x", "c.txt")}, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_the_import_paths_are_not_taken_for_a_customer_id(cast):
    client = api(cast.admin)
    assert client.get("/api/v1/customers/import-template").status_code == 200
    assert client.get("/api/v1/customers/export").status_code == 200
    assert client.get("/api/v1/customers/imports").status_code == 200  # the job list
    assert client.get("/api/v1/customers/12345").status_code == 404


def csv_names(response) -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row[0] for row in list(csv.reader(io.StringIO(body)))[1:]]


def test_the_export_holds_only_visible_customers_and_honours_a_filter(cast):
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="上海精工机械有限公司", level="A")
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="苏州新材料科技有限公司", level="B")
    services.customer_create(actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="北京华远机械有限公司")
    services.customer_create(actor=cast.outsider, client_id=uuid.uuid4(), name="对手的客户")
    org_services.organization_update(actor=cast.admin, export_roles=["manager"])
    client = api(cast.manager)
    response = client.get("/api/v1/customers/export?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert sorted(csv_names(response)) == ["上海精工机械有限公司", "苏州新材料科技有限公司"]
    assert csv_names(client.get("/api/v1/customers/export?format=csv&level=B")) == ["苏州新材料科技有限公司"]
    assert csv_names(client.get("/api/v1/customers/export?format=csv&search=精工")) == ["上海精工机械有限公司"]
    workbook = client.get("/api/v1/customers/export?format=xlsx&level=A")
    assert workbook["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).worksheets[0]  # type: ignore[attr-defined]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["上海精工机械有限公司"]


def test_the_export_is_refused_to_a_role_the_organization_does_not_allow(cast):
    org_services.organization_update(actor=cast.admin, export_roles=["manager"])
    response = api(cast.rep).get("/api/v1/customers/export?format=csv")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["message"]
    assert api(cast.rep).get("/api/v1/customers/export?format=pdf").status_code == 422
