"""A visit is one flow: a step's form starts from what the visit's earlier steps captured (a photo is offered
again, a stock table comes back filled), and the customer is the visit's, not chosen again."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fieldloop.activities import visit_services, visits
from fieldloop.activities.models import WorkRecord
from fieldloop.core.errors import ServiceError
from fieldloop.demo.activities import PHOTO_FIELDS, STOCK_FIELDS
from fieldloop.formtemplates.models import Attachment, Purpose, holder_of
from fieldloop.formtemplates.services import template_install
from fieldloop.formtemplates.tests.test_photos_upload import photo_bytes

from .helpers import customer, template
from .test_visits import check_in, located_customer, near


@pytest.fixture
def flow(cast):
    """例行拜访's steps as in the demo: a storefront photo, a stock count, the visit report (builtin), and the
    rep checked in at their customer."""
    photo_t = template_install(org_id=cast.org.pk, purpose=Purpose.CUSTOM, name="门头照片", name_en="Storefront photo",
                               description="", fields=PHOTO_FIELDS)  # fmt: skip
    stock_t = template_install(org_id=cast.org.pk, purpose=Purpose.CUSTOM, name="库存盘点", name_en="Stock count",
                               description="", fields=STOCK_FIELDS)  # fmt: skip
    report_t = template(cast.rep, Purpose.VISIT)
    vt = visit_services.visit_type_create(
        actor=cast.admin, name="例行拜访",
        steps=[{"template_id": photo_t.pk}, {"template_id": stock_t.pk}, {"template_id": report_t.pk}],
    )  # fmt: skip
    shop = located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop, near(10))
    return type("Flow", (), {"photo": photo_t, "stock": stock_t, "report": report_t, "visit": visit, "shop": shop})


def fill(client, template_id, visit, data):
    base = {"client_id": str(uuid.uuid4()), "captured_at": timezone.now().isoformat()}
    return client.post(f"/work/new/{template_id}/?visit={visit.pk}", {**base, **data})


def test_a_step_reuses_the_photo_and_stock_of_earlier_steps_and_nothing_is_entered_twice(
    cast, flow, django_assert_max_num_queries
):
    client = cast.client_for(cast.rep)
    shot = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
    first = fill(client, flow.photo.pk, flow.visit, {"v-storefront": shot, "customer_id": flow.shop.pk})
    assert first.status_code == 302, first.content.decode()[:2000]
    photo_record = WorkRecord.objects.get(template=flow.photo)
    [original] = photo_record.values["storefront"]
    rows = {"v-stock-0-sku": "A100", "v-stock-0-stock": "12", "v-stock-1-sku": "B200", "v-stock-1-stock": "3"}
    assert fill(client, flow.stock.pk, flow.visit, rows).status_code == 302

    url = f"/work/new/{flow.report.pk}/?visit={flow.visit.pk}&customer=999999"
    client.get(url)
    with django_assert_max_num_queries(14):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="prefilled"' in html
    assert 'data-testid="fixed-customer"' in html and flow.shop.name in html
    assert 'name="customer_id"' in html and '<select name="customer_id"' not in html  # shown, not chosen
    assert 'value="A100"' in html and 'value="B200"' in html and 'value="12"' in html  # the stock table, filled
    assert f'name="v-storefront_photo-reuse" value="{original}" checked' in html  # the photo, offered

    sent = {"customer_id": flow.shop.pk, "v-purpose": "routine", "v-outcome": "补货下周到", **rows,
            "v-storefront_photo-reuse": [str(original), "999999"]}  # fmt: skip
    done = fill(client, flow.report.pk, flow.visit, sent)
    assert done.status_code == 302 and done["Location"] == f"/visits/{flow.visit.pk}/"
    report = WorkRecord.objects.get(template=flow.report)
    [copy] = report.values["storefront_photo"]
    copied, source = Attachment.objects.get(pk=copy), Attachment.objects.get(pk=original)
    assert copy != original and copied.sha256 == source.sha256 and copied.holder == holder_of(report)
    assert source.holder == holder_of(photo_record)  # the first step keeps its photo
    assert report.values["stock"] == [{"sku": "A100", "stock": 12}, {"sku": "B200", "stock": 3}]
    assert report.customer_id == flow.shop.pk


def test_the_server_refuses_another_customer_inside_a_visit(cast, flow):
    other = customer(cast.rep, "别家")
    client = cast.client_for(cast.rep)
    refused = fill(client, flow.report.pk, flow.visit, {"customer_id": other.pk, "v-purpose": "routine",
                                                        "v-outcome": "x"})  # fmt: skip
    assert refused.status_code == 200 and 'data-testid="error-customer_id"' in refused.content.decode()
    assert not WorkRecord.objects.exists()


def test_only_photos_of_the_actors_own_visit_are_reused(cast, flow):
    client = cast.client_for(cast.rep)
    shot = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
    fill(client, flow.photo.pk, flow.visit, {"v-storefront": shot})
    [original] = WorkRecord.objects.get().values["storefront"]
    with pytest.raises(ServiceError):
        visit_services.visit_photos_reuse(
            actor=cast.rep2, visit_id=flow.visit.pk, attachment_ids=[original], namespace=uuid.uuid4()
        )
    namespace = uuid.uuid4()
    once = visit_services.visit_photos_reuse(
        actor=cast.rep, visit_id=flow.visit.pk, attachment_ids=[original], namespace=namespace
    )
    again = visit_services.visit_photos_reuse(
        actor=cast.rep, visit_id=flow.visit.pk, attachment_ids=[original], namespace=namespace
    )
    assert once == again and once != [original]  # a resent form copies once
    other_vt = visit_services.visit_type_create(actor=cast.admin, name="巡店")
    visit_services.visit_check_out(
        actor=cast.rep, client_id=uuid.uuid4(), visit_id=flow.visit.pk, position=near(), confirm_not_effective=True
    )
    second = check_in(cast.rep, other_vt, flow.shop, near(5))
    with pytest.raises(ServiceError):  # a photo of another visit
        visit_services.visit_photos_reuse(
            actor=cast.rep, visit_id=second.pk, attachment_ids=[original], namespace=uuid.uuid4()
        )


def test_prefill_takes_the_same_key_and_type_and_a_photo_from_any_photo_field(cast):
    version = template(cast.rep, Purpose.VISIT).current_version
    assert version is not None
    definitions = version.definitions
    stock_t = template_install(org_id=cast.org.pk, purpose=Purpose.CUSTOM, name="库存", name_en="",
                               description="", fields=STOCK_FIELDS)  # fmt: skip
    photo_t = template_install(org_id=cast.org.pk, purpose=Purpose.CUSTOM, name="照", name_en="",
                               description="", fields=PHOTO_FIELDS)  # fmt: skip
    stock = WorkRecord(pk=1, template_version=stock_t.current_version,
                       values={"stock": [{"sku": "A", "stock": 2}, {"sku": "", "stock": None}]})  # fmt: skip
    photo = WorkRecord(pk=2, template_version=photo_t.current_version, values={"storefront": [7, 8]})
    prefill = visits.step_prefill(definitions, [photo, stock])
    assert prefill.values == {"stock": [{"sku": "A", "stock": 2}]}
    assert prefill.photos == {"storefront_photo": [(2, 7), (2, 8)]}
    assert visits.step_prefill(definitions, []).values == {}


def test_a_photo_offered_to_two_fields_of_a_step_is_copied_into_each(cast, flow):
    """A step with two photo fields of other keys is offered the earlier photo in both: ticked in both, it is
    two copies (one attachment is held by one field of one record)."""
    client = cast.client_for(cast.rep)
    shot = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
    fill(client, flow.photo.pk, flow.visit, {"v-storefront": shot})
    [original] = WorkRecord.objects.get().values["storefront"]
    fields = [{"key": k, "type": "photo", "label": k, "label_en": k} for k in ("inside", "outside")]
    both = template_install(org_id=cast.org.pk, purpose=Purpose.CUSTOM, name="店内外", name_en="Inside and out",
                            description="", fields=fields)  # fmt: skip
    sent = {"v-inside-reuse": str(original), "v-outside-reuse": str(original)}
    assert fill(client, both.pk, flow.visit, sent).status_code == 302
    record = WorkRecord.objects.get(template=both)
    [inside], [outside] = record.values["inside"], record.values["outside"]
    assert len({inside, outside, original}) == 3
