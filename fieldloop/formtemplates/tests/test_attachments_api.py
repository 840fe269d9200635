"""A phone fetches a record's or a customer's photos through the API: the URLs come with the record and the
customer, and each photo is served only to whoever may see what holds it (the same selectors as the pages);
anything else is a 404 in the standard error format."""

import uuid
from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from fieldloop.activities.tests.helpers import VISIT_VALUES, customer, template
from fieldloop.core.photos import THUMBNAIL_SIDE
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import template_publish

from .conftest import image_bytes
from .test_api import api, post
from .test_photos_upload import PHOTO_FIELD, photo_bytes


def upload_via_api(client, data: bytes | None = None, kind: str = "photo", name: str = "shop.jpg") -> int:
    response = client.post(
        "/api/v1/attachments",
        {"kind": kind, "file": BytesIO(data or photo_bytes()), "latitude": 31.2, "longitude": 121.4, "accuracy": 8},
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def filed_visit(cast):
    """Rex uploads a storefront photo, then files a visit holding it, both through the API."""
    client = api(cast.rep)
    shop = customer(cast.rep)
    photo_id = upload_via_api(client)
    body = {
        "template_id": template(cast.rep, Purpose.VISIT).pk,
        "customer_id": shop.pk,
        "values": {**VISIT_VALUES, "storefront_photo": [photo_id]},
    }
    response = post(client, "/api/v1/work-records", body)
    assert response.status_code == 201, response.json()
    return response.json(), photo_id


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_filed_record_gives_each_photo_a_url_the_author_and_his_manager_can_follow(cast):
    record, photo_id = filed_visit(cast)
    url = f"/api/v1/work-records/{record['id']}/attachments/{photo_id}"
    assert record["attachments"] == [
        {
            "id": photo_id,
            "field": "storefront_photo",
            "kind": "photo",
            "url": url,
            "thumbnail_url": f"{url}?thumbnail=true",
        }
    ]
    for who in (cast.rep, cast.manager, cast.admin):
        client = api(who)
        link = client.get(f"/api/v1/work-records/{record['id']}").json()["attachments"][0]
        photo = client.get(link["url"])
        assert photo.status_code == 200, who
        assert photo["Content-Type"] == "image/jpeg"
        assert photo["Cache-Control"] == "private, max-age=86400"
        full = Image.open(BytesIO(body_of(photo)))
        thumbnail = client.get(link["thumbnail_url"])
        assert thumbnail.status_code == 200
        assert max(Image.open(BytesIO(body_of(thumbnail))).size) == THUMBNAIL_SIDE < max(full.size)


def test_the_feed_lists_each_records_photo_urls_with_a_constant_number_of_queries(cast):
    record, photo_id = filed_visit(cast)
    client = api(cast.manager)
    with CaptureQueriesContext(connection) as one:
        items = client.get("/api/v1/work-records").json()["items"]
    assert [i["attachments"][0]["id"] for i in items if i["id"] == record["id"]] == [photo_id]
    for _ in range(3):
        filed_visit(cast)
    with CaptureQueriesContext(connection) as four:
        items = client.get("/api/v1/work-records").json()["items"]
    assert sum(len(i["attachments"]) for i in items) == 4
    assert len(four) == len(one)


def test_a_records_photo_is_not_found_for_whoever_may_not_see_the_record(cast):
    record, photo_id = filed_visit(cast)
    url = f"/api/v1/work-records/{record['id']}/attachments/{photo_id}"
    for who in (cast.rep2, cast.other_branch_rep, cast.outsider):  # a colleague, another branch, another company
        client = api(who)
        for asked in (url, f"{url}?thumbnail=true"):
            response = client.get(asked)
            assert response.status_code == 404, (who, asked)
            assert response.json()["code"] == "not_found"


def test_an_attachment_the_record_does_not_hold_is_not_found_even_for_its_uploader(cast):
    record, _photo_id = filed_visit(cast)
    client = api(cast.rep)
    unused = upload_via_api(client, photo_bytes(size=(640, 480)))
    _other_record, other_photo = filed_visit(cast)  # Rex's own photo, on his other record
    for attachment_id in (unused, other_photo, 999_999):
        response = client.get(f"/api/v1/work-records/{record['id']}/attachments/{attachment_id}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_a_file_is_sent_as_a_download_without_thumbnail(cast):
    file_template = {
        "key": "quote", "type": "file", "label": "报价单", "label_en": "Quote",
    }  # fmt: skip
    daily = template(cast.rep, Purpose.DAILY_REPORT)
    assert daily.current_version is not None
    fields = [*daily.current_version.fields, file_template]
    template_publish(actor=cast.admin, template_id=daily.pk, fields=fields)
    client = api(cast.rep)
    file_id = upload_via_api(client, b"<html><script>alert(1)</script></html>", kind="file", name="quote.html")
    values = {"done_today": "报价", "plan_tomorrow": "跟进", "quote": [file_id]}
    record = post(client, "/api/v1/work-records", {"template_id": daily.pk, "values": values}).json()
    link = record["attachments"][0]
    assert (link["kind"], link["thumbnail_url"]) == ("file", None)
    response = api(cast.manager).get(link["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert body_of(response) == b"<html><script>alert(1)</script></html>"


def test_a_customers_photo_is_served_through_the_customer_to_whoever_sees_it(cast):
    store = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=store.pk, fields=[{**PHOTO_FIELD, "key": "storefront"}])
    client = api(cast.rep)
    photo_id = upload_via_api(client)
    created = post(client, "/api/v1/customers", {"name": "杭州湖滨五金店", "custom_values": {"storefront": [photo_id]}})
    assert created.status_code == 201, created.json()
    shop = created.json()
    url = f"/api/v1/customers/{shop['id']}/attachments/{photo_id}"
    assert shop["attachments"] == [
        {"id": photo_id, "field": "storefront", "kind": "photo", "url": url, "thumbnail_url": f"{url}?thumbnail=true"}
    ]
    listed = api(cast.manager).get("/api/v1/customers").json()["items"]
    assert [c["attachments"] for c in listed if c["id"] == shop["id"]] == [shop["attachments"]]
    for who in (cast.rep, cast.manager):
        assert api(who).get(url).status_code == 200
        assert api(who).get(f"{url}?thumbnail=true")["Content-Type"] == "image/jpeg"
    for who in (cast.rep2, cast.other_branch_rep, cast.outsider):
        response = api(who).get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    unused = upload_via_api(client, image_bytes())
    assert client.get(f"/api/v1/customers/{shop['id']}/attachments/{unused}").status_code == 404


def test_the_customer_list_runs_a_constant_number_of_queries_with_photos(cast):
    store = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=store.pk, fields=[{**PHOTO_FIELD, "key": "storefront"}])
    client = api(cast.rep)

    def add(name: str) -> None:
        body = {"name": name, "custom_values": {"storefront": [upload_via_api(client)]}}
        assert post(client, "/api/v1/customers", body).status_code == 201

    add("杭州湖滨五金店")
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/customers").json()["items"]) == 1
    for name in ("宁波江北五金店", "绍兴越城五金店", "嘉兴南湖五金店"):
        add(name)
    with CaptureQueriesContext(connection) as four:
        items = client.get("/api/v1/customers").json()["items"]
    assert [len(c["attachments"]) for c in items] == [1, 1, 1, 1]
    assert len(four) == len(one)
