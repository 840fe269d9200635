"""Hostile and careless input, thrown at every route: a clear 4xx, never a 500, never a partial write.

The walk reuses the isolation walk's enumeration of every page and API route, so a route added by a later
app is covered without registering anything. A list route gets every hostile query parameter; the API's
writes get JSON bodies carrying text no database stores. Every route that takes an uploaded spreadsheet (found
in the OpenAPI document's multipart bodies and in the pages' upload forms) gets every hostile file of
`core/tests/hostile_files.py`: a 4xx naming `file` or a clean report, never a 500, never a partial write.
"""

import base64
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from fieldloop.api import api
from fieldloop.core.tests import hostile_files
from fieldloop.customers.models import Contact, Customer, CustomerImportJob, RegistryCompany
from fieldloop.customers.services import customer_create
from fieldloop.org.models import Employee
from tests.test_isolation import LIST_ROUTES


def b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Cursors the server never issued: forged values of the wrong type, wrong shapes, garbage.
FORGED_CURSORS = [
    b64([{"t": 5}, 1]),
    b64([{"t": "garbage"}, 1]),
    b64([[1], [2]]),
    b64([{"d": "abc"}, 1]),
    b64(["2026-01-01T00:00:00", 1]),
    "not-a-cursor",
    "x" * 5000,
]
NUL = "a\x00b"
HOSTILE_QUERIES = [{"cursor": c} for c in FORGED_CURSORS] + [
    {"search": NUL},
    {"q": NUL},
    {"name": NUL},
    {"limit": "1e999"},
    {"limit": "-1"},
    {"limit": str(2**70)},
    {"not_visited": "abc"},
]


def assert_error_format(response) -> None:
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["message"]


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_every_list_answers_hostile_query_parameters_with_a_4xx_not_a_500(cast, route):
    client = cast.client_for(cast.admin)
    for params in HOSTILE_QUERIES:
        response = client.get("/" + route, params)
        assert response.status_code < 500, (route, params, response.status_code)
        if route.startswith("api/") and response.status_code >= 400 and response.status_code != 405:
            assert_error_format(response)


@pytest.mark.parametrize("cursor", FORGED_CURSORS)
@pytest.mark.parametrize("route", ["/api/v1/customers", "/api/v1/employees", "/api/v1/work-records", "/api/v1/visits"])
def test_a_cursor_the_server_did_not_issue_is_a_400_on_the_cursor_field(cast, route, cursor):
    response = cast.client_for(cast.admin).get(route, {"cursor": cursor})
    assert response.status_code == 400
    assert_error_format(response)
    assert "cursor" in response.json()["fields"]


def test_a_cursor_of_one_list_is_refused_by_another(cast):
    for name in ("甲公司", "乙公司"):
        customer_create(actor=cast.rep, client_id=uuid.uuid4(), name=name)
    client = cast.client_for(cast.admin)
    cursor = client.get("/api/v1/customers", {"limit": 1}).json()["next_cursor"]
    assert cursor
    assert client.get("/api/v1/customers", {"limit": 1, "cursor": cursor}).status_code == 200
    response = client.get("/api/v1/notifications", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["fields"]


@pytest.mark.parametrize("route", ["/customers/", "/work/", "/visits/", "/employees/"])
def test_html_lists_answer_a_forged_cursor_with_an_error_page(cast, route):
    response = cast.client_for(cast.admin).get(route, {"cursor": FORGED_CURSORS[0]})
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]


def test_a_nul_in_a_search_is_refused_in_the_users_language(cast):
    cast.rep.language = "zh-hans"
    cast.rep.save(update_fields=["language"])
    client = cast.client_for(cast.rep)
    response = client.get("/api/v1/customers", {"search": NUL})
    assert response.status_code == 400
    assert response.json()["fields"]["search"] == ["请删除文本中不可见的控制字符。"]
    page = client.get("/customers/", {"search": NUL})
    assert page.status_code == 400
    assert "请删除文本中不可见的控制字符。" in page.content.decode()


def test_a_json_string_with_a_lone_surrogate_is_refused_and_nothing_is_written(cast):
    client = cast.client_for(cast.admin)
    body = '{"phone": "\\ud8ef\\udf10\\ud800", "name": "ok"}'  # the fuzz test's phone, and a lone high half
    before = list(Employee.objects.filter(pk=cast.rep.pk).values())
    response = client.patch(f"/api/v1/employees/{cast.rep.pk}", body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]
    assert list(Employee.objects.filter(pk=cast.rep.pk).values()) == before


def test_a_nul_inside_a_nested_json_value_names_its_path(cast):
    client = cast.client_for(cast.rep)
    count = Customer.objects.count()
    body = json.dumps({"name": "正常公司", "custom_values": {"notes": NUL}})
    response = client.post("/api/v1/customers", body, content_type="application/json",
                           headers={"Idempotency-Key": "0f0e0d0c-0b0a-4908-8706-050403020100"})  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["custom_values.notes"]
    assert Customer.objects.count() == count


def test_a_body_that_is_not_json_gets_the_error_format(cast):
    response = cast.client_for(cast.rep).post("/api/v1/customers", b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert_error_format(response)


def test_a_nul_in_a_form_field_is_refused_without_writing(cast):
    client = cast.client_for(cast.rep)
    count = Customer.objects.count()
    response = client.post("/customers/new/", {"name": NUL})
    assert response.status_code == 400
    assert Customer.objects.count() == count


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/no-such-route", "/api/v2/customers", "/api/v1/customers/1/nope"])
def test_an_unknown_api_route_answers_in_the_error_format(cast, url):
    response = cast.client_for(cast.rep).get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unsupported_method_answers_in_the_error_format_and_says_what_is_allowed(cast):
    response = cast.client_for(cast.rep).delete("/api/v1/me")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_nul_in_an_api_form_field_is_refused_by_the_api_parser(cast):
    """The import API takes a multipart form: its fields are checked by the API's parser."""
    response = cast.client_for(cast.admin).post(
        "/api/v1/customers/imports/dry-run", {"file": io.BytesIO(b"name\n"), "note": NUL},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    assert response.status_code < 500


@pytest.mark.parametrize("value", [2**70, 2**63, 0, -1])
def test_an_id_no_row_can_have_inside_a_list_field_is_a_field_error(cast, value):
    """`collaborator_ids` of a customer: an id the database cannot compare is the client's mistake, on that field."""
    response = cast.client_for(cast.rep).post(
        "/api/v1/customers", {"name": "测试公司", "collaborator_ids": [value]}, content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["collaborator_ids.0"]
    assert not Customer.objects.filter(name="测试公司").exists()


# --- Uploaded spreadsheets --------------------------------------------------------------------------------

# Every API route with a multipart `file` is listed here, as a spreadsheet import or not: a new one fails
# test_every_multipart_route_is_listed until it is, and a spreadsheet route then gets the hostile corpus.
API_SPREADSHEET_ROUTES = [
    "/api/v1/customers/imports/dry-run",
    "/api/v1/customers/imports",
    "/api/v1/customer-registry/imports",
]
API_OTHER_UPLOADS = ["/api/v1/attachments"]  # photos and files: tested in formtemplates' attachment tests


def multipart_file_routes() -> set[str]:
    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
    routes = set()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
            if body is None:
                continue
            properties = body["schema"].get("properties") or {}
            if "$ref" in body["schema"]:
                name = body["schema"]["$ref"].rsplit("/", 1)[-1]
                properties = schema["components"]["schemas"][name].get("properties", {})
            if "file" in properties:
                routes.add(path)
    return routes


def test_every_multipart_route_is_listed():
    assert multipart_file_routes() == set(API_SPREADSHEET_ROUTES) | set(API_OTHER_UPLOADS)


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
SPREADSHEET_INPUT = re.compile(r'<input[^>]*type="file"[^>]*accept="[^"]*\.(?:xlsx|csv)', re.S)
ACTION = re.compile(r"action=\"\{% url '([\w:]+)' %\}\"")


def html_spreadsheet_routes() -> list[str]:
    """The pages' forms that upload a spreadsheet, by their action: every template is read."""
    routes = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for form in FORM.findall(template.read_text()):
            if SPREADSHEET_INPUT.search(form):
                action = ACTION.search(form)
                assert action, f"{template}: a spreadsheet upload form needs an action the walk can follow"
                routes.add(reverse(action.group(1)))
    return sorted(routes)


HTML_SPREADSHEET_ROUTES = html_spreadsheet_routes()


def test_the_pages_spreadsheet_uploads_are_found():
    assert HTML_SPREADSHEET_ROUTES == ["/customers/import/", "/customers/registry/import/", "/products/import/"]


def uploaded(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def written() -> tuple[int, int, int]:
    return Customer.objects.count(), Contact.objects.count(), RegistryCompany.objects.count()


def assert_all_or_nothing(before: tuple[int, int, int], response) -> None:
    """Nothing written, unless the request answered a success that wrote the whole (tiny) file."""
    after = written()
    if response.status_code >= 400 or after == before:
        assert after == before, (response.status_code, before, after)
        return
    body = response.json() if response["Content-Type"].startswith("application/json") else {}
    assert body.get("status", "done") == "done", body


CORPUS_IDS = [label for label, _name, _build in hostile_files.CORPUS]
REFUSED = {"sparse XFD1000000", "no dimension, far row", "lying dimension", "zip bomb", "9 MB CSV field",
           "100,000 CSV columns", "NUL in a cell"}  # fmt: skip


@pytest.mark.parametrize(("label", "name", "build"), hostile_files.CORPUS, ids=CORPUS_IDS)
@pytest.mark.parametrize("route", API_SPREADSHEET_ROUTES)
def test_every_spreadsheet_api_route_answers_hostile_files_cleanly(cast, route, label, name, build):
    client = cast.client_for(cast.admin)
    before = written()
    response = client.post(route, {"file": uploaded(build(), name)}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code < 500, (route, label, response.status_code)
    assert_all_or_nothing(before, response)
    body = response.json()
    if response.status_code >= 400:
        assert_error_format(response)
    if label in REFUSED:
        # refused on `file`: by the request itself, or by the import job it queued (run at once in tests)
        errors = body.get("fields", {}).get("file") or body.get("error", "")
        assert response.status_code == 400 or body.get("status") == "failed", body
        assert errors, body


@pytest.mark.parametrize(("label", "name", "build"), hostile_files.CORPUS, ids=CORPUS_IDS)
@pytest.mark.parametrize("route", HTML_SPREADSHEET_ROUTES)
def test_every_spreadsheet_page_answers_hostile_files_cleanly(cast, route, label, name, build):
    client = cast.client_for(cast.admin)
    before = written()
    response = client.post(route, {"file": uploaded(build(), name)})
    assert response.status_code < 500, (route, label, response.status_code)
    assert written() == before  # the import page only checks; the registry page refuses these files whole
    if label in REFUSED:
        assert response.status_code == 400
        assert "text/html" in response["Content-Type"]


# --- The import's column mapping (customers/imports.py) -----------------------------------------------------


def _mapping_xlsx(header: list[str], row: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.worksheets[0].append(header)
    book.worksheets[0].append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_header_row_of_500_columns_is_refused_on_the_file_and_nothing_is_written(cast):
    content = _mapping_xlsx([f"列{i}" for i in range(500)], ["x"] * 500)
    client = cast.client_for(cast.manager)
    response = client.post("/customers/import/", {"file": uploaded(content, "wide.xlsx")})
    assert response.status_code == 400
    response = client.post("/api/v1/customers/imports/dry-run", {"file": uploaded(content, "wide.xlsx")})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["file"]
    assert written() == (0, 0, 0)


def test_duplicate_and_empty_headers_map_once_and_a_mapping_of_a_field_twice_is_refused(cast):
    content = _mapping_xlsx(
        ["客户名称", "", "公司名称", "电话", "电话"], ["上海精工", "?", "上海精工二", "021-55550001", "x"]
    )
    client = cast.client_for(cast.manager)
    response = client.post("/api/v1/customers/imports/dry-run", {"file": uploaded(content, "dup.xlsx")})
    assert response.status_code == 200
    assert [m["field"] for m in response.json()["mapping"]] == ["name", "", "", "phone", ""]
    sha256 = response.json()["sha256"]
    for mapping in (["name", "", "name", "phone", ""], ["name", "", "", "phone", "salary"], ["name"] * 300, "[1, 2]"):
        data = {"sha256": sha256, "mapping": mapping if isinstance(mapping, str) else json.dumps(mapping)}
        response = client.post("/api/v1/customers/imports", data, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code == 400, mapping
        assert list(response.json()["fields"]) == ["mapping"]
        page = {"sha256": sha256, "mapping_posted": "1", "mapping": json.loads(data["mapping"])}
        assert client.post("/customers/import/", page).status_code == 400
        assert client.post("/customers/import/commit/", {**page, "client_id": str(uuid.uuid4())}).status_code == 400
    assert written() == (0, 0, 0)
    assert not CustomerImportJob.objects.exists()


def test_a_mapping_posted_for_another_organizations_file_or_job_finds_nothing(cast):
    content = _mapping_xlsx(["客户名称"], ["对手公司的客户"])
    theirs = cast.client_for(cast.outsider).post(
        "/api/v1/customers/imports/dry-run", {"file": uploaded(content, "o.xlsx")}
    )
    sha256 = theirs.json()["sha256"]
    job = cast.client_for(cast.outsider).post(
        "/api/v1/customers/imports", {"sha256": sha256, "mapping": '["name"]'},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    ).json()  # fmt: skip
    before = written()
    client = cast.client_for(cast.manager)
    response = client.post(
        "/api/v1/customers/imports", {"sha256": sha256, "mapping": '["name"]'},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["sha256"]
    assert client.get(f"/api/v1/customers/imports/{job['id']}/refused-rows").status_code == 404
    assert client.get(f"/customers/import/jobs/{job['id']}/refused/").status_code == 404
    assert written() == before


# --- Bulk changes of customers ------------------------------------------------------------------------------

BULK_CHANGES: dict[str, dict[str, Any]] = {
    "/api/v1/customers/bulk/level": {"level": "A"},
    "/api/v1/customers/bulk/stage": {"stage_id": 1},
    "/api/v1/customers/bulk/tags": {"add_tag_ids": [1]},
    "/api/v1/customers/bulk/archive": {},
}


@pytest.mark.parametrize("route", sorted(BULK_CHANGES))
@pytest.mark.parametrize("value", [2**70, 2**63, 0, -1, "1; DROP TABLE", None])
def test_a_bulk_change_with_a_hostile_customer_id_is_a_field_error_and_writes_nothing(cast, route, value):
    shop = customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="测试公司")[0]
    body = {"customer_ids": [shop.pk, value], **BULK_CHANGES[route]}
    response = cast.client_for(cast.rep).post(
        route, body, content_type="application/json", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 422, response.content
    assert list(response.json()["fields"]) == ["customer_ids.1"]
    assert Customer.objects.get(pk=shop.pk).level == "C" and Customer.objects.get(pk=shop.pk).archived_at is None


HOSTILE_BAR_VALUES = [{"level": "A" * 5000}, {"level": "<b>Z</b>"}, {"stage_id": "二"}, {"stage_id": 2**70}]


@pytest.mark.parametrize("field", [*HOSTILE_BAR_VALUES, {"tag_ids": "x" * 40}])
def test_the_bulk_bar_answers_hostile_values_with_the_list_and_an_error_not_a_500(cast, field):
    """The page comes back with the customer still ticked and the error shown (a NUL anywhere is refused before:
    test_a_nul_in_a_form_field_is_refused_without_writing)."""
    shop = customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="测试公司")[0]
    action = {"level": "level", "stage_id": "stage", "tag_ids": "tags_add"}[next(iter(field))]
    posted = {"action": action, "customer_ids": [shop.pk, "x", str(2**80)], "next": "/customers/", **field}
    client = cast.client_for(cast.rep)
    response = client.post("/customers/bulk/", posted)
    assert response.status_code == 302 and response["Location"].startswith("/customers/?")
    page = client.get(response["Location"]).content.decode()
    assert f'data-testid="choose-{shop.pk}" checked' in page and 'data-message="error"' in page
    assert "<b>Z</b>" not in page
    assert Customer.objects.get(pk=shop.pk).level == "C"
