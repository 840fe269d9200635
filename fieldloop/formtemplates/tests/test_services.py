"""Templates are versioned, fields are retired not removed, attachments are stored once."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fieldloop.core.errors import ServiceError
from fieldloop.formtemplates import selectors, services
from fieldloop.formtemplates.display import display_values
from fieldloop.formtemplates.models import Attachment, FormTemplate, FormTemplateVersion
from fieldloop.formtemplates.validation import validate_values
from fieldloop.org import services as org_services
from fieldloop.org.models import AuditEntry
from fieldloop.org.tests.factories import TEST_PASSWORD

from .conftest import image_bytes, make_template, version_of

NAME = {"key": "name", "type": "text", "label": "名称", "label_en": "Name", "required": True}
LEVEL = {
    "key": "level",
    "type": "single_choice",
    "label": "级别",
    "options": {"choices": [{"value": "a", "label": "A级"}, {"value": "b", "label": "B级"}]},
}


def test_creating_a_template_publishes_version_one_and_writes_history(cast):
    template = make_template(cast, [NAME])
    version = version_of(template)
    assert version.number == 1
    assert version.created_by == cast.admin
    assert AuditEntry.objects.filter(action="formtemplate.create", object_id=str(template.pk)).exists()


def test_only_an_admin_designs_templates(cast):
    with pytest.raises(ServiceError) as e:
        services.template_create(actor=cast.manager, purpose="visit", name="拜访")
    assert e.value.code == "forbidden"


def test_publishing_creates_a_new_version_and_leaves_the_old_one_untouched(cast):
    template = make_template(cast, [NAME])
    v1 = version_of(template)
    old_record = validate_values(actor=cast.rep, version=v1, values={"name": "老客户"})
    v2 = services.template_publish(
        actor=cast.admin, template_id=template.pk, fields=[{**NAME, "label": "客户名称"}, LEVEL]
    )
    assert v2.number == 2
    assert version_of(template) == v2
    v1.refresh_from_db()
    assert [f["label"] for f in v1.fields] == ["名称"]
    assert [(r.label, r.text) for r in display_values(version=v1, values=old_record, language="zh-hans")] == [
        ("名称", "老客户")
    ]


def test_a_field_cannot_be_removed_or_change_type_only_retired(cast):
    template = make_template(cast, [NAME, LEVEL])
    with pytest.raises(ServiceError) as e:
        services.template_publish(actor=cast.admin, template_id=template.pk, fields=[NAME])
    assert "fields" in e.value.fields
    with pytest.raises(ServiceError) as e:
        services.template_publish(
            actor=cast.admin, template_id=template.pk, fields=[NAME, {**LEVEL, "type": "text", "options": {}}]
        )
    assert "fields.1.type" in e.value.fields
    assert FormTemplateVersion.objects.filter(template=template).count() == 1


def test_a_retired_field_keeps_its_old_value_when_the_record_is_resaved(cast):
    template = make_template(cast, [NAME, LEVEL])
    stored = validate_values(actor=cast.rep, version=version_of(template), values={"name": "甲公司", "level": "a"})
    v2 = services.template_publish(
        actor=cast.admin, template_id=template.pk, fields=[NAME, {**LEVEL, "retired": True, "required": True}]
    )
    resaved = validate_values(actor=cast.rep, version=v2, values={"name": "甲公司（新）"}, previous=stored)
    assert resaved == {"name": "甲公司（新）", "level": "a"}
    echoed = validate_values(actor=cast.rep, version=v2, values={"name": "x", "level": "a"}, previous=stored)
    assert echoed["level"] == "a"
    with pytest.raises(ServiceError) as e:
        validate_values(actor=cast.rep, version=v2, values={"name": "x", "level": "b"}, previous=stored)
    assert "level" in e.value.fields
    rows = display_values(version=v2, values=resaved, language="zh-hans")
    assert [(r.key, r.text, r.retired) for r in rows] == [("name", "甲公司（新）", False), ("level", "A级", True)]


def test_another_organizations_version_is_refused(cast):
    version = version_of(make_template(cast, [NAME]))
    with pytest.raises(ServiceError) as e:
        validate_values(actor=cast.outsider, version=version, values={"name": "x"})
    assert e.value.code == "not_found"


def test_publishing_another_organizations_template_is_not_found(cast):
    template = make_template(cast, [NAME])
    with pytest.raises(ServiceError) as e:
        services.template_publish(actor=cast.outsider, template_id=template.pk, fields=[NAME])
    assert e.value.code == "not_found"


def test_archiving_hides_a_template_from_the_list(cast):
    template = make_template(cast, [NAME])
    services.template_archive(actor=cast.admin, template_id=template.pk)
    assert template not in selectors.template_list(actor=cast.rep)
    assert template in selectors.template_list(actor=cast.rep, include_archived=True)


def test_a_new_organization_has_one_empty_customer_template_and_it_stays_unique(db):
    admin = org_services.organization_sign_up(
        org_name="新开公司", admin_name="Nora", admin_phone="13900000001", username="nora", password=TEST_PASSWORD
    ).admin
    template = selectors.customer_template(org=admin.org)
    assert template.current_version is not None
    assert template.current_version.number == 1
    assert template.current_version.fields == []
    with pytest.raises(ServiceError) as e:
        services.template_create(actor=admin, purpose="customer", name="第二个客户模板")
    assert e.value.code == "duplicate"
    with pytest.raises(ServiceError):
        services.template_archive(actor=admin, template_id=template.pk)
    assert FormTemplate.objects.filter(org=admin.org, purpose="customer").count() == 1


def test_every_employee_reads_templates_of_their_organization_only(cast):
    template = make_template(cast, [NAME])
    assert selectors.template_get(actor=cast.rep, template_id=template.pk) == template
    with pytest.raises(ServiceError):
        selectors.template_get(actor=cast.outsider, template_id=template.pk)


# --- Attachments -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_upload_is_checked_and_stored_under_org_year_month(cast, fmt):
    upload = SimpleUploadedFile("shop.img", image_bytes(fmt), content_type="image/whatever")
    attachment = services.attachment_upload(actor=cast.rep, client_id=uuid.uuid4(), upload=upload, kind="photo")
    assert attachment.content_type == "image/jpeg"  # re-encoded, whatever was sent
    assert str(attachment.file.name).startswith(f"attachments/{cast.org.pk}/")
    assert str(attachment.file.name).endswith(".jpg")
    assert attachment.original_size == len(image_bytes(fmt))
    assert attachment.size == attachment.file.size
    assert len(attachment.sha256) == 64


def test_a_photo_that_is_not_an_image_is_refused(cast):
    upload = SimpleUploadedFile("shop.jpg", b"this is not a jpeg", content_type="image/jpeg")
    with pytest.raises(ServiceError) as e:
        services.attachment_upload(actor=cast.rep, client_id=uuid.uuid4(), upload=upload, kind="photo")
    assert "file" in e.value.fields
    assert not Attachment.objects.exists()


def test_a_gif_photo_is_refused(cast):
    upload = SimpleUploadedFile("a.gif", image_bytes("GIF"), content_type="image/gif")
    with pytest.raises(ServiceError):
        services.attachment_upload(actor=cast.rep, client_id=uuid.uuid4(), upload=upload, kind="photo")


def test_an_upload_is_applied_once_per_client_id(cast):
    client_id = uuid.uuid4()
    first = services.attachment_upload(
        actor=cast.rep, client_id=client_id, upload=SimpleUploadedFile("a.jpg", image_bytes()), kind="photo"
    )
    again = services.attachment_upload(
        actor=cast.rep, client_id=client_id, upload=SimpleUploadedFile("a.jpg", image_bytes()), kind="photo"
    )
    assert again.pk == first.pk
    assert Attachment.objects.count() == 1
    with pytest.raises(ServiceError) as e:
        services.attachment_upload(
            actor=cast.rep, client_id=client_id, upload=SimpleUploadedFile("b.jpg", image_bytes("PNG")), kind="photo"
        )
    assert e.value.code == "idempotency_mismatch"
