"""Import of customers: the template, the dry run's report, the all-or-nothing commit, duplicates."""

import csv
import hashlib
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ServiceError
from fieldloop.core.jobs import ProgressWriter
from fieldloop.customers import credit_code, import_jobs, imports, services
from fieldloop.customers.import_template import import_template
from fieldloop.customers.imports import RowStatus
from fieldloop.customers.models import (
    Contact,
    Customer,
    CustomerEvent,
    CustomerImportJob,
    CustomerSource,
    CustomerTag,
    ImportJobStatus,
    Tag,
)
from fieldloop.customers.names import normalise_name, normalise_phone
from fieldloop.customers.selectors import CustomerFilters, customer_list
from fieldloop.customers.stages import stage_list
from fieldloop.customers.tasks import enqueue_import_job, run_customer_import_job
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import template_publish
from fieldloop.org.models import AuditEntry, EmployeeStatus

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


@pytest.fixture(autouse=True)
def org_tags(cast) -> dict[str, Tag]:
    """The tags the files name: an import picks the organization's tags by name, it never creates one."""
    return {name: Tag.objects.create(org=cast.org, name=name) for name in ("重点", "华东")}


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
    assert sorted(t.name for t in first.tags.all()) == ["华东", "重点"]
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
        template = import_template(actor=cast.manager)
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    assert sheet.max_row == 1  # one header row, nothing hidden below it
    with translation.override(language):
        assert [c.value for c in sheet[1]] == [str(imports.COLUMN_LABELS[key]) for key in imports.COLUMNS]
    assert len(workbook.worksheets) == 2
    column = {key: i + 1 for i, key in enumerate(imports.COLUMNS)}
    sheet.cell(row=2, column=column["name"], value="上海精工机械有限公司")
    sheet.cell(row=2, column=column["phone"], value=2155550001)
    with translation.override(language):  # a source by its label in the template's language
        sheet.cell(row=2, column=column["source"], value=str(CustomerSource.REFERRAL.label))
    sheet.cell(row=2, column=column["latitude"], value=31.23)
    sheet.cell(row=2, column=column["longitude"], value=121.47)
    out = io.BytesIO()
    workbook.save(out)
    with translation.override("zh-hans" if language == "en" else "en"):  # read under the other language
        report = dry_run(cast.manager, out.getvalue(), "template.xlsx")
    [row] = report.rows
    assert row.number == 2
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
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 2)
    with pytest.raises(ServiceError):
        dry_run(cast.manager, csv_file([["a"], ["b"], ["c"]], header=["name"]))
    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 10)
    with pytest.raises(ServiceError):
        dry_run(cast.manager, csv_file([["上海精工机械有限公司"]], header=["name"]))


def test_a_manager_checks_a_file_in_the_browser_fixes_it_and_commits_it(cast):
    client = cast.client_for(cast.manager)
    assert client.get("/customers/import/").status_code == 200
    assert client.get("/customers/import/template/")["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    broken = csv_file([*GOOD_ROWS, ["坏行", "", "Z", "", "", "", "", "", ""]])
    page = client.post("/customers/import/", {"file": _upload(broken)}).content.decode()
    assert 'data-status="error"' in page
    assert 'data-testid="import-commit"' not in page
    page = client.post("/customers/import/", {"file": _upload(csv_file(GOOD_ROWS))}).content.decode()
    assert 'data-status="error"' not in page
    sha256 = page.split('name="sha256" value="')[1].split('"')[0]
    client_id = page.split('name="client_id" value="')[1].split('"')[0]
    filename = page.split('name="filename" value="')[1].split('"')[0]
    form = {"sha256": sha256, "extension": "csv", "client_id": client_id, "filename": filename}
    response = client.post("/customers/import/commit/", form, follow=True)
    assert 'data-testid="import-result"' in response.content.decode()
    assert 'data-status="done"' in response.content.decode()
    assert Customer.objects.filter(owner=cast.manager).count() == 2
    job = CustomerImportJob.objects.get()
    assert job.filename == "customers.csv"  # as the user named it
    assert response.redirect_chain[-1][0] == f"/customers/import/jobs/{job.pk}/"
    assert not default_storage.exists(job.file_path)  # the job's copy is gone once it has run
    assert not default_storage.exists(f"imports/{cast.org.pk}/{sha256}.csv")  # and so is the dry run's
    jobs = client.get("/customers/import/jobs/").content.decode()
    assert f'data-testid="import-job-{job.pk}"' in jobs
    assert client.get(f"/customers/import/jobs/{job.pk}/", HTTP_HX_REQUEST="true").status_code == 200
    assert cast.client_for(cast.rep).get(f"/customers/import/jobs/{job.pk}/").status_code == 404
    assert cast.client_for(cast.outsider).get(f"/customers/import/jobs/{job.pk}/").status_code == 404


def test_nobody_commits_a_file_stored_for_another_organization(cast):
    Tag.objects.bulk_create(Tag(org_id=cast.outsider.org_id, name=name) for name in ("重点", "华东"))
    page = cast.client_for(cast.outsider).post("/customers/import/", {"file": _upload(csv_file(GOOD_ROWS))})
    sha256 = page.content.decode().split('name="sha256" value="')[1].split('"')[0]
    form = {"sha256": sha256, "extension": "csv", "client_id": str(uuid.uuid4())}
    response = cast.client_for(cast.manager).post("/customers/import/commit/", form)
    assert response.status_code == 400
    assert not Customer.objects.filter(org=cast.org).exists()
    response = cast.client_for(cast.manager).post("/customers/import/commit/", {"sha256": "../x", "extension": "csv"})
    assert response.status_code == 400


def _upload(content: bytes, name: str = "customers.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


# --- The bulk commit ------------------------------------------------------------------------------------

CUSTOM_FIELDS: list[dict[str, Any]] = [
    {"key": "annual_purchase", "type": "decimal", "label": "年采购额", "label_en": "Annual purchase",
     "required": True, "options": {"unit": "万元", "decimals": 1}},
    {"key": "channel", "type": "single_choice", "label": "渠道", "label_en": "Channel",
     "options": {"choices": [{"value": "direct", "label": "直销", "label_en": "Direct"},
                             {"value": "dealer", "label": "经销", "label_en": "Dealer"}]}},
    {"key": "products", "type": "multi_choice", "label": "产品", "label_en": "Products",
     "options": {"choices": [{"value": "pump", "label": "泵"}, {"value": "valve", "label": "阀"}]}},
    {"key": "founded", "type": "date", "label": "成立日期", "label_en": "Founded"},
    {"key": "listed", "type": "yes_no", "label": "上市", "label_en": "Listed"},
    {"key": "site", "type": "address", "label": "工厂地址", "label_en": "Plant address"},
    {"key": "licence", "type": "photo", "label": "营业执照", "label_en": "Licence"},
]  # fmt: skip


@pytest.fixture
def custom_template(cast):
    template = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=template.pk, fields=CUSTOM_FIELDS)
    template.refresh_from_db()
    return template


CUSTOM_HEADER = [*HEADER, "collaborators", "custom.annual_purchase", "Channel", "产品", "custom.founded", "上市",
                 "custom.site"]  # fmt: skip
CUSTOM_ROWS = [
    [*GOOD_ROWS[0], "ria, Rex", "120.5", "直销", "泵、阀", "2008-05-01", "是", "上海市/上海市/浦东新区/张江路 1 号"],
    [*GOOD_ROWS[1], "", "80", "dealer", "", "", "no", "苏州工业园区"],
]


def _shape(customer: Customer) -> dict:
    """What a customer is, without what differs by construction (ids, client ids, times)."""
    skip = {"id", "client_id", "created_at", "updated_at"}
    fields = {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields if f.name not in skip}
    contacts = [(c.name, c.title, c.mobile, c.email, c.is_primary, c.org_id) for c in customer.contacts.order_by("id")]
    events = [
        (e.kind, e.actor_id, e.changes, e.summary, e.org_id)
        for e in CustomerEvent.objects.filter(customer=customer).order_by("id")
    ]
    return fields | {
        "collaborators": sorted(customer.collaborators.values_list("pk", flat=True)), "contacts": contacts,
        "events": events,
        "tags": sorted(CustomerTag.objects.filter(customer=customer).values_list("org_id", "tag_id")),
    }  # fmt: skip


@pytest.mark.parametrize("from_verdict", [False, True], ids=["checked-by-the-commit", "the-dry-runs-verdict"])
def test_the_bulk_commit_writes_exactly_what_customer_create_writes_row_by_row(
    cast, custom_template, monkeypatch, from_verdict, org_tags
):
    content = csv_file(CUSTOM_ROWS, CUSTOM_HEADER)
    if from_verdict:
        dry_run(cast.manager, content)
    real_check, checks = imports._check, []

    def counted_check(*args: Any, **kwargs: Any) -> imports.ImportReport:
        checks.append(1)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(imports, "_check", counted_check)
    result = imports.import_commit(actor=cast.manager, filename="c.csv", content=content)
    assert (result.created, len(checks)) == (2, 0 if from_verdict else 1)
    imported = {c.name: c for c in Customer.objects.all()}
    stages = {s.name: s.pk for s in stage_list(actor=cast.admin)}
    by_hand = [
        dict(name="上海精工机械有限公司", credit_code=code(1), level="A", stage_id=stages["潜在客户"], source="import",
             phone="021-55550001", tag_ids=sorted(t.pk for t in org_tags.values()), owner_id=cast.manager.pk,
             collaborator_ids=[cast.rep.pk, cast.rep2.pk],
             custom_values={"annual_purchase": "120.5", "channel": "direct", "products": ["pump", "valve"],
                            "founded": "2008-05-01", "listed": True,
                            "site": {"province": "上海市", "city": "上海市", "district": "浦东新区",
                                     "detail": "张江路 1 号"}}),
        dict(name="苏州新材料科技有限公司", credit_code=code(2), level="B", stage_id=stages["意向客户"],
             source="import", phone="0512-55550002", owner_id=cast.manager.pk,
             custom_values={"annual_purchase": "80", "channel": "dealer", "listed": False,
                            "site": {"detail": "苏州工业园区"}}),
    ]  # fmt: skip
    Customer.objects.filter(pk__in=[c.pk for c in imported.values()]).update(credit_code="")  # free the codes
    for c in imported.values():
        c.refresh_from_db()
    contacts = {"上海精工机械有限公司": {"name": "张伟", "mobile": "13900000001"}}
    for fields in by_hand:
        twin, _ = services.customer_create(
            actor=cast.manager, client_id=uuid.uuid4(), allow_duplicates=True, **{**fields, "credit_code": ""}
        )
        if fields["name"] in contacts:
            services.contact_create(
                actor=cast.manager, customer_id=twin.pk, client_id=uuid.uuid4(), **contacts[fields["name"]]
            )
        twin.refresh_from_db()
        expected, got = _shape(twin), _shape(imported[fields["name"]])
        for changes in (expected["events"][0][2], got["events"][0][2]):
            changes.pop("credit_code", None)  # freed above, for the twin's sake
        assert got == expected
    assert imported["上海精工机械有限公司"].custom_values["annual_purchase"] == "120.5"
    assert imported["上海精工机械有限公司"].template_version == custom_template.current_version
    entry = AuditEntry.objects.get(action="customers.import")
    assert (entry.actor, entry.changes["created"], entry.changes["rows"]) == (cast.manager, 2, 2)


def test_custom_fields_are_checked_in_the_dry_run_on_their_column(cast, custom_template):
    rows = [
        [*GOOD_ROWS[0], "", "", "直销", "", "", "", ""],  # the required purchase is missing
        [*GOOD_ROWS[1], "nobody", "many", "online", "泵, 铁", "2008-13-01", "maybe", ""],
    ]
    with translation.override("en"):
        report = dry_run(cast.manager, csv_file(rows, CUSTOM_HEADER))
        assert report.column_labels["custom.channel"] == "Channel"
    assert sorted(report.rows[0].errors) == ["custom.annual_purchase"]
    assert sorted(report.rows[1].errors) == [
        "collaborators", "custom.annual_purchase", "custom.channel", "custom.founded", "custom.listed",
        "custom.products",
    ]  # fmt: skip
    assert "online" in report.rows[1].errors["custom.channel"][0]
    with pytest.raises(ServiceError):
        imports.import_commit(actor=cast.manager, filename="c.csv", content=csv_file(rows, CUSTOM_HEADER))
    assert not Customer.objects.exists()
    assert not CustomerEvent.objects.exists()


def test_the_template_has_the_custom_fields_and_explains_them(cast, custom_template):
    for language, channel in (("zh-hans", "渠道"), ("en", "Channel")):
        with translation.override(language):
            workbook = load_workbook(io.BytesIO(import_template(actor=cast.manager)))
        header = [c.value for c in workbook.worksheets[0][1]]
        assert workbook.worksheets[0].max_row == 1  # one header row, which the import maps back to the keys
        lookup = imports._header_lookup(imports.custom_fields(custom_template.current_version))
        keys = imports.propose_mapping([str(h) for h in header], lookup)
        assert keys[: len(imports.COLUMNS)] == list(imports.COLUMNS)
        assert keys[len(imports.COLUMNS) :] == [
            "custom.annual_purchase", "custom.channel", "custom.products", "custom.founded", "custom.listed",
            "custom.site",
        ]  # fmt: skip
        assert channel in header
        assert header[len(imports.COLUMNS)] in ("年采购额*", "Annual purchase*")  # required
        notes = {row[0].value: row[1].value for row in workbook.worksheets[1].iter_rows(min_row=2)}
        assert "custom.licence" not in keys
        assert notes[channel] == ("直销 / 经销" if language == "zh-hans" else "Direct / Dealer")
        assert ("营业执照" if language == "zh-hans" else "Licence") in notes  # left out, and said so


def test_a_failing_row_at_the_end_writes_nothing_at_all(cast):
    rows = [[f"公司{i}", "", "", "", "", "", "", f"联系人{i}", ""] for i in range(30)]
    rows.append(["坏行", "", "", "", "", "ghost", "", "", ""])
    with pytest.raises(ServiceError):
        imports.import_commit(actor=cast.manager, filename="c.csv", content=csv_file(rows))
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()
    assert not CustomerEvent.objects.exists()


def test_a_concurrent_commit_of_the_same_rows_makes_them_count_as_already_imported(cast, monkeypatch):
    content = csv_file(GOOD_ROWS)
    dry_run(cast.manager, content)  # its verdict: both rows are new
    sha = hashlib.sha256(content).hexdigest()
    verdict = imports._load_verdict(cast.manager, sha)
    assert verdict is not None and len(verdict.prepared) == 2
    checked_against = verdict.fingerprint
    services.customer_create(
        actor=cast.manager, client_id=imports.row_client_id(sha, 3), name="先到的", allow_duplicates=True
    )  # as if another commit had written row 3 just after this one compared the data with its verdict's
    real_fingerprint = imports.data_fingerprint
    calls: list[int] = []

    def racing_fingerprint(actor):  # before the transaction and inside it: unchanged, as the verdict saw it
        calls.append(1)
        return checked_against if len(calls) <= 2 else real_fingerprint(actor)

    monkeypatch.setattr(imports, "data_fingerprint", racing_fingerprint)
    result = imports.import_commit(actor=cast.manager, filename="c.csv", content=content)
    assert (result.created, result.skipped_duplicates) == (1, 1)
    assert len(calls) == 4  # the refused write's two, then the file checked again: before and inside the transaction
    assert Customer.objects.filter(client_id=imports.row_client_id(sha, 3)).get().name == "先到的"


def test_the_commit_writes_the_dry_runs_verdict_while_the_data_is_unchanged(cast):
    content = csv_file(GOOD_ROWS)
    with CaptureQueriesContext(connection) as checking:
        imports.import_commit(actor=cast.manager, filename="c.csv", content=csv_file(GOOD_ROWS[:1]))
    dry_run(cast.manager, content)
    with CaptureQueriesContext(connection) as reusing:
        result = imports.import_commit(actor=cast.manager, filename="c.csv", content=content)
    assert (result.created, result.skipped_duplicates, result.rows) == (1, 1, 2)  # row 2: the first commit's
    assert len(reusing) < len(checking)  # no owner, stage, template or duplicate lookups


def test_a_commit_after_the_data_changed_checks_again_and_skips_a_now_duplicate(cast):
    content = csv_file(GOOD_ROWS)
    report = dry_run(cast.manager, content)
    assert [r.status for r in report.rows] == [RowStatus.OK, RowStatus.OK]
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="另一家公司", credit_code=code(2))
    result = imports.import_commit(actor=cast.manager, filename="c.csv", content=content, include_duplicates=True)
    assert (result.created, result.skipped_duplicates) == (1, 1)  # the same credit code: never imported twice
    assert Customer.objects.filter(credit_code=code(2)).count() == 1


def test_a_commit_after_the_data_changed_refuses_a_row_that_now_fails(cast):
    rows = [["上海精工机械有限公司", code(1), "A", "", "", cast.rep.name, "", "", ""]]
    content = csv_file(rows)
    assert dry_run(cast.manager, content).error_count == 0
    cast.rep.status = EmployeeStatus.LEFT
    cast.rep.save(update_fields=["status", "updated_at"])
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_commit(actor=cast.manager, filename="c.csv", content=content)
    assert list(refused.value.report.rows[0].errors) == ["owner"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("stored", [b'{"format": 1, "columns', b"[1, 2]", b'{"format": 0}'])
def test_a_broken_or_foreign_verdict_is_ignored_and_the_commit_checks_the_file(cast, stored):
    content = csv_file(GOOD_ROWS)
    dry_run(cast.manager, content)
    path = imports._verdict_path(cast.manager, hashlib.sha256(content).hexdigest())
    default_storage.delete(path)
    default_storage.save(path, ContentFile(stored))
    result = imports.import_commit(actor=cast.manager, filename="c.csv", content=content)
    assert (result.created, result.skipped_duplicates) == (2, 0)
    default_storage.delete(path)


def test_imported_customers_never_take_the_id_of_a_deleted_one(cast):
    gone, _created = services.customer_create(actor=cast.manager, client_id=uuid.uuid4(), name="已删除的公司")
    CustomerEvent.objects.filter(customer=gone).delete()
    Customer.objects.filter(pk=gone.pk).delete()  # the newest id: an AUTOINCREMENT counter still remembers it
    imports.import_commit(actor=cast.manager, filename="c.csv", content=csv_file(GOOD_ROWS))
    assert min(Customer.objects.values_list("pk", flat=True)) > gone.pk


def test_the_dry_run_runs_the_same_queries_for_10_and_200_rows(cast, custom_template):
    counts = []
    for n, first in ((10, 0), (200, 1000)):
        with CaptureQueriesContext(connection) as queries:
            report = dry_run(cast.manager, _rows(n, first))
        assert (len(report.rows), report.error_count) == (n, 0)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_imported_customers_have_their_match_keys_and_are_found_by_name(cast):
    imports.import_commit(actor=cast.manager, filename="c.csv", content=csv_file(GOOD_ROWS))
    customer = Customer.objects.get(credit_code=code(1))
    assert (customer.name_key, customer.phone_key) == (
        normalise_name("上海精工机械有限公司"),
        normalise_phone("021-55550001"),
    )
    for search in ("上海精工", "精工机械", "新材料"):
        found = customer_list(actor=cast.manager, filters=CustomerFilters(search=search))
        assert found.exists(), search
    assert CustomerEvent.objects.filter(customer=customer, kind="created").count() == 1


def _rows(n: int, first: int = 0) -> bytes:
    header = [*HEADER, "collaborators", "custom.annual_purchase", "custom.channel"]
    rows = [
        [f"批量公司{first + i}", code(first + i), "B", "意向客户", f"0571-{first + i:08d}", "Rex", "华东",
         f"联系人{i}", "", "Ria", str(i), "直销"]
        for i in range(n)
    ]  # fmt: skip
    return csv_file(rows, header)


def test_the_commit_runs_the_same_queries_for_10_and_200_rows(cast, custom_template):
    counts = []
    for n, first in ((10, 0), (200, 1000)):
        with CaptureQueriesContext(connection) as queries:
            result = imports.import_commit(actor=cast.manager, filename="c.csv", content=_rows(n, first))
        assert result.created == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert Contact.objects.count() == 210
    assert CustomerEvent.objects.count() == 420  # created + contact added


# --- Import jobs ----------------------------------------------------------------------------------------

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def submit_job(**kwargs: Any) -> tuple[CustomerImportJob, bool]:
    return import_jobs.import_job_submit(enqueue=enqueue_import_job, **kwargs)


def test_a_job_waits_queued_until_its_task_runs_then_records_its_outcome_and_deletes_the_file(cast):
    with override_settings(TASKS=DUMMY_TASKS):
        job, created = submit_job(
            actor=cast.manager, client_id=uuid.uuid4(), filename="customers.csv", content=csv_file(GOOD_ROWS)
        )
    assert created
    assert (job.status, job.started_at, job.finished_at) == (ImportJobStatus.QUEUED, None, None)
    assert default_storage.exists(job.file_path)
    assert not Customer.objects.exists()

    assert run_customer_import_job.call(job_id=job.pk) == ImportJobStatus.DONE
    job.refresh_from_db()
    assert (job.status, job.rows, job.created_count, job.skipped_count) == (ImportJobStatus.DONE, 2, 2, 0)
    assert job.started_at is not None and job.finished_at is not None
    assert job.started_at <= job.finished_at
    assert not default_storage.exists(job.file_path)
    assert Customer.objects.filter(owner=cast.manager).count() == 2
    assert run_customer_import_job.call(job_id=job.pk) == ImportJobStatus.DONE  # delivered twice: nothing more
    assert Customer.objects.count() == 2


def test_submitting_the_same_client_id_twice_makes_one_job(cast):
    client_id = uuid.uuid4()
    first, created = submit_job(actor=cast.manager, client_id=client_id, filename="c.csv", content=csv_file(GOOD_ROWS))
    again, created_again = submit_job(
        actor=cast.manager, client_id=client_id, filename="c.csv", content=csv_file(GOOD_ROWS)
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert CustomerImportJob.objects.count() == 1
    assert Customer.objects.count() == 2


def test_a_job_with_a_broken_row_fails_with_the_rows_errors_in_the_submitters_language(cast):
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    rows = [*GOOD_ROWS, ["坏行", "", "Z", "", "", "", "", "", ""]]
    job, _ = submit_job(actor=cast.manager, client_id=uuid.uuid4(), filename="c.csv", content=csv_file(rows))
    assert job.status == ImportJobStatus.FAILED
    assert job.error == "1 row has errors; nothing was imported."
    assert job.row_errors == [
        {"number": 4, "column": "level", "label": "Level", "messages": [job.row_errors[0]["messages"][0]]}
    ]
    assert "Unknown level" in job.row_errors[0]["messages"][0]
    assert not default_storage.exists(job.file_path)
    assert not Customer.objects.exists()


def test_cleanup_deletes_old_uncommitted_files_but_not_a_waiting_jobs(cast):
    old = default_storage.save(f"imports/{cast.org.pk}/{'a' * 64}.csv", ContentFile(b"name\nx"))
    fresh = default_storage.save(f"imports/{cast.org.pk}/{'b' * 64}.csv", ContentFile(b"name\nx"))
    with override_settings(TASKS=DUMMY_TASKS):
        job, _ = submit_job(actor=cast.manager, client_id=uuid.uuid4(), filename="c.csv", content=csv_file(GOOD_ROWS))
    past = timezone.now().timestamp() - 25 * 3600
    for path in (old, job.file_path):
        import os

        os.utime(default_storage.path(path), (past, past))
    out = io.StringIO()
    call_command("cleanup_imports", stdout=out)
    assert "1" in out.getvalue()
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh)
    assert default_storage.exists(job.file_path)  # queued: its worker will need it
    default_storage.delete(fresh)
    default_storage.delete(job.file_path)


def _left_running(cast: Any, *, minutes_ago: int, rows: list[list[str]] = GOOD_ROWS) -> CustomerImportJob:
    """A job whose worker claimed it `minutes_ago` and then died (the task's first step, and nothing more)."""
    with override_settings(TASKS=DUMMY_TASKS):
        job, _ = submit_job(actor=cast.manager, client_id=uuid.uuid4(), filename="c.csv", content=csv_file(rows))
    started = timezone.now() - timedelta(minutes=minutes_ago)
    CustomerImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, started_at=started)
    job.refresh_from_db()
    return job


def test_cleanup_queues_a_job_left_running_by_a_dead_worker_again_and_it_imports_once(cast):
    stuck = _left_running(cast, minutes_ago=45)
    busy = _left_running(cast, minutes_ago=5, rows=[["另一家公司", "", "A", "", "", "", "", "", ""]])
    out = io.StringIO()
    call_command("cleanup_imports", stdout=out)
    assert "Queued 1 stuck import job(s) again; failed 0" in out.getvalue()

    stuck.refresh_from_db()
    assert (stuck.status, stuck.created_count, stuck.skipped_count) == (ImportJobStatus.DONE, 2, 0)
    assert "started again" in stuck.error or "重新开始" in stuck.error
    assert Customer.objects.count() == 2
    assert not default_storage.exists(stuck.file_path)
    busy.refresh_from_db()
    assert busy.status == ImportJobStatus.RUNNING  # still within its time: its worker may be alive
    default_storage.delete(busy.file_path)


def test_a_job_whose_worker_died_after_the_commit_runs_again_without_writing_twice(cast):
    job = _left_running(cast, minutes_ago=45)
    with default_storage.open(job.file_path, "rb") as stored:
        imports.import_commit(actor=cast.manager, filename="c.csv", content=stored.read())  # committed, then died
    assert Customer.objects.count() == 2

    assert import_jobs.all_orgs_recover_import_jobs(enqueue=enqueue_import_job) == {"queued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.rows, job.created_count, job.skipped_count) == (ImportJobStatus.DONE, 2, 0, 2)
    assert Customer.objects.count() == 2
    assert Contact.objects.count() == 1  # the first row's contact, once


def test_a_stuck_jobs_page_says_it_stopped_and_its_button_restarts_it(cast):
    job = _left_running(cast, minutes_ago=45)
    client = cast.client_for(cast.manager)
    page = client.get(f"/customers/import/jobs/{job.pk}/").content.decode()
    assert 'data-testid="import-job-stalled"' in page  # opening the page changes nothing (a GET never writes)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.RUNNING and not Customer.objects.exists()
    response = client.post(f"/customers/import/jobs/{job.pk}/restart/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page
    assert Customer.objects.count() == 2


def test_the_api_shows_a_stuck_job_as_stalled_and_restarts_it_once(cast):
    job = _left_running(cast, minutes_ago=45)
    client = cast.client_for(cast.manager)
    assert client.get(f"/api/v1/customers/imports/{job.pk}").json()["stalled"] is True
    restarted = client.post(f"/api/v1/customers/imports/{job.pk}/restart")
    assert restarted.status_code == 200
    assert (restarted.json()["status"], restarted.json()["stalled"]) == ("done", False)
    again = client.post(f"/api/v1/customers/imports/{job.pk}/restart")
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    assert Customer.objects.count() == 2


def test_a_job_that_died_twice_fails_with_a_message_in_the_submitters_language(cast):
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    job = _left_running(cast, minutes_ago=45)
    CustomerImportJob.objects.filter(pk=job.pk).update(error="restarted once")

    client = cast.client_for(cast.manager)
    client.post(f"/customers/import/jobs/{job.pk}/restart/")
    page = client.get(f"/customers/import/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and job.finished_at is not None
    assert job.error == "The import stopped twice before finishing; check the file and import it again."
    assert job.error in page and 'data-status="failed"' in page
    assert not default_storage.exists(job.file_path)
    assert not Customer.objects.exists()
    recovered = import_jobs.all_orgs_recover_import_jobs(enqueue=enqueue_import_job)
    assert recovered == {"queued": 0, "failed": 0}  # nothing left to recover


# --- A job's progress ---------------------------------------------------------------------------------------


class Heard:
    """What a job's progress writer would be told."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def begin(self, step: str, *, total: int) -> None:
        self.calls.append((step, total))

    def advance(self, n: int) -> None:
        self.calls.append(n)


def test_the_commit_reports_the_rows_checked_then_the_customers_written(cast, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    rows = [[f"进度测试公司{i}", "", "", "", "", "", "", "", ""] for i in range(5)]
    heard = Heard()
    result = imports.import_commit(actor=cast.manager, filename="c.csv", content=csv_file(rows), progress=heard)
    assert result.created == 5
    checked = [("read", 0), ("check", 5), 2, 2, 1, ("duplicates", 0), ("prepare", 5), 2, 2, 1]
    assert heard.calls == [*checked, ("write", 5), 2, 2, 1]  # every 2 rows, not every row


def test_a_commit_of_a_checked_file_reports_only_its_writes(cast):
    content = csv_file(GOOD_ROWS)
    dry_run(cast.manager, content)
    heard = Heard()
    imports.import_commit(actor=cast.manager, filename="c.csv", content=content, progress=heard)
    assert heard.calls == [("write", 2), 2]


def test_a_finished_job_has_its_figures_and_how_long_it_took(cast):
    with override_settings(TASKS=DUMMY_TASKS):
        job, _ = submit_job(actor=cast.manager, client_id=uuid.uuid4(), filename="c.csv", content=csv_file(GOOD_ROWS))
    assert (job.progress_step, job.percent, job.duration) == ("", 0, None)
    run_customer_import_job.call(job_id=job.pk)
    job.refresh_from_db()
    assert (job.progress_step, job.progress_done, job.progress_total, job.percent) == ("write", 2, 2, 100)
    assert job.started_at is not None and job.finished_at is not None
    assert job.duration == job.finished_at - job.started_at
    with translation.override("en"):
        assert job.duration_text.endswith(("second", "seconds"))

    body = cast.client_for(cast.manager).get(f"/api/v1/customers/imports/{job.pk}").json()
    assert (body["step"], body["done"], body["total"], body["percent"]) == ("write", 2, 2, 100)
    assert body["duration"] == job.duration.total_seconds()
    assert body["started_at"] and body["finished_at"] and body["step_label"]


def test_a_running_jobs_page_shows_its_bar_and_polls_until_it_is_finished(cast):
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    job = _left_running(cast, minutes_ago=1)
    CustomerImportJob.objects.filter(pk=job.pk).update(progress_step="write", progress_done=300, progress_total=1200)
    client = cast.client_for(cast.manager)
    page = client.get(f"/customers/import/jobs/{job.pk}/").content.decode()
    assert 'data-testid="import-job-progress" data-percent="25" data-done="300" data-total="1200"' in page
    assert 'value="25" max="100"' in page and "1,200" in page
    assert 'hx-trigger="every 1s"' in page  # it polls while the job runs
    bodies = client.get(f"/api/v1/customers/imports/{job.pk}").json()
    assert (bodies["done"], bodies["total"], bodies["percent"], bodies["duration"]) == (300, 1200, 25, None)

    assert job.started_at is not None
    CustomerImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.DONE, progress_done=1200, finished_at=job.started_at + timedelta(seconds=75),
        created_count=1150, skipped_count=50, rows=1200,
    )  # fmt: skip
    partial = client.get(f"/customers/import/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "hx-get" not in partial  # the last poll's answer stops the polling
    assert 'data-percent="100"' in partial
    assert 'data-testid="import-job-duration">1 min 15 s<' in partial  # how long it took
    assert "1150" in partial and "50" in partial


@pytest.mark.django_db(transaction=True)
def test_the_progress_writer_stores_the_figures_with_one_update_at_most_every_interval(cast):
    job = _left_running(cast, minutes_ago=1)
    writer = ProgressWriter(job, interval=3600)
    with CaptureQueriesContext(connection) as queries:
        writer.begin("check", total=1200)
        for _ in range(12):
            writer.advance(100)
    assert [q["sql"].split()[0] for q in queries] == ["UPDATE"]  # the step's start; the rows wait for the interval
    stored = CustomerImportJob.objects.get(pk=job.pk)
    assert (stored.progress_step, stored.progress_done, stored.progress_total) == ("check", 0, 1200)

    writer.interval = 0
    writer.begin("write", total=10)
    writer.advance(4)
    stored.refresh_from_db()
    assert (stored.progress_step, stored.progress_done, stored.progress_total, stored.percent) == ("write", 4, 10, 40)


@pytest.mark.django_db(transaction=True)
def test_inside_the_jobs_transaction_the_figures_show_at_once_on_postgresql(cast):
    """Another connection (the page that polls) sees them while the job's transaction is still open; SQLite
    has one writer at a time, so there they wait for the job's final save."""
    job = _left_running(cast, minutes_ago=1)
    writer = ProgressWriter(job, interval=0)
    watcher = connections.create_connection("default")
    try:
        with transaction.atomic():
            writer.begin("write", total=10)
            writer.advance(6)
            with watcher.cursor() as cursor:
                table = CustomerImportJob._meta.db_table
                cursor.execute(
                    f"SELECT progress_step, progress_done, progress_total FROM {table} WHERE id = %s",  # noqa: S608
                    [job.pk],
                )
                seen = cursor.fetchone()
    finally:
        writer.close()
        watcher.close()
    assert seen == (("write", 6, 10) if connection.vendor == "postgresql" else ("", 0, 0))
