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


def test_creating_a_customer_costs_a_few_queries_and_its_replay_fewer(cast, django_assert_num_queries):
    """Counted here inside the test's transaction: the service's transaction is a SAVEPOINT and its RELEASE
    (BEGIN and COMMIT on a server). The duplicate rules are on (warn), so the candidates are read."""
    client = api(cast.rep)
    post(client, "/api/v1/customers", {"name": "甲公司"})  # the organization's first customer makes its defaults
    key = uuid.uuid4()
    data = {"name": "杭州东方贸易有限公司", "phone": "0571-8888 1234", "credit_code": "91350100M000100Y43"}
    # 1 the token and its employee; 2 what the organization says (customer template and version, first stage,
    # duplicate rules, a customer of this client_id, a customer with this credit code); 3 SAVEPOINT; 4 the
    # similar names and the same phone (one statement); 5 the customer; 6 its CREATED event; 7 RELEASE.
    # The owner is the actor (no read), and the answer is built from what the service attached.
    with django_assert_num_queries(7):
        first = post(client, "/api/v1/customers", data, key)
    # 1 the token; 2 what the organization says (the replay's id among it); 3 the customer as its page reads it
    # (visibility, owner, stage, version); 4 its collaborators; 5 its tags
    with django_assert_num_queries(5):
        replay = post(client, "/api/v1/customers", data, key)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert first.json() == replay.json()  # the answer from the saved instance is the one a read gives
    assert client.get(f"/api/v1/customers/{first.json()['id']}").json() == first.json()
    # another owner: read, and whether the manager sees them and may give them customers (org.selectors, one
    # query each); collaborators: read (one query) and written (one insert)
    manager = api(cast.manager)
    manager.get("/api/v1/me")  # the token's first use is written down once
    more: dict[str, object] = {"name": "宁波海港物流有限公司", "owner_id": cast.rep2.pk}
    more["collaborator_ids"] = [cast.manager.pk]
    with django_assert_num_queries(12):
        response = post(manager, "/api/v1/customers", more)
    assert response.status_code == 201, response.json()
    assert (response.json()["owner"]["name"], response.json()["collaborator_ids"]) == ("Ria", [cast.manager.pk])
    assert manager.get(f"/api/v1/customers/{response.json()['id']}").json() == response.json()


def test_a_refused_duplicate_writes_nothing_and_a_race_on_the_credit_code_is_refused(cast, monkeypatch):
    import dataclasses

    from fieldloop.customers import services
    from fieldloop.customers.models import CustomerEvent

    code = "91350100M000100Y43"
    post(api(cast.rep2), "/api/v1/customers", {"name": "上海华东机械有限公司", "credit_code": code})
    refused = post(api(cast.rep), "/api/v1/customers", {"name": "华东机械（上海）有限公司"})
    assert refused.status_code == 409 and "name" in refused.json()["fields"]
    taken = post(api(cast.rep), "/api/v1/customers", {"name": "乙公司", "credit_code": code})
    assert taken.status_code == 409 and list(taken.json()["fields"]) == ["credit_code"]
    # a race: the code was free when read, another create took it before the insert; the unique constraint
    # refuses, and the answer is the same field error
    read = services.customer_create_context

    def free_when_read(**kw):
        context = read(**kw)
        assert context is not None
        return dataclasses.replace(context, credit_code_taken=False)

    monkeypatch.setattr(services, "customer_create_context", free_when_read)
    raced = post(api(cast.rep), "/api/v1/customers", {"name": "丙公司", "credit_code": code})
    assert raced.status_code == 409 and list(raced.json()["fields"]) == ["credit_code"]
    assert Customer.objects.count() == CustomerEvent.objects.count() == 1
