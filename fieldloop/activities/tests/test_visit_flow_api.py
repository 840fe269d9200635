"""A visit is one flow through the API too: a step asks what it starts from (`GET /visits/{id}/prefill`), and
files itself reusing the photos of the visit's earlier steps (`reuse_photo_ids`), copied once however often the
phone sends it; the customer inside a visit is the visit's."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fieldloop.activities import visit_services
from fieldloop.activities.models import WorkRecord
from fieldloop.formtemplates.models import Attachment, Purpose, holder_of
from fieldloop.formtemplates.services import template_install
from fieldloop.formtemplates.tests.test_photos_upload import photo_bytes
from tests.test_reads_never_write import writes_of

from .helpers import customer
from .test_api import api, post
from .test_visit_flow import flow  # noqa: F401 (the fixture)
from .test_visits import check_in, near

STOCK = [{"sku": "A100", "stock": 12}, {"sku": "B200", "stock": 3}]
REPORT = {"purpose": "routine", "outcome": "补货下周到"}


def upload(client):
    shot = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
    response = client.post(
        "/api/v1/attachments", {"kind": "photo", "file": shot}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def file_step(client, template, visit, values, key=None, **extra):
    return post(client, "/api/v1/work-records", {"template_id": template.pk, "visit_id": visit.pk, "values": values,
                                                 **extra}, key)  # fmt: skip


@pytest.fixture
def earlier(cast, flow):  # noqa: F811
    """The storefront photo and the stock count filed through the API, as the phone does."""
    client = api(cast.rep)
    photo = upload(client)
    assert file_step(client, flow.photo, flow.visit, {"storefront": [photo]}).status_code == 201
    assert file_step(client, flow.stock, flow.visit, {"stock": STOCK}).status_code == 201
    return type(
        "Earlier", (), {"client": client, "photo": photo, "record": WorkRecord.objects.get(template=flow.photo)}
    )


def test_a_step_starts_from_what_the_visits_earlier_steps_captured(cast, flow, earlier, django_assert_max_num_queries):  # noqa: F811
    url = f"/api/v1/visits/{flow.visit.pk}/prefill?template_id={flow.report.pk}"
    earlier.client.get(url)
    with django_assert_max_num_queries(8):
        response = earlier.client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["visit_id"] == flow.visit.pk and body["template_id"] == flow.report.pk
    assert body["values"]["stock"] == STOCK
    [offered] = body["photos"]
    record = earlier.record.pk
    photo_url = f"/api/v1/work-records/{record}/attachments/{earlier.photo}"
    assert offered == {"field": "storefront_photo", "attachment_id": earlier.photo, "record_id": record,
                       "url": photo_url, "thumbnail_url": f"{photo_url}?thumbnail=true"}  # fmt: skip
    assert earlier.client.get(offered["thumbnail_url"]).status_code == 200


def test_the_prefill_is_for_the_rep_and_whoever_may_read_the_visit(cast, flow, earlier):  # noqa: F811
    url = f"/api/v1/visits/{flow.visit.pk}/prefill?template_id={flow.report.pk}"
    manager = api(cast.manager).get(url)
    assert manager.status_code == 200 and manager.json()["values"]["stock"] == STOCK
    assert api(cast.manager).get(manager.json()["photos"][0]["thumbnail_url"]).status_code == 200
    for stranger in (cast.rep2, cast.other_branch_rep, cast.outsider):
        assert api(stranger).get(url).status_code == 404
    assert earlier.client.get(f"/api/v1/visits/999999/prefill?template_id={flow.report.pk}").status_code == 404
    missing = earlier.client.get(f"/api/v1/visits/{flow.visit.pk}/prefill?template_id=999999")
    assert missing.status_code == 400 and "template_id" in missing.json()["fields"]


def test_a_step_reuses_an_earlier_photo_once_however_often_it_is_sent(cast, flow, earlier):  # noqa: F811
    key = uuid.uuid4()
    data = {**REPORT, "stock": STOCK}
    reuse = {"storefront_photo": [earlier.photo]}
    first = file_step(earlier.client, flow.report, flow.visit, data, key, reuse_photo_ids=reuse)
    assert first.status_code == 201, first.content
    before = Attachment.objects.count()
    replay = file_step(earlier.client, flow.report, flow.visit, data, key, reuse_photo_ids=reuse)
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    assert Attachment.objects.count() == before  # the resent step copies nothing again
    report = WorkRecord.objects.get(template=flow.report)
    [copy] = first.json()["values"]["storefront_photo"]
    copied, source = Attachment.objects.get(pk=copy), Attachment.objects.get(pk=earlier.photo)
    assert copy != earlier.photo and copied.sha256 == source.sha256
    assert copied.holder == holder_of(report) and source.holder == holder_of(earlier.record)
    assert report.customer_id == flow.shop.pk  # the visit's customer, unasked
    assert [a["id"] for a in first.json()["attachments"]] == [copy]


def test_a_reused_photo_joins_the_photos_sent_with_the_step(cast, flow, earlier):  # noqa: F811
    fresh = upload(earlier.client)
    response = file_step(earlier.client, flow.report, flow.visit, {**REPORT, "storefront_photo": [fresh]},
                         reuse_photo_ids={"storefront_photo": [earlier.photo]})  # fmt: skip
    assert response.status_code == 201, response.content
    kept = response.json()["values"]["storefront_photo"]
    assert kept[0] == fresh and len(kept) == 2 and earlier.photo not in kept


def test_only_photos_of_the_reps_own_visit_are_reused_and_refusals_name_the_field(cast, flow, earlier):  # noqa: F811
    loose = upload(earlier.client)  # the rep's, but held by no record of the visit
    refused = file_step(earlier.client, flow.report, flow.visit, REPORT,
                        reuse_photo_ids={"storefront_photo": [loose], "outcome": [earlier.photo]})  # fmt: skip
    assert refused.status_code == 400
    fields = refused.json()["fields"]
    assert "reuse_photo_ids.storefront_photo" in fields and "reuse_photo_ids.outcome" in fields
    no_visit = post(earlier.client, "/api/v1/work-records", {"template_id": flow.report.pk, "customer_id": flow.shop.pk,
                    "values": REPORT, "reuse_photo_ids": {"storefront_photo": [earlier.photo]}})  # fmt: skip
    assert no_visit.status_code == 400 and "reuse_photo_ids" in no_visit.json()["fields"]
    # another rep may not file a step of this visit, nor take its photos
    other = file_step(
        api(cast.rep2), flow.report, flow.visit, REPORT, reuse_photo_ids={"storefront_photo": [earlier.photo]}
    )
    assert other.status_code == 400 and "visit_id" in other.json()["fields"]
    # a photo of the rep's earlier visit is not this visit's
    visit_services.visit_check_out(
        actor=cast.rep, client_id=uuid.uuid4(), visit_id=flow.visit.pk, position=near(), confirm_not_effective=True
    )
    second = check_in(cast.rep, visit_services.visit_type_create(actor=cast.admin, name="巡店"), flow.shop, near(5))
    later = file_step(
        earlier.client, flow.report, second, REPORT, reuse_photo_ids={"storefront_photo": [earlier.photo]}
    )
    assert later.status_code == 400 and "reuse_photo_ids.storefront_photo" in later.json()["fields"]
    assert WorkRecord.objects.filter(template=flow.report).count() == 0
    assert not Attachment.objects.filter(uploaded_by=cast.rep2).exists()  # no copy for another rep


def test_the_customer_inside_a_visit_is_the_visits(cast, flow, earlier):  # noqa: F811
    other = customer(cast.rep, "别家")
    refused = file_step(earlier.client, flow.report, flow.visit, REPORT, customer_id=other.pk)
    assert refused.status_code == 400 and "customer_id" in refused.json()["fields"]
    assert not WorkRecord.objects.filter(template=flow.report).exists()


def test_the_prefill_asks_for_the_template_once_the_visit_is_in_scope(cast, flow):  # noqa: F811
    asked = api(cast.rep).get(f"/api/v1/visits/{flow.visit.pk}/prefill")
    assert asked.status_code == 400 and "template_id" in asked.json()["fields"]
    assert api(cast.rep2).get(f"/api/v1/visits/{flow.visit.pk}/prefill").status_code == 404
    big = api(cast.rep).get(f"/api/v1/visits/{flow.visit.pk}/prefill?template_id={2**70}")
    assert big.status_code in {400, 422} and "template_id" in big.json()["fields"]


def test_reading_the_prefill_writes_nothing(cast, flow, earlier):  # noqa: F811
    url = f"/api/v1/visits/{flow.visit.pk}/prefill?template_id={flow.report.pk}"
    for who in (cast.rep, cast.manager):
        client = cast.client_for(who)
        assert client.get(url).status_code == 200
        assert writes_of(client, "api/v1/visits/<int:visit_id>/prefill", url) == []


def test_one_photo_reused_in_two_fields_of_a_step_is_two_copies(cast, flow, earlier):  # noqa: F811
    fields = [{"key": k, "type": "photo", "label": k, "label_en": k} for k in ("inside", "outside")]
    both = template_install(org_id=cast.org.pk, purpose=Purpose.CUSTOM, name="店内外", name_en="Inside and out",
                            description="", fields=fields)  # fmt: skip
    offered = earlier.client.get(f"/api/v1/visits/{flow.visit.pk}/prefill?template_id={both.pk}").json()["photos"]
    assert {(p["field"], p["attachment_id"]) for p in offered} == {
        ("inside", earlier.photo),
        ("outside", earlier.photo),
    }
    response = file_step(earlier.client, both, flow.visit, {},
                         reuse_photo_ids={"inside": [earlier.photo], "outside": [earlier.photo]})  # fmt: skip
    assert response.status_code == 201, response.content
    [inside], [outside] = response.json()["values"]["inside"], response.json()["values"]["outside"]
    assert len({inside, outside, earlier.photo}) == 3
