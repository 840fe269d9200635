"""The form template API: read, create idempotently, publish, upload; errors as {code, message, fields}."""

import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fieldloop.formtemplates.models import Attachment, FormTemplate
from fieldloop.org import services as org_services

from .conftest import image_bytes, make_template

NAME = {"key": "name", "type": "text", "label": "名称", "label_en": "Name", "required": True}


def api(employee, language=None) -> Client:
    client = Client()
    issued = org_services.api_token_create(actor=employee, name="tests")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issued.secret}"
    if language:
        org_services.employee_set_language(actor=employee, language=language)
    return client


def post(client, url, body, key=None):
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()))


def test_every_employee_lists_and_reads_the_templates_of_their_organization(cast):
    template = make_template(cast, [NAME])
    make_template(cast, [], purpose="call", name="回访电话")
    client = api(cast.rep)
    listed = client.get("/api/v1/form-templates").json()
    ours = FormTemplate.objects.filter(org=cast.org, is_active=True)  # the built-in ones and the two above
    assert {t["id"] for t in listed} == set(ours.values_list("pk", flat=True))
    assert [t["purpose"] for t in listed] == sorted(t["purpose"] for t in listed)  # by purpose, then name
    calls = client.get("/api/v1/form-templates?purpose=call").json()
    assert {t["name"] for t in calls} == {"回访电话", "电话记录"}
    detail = client.get(f"/api/v1/form-templates/{template.pk}").json()
    assert detail["current_version"]["number"] == 1
    assert detail["current_version"]["fields"][0]["key"] == "name"
    assert detail["current_version"]["created_by"]["name"] == "Ada"
    assert not {t["id"] for t in api(cast.outsider).get("/api/v1/form-templates").json()} & {t["id"] for t in listed}
    assert api(cast.outsider).get(f"/api/v1/form-templates/{template.pk}").status_code == 404


def test_an_admin_creates_a_template_once_per_idempotency_key(cast):
    client = api(cast.admin)
    key = uuid.uuid4()
    body = {"purpose": "visit", "name": "拜访", "name_en": "Visit", "fields": [NAME]}
    first = post(client, "/api/v1/form-templates", body, key)
    again = post(client, "/api/v1/form-templates", body, key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert FormTemplate.objects.filter(org=cast.org, name="拜访").count() == 1
    assert first.json()["current_version"]["fields"][0]["label_en"] == "Name"


def test_a_rep_may_not_create_templates(cast):
    response = post(api(cast.rep), "/api/v1/form-templates", {"purpose": "visit", "name": "拜访"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_publishing_returns_the_new_version_and_old_versions_stay_readable(cast):
    template = make_template(cast, [NAME])
    client = api(cast.admin)
    extra = {"key": "people", "type": "integer", "label": "人数", "options": {"min": 1}}
    response = post(client, f"/api/v1/form-templates/{template.pk}/versions", {"fields": [NAME, extra]})
    assert response.status_code == 201
    assert response.json()["number"] == 2
    v1 = client.get(f"/api/v1/form-templates/{template.pk}/versions/1").json()
    assert [f["key"] for f in v1["fields"]] == ["name"]
    assert [v["number"] for v in client.get(f"/api/v1/form-templates/{template.pk}/versions").json()] == [2, 1]
    assert client.get(f"/api/v1/form-templates/{template.pk}/versions/9").status_code == 404


def test_bad_definitions_answer_400_with_field_errors_in_the_users_language(cast):
    template = make_template(cast, [NAME])
    bad = {"fields": [NAME, {"key": "Bad Key", "type": "colour", "label": ""}]}
    en = post(api(cast.admin, language="en"), f"/api/v1/form-templates/{template.pk}/versions", bad)
    assert en.status_code == 400
    body = en.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "invalid"
    assert set(body["fields"]) >= {"fields.1.key", "fields.1.type"}
    assert "Unknown field type" in body["fields"]["fields.1.type"][0]
    zh = post(api(cast.admin, language="zh-hans"), f"/api/v1/form-templates/{template.pk}/versions", bad).json()
    assert zh["fields"]["fields.1.type"][0] != body["fields"]["fields.1.type"][0]
    assert "colour" in zh["fields"]["fields.1.type"][0]


def test_removing_a_field_on_publish_is_refused(cast):
    template = make_template(cast, [NAME])
    response = post(api(cast.admin, language="en"), f"/api/v1/form-templates/{template.pk}/versions", {"fields": []})
    assert response.status_code == 400
    assert "retire it instead" in response.json()["fields"]["fields"][0]


def test_a_photo_is_uploaded_once_per_idempotency_key(cast):
    client = api(cast.rep)
    key = str(uuid.uuid4())

    def send(content: bytes):
        file = SimpleUploadedFile("shop.jpg", content, content_type="image/jpeg")
        return client.post("/api/v1/attachments", {"kind": "photo", "file": file}, HTTP_IDEMPOTENCY_KEY=key)

    first = send(image_bytes())
    again = send(image_bytes())
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["content_type"] == "image/jpeg"
    assert Attachment.objects.count() == 1


def test_an_upload_that_is_not_a_photo_is_refused_in_the_error_format(cast):
    client = api(cast.rep, language="en")
    file = SimpleUploadedFile("shop.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        "/api/v1/attachments", {"kind": "photo", "file": file}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "not a photo" in response.json()["fields"]["file"][0]


STOCK = {
    "key": "stock",
    "type": "subtable",
    "label": "库存",
    "label_en": "Stock",
    "options": {
        "max_rows": 10,
        "columns": [
            {"key": "sku", "type": "text", "label": "品名", "label_en": "Item", "required": True},
            {"key": "quantity", "type": "integer", "label": "数量", "label_en": "Quantity", "options": {"min": 0}},
        ],
    },
}


def test_a_subtable_is_published_read_back_and_its_bad_cells_answered_with_placeable_keys(cast):
    from fieldloop.formtemplates.selectors import customer_template

    template = customer_template(org=cast.org)
    admin = api(cast.admin)
    response = post(admin, f"/api/v1/form-templates/{template.pk}/versions", {"fields": [STOCK]})
    assert response.status_code == 201, response.json()
    [field] = admin.get(f"/api/v1/form-templates/{template.pk}").json()["current_version"]["fields"]
    assert field["type"] == "subtable"
    assert [c["key"] for c in field["options"]["columns"]] == ["sku", "quantity"]
    nested = {**STOCK, "options": {"columns": [{"key": "inner", "type": "subtable", "label": "嵌套"}]}}
    refused = post(admin, f"/api/v1/form-templates/{template.pk}/versions", {"fields": [nested]})
    assert refused.status_code == 400
    assert "fields.0.options.columns.0.type" in refused.json()["fields"]

    rep = api(cast.rep, language="en")
    rows: list[dict[str, Any]] = [{"sku": "矿泉水", "quantity": 12}, {"sku": "可乐", "quantity": "2.5"}]
    bad = post(rep, "/api/v1/customers", {"name": "甲公司", "custom_values": {"stock": rows}})
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"custom_values.stock.1.quantity": ["Row 2, Quantity: Enter a whole number."]}
    rows[1]["quantity"] = "3"
    good = post(rep, "/api/v1/customers", {"name": "甲公司", "custom_values": {"stock": rows}})
    assert good.status_code == 201, good.json()
    assert good.json()["custom_values"] == {
        "stock": [{"sku": "矿泉水", "quantity": 12}, {"sku": "可乐", "quantity": 3}]
    }
