"""Orphan photos and files: an upload that no record or customer came to hold (a form that failed validation,
an API client that never filed) is deleted with its files a day later; anything held, even only by a record's
revision, stays; so does a fresh upload, whose record may still be on its way."""

import logging
import threading
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from fieldloop.activities import services as activity_services
from fieldloop.activities.models import WorkRecord
from fieldloop.activities.tests.helpers import VISIT_VALUES, customer, template
from fieldloop.core.errors import ServiceError
from fieldloop.customers import services as customer_services
from fieldloop.formtemplates.models import Attachment, Purpose
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import (
    all_orgs_attachments_cleanup,
    attachments_claim,
    attachments_claim_held,
    template_publish,
)

from .test_api import api, post
from .test_photos_upload import PHOTO_FIELD, photo_bytes, send, stored_files, visit_post, visit_url


def age(*attachments: Attachment, hours: float = 25) -> None:
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


def file_visit(cast, *photos: Attachment) -> WorkRecord:
    record, _created = activity_services.record_create(
        actor=cast.rep,
        client_id=uuid.uuid4(),
        template_id=template(cast.rep, Purpose.VISIT).pk,
        customer_id=customer(cast.rep).pk,
        values={**VISIT_VALUES, "storefront_photo": [p.pk for p in photos]},
    )
    return record


def files_of(attachment: Attachment) -> list[str]:
    return [stored.name for stored in (attachment.file, attachment.thumbnail) if stored.name]


def test_an_old_unused_upload_goes_with_its_files_and_what_records_and_customers_hold_stays(
    cast, media_root: Path, django_capture_on_commit_callbacks
):
    unused, on_record, on_customer, replaced, fresh = (send(cast.rep, photo_bytes((600 + i, 400))) for i in range(5))
    record = file_visit(cast, on_record, replaced)
    activity_services.record_update(actor=cast.rep, record_id=record.pk, values={"storefront_photo": [on_record.pk]})
    shop = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=shop.pk, fields=[{**PHOTO_FIELD, "key": "storefront"}])
    customer_services.customer_create(
        actor=cast.rep, client_id=uuid.uuid4(), name="杭州湖滨五金店", custom_values={"storefront": [on_customer.pk]}
    )
    age(unused, on_record, on_customer, replaced)
    kept = [on_record, on_customer, replaced, fresh]  # `replaced` is held by the record's revision only

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the rows' deletion is committed
        assert all_orgs_attachments_cleanup() == 1

    assert set(Attachment.objects.values_list("pk", flat=True)) == {a.pk for a in kept}
    on_disk = {p.relative_to(media_root).as_posix() for p in stored_files(media_root)}
    assert on_disk == {name for a in kept for name in files_of(a)}
    assert not on_disk & set(files_of(unused))
    assert all_orgs_attachments_cleanup() == 0


def test_a_photo_of_a_record_form_that_failed_validation_is_deleted_a_day_later(cast):
    shop = customer(cast.rep)
    client = cast.client_for(cast.rep)
    refused = client.post(visit_url(cast, shop), visit_post(shop, photo_bytes(), **{"v-purpose": ""}))
    assert refused.status_code == 200  # the form again, with its errors
    assert not WorkRecord.objects.exists()
    orphan = Attachment.objects.get()
    assert orphan.claimed_at is None
    assert all_orgs_attachments_cleanup() == 0  # the rep may still correct the form today
    age(orphan)
    assert all_orgs_attachments_cleanup() == 1
    assert not Attachment.objects.exists()


def test_a_record_form_refused_by_the_service_after_its_values_passed_claims_nothing(cast):
    """The values form accepts the photo; the service then refuses the capture time: the photo stays unclaimed."""
    shop = customer(cast.rep)
    client = cast.client_for(cast.rep)
    refused = client.post(
        visit_url(cast, shop), visit_post(shop, photo_bytes(), captured_at="2020-01-01T08:00:00+00:00")
    )
    assert refused.status_code == 200  # the form again, with its errors
    assert not WorkRecord.objects.exists()
    assert Attachment.objects.get().claimed_at is None


def test_a_filed_form_claims_its_photo(cast):
    shop = customer(cast.rep)
    cast.client_for(cast.rep).post(visit_url(cast, shop), visit_post(shop, photo_bytes()))
    photo = Attachment.objects.get()
    assert photo.claimed_at is not None
    age(photo, hours=24 * 30)
    assert all_orgs_attachments_cleanup() == 0


def test_a_record_naming_an_upload_the_cleanup_deleted_is_refused_on_its_field(cast):
    photo = send(cast.rep, photo_bytes())
    age(photo)
    all_orgs_attachments_cleanup()
    with pytest.raises(ServiceError) as refused:
        file_visit(cast, photo)
    assert list(refused.value.fields) == ["values.storefront_photo"]
    assert not WorkRecord.objects.exists()


def test_a_claim_of_an_upload_the_cleanup_deleted_after_validation_refuses_the_save_on_its_field(cast):
    """The cleanup may delete an old upload between a save's validation and its claim: the save is refused."""
    kept, deleted = send(cast.rep, photo_bytes()), send(cast.rep, photo_bytes((640, 480)))
    version = template(cast.rep, Purpose.VISIT).current_version
    assert version is not None
    values = {**VISIT_VALUES, "storefront_photo": [kept.pk, deleted.pk]}
    age(deleted)
    all_orgs_attachments_cleanup()
    with translation.override("en"), pytest.raises(ServiceError) as refused, transaction.atomic():
        attachments_claim_held(
            actor=cast.rep, holder="activities.workrecord:0", version=version, values=values, field_prefix="values."
        )
    assert refused.value.fields == {
        "values.storefront_photo": [f"Attachment {deleted.pk} was not found; upload it first."]
    }
    assert not claimed(kept)  # rolled back with the refused save


def test_a_save_that_fails_after_validation_leaves_its_photo_unclaimed(cast):
    """customer_create validates the custom fields, then finds a customer of the same name: nothing is claimed,
    and the photo is an orphan like any other."""
    shop = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=shop.pk, fields=[{**PHOTO_FIELD, "key": "storefront"}])
    customer_services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="杭州湖滨五金店")
    photo = send(cast.rep, photo_bytes())
    with pytest.raises(ServiceError) as refused:
        customer_services.customer_create(
            actor=cast.rep, client_id=uuid.uuid4(), name="杭州湖滨五金店", custom_values={"storefront": [photo.pk]}
        )
    assert refused.value.code == "duplicate"
    photo.refresh_from_db()
    assert photo.claimed_at is None


def photo_on_customers(cast) -> None:
    shop = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=shop.pk, fields=[{**PHOTO_FIELD, "key": "storefront"}])


def claimed(photo: Attachment) -> bool:
    photo.refresh_from_db()
    return photo.claimed_at is not None


def test_a_record_refused_for_another_field_claims_nothing_and_its_corrected_resubmission_does(cast):
    """The photo is valid, the record has no customer: refused, the photo stays free for the corrected record."""
    photo = send(cast.rep, photo_bytes())
    filed = {
        "actor": cast.rep,
        "template_id": template(cast.rep, Purpose.VISIT).pk,
        "values": {**VISIT_VALUES, "storefront_photo": [photo.pk]},
    }
    with pytest.raises(ServiceError) as refused:
        activity_services.record_create(client_id=uuid.uuid4(), **filed)
    assert list(refused.value.fields) == ["customer_id"]
    assert not claimed(photo)

    record, created = activity_services.record_create(
        client_id=uuid.uuid4(), customer_id=customer(cast.rep).pk, **filed
    )
    assert created and record.values["storefront_photo"] == [photo.pk]
    assert claimed(photo)


def test_a_customer_refused_for_a_fixed_field_claims_nothing_and_its_corrected_resubmission_does(cast):
    photo_on_customers(cast)
    photo = send(cast.rep, photo_bytes())
    with pytest.raises(ServiceError) as refused:
        customer_services.customer_create(
            actor=cast.rep,
            client_id=uuid.uuid4(),
            name="杭州湖滨五金店",
            credit_code="123",
            custom_values={"storefront": [photo.pk]},
        )
    assert list(refused.value.fields) == ["credit_code"]
    assert not claimed(photo)

    shop, created = customer_services.customer_create(
        actor=cast.rep, client_id=uuid.uuid4(), name="杭州湖滨五金店", custom_values={"storefront": [photo.pk]}
    )
    assert created and shop.custom_values == {"storefront": [photo.pk]}
    assert claimed(photo)


def test_an_edit_refused_for_another_field_claims_nothing(cast):
    """record_update: the new photo is valid, another changed field is not."""
    first, second = send(cast.rep, photo_bytes()), send(cast.rep, photo_bytes((640, 480)))
    record = file_visit(cast, first)
    with pytest.raises(ServiceError) as refused:
        activity_services.record_update(
            actor=cast.rep, record_id=record.pk, values={"storefront_photo": [first.pk, second.pk], "purpose": "x"}
        )
    assert list(refused.value.fields) == ["values.purpose"]
    assert not claimed(second)
    activity_services.record_update(actor=cast.rep, record_id=record.pk, values={"storefront_photo": [second.pk]})
    assert claimed(second)


def upload_through_the_api(client) -> int:
    file = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
    response = client.post(
        "/api/v1/attachments", {"kind": "photo", "file": file}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 201
    return response.json()["id"]


def test_a_record_refused_through_the_api_claims_nothing_and_its_corrected_resubmission_does(cast):
    client = api(cast.rep, language="en")
    photo_id = upload_through_the_api(client)
    body = {
        "template_id": template(cast.rep, Purpose.VISIT).pk,
        "values": {**VISIT_VALUES, "storefront_photo": [photo_id]},
    }

    refused = post(client, "/api/v1/work-records", body)
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"customer_id"}
    assert not Attachment.objects.get(pk=photo_id).claimed_at

    filed = post(client, "/api/v1/work-records", {**body, "customer_id": customer(cast.rep).pk})
    assert filed.status_code == 201
    assert filed.json()["values"]["storefront_photo"] == [photo_id]
    assert Attachment.objects.get(pk=photo_id).claimed_at


def test_a_customer_refused_through_the_api_claims_nothing_and_its_corrected_resubmission_does(cast):
    photo_on_customers(cast)
    client = api(cast.rep, language="en")
    photo_id = upload_through_the_api(client)
    body = {"name": "杭州湖滨五金店", "custom_values": {"storefront": [photo_id]}}

    refused = post(client, "/api/v1/customers", {**body, "credit_code": "123"})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"credit_code"}
    assert not Attachment.objects.get(pk=photo_id).claimed_at

    created = post(client, "/api/v1/customers", body)
    assert created.status_code == 201
    assert created.json()["custom_values"] == {"storefront": [photo_id]}
    assert Attachment.objects.get(pk=photo_id).claimed_at


def test_the_command_deletes_by_age_and_reports_the_count(cast, caplog):
    old, younger = send(cast.rep, photo_bytes()), send(cast.rep, photo_bytes((640, 480)))
    age(old, hours=7)
    age(younger, hours=3)
    out = StringIO()
    call_command("cleanup_attachments", stdout=out)
    first = out.getvalue().splitlines()
    assert first[0].startswith("unclaimed attachments deleted: 0 in ")  # its progress line, in a log
    assert first[1:] == ["Deleted 0 unused attachment(s)."]
    with caplog.at_level(logging.INFO, logger="fieldloop.formtemplates.services"):
        call_command("cleanup_attachments", "--hours", "6", stdout=out)
    assert out.getvalue().splitlines()[-2].startswith("unclaimed attachments deleted: 1 in ")
    assert out.getvalue().endswith("Deleted 1 unused attachment(s).\n")
    assert "deleted 1 unclaimed attachment(s)" in caplog.text
    assert list(Attachment.objects.values_list("pk", flat=True)) == [younger.pk]


def test_the_cleanup_works_in_batches(cast, monkeypatch):
    monkeypatch.setattr("fieldloop.formtemplates.services.CLEANUP_BATCH", 2)
    photos = [send(cast.rep, photo_bytes((600 + i, 400))) for i in range(5)]
    age(*photos)
    assert all_orgs_attachments_cleanup() == 5
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("save_commits", [True, False], ids=["saved", "save-rolled-back"])
def test_a_cleanup_during_a_save_waits_for_it_and_keeps_the_photo_it_claimed(cast, save_commits):
    """A record being saved has claimed an old upload but not committed yet: the cleanup waits for that
    transaction, then keeps the photo if the save committed, and deletes it if the save was rolled back."""
    photo = send(cast.rep, photo_bytes())
    age(photo)
    claimed, finish = threading.Event(), threading.Event()
    deleted: list[int] = []

    def save() -> None:
        try:
            with transaction.atomic():
                assert attachments_claim(actor=cast.rep, ids=[photo.pk], holder="activities.workrecord:0") == set()
                claimed.set()
                finish.wait(10)
                if not save_commits:
                    transaction.set_rollback(True)
        finally:
            connection.close()

    def cleanup() -> None:
        try:
            deleted.append(all_orgs_attachments_cleanup())
        finally:
            connection.close()

    saving = threading.Thread(target=save)
    saving.start()
    assert claimed.wait(10)
    cleaning = threading.Thread(target=cleanup)
    cleaning.start()
    cleaning.join(1.0)
    assert cleaning.is_alive()  # held off by the save's uncommitted claim
    finish.set()
    saving.join(10)
    cleaning.join(10)
    assert deleted == [0 if save_commits else 1]
    assert Attachment.objects.filter(pk=photo.pk).exists() is save_commits
