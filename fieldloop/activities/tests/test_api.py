"""The work records API: templates, idempotent create, field errors, the scoped and paged feed, edits, comments."""

import uuid
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.activities.models import WorkRecord, WorkRecordComment
from fieldloop.customers import services as customer_services
from fieldloop.formtemplates.models import Purpose
from fieldloop.org import services as org_services

from .helpers import CALL_VALUES, customer, file_call, many_records, template


def api(employee):
    client = Client()
    secret = org_services.api_token_create(actor=employee, name="tests").secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def post(client, url, data, key=None):
    return client.post(url, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()))


def test_the_templates_are_the_built_in_ones_with_their_fields(cast):
    response = api(cast.rep).get("/api/v1/work-record-templates")
    assert response.status_code == 200
    by_purpose = {t["purpose"]: t for t in response.json()}
    assert set(by_purpose) == {"visit", "competitor", "call", "daily_report"}
    call_fields = [f["key"] for f in by_purpose["call"]["current_version"]["fields"]]
    assert call_fields == ["direction", "duration_minutes", "result", "notes"]


def test_a_rep_files_a_call_once_however_often_the_phone_sends_it(cast):
    shop = customer(cast.rep)
    client = api(cast.rep)
    key = uuid.uuid4()
    captured = (timezone.now() - timedelta(hours=3)).isoformat()
    data = {
        "template_id": template(cast.rep, Purpose.CALL).pk,
        "customer_id": shop.pk,
        "values": CALL_VALUES,
        "captured_at": captured,
    }
    first = post(client, "/api/v1/work-records", data, key)
    replay = post(client, "/api/v1/work-records", data, key)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert first.json()["id"] == replay.json()["id"]
    body = first.json()
    assert body["author"]["name"] == "Rex"
    assert body["customer"]["id"] == shop.pk
    assert body["values"] == CALL_VALUES
    assert body["editable"] is True
    assert body["received_at"] > body["captured_at"]
    assert WorkRecord.objects.count() == 1


def test_filing_a_visit_report_costs_the_same_few_queries_however_long_its_table(cast, django_assert_num_queries):
    shop = customer(cast.rep)
    client = api(cast.rep)
    rows = [{"sku": f"SKU-{n}", "stock": n, "demand": 2 * n} for n in range(12)]
    data = {
        "template_id": template(cast.rep, Purpose.VISIT).pk,
        "customer_id": shop.pk,
        "values": {"purpose": "routine", "outcome": "客户下月补货", "stock": rows},
    }
    post(client, "/api/v1/work-records", data)  # the token's first use is written down once
    key = uuid.uuid4()
    # 1 the token and its employee, 2 the client_id not used yet (idempotency), 3 the template and its current
    # version, 4 the customer among those the author sees, 5-7 the INSERT in its transaction (a savepoint here:
    # the test runs in one), 8 the customer's last follow-up moved forward (one UPDATE), 9 the organization's edit
    # window (the answer's `editable`). The answer is built from the saved instance; pools is not asked about a
    # follow-up when the customer is not the author's protected one.
    with django_assert_num_queries(9):
        first = post(client, "/api/v1/work-records", data, key)
    # 1 the token, 2 the record of this client_id, 3 it with what the answer shows (the author's own: no
    # visibility check), 4 the edit window
    with django_assert_num_queries(4):
        replay = post(client, "/api/v1/work-records", data, key)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert first.json() == replay.json()  # the answer from the saved instance is the one a read gives
    assert first.json()["values"]["stock"] == rows
    assert api(cast.rep).get(f"/api/v1/work-records/{first.json()['id']}").json() == first.json()
    # with a contact: 4 is the contact with its customer, found among the customers the author sees
    contact, _ = customer_services.contact_create(
        actor=cast.rep, customer_id=shop.pk, client_id=uuid.uuid4(), name="王经理"
    )
    with django_assert_num_queries(9):
        response = post(client, "/api/v1/work-records", {**data, "customer_id": None, "contact_id": contact.pk})
    assert response.status_code == 201
    assert (response.json()["customer"]["id"], response.json()["contact"]["name"]) == (shop.pk, "王经理")


def test_someone_else_sending_a_used_key_is_refused_whether_or_not_they_may_see_the_record(cast):
    shop = customer(cast.rep)
    key = uuid.uuid4()
    data = {"template_id": template(cast.rep, Purpose.CALL).pk, "customer_id": shop.pk, "values": CALL_VALUES}
    first = post(api(cast.rep), "/api/v1/work-records", data, key)
    assert first.status_code == 201
    for someone_else in (cast.other_branch_rep, cast.manager):
        response = post(api(someone_else), "/api/v1/work-records", data, key)
        assert (response.status_code, response.json()["code"]) == (422, "idempotency_mismatch")
        assert "Idempotency-Key" in response.json()["fields"]
    assert WorkRecord.objects.count() == 1


def test_bad_input_gets_field_errors_and_writes_nothing(cast):
    theirs = customer(cast.other_branch_rep)
    data = {
        "template_id": template(cast.rep, Purpose.CALL).pk,
        "customer_id": theirs.pk,
        "values": {"direction": "sideways"},
    }
    response = post(api(cast.rep), "/api/v1/work-records", data)
    assert response.status_code == 400
    assert {"customer_id", "values.direction", "values.result"} <= set(response.json()["fields"])
    response = post(api(cast.rep), "/api/v1/work-records", {"template_id": "x"})
    assert response.status_code == 422
    assert not WorkRecord.objects.exists()


def test_the_feed_is_scoped_paged_filtered_and_constant_in_queries(cast):
    shop = customer(cast.rep)
    many_records(cast.rep, shop, 10)
    file_call(cast.other_branch_rep, customer(cast.other_branch_rep))
    client = api(cast.manager)
    client.get("/api/v1/work-records?limit=5")
    with CaptureQueriesContext(connection) as small:
        page = client.get("/api/v1/work-records?limit=5").json()
    rest = client.get(f"/api/v1/work-records?limit=5&cursor={page['next_cursor']}").json()
    ids = [r["id"] for r in page["items"] + rest["items"]]
    assert len(set(ids)) == 10
    assert rest["next_cursor"] is None
    many_records(cast.rep, shop, 40)
    with CaptureQueriesContext(connection) as large:
        page = client.get("/api/v1/work-records?limit=50").json()
    assert len(page["items"]) == 50
    assert len(large) == len(small)
    assert {r["author"]["name"] for r in page["items"]} == {"Rex"}
    filtered = client.get(f"/api/v1/work-records?employee_id={cast.rep2.pk}").json()
    assert filtered["items"] == []
    assert client.get("/api/v1/work-records?cursor=nonsense").status_code == 400


def test_the_author_patches_within_the_window_and_others_may_not(cast):
    record = file_call(cast.rep, customer(cast.rep))
    url = f"/api/v1/work-records/{record.pk}"
    response = api(cast.rep).patch(url, {"values": {"result": "interested"}}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["values"]["result"] == "interested"
    assert response.json()["edited_at"] is not None
    response = api(cast.manager).patch(url, {"values": {"result": "no_answer"}}, content_type="application/json")
    assert response.status_code == 403
    assert api(cast.rep2).get(url).status_code == 404
    assert api(cast.outsider).get(url).status_code == 404
    WorkRecord.objects.filter(pk=record.pk).update(received_at=timezone.now() - timedelta(days=2))
    response = api(cast.rep).patch(url, {"values": {"result": "no_answer"}}, content_type="application/json")
    assert response.status_code == 409


def test_the_manager_comments_and_the_rep_replies(cast):
    record = file_call(cast.rep, customer(cast.rep))
    url = f"/api/v1/work-records/{record.pk}/comments"
    key = uuid.uuid4()
    first = post(api(cast.manager), url, {"body": "客户报价再确认一下"}, key)
    again = post(api(cast.manager), url, {"body": "客户报价再确认一下"}, key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    reply = post(api(cast.rep), url, {"body": "好的", "parent_id": first.json()["id"]})
    assert reply.json()["parent_id"] == first.json()["id"]
    comments = api(cast.rep).get(url).json()
    assert [c["body"] for c in comments] == ["客户报价再确认一下", "好的"]
    assert api(cast.rep).get(f"/api/v1/work-records/{record.pk}").json()["comment_count"] == 2
    assert post(api(cast.rep2), url, {"body": "?"}).status_code == 404
    assert WorkRecordComment.objects.count() == 2


def test_the_customers_timeline_merges_its_records_with_its_events_in_constant_queries(cast):
    shop = customer(cast.rep)
    call = file_call(cast.rep, shop)
    client = api(cast.manager)

    items = client.get(f"/api/v1/customers/{shop.pk}/timeline").json()["items"]
    assert [(i["source"], i["id"]) for i in items] == [("work_records", call.pk), ("events", items[1]["id"])]
    assert items[0]["data"]["template"]["purpose"] == Purpose.CALL
    assert items[0]["data"]["author"]["name"] == "Rex"
    assert items[1]["data"]["kind"] == "created"

    with CaptureQueriesContext(connection) as small:
        assert len(client.get(f"/api/v1/customers/{shop.pk}/timeline?limit=2").json()["items"]) == 2
    many_records(cast.rep, shop, 50)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(f"/api/v1/customers/{shop.pk}/timeline?limit=50").json()["items"]) == 50
    assert len(large) == len(small)


def test_a_comment_costs_a_few_queries_and_its_replay_fewer(cast, django_assert_num_queries):
    record = file_call(cast.rep, customer(cast.rep))
    client = api(cast.manager)
    url = f"/api/v1/work-records/{record.pk}/comments"
    post(client, url, {"body": "先看一下"})  # the token's first use is written down once
    key = uuid.uuid4()
    # 1 the token; 2-3 the record, and that the manager sees it (activities.selectors.record_get); 4 the
    # client_id not used yet; 5 SAVEPOINT; 6 the comment; 7 the record's comment count; 8 RELEASE
    with django_assert_num_queries(8):
        first = post(client, url, {"body": "客户报价再确认一下"}, key)
    # 1 the token; 2-3 the record; 4 the comment of this client_id; 5 its author (the answer)
    with django_assert_num_queries(5):
        again = post(client, url, {"body": "客户报价再确认一下"}, key)
    assert (first.status_code, again.status_code) == (201, 201) and first.json() == again.json()
