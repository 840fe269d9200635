"""An attachment is its uploader's until one record or customer holds it, and then only that holder's.

The attack (issue 9): Rex uploads nothing, names in his own record (or in his customer's photo or file
field) the id of a photo or file Ben uploaded in another branch, then downloads it through his own row.
Ids are sequential, so guessing one is easy. Each field kind that holds attachments (photo, file), each
holder (work record, customer), through the API and the pages.
"""

import io
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fieldloop.activities.models import WorkRecord
from fieldloop.activities.services import record_create
from fieldloop.activities.tests.helpers import VISIT_VALUES, customer, template
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Attachment, Purpose
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import attachment_upload, template_publish
from fieldloop.formtemplates.tests.test_photos_upload import photo_bytes

CUSTOMER_FIELDS = [
    {"key": "licence", "type": "photo", "label": "营业执照", "label_en": "Licence"},
    {"key": "contract", "type": "file", "label": "合同", "label_en": "Contract"},
]


def upload(employee, kind: str = "photo") -> Attachment:
    if kind == "photo":
        data = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
    else:
        data = SimpleUploadedFile("contract.pdf", b"%PDF-1.4 contract", content_type="application/pdf")
    return attachment_upload(actor=employee, client_id=uuid.uuid4(), upload=data, kind=kind)


def visit_report(author, photos: list[int]) -> WorkRecord:
    record, _ = record_create(
        actor=author, client_id=uuid.uuid4(), template_id=template(author, Purpose.VISIT).pk,
        values={**VISIT_VALUES, "storefront_photo": photos}, customer_id=customer(author).pk,
    )  # fmt: skip
    return record


@pytest.fixture
def customer_fields(cast):
    tpl = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=tpl.pk, fields=CUSTOMER_FIELDS)


def api_post(client, url: str, body: dict[str, Any]):
    return client.post(url, body, content_type="application/json", headers={"Idempotency-Key": str(uuid.uuid4())})


@pytest.mark.parametrize("held", [True, False], ids=["held-by-bens-record", "fresh-upload"])
def test_a_record_cannot_name_another_reps_photo(cast, held):
    bens = upload(cast.other_branch_rep)
    if held:
        visit_report(cast.other_branch_rep, [bens.pk])
    client = cast.client_for(cast.rep)
    count = WorkRecord.objects.count()
    response = api_post(client, "/api/v1/work-records", {
        "template_id": template(cast.rep, Purpose.VISIT).pk, "customer_id": customer(cast.rep).pk,
        "values": {**VISIT_VALUES, "storefront_photo": [bens.pk]},
    })  # fmt: skip
    assert response.status_code in (400, 422)
    assert list(response.json()["fields"]) == ["values.storefront_photo"]
    assert WorkRecord.objects.count() == count
    bens.refresh_from_db()
    assert bens.holder == (f"activities.workrecord:{WorkRecord.objects.get(author=cast.other_branch_rep).pk}"
                           if held else "")  # fmt: skip


@pytest.mark.parametrize("kind,key", [("photo", "licence"), ("file", "contract")])
def test_a_customer_field_cannot_name_another_reps_photo_or_file(cast, customer_fields, kind, key):
    bens = upload(cast.other_branch_rep, kind)
    mine = customer(cast.rep)
    client = cast.client_for(cast.rep)
    response = client.patch(f"/api/v1/customers/{mine.pk}", {"custom_values": {key: [bens.pk]}},
                            content_type="application/json")  # fmt: skip
    assert response.status_code in (400, 422)
    assert list(response.json()["fields"]) == [f"custom_values.{key}"]
    assert (Customer.objects.get(pk=mine.pk).custom_values or {}).get(key) is None
    response = api_post(client, "/api/v1/customers", {"name": "借图公司", "custom_values": {key: [bens.pk]}})
    assert response.status_code in (400, 422)
    assert not Customer.objects.filter(name="借图公司").exists()


def test_an_attachment_is_held_once_even_by_its_own_uploader(cast):
    photo = upload(cast.rep)
    visit_report(cast.rep, [photo.pk])
    with pytest.raises(Exception) as refused:
        visit_report(cast.rep, [photo.pk])
    assert "values.storefront_photo" in getattr(refused.value, "fields", {})


def test_a_borrowed_id_stored_before_the_rule_downloads_nothing(cast):
    """A record that names another's photo (as one saved before this rule could): its pages and API answer 404
    for that photo, while the real holder's still serve it."""
    bens = upload(cast.other_branch_rep)
    real = visit_report(cast.other_branch_rep, [bens.pk])
    mine = visit_report(cast.rep, [])
    WorkRecord.objects.filter(pk=mine.pk).update(values={**mine.values, "storefront_photo": [bens.pk]})
    rex = cast.client_for(cast.rep)
    for url in (f"/work/{mine.pk}/attachments/{bens.pk}/", f"/work/{mine.pk}/attachments/{bens.pk}/thumbnail/",
                f"/api/v1/work-records/{mine.pk}/attachments/{bens.pk}"):  # fmt: skip
        assert rex.get(url).status_code == 404, url
    ben = cast.client_for(cast.other_branch_rep)
    response = ben.get(f"/work/{real.pk}/attachments/{bens.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # the JPEG


def test_a_borrowed_id_in_a_customer_field_downloads_nothing(cast, customer_fields):
    bens = upload(cast.other_branch_rep)
    theirs = customer(cast.other_branch_rep)
    customer_services.customer_update(actor=cast.other_branch_rep, customer_id=theirs.pk,
                                      custom_values={"licence": [bens.pk]})  # fmt: skip
    mine = customer(cast.rep)
    version = customer_template(org=cast.org).current_version
    Customer.objects.filter(pk=mine.pk).update(custom_values={"licence": [bens.pk]}, template_version=version)
    rex = cast.client_for(cast.rep)
    for url in (f"/customers/{mine.pk}/attachments/{bens.pk}/", f"/api/v1/customers/{mine.pk}/attachments/{bens.pk}"):
        assert rex.get(url).status_code == 404, url
    assert (
        cast.client_for(cast.other_branch_rep).get(f"/customers/{theirs.pk}/attachments/{bens.pk}/").status_code == 200
    )


def test_the_record_form_keeps_the_photos_a_record_already_holds_when_edited(cast):
    photo = upload(cast.rep)
    record = visit_report(cast.rep, [photo.pk])
    from fieldloop.activities.services import record_update

    record_update(actor=cast.rep, record_id=record.pk, values={**record.values, "outcome": "改了结论"})
    response = cast.client_for(cast.rep).get(f"/work/{record.pk}/attachments/{photo.pk}/")
    assert response.status_code == 200
    assert io.BytesIO(b"".join(response.streaming_content)).read(2) == b"\xff\xd8"
