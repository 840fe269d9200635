"""Import of customers: the template, the dry run's report, the all-or-nothing commit, duplicates."""

import csv
import io
import uuid

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.errors import ServiceError
from customers import credit_code, imports, services
from customers.imports import RowStatus
from customers.models import Contact, Customer, CustomerSource

HEADER = ["name", "credit_code", "level", "stage", "phone", "owner", "tags", "contact_name", "contact_mobile"]


def code(n: int) -> str:
    first17 = f"91310115MA1K{n:05d}"
    return first17 + credit_code.check_character(first17)


def csv_file(rows: list[list[str]], header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD_ROWS = [
    ["上海精工机械有限公司", code(1), "A", "潜在客户", "021-55550001", "", "重点，华东", "张伟", "13900000001"],
    ["苏州新材料科技有限公司", code(2), "B", "Prospect", "0512-55550002", "", "", "", ""],
]


def dry_run(actor, content: bytes, filename: str = "customers.csv") -> imports.ImportReport:
    return imports.import_dry_run(actor=actor, filename=filename, content=content)


def test_a_clean_file_passes_the_dry_run_and_writes_nothing(cast):
    report = dry_run(cast.manager, csv_file(GOOD_ROWS))
    assert [(r.number, r.status) for r in report.rows] == [(2, RowStatus.OK), (3, RowStatus.OK)]
    assert report.rows[0].values["tags"] == "华东, 重点"
    assert report.rows[1].values["stage"] == "意向客户"
    assert report.rows[0].values["owner"] == "Mia"
    assert not Customer.objects.exists()


def test_the_dry_run_reports_every_broken_row_on_its_field_and_writes_nothing(cast):
    rows = [
        ["上海精工机械有限公司", "91350100M000100Y44", "A", "", "", "", "", "", ""],  # bad check digit
        ["苏州新材料科技有限公司", "", "Z", "", "", "", "", "", ""],  # unknown level
        ["", "", "B", "", "", "", "", "", ""],  # no name
        ["杭州云图信息技术有限公司", "", "", "", "call me", "", "", "", ""],  # bad phone
        ["南京远航物流有限公司", "", "", "", "", "Ben", "", "", ""],  # owner in another branch
        ["合肥光电有限公司", "", "", "沉睡客户", "", "", "", "", ""],  # unknown stage
        ["无锡精密有限公司", "", "", "", "", "", "", "", "not-a-phone"],  # contact without a name, bad mobile
        ["常州电机有限公司", "", "", "", "", "", "", "", ""],  # fine
    ]
    report = dry_run(cast.manager, csv_file(rows))
    errors = {r.number: sorted(r.errors) for r in report.rows}
    assert errors == {
        2: ["credit_code"],
        3: ["level"],
        4: ["name"],
        5: ["phone"],
        6: ["owner"],
        7: ["stage"],
        8: ["contact_mobile", "contact_name"],
        9: [],
    }
    assert report.error_count == 7
    assert report.ok_count == 1
    assert not Customer.objects.exists()


def test_a_rep_may_only_import_customers_for_himself(cast):
    report = dry_run(cast.rep, csv_file([["上海精工机械有限公司", "", "", "", "", "Ria", "", "", ""]]))
    assert "owner" in report.rows[0].errors
    report = dry_run(cast.manager, csv_file([["上海精工机械有限公司", "", "", "", "", "Ria", "", "", ""]]))
    assert report.rows[0].status == RowStatus.OK


def test_the_owner_is_found_by_employee_number_phone_or_name(cast):
    rows = [
        [f"公司{i}", "", "", "", "", who, "", "", ""]
        for i, who in enumerate([cast.rep.employee_number, cast.rep.phone, "rex", ""])
    ]
    report = dry_run(cast.manager, csv_file(rows))
    assert [r.values["owner"] for r in report.rows] == ["Rex", "Rex", "Rex", "Mia"]


def test_commit_is_all_or_nothing(cast):
    rows = [*GOOD_ROWS, ["", "", "", "", "", "", "", "", ""], ["坏行", "", "Z", "", "", "", "", "", ""]]
    with pytest.raises(ServiceError) as raised:
        imports.import_commit(actor=cast.manager, filename="c.csv", content=csv_file(rows))
    assert "1" in str(raised.value.message)
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()


def test_commit_creates_customers_with_their_primary_contact_once_even_when_committed_twice(cast):
    content = csv_file(GOOD_ROWS)
    result = imports.import_commit(actor=cast.manager, filename="c.csv", content=content)
    assert (result.created, result.skipped_duplicates) == (2, 0)
    again = imports.import_commit(actor=cast.manager, filename="c.csv", content=content, include_duplicates=True)
    assert (again.created, again.skipped_duplicates) == (0, 2)
    assert Customer.objects.count() == 2
    first = Customer.objects.get(name="上海精工机械有限公司")
    assert first.owner == cast.manager
    assert first.level == "A"
    assert first.source == "import"
    assert first.tags == ["华东", "重点"]
    contact = Contact.objects.get()
    assert (contact.customer, contact.name, contact.mobile, contact.is_primary) == (first, "张伟", "13900000001", True)
    report = dry_run(cast.manager, content)
    assert all("Already imported" in " ".join(r.duplicates) or r.duplicates for r in report.rows)


def test_duplicates_in_the_file_and_against_existing_customers_are_caught(cast):
    services.customer_create(
        actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="北京华远机械有限公司", phone="010-66660000"
    )
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="宁波港机", credit_code=code(9))
    rows = [
        ["北京 华远机械股份有限公司", "", "", "", "", "", "", "", ""],  # same normalised name as Ben's
        ["天津港务有限公司", "", "", "", "010 66660000", "", "", "", ""],  # same phone as Ben's
        ["宁波港机械", code(9), "", "", "", "", "", "", ""],  # same credit code as Rex's
        ["广州新港有限公司", code(5), "", "", "", "", "", "", ""],
        ["广州新港", code(5), "", "", "", "", "", "", ""],  # same as the row above, twice
        ["深圳全新有限公司", "", "", "", "", "", "", "", ""],
    ]
    with translation.override("en"):
        report = dry_run(cast.rep, csv_file(rows))
    statuses = [r.status for r in report.rows]
    assert statuses == [RowStatus.DUPLICATE] * 3 + [RowStatus.OK, RowStatus.DUPLICATE, RowStatus.OK]
    told = report.rows[0].duplicates[0]
    assert "北京华远机械有限公司" in told and "北京分公司" in told  # the name and the owner's department only
    assert "Ben" not in " ".join(m for r in report.rows for m in r.duplicates)
    assert "row 5" in " ".join(report.rows[4].duplicates)
    assert report.rows[2].blocking_duplicate

    result = imports.import_commit(actor=cast.rep, filename="c.csv", content=csv_file(rows))
    assert (result.created, result.skipped_duplicates) == (2, 4)
    forced = imports.import_commit(
        actor=cast.rep, filename="c.csv", content=csv_file(rows[:2]), include_duplicates=True
    )
    assert (forced.created, forced.skipped_duplicates) == (2, 0)  # same name or phone: imported when asked


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_template_in_either_language_imports(cast, language):
    with translation.override(language):
        template = imports.import_template(actor=cast.manager)
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[2]] == list(imports.COLUMNS)
    assert sheet.row_dimensions[2].hidden
    with translation.override(language):
        assert [c.value for c in sheet[1]] == [str(imports.COLUMN_LABELS[key]) for key in imports.COLUMNS]
    assert len(workbook.worksheets) == 2
    column = {key: i + 1 for i, key in enumerate(imports.COLUMNS)}
    sheet.cell(row=3, column=column["name"], value="上海精工机械有限公司")
    sheet.cell(row=3, column=column["phone"], value=2155550001)
    with translation.override(language):  # a source by its label in the template's language
        sheet.cell(row=3, column=column["source"], value=str(CustomerSource.REFERRAL.label))
    sheet.cell(row=3, column=column["latitude"], value=31.23)
    sheet.cell(row=3, column=column["longitude"], value=121.47)
    out = io.BytesIO()
    workbook.save(out)
    with translation.override("zh-hans" if language == "en" else "en"):  # read under the other language
        report = dry_run(cast.manager, out.getvalue(), "template.xlsx")
    [row] = report.rows
    assert row.number == 3
    assert row.status == RowStatus.OK, row.errors
    assert row.values["phone"] == "2155550001"
    assert row.values["source"] == "referral"
    assert row.values["latitude"] == "31.230000"


def test_labels_in_the_header_row_are_understood_in_either_language(cast):
    with translation.override("zh-hans"):
        name, stage = str(imports.COLUMN_LABELS["name"]), str(imports.COLUMN_LABELS["stage"])
    content = csv_file([["上海精工", "C", "成交客户", "x"]], header=[name, "Level", stage, "备注"])
    report = dry_run(cast.manager, content)
    assert report.rows[0].status == RowStatus.OK, report.rows[0].errors
    assert report.rows[0].values["stage"] == "成交客户"
    assert report.ignored_columns == ["备注"]


def test_a_csv_in_gb18030_imports(cast):
    content = csv_file(GOOD_ROWS, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    result = imports.import_commit(actor=cast.manager, filename="c.csv", content=content)
    assert result.created == 2
    assert Customer.objects.filter(name="上海精工机械有限公司").exists()


def test_a_csv_with_a_byte_order_mark_imports(cast):
    report = dry_run(cast.manager, "\ufeff".encode() + csv_file(GOOD_ROWS))
    assert report.ok_count == 2


def test_an_xlsx_imports(cast):
    report = dry_run(cast.manager, xlsx_file([[*GOOD_ROWS[0][:4], 2155550001, *GOOD_ROWS[0][5:]]]), "c.xlsx")
    assert report.rows[0].status == RowStatus.OK, report.rows[0].errors


@pytest.mark.parametrize(
    ("filename", "content", "says"),
    [
        ("c.txt", b"name\nx", "xlsx"),
        ("c.xlsx", b"not a zip", "Excel"),
        ("c.csv", b"\xff\xfe\x00\x81\x30", ""),
        ("c.csv", b"whatever,columns\n1,2", "name"),
        ("c.csv", b"name\n\n", "no customer rows"),
        ("c.csv", b"name\0\n", ""),
    ],
)
def test_unreadable_files_get_a_clear_error(cast, filename, content, says):
    with translation.override("en"), pytest.raises(ServiceError) as raised:
        dry_run(cast.manager, content, filename)
    assert "file" in raised.value.fields
    assert says in str(raised.value.message)


def test_files_too_big_or_too_long_are_refused(cast, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(ServiceError):
        dry_run(cast.manager, csv_file([["a"], ["b"], ["c"]], header=["name"]))
    monkeypatch.setattr(imports, "MAX_BYTES", 10)
    with pytest.raises(ServiceError):
        dry_run(cast.manager, csv_file([["上海精工机械有限公司"]], header=["name"]))


def test_a_manager_checks_a_file_in_the_browser_fixes_it_and_commits_it(cast):
    client = cast.client_for(cast.manager)
    assert client.get("/customers/import/").status_code == 200
    assert client.get("/customers/import/template/")["Content-Type"] == imports.XLSX_CONTENT_TYPE
    broken = csv_file([*GOOD_ROWS, ["坏行", "", "Z", "", "", "", "", "", ""]])
    page = client.post("/customers/import/", {"file": _upload(broken)}).content.decode()
    assert 'data-status="error"' in page
    assert "import-commit" not in page
    page = client.post("/customers/import/", {"file": _upload(csv_file(GOOD_ROWS))}).content.decode()
    assert 'data-status="error"' not in page
    sha256 = page.split('name="sha256" value="')[1].split('"')[0]
    response = client.post("/customers/import/commit/", {"sha256": sha256, "extension": "csv"})
    assert 'data-testid="import-result"' in response.content.decode()
    assert Customer.objects.filter(owner=cast.manager).count() == 2


def test_nobody_commits_a_file_stored_for_another_organization(cast):
    page = cast.client_for(cast.outsider).post("/customers/import/", {"file": _upload(csv_file(GOOD_ROWS))})
    sha256 = page.content.decode().split('name="sha256" value="')[1].split('"')[0]
    response = cast.client_for(cast.manager).post("/customers/import/commit/", {"sha256": sha256, "extension": "csv"})
    assert response.status_code == 400
    assert not Customer.objects.filter(org=cast.org).exists()
    response = cast.client_for(cast.manager).post("/customers/import/commit/", {"sha256": "../x", "extension": "csv"})
    assert response.status_code == 400


def _upload(content: bytes, name: str = "customers.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")
