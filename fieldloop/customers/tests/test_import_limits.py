"""A hostile spreadsheet through the customer import (API and page) and the registry import (API and page):
a 400 on `file` that names the limit, in the user's language, before any row is checked; and hostile text
that is a fine value (a formula, markup) stored as typed and exported inert.
"""

import csv
import io
import uuid
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from fieldloop.core import spreadsheets
from fieldloop.core.tests import hostile_files as hostile
from fieldloop.customers.models import Customer, RegistryCompany

ROWS_MESSAGE = "The sheet has more than 11000 rows, counting blank ones; delete the rows below your data or split it."


def upload(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


@pytest.fixture(autouse=True)
def language_restored():
    """A request activates its employee's language on the thread and leaves it there: later tests expect
    the default back."""
    with translation.override(translation.get_language()):
        yield


def speaking(cast, employee, language: str) -> Client:
    employee.language = language
    employee.save(update_fields=["language"])
    return cast.client_for(employee)


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows the import took from the reader: a sheet the reader refuses must give none."""
    count = [0]
    read_rows = spreadsheets.read_rows

    def counting(**kwargs):
        for row in read_rows(**kwargs):
            count[0] += 1
            yield row

    monkeypatch.setattr(spreadsheets, "read_rows", counting)
    return count


def test_the_issues_sparse_file_gets_a_400_on_file_from_the_dry_run_api_and_no_row_is_read(cast, rows_read):
    client = speaking(cast, cast.manager, "en")
    response = client.post("/api/v1/customers/imports/dry-run", {"file": upload(hostile.sparse_xfd(), "c.xlsx")})
    assert response.status_code == 400
    assert response.json()["fields"] == {"file": [ROWS_MESSAGE]}
    assert rows_read == [0]  # refused from its declared dimension (the old reader handed out 1,000,000 rows)


@pytest.mark.parametrize(
    ("build", "name", "says"),
    [
        (hostile.zip_bomb, "bomb.xlsx", "Unpacked, the file would be larger than 64 MB; split it."),
        (hostile.undeclared_far_row, "far.xlsx", ROWS_MESSAGE),
        (hostile.csv_many_columns, "wide.csv", "The sheet has more than 256 columns (the last is IV); "
         "delete the columns you do not import."),
    ],
)  # fmt: skip
def test_the_import_page_shows_the_limit_and_offers_no_commit(cast, rows_read, build, name, says):
    client = speaking(cast, cast.manager, "en")
    response = client.post("/customers/import/", {"file": upload(build(), name)})
    assert response.status_code == 400
    page = response.content.decode()
    assert says.replace("'", "&#x27;") in page
    assert 'name="sha256"' not in page  # nothing to commit
    assert rows_read[0] <= spreadsheets.sheet_row_limit()


def test_the_refusal_speaks_the_users_language(cast):
    client = speaking(cast, cast.manager, "zh-hans")
    broken = b"PK\x03\x04 not a zip"
    response = client.post("/api/v1/customers/imports/dry-run", {"file": upload(broken, "c.xlsx")})
    assert response.json()["fields"] == {"file": ["无法读取该 Excel（.xlsx）文件。"]}


def test_the_registry_import_refuses_hostile_files_on_file_and_writes_nothing(cast):
    client = speaking(cast, cast.admin, "en")
    files: list[tuple[Callable[[], bytes], str]] = [
        (hostile.sparse_xfd, "r.xlsx"),
        (hostile.zip_bomb, "r.xlsx"),
        (hostile.csv_nul, "r.csv"),
    ]
    for build, name in files:
        response = client.post(
            "/api/v1/customer-registry/imports",
            {"file": upload(build(), name)},
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert response.status_code == 400
        assert list(response.json()["fields"]) == ["file"]
        page = client.post("/customers/registry/import/", {"file": upload(build(), name)})
        assert page.status_code == 400
    assert not RegistryCompany.objects.exists()


def test_a_data_row_beyond_the_limit_is_still_the_row_count_message(cast, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 2)
    client = speaking(cast, cast.manager, "en")
    content = hostile.csv_of([["名称"], ["甲公司"], ["乙公司"], ["丙公司"]])
    response = client.post("/api/v1/customers/imports/dry-run", {"file": upload(content, "c.csv")})
    assert response.json()["fields"] == {"file": ["The file has more than 2 rows; split it."]}


NAMES = ['=HYPERLINK("https://evil.example/","点我")', "<img src=x onerror=alert(1)>", "@SUM(A1)公司"]


def test_a_formula_or_markup_imported_as_a_name_is_stored_as_text_and_exported_inert(cast):
    client = speaking(cast, cast.admin, "en")
    content = hostile.csv_of([["名称"], *[[name] for name in NAMES]])
    response = client.post(
        "/api/v1/customers/imports", {"file": upload(content, "c.csv")}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.json()["status"] == "done", response.json()
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(NAMES)  # exactly as typed

    exported = client.get("/api/v1/customers/export", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == sorted(["'" + NAMES[0], NAMES[1], "'" + NAMES[2]])  # never read as a formula

    exported = client.get("/api/v1/customers/export", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(exported.getvalue())).worksheets[0]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(NAMES)
    assert {c.data_type for c in cells} == {"s"}  # text cells, no formula

    page = client.get("/customers/").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
