"""Export of the visible customers: permission per role, filters, logging, constant queries, round trip."""

import csv
import io
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from fieldloop.core.errors import ServiceError
from fieldloop.customers import exports, imports, services
from fieldloop.customers.imports import RowStatus
from fieldloop.customers.models import Customer, Tag
from fieldloop.customers.selectors import CustomerFilters
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import template_publish
from fieldloop.org import services as org_services
from fieldloop.org.models import AuditEntry


def create(actor, **fields):
    fields.setdefault("name", f"客户{uuid.uuid4().hex[:6]}有限公司")
    fields.setdefault("allow_duplicates", True)  # random names can still look alike to the duplicate rules
    return services.customer_create(actor=actor, client_id=uuid.uuid4(), **fields)[0]


def csv_rows(export: exports.ExportFile) -> list[list[str]]:
    return list(csv.reader(io.StringIO(export.file.read().decode("utf-8-sig"))))


def test_an_export_holds_only_the_customers_the_employee_sees(cast):
    create(cast.rep, name="上海精工机械有限公司", level="A")
    create(cast.other_branch_rep, name="北京华远机械有限公司")
    create(cast.outsider, name="对手的客户")
    org_services.organization_update(actor=cast.admin, export_roles=["rep"])
    cast.rep.org.refresh_from_db()
    rows = csv_rows(exports.customers_export(actor=cast.rep, filters=CustomerFilters(), file_format="csv"))
    assert [r[0] for r in rows[1:]] == ["上海精工机械有限公司"]
    admin_rows = csv_rows(exports.customers_export(actor=cast.admin, filters=CustomerFilters(), file_format="csv"))
    assert sorted(r[0] for r in admin_rows[1:]) == ["上海精工机械有限公司", "北京华远机械有限公司"]


def test_an_export_honours_the_list_filters(cast):
    create(cast.rep, name="上海精工机械有限公司", level="A")
    create(cast.rep, name="苏州新材料科技有限公司", level="B")
    response = cast.client_for(cast.admin).get("/customers/export/?format=csv&level=B")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "苏州新材料科技有限公司" in body
    assert "上海精工机械有限公司" not in body


def test_a_role_not_allowed_may_not_export_until_an_admin_allows_it(cast):
    assert cast.client_for(cast.manager).get("/customers/export/").status_code == 403
    with pytest.raises(ServiceError):
        exports.customers_export(actor=cast.manager, filters=CustomerFilters(), file_format="xlsx")
    assert "export-xlsx" not in cast.client_for(cast.manager).get("/customers/").content.decode()
    page = cast.client_for(cast.admin).get("/organization/").content.decode()
    assert 'data-testid="export-roles"' in page
    data = {"name": cast.org.name, "time_zone": "Asia/Shanghai", "currency": "CNY", "language": "zh-hans"}
    data |= {f"scope_{role}": scope for role, scope in cast.org.data_scopes.items()}
    data["export_roles"] = ["director", "manager"]
    assert cast.client_for(cast.admin).post("/organization/", data).status_code == 302
    cast.manager.org.refresh_from_db()
    assert cast.client_for(cast.manager).get("/customers/export/").status_code == 200
    assert "export-xlsx" in cast.client_for(cast.manager).get("/customers/").content.decode()


def test_the_organization_always_lets_admins_export_and_knows_only_real_roles(cast):
    org = org_services.organization_update(actor=cast.admin, export_roles=[])
    assert org.export_roles == ["admin"]
    with pytest.raises(ServiceError) as raised:
        org_services.organization_update(actor=cast.admin, export_roles=["boss"])
    assert "export_roles" in raised.value.fields


def test_every_export_is_logged(cast):
    create(cast.rep)
    exports.customers_export(actor=cast.admin, filters=CustomerFilters(level="C"), file_format="xlsx")
    entry = AuditEntry.objects.get(action="customers.export")
    assert entry.actor == cast.admin
    assert entry.changes["count"] == 1
    assert entry.changes["format"] == "xlsx"
    assert entry.changes["filters"]["level"] == "C"


def test_the_export_runs_the_same_queries_for_few_and_many_customers(cast):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exports.customers_export(actor=cast.admin, filters=CustomerFilters(), file_format="xlsx")
        return len(captured)

    for _ in range(2):
        customer = create(cast.rep)
        services.contact_create(actor=cast.rep, customer_id=customer.pk, client_id=uuid.uuid4(), name="张伟")
    few = queries()
    for _ in range(20):
        customer = create(cast.rep2)
        services.contact_create(actor=cast.rep2, customer_id=customer.pk, client_id=uuid.uuid4(), name="李娜")
    assert queries() == few


def test_an_exported_file_imports_again_and_every_row_is_a_duplicate(cast):
    key = Tag.objects.create(org=cast.org, name="重点")
    first = create(cast.rep, name="上海精工机械有限公司", level="A", phone="021-55550001", tag_ids=[key.pk])
    services.contact_create(
        actor=cast.rep, customer_id=first.pk, client_id=uuid.uuid4(), name="张伟", mobile="13900000001"
    )
    create(cast.rep2, name="苏州新材料科技有限公司")
    export = exports.customers_export(actor=cast.admin, filters=CustomerFilters(), file_format="xlsx")
    content = export.file.read()
    assert load_workbook(io.BytesIO(content)).worksheets[0].max_row == 3
    report = imports.import_dry_run(actor=cast.admin, filename=export.filename, content=content)
    assert [r.status for r in report.rows] == [RowStatus.DUPLICATE, RowStatus.DUPLICATE]
    assert not any(r.errors for r in report.rows)


CUSTOM_FIELDS: list[dict[str, Any]] = [
    {"key": "annual_purchase", "type": "decimal", "label": "年采购额", "label_en": "Annual purchase",
     "options": {"unit": "万元", "decimals": 1}},
    {"key": "channel", "type": "single_choice", "label": "渠道", "label_en": "Channel",
     "options": {"choices": [{"value": "direct", "label": "直销", "label_en": "Direct"},
                             {"value": "dealer", "label": "经销", "label_en": "Dealer"}]}},
    {"key": "products", "type": "multi_choice", "label": "产品", "label_en": "Products",
     "options": {"choices": [{"value": "pump", "label": "泵", "label_en": "Pump"},
                             {"value": "valve", "label": "阀", "label_en": "Valve"}]}},
    {"key": "founded", "type": "date", "label": "成立日期", "label_en": "Founded"},
    {"key": "visited", "type": "datetime", "label": "首次拜访", "label_en": "First visit"},
    {"key": "listed", "type": "yes_no", "label": "上市", "label_en": "Listed"},
    {"key": "site", "type": "address", "label": "工厂地址", "label_en": "Plant address"},
    {"key": "spot", "type": "location", "label": "工厂位置", "label_en": "Plant location"},
    {"key": "licence", "type": "photo", "label": "营业执照", "label_en": "Licence"},
]  # fmt: skip
CUSTOM_VALUES = {
    "annual_purchase": "120.5", "channel": "dealer", "products": ["pump", "valve"], "founded": "2008-05-01",
    "visited": "2024-03-01T10:30:00+08:00", "listed": True,
    "site": {"province": "上海市", "city": "上海市", "district": "浦东新区", "detail": "张江路 1 号"},
    "spot": {"latitude": 31.2, "longitude": 121.6},
}  # fmt: skip


@pytest.mark.parametrize(("language", "file_format"), [("zh-hans", "xlsx"), ("en", "csv")])
def test_custom_fields_are_exported_as_columns_and_import_again_to_the_same_values(cast, language, file_format):
    template = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=template.pk, fields=CUSTOM_FIELDS)
    original = create(
        cast.rep, name="上海精工机械有限公司", custom_values=CUSTOM_VALUES, collaborator_ids=[cast.rep2.pk]
    )
    with translation.override(language):
        export = exports.customers_export(actor=cast.admin, filters=CustomerFilters(), file_format=file_format)
    content = export.file.read()
    if file_format == "csv":
        header, row = csv_rows(exports.ExportFile(io.BytesIO(content), "", "", 1))
    else:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        header, row = ([str(c.value or "") for c in r] for r in sheet.iter_rows(max_row=2))
    cells = dict(zip(header, row, strict=True))
    channel, licence = ("渠道", "营业执照") if language == "zh-hans" else ("Channel", "Licence")
    assert cells[channel] == ("经销" if language == "zh-hans" else "Dealer")
    assert licence not in header  # photos are not exported
    Customer.objects.filter(pk=original.pk).update(credit_code="", name="改名了")  # so the row is no duplicate
    with translation.override(language):
        report = imports.import_dry_run(actor=cast.admin, filename=export.filename, content=content)
    [imported] = report.rows
    assert not imported.errors, imported.errors
    assert imported.custom_values == {**CUSTOM_VALUES, "visited": "2024-03-01T02:30:00+00:00",
                                      "spot": {"latitude": 31.2, "longitude": 121.6, "accuracy": None}}  # fmt: skip
    assert imported.customer_fields["collaborator_ids"] == [cast.rep2.pk]


FORMULAS = ['=HYPERLINK("https://evil.example","点我")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_text_that_looks_like_a_formula_is_exported_as_text_never_a_live_formula(cast, file_format):
    for i, name in enumerate(FORMULAS):
        create(cast.rep, name=name, address=f"\t=1+{i}")
    export = exports.customers_export(actor=cast.admin, filters=CustomerFilters(), file_format=file_format)
    if file_format == "csv":
        rows = csv_rows(export)[1:]
        names = sorted(r[0] for r in rows)
        assert names == sorted("'" + n for n in FORMULAS)
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    else:
        sheet = load_workbook(export.file).active
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
        assert sorted(c.value for c in cells if c.column == 1) == sorted(FORMULAS)  # as entered, unchanged
        assert all(c.data_type != "f" for c in cells)
