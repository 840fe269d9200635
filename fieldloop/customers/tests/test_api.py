"""The customers API: idempotent creates, field errors, cursor paging, timeline, contacts."""

import uuid

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fieldloop.customers.models import Customer
from fieldloop.org import services as org_services


def api(employee):
    client = Client()
    secret = org_services.api_token_create(actor=employee, name="tests").secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def post(client, url, data, key=None):
    return client.post(url, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()))


def test_a_rep_creates_a_customer_once_however_often_the_phone_sends_it(cast):
    client = api(cast.rep)
    key = uuid.uuid4()
    data = {"name": "杭州东方贸易有限公司", "credit_code": "91350100M000100Y43", "latitude": 30.27, "longitude": 120.15}
    first = post(client, "/api/v1/customers", data, key)
    replay = post(client, "/api/v1/customers", data, key)
    assert first.status_code == replay.status_code == 201
    assert first.json()["id"] == replay.json()["id"]
    assert first.json()["owner"]["name"] == "Rex"
    assert first.json()["client_id"] == str(key)
    assert Customer.objects.count() == 1


def test_bad_customer_input_gets_field_errors(cast):
    response = post(api(cast.rep), "/api/v1/customers", {"name": "x", "credit_code": "123", "level": "Q"})
    assert response.status_code == 422  # the schema refuses the unknown level
    assert "level" in response.json()["fields"]
    response = post(api(cast.rep), "/api/v1/customers", {"name": "x", "credit_code": "123"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"credit_code"}
    assert not Customer.objects.exists()


def test_the_list_is_scoped_paged_and_constant_in_queries(cast):
    for i in range(3):
        post(api(cast.rep), "/api/v1/customers", {"name": f"客户{i}"})
    post(api(cast.other_branch_rep), "/api/v1/customers", {"name": "北京客户"})
    client = api(cast.manager)
    client.get("/api/v1/customers?limit=2")
    with CaptureQueriesContext(connection) as small:
        page = client.get("/api/v1/customers?limit=2").json()
    assert len(page["items"]) == 2
    rest = client.get(f"/api/v1/customers?limit=2&cursor={page['next_cursor']}").json()
    assert [c["name"] for c in page["items"] + rest["items"]] == ["客户2", "客户1", "客户0"]
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/customers?limit=200")
    assert len(large) == len(small)


def test_updates_and_contacts_show_on_the_timeline_newest_first(cast):
    client = api(cast.rep)
    customer = post(client, "/api/v1/customers", {"name": "甲公司"}).json()
    patched = client.patch(f"/api/v1/customers/{customer['id']}", {"level": "A"}, content_type="application/json")
    assert patched.json()["level"] == "A"
    contact = post(client, f"/api/v1/customers/{customer['id']}/contacts", {"name": "王经理", "mobile": "13800138000"})
    assert contact.status_code == 201
    assert contact.json()["is_primary"]
    timeline = client.get(f"/api/v1/customers/{customer['id']}/timeline").json()["items"]
    assert {e["source"] for e in timeline} == {"events"}
    assert [e["data"]["kind"] for e in timeline] == ["contact_added", "updated", "created"]
    assert timeline[1]["data"]["changes"] == {"level": ["C", "A"]}


def test_a_rep_gets_not_found_for_another_branchs_customer(cast):
    other = post(api(cast.other_branch_rep), "/api/v1/customers", {"name": "北京客户"}).json()
    response = api(cast.rep).get(f"/api/v1/customers/{other['id']}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_stages_are_listed_in_order(cast):
    stages = api(cast.rep).get("/api/v1/customer-stages").json()
    assert [s["name"] for s in stages] == ["潜在客户", "意向客户", "成交客户", "流失客户"]
