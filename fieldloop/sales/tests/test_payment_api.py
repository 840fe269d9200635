"""The payments API: the plan, recording a payment once, correcting and deleting it, receivables with their
figures, a customer's contract status, the sales settings."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fieldloop.org import services as org_services
from fieldloop.sales.models import OrderStatus, Payment
from fieldloop.sales.payment_selectors import org_today

from .payment_factories import an_order


def api(employee):
    client = Client()
    secret = org_services.api_token_create(actor=employee, name="tests").secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def post(client, url, data, key=None):
    return client.post(url, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()))


def test_a_plan_is_set_and_read_back_with_each_instalments_status(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, total="1000.00")
    client = api(cast.rep)
    first, last = (today - timedelta(days=5)).isoformat(), (today + timedelta(days=25)).isoformat()
    body = {"items": [{"due_on": first, "amount": "400"}, {"due_on": last, "amount": "600.00", "note": "尾款"}]}
    response = client.put(f"/api/v1/orders/{order.pk}/payment-plan", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [i["status"] for i in data["items"]] == ["overdue", "due"]
    assert data["order"]["overdue"] == "400.00" and data["order"]["outstanding"] == "1000.00"
    assert client.get(f"/api/v1/orders/{order.pk}/payment-plan").json() == data


def test_a_plan_above_the_total_or_with_a_bad_row_gets_field_errors(cast):
    today = org_today(cast.rep).isoformat()
    order = an_order(cast.rep, total="100.00")
    client = api(cast.rep)
    url = f"/api/v1/orders/{order.pk}/payment-plan"
    too_much = client.put(url, {"items": [{"due_on": today, "amount": "100.01"}]}, content_type="application/json")
    assert too_much.status_code == 400 and set(too_much.json()["fields"]) == {"items"}
    zero = client.put(url, {"items": [{"due_on": today, "amount": "0"}]}, content_type="application/json")
    assert zero.status_code == 400 and set(zero.json()["fields"]) == {"items.0.amount"}


def test_recording_a_payment_is_applied_once_and_answers_the_orders_money(cast):
    order = an_order(cast.rep, total="1000.00")
    client = api(cast.rep)
    key = uuid.uuid4()
    body = {"received_on": org_today(cast.rep).isoformat(), "amount": "250.50"}
    first = post(client, f"/api/v1/orders/{order.pk}/payments", body, key)
    assert first.status_code == 201, first.content
    assert first.json()["order"]["paid"] == "250.50" and first.json()["order"]["outstanding"] == "749.50"
    replay = post(client, f"/api/v1/orders/{order.pk}/payments", body, key)
    assert (replay.status_code, replay.json()) == (201, first.json())
    other_amount = post(client, f"/api/v1/orders/{order.pk}/payments", {**body, "amount": "1.00"}, key)
    assert other_amount.status_code == 422 and other_amount.json()["code"] == "idempotency_mismatch"
    assert Payment.objects.count() == 1
    listed = client.get(f"/api/v1/orders/{order.pk}/payments").json()
    assert [p["amount"] for p in listed["items"]] == ["250.50"]


def test_bad_payments_get_field_errors_and_write_nothing(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, total="100.00")
    draft = an_order(cast.rep, status=OrderStatus.DRAFT)
    foreign = an_order(cast.outsider)
    client = api(cast.rep)
    cases = [
        (order, {"received_on": today.isoformat(), "amount": "100.01"}, 400, "amount"),
        (order, {"received_on": today.isoformat(), "amount": "-1"}, 400, "amount"),
        (order, {"received_on": today.isoformat(), "amount": "0"}, 400, "amount"),
        (order, {"received_on": (today + timedelta(days=1)).isoformat(), "amount": "1"}, 400, "received_on"),
        (draft, {"received_on": today.isoformat(), "amount": "1"}, 400, "order"),
        (foreign, {"received_on": today.isoformat(), "amount": "1"}, 404, None),
    ]
    for target, body, status, field in cases:
        response = post(client, f"/api/v1/orders/{target.pk}/payments", body)
        assert response.status_code == status, (body, response.content)
        if field:
            assert set(response.json()["fields"]) == {field}, response.content
    assert not Payment.objects.exists()


def test_a_manager_corrects_and_deletes_a_payment_through_the_api_and_a_rep_may_not(cast):
    order = an_order(cast.rep, total="1000.00")
    body = {"received_on": org_today(cast.rep).isoformat(), "amount": "300"}
    payment_id = post(api(cast.rep), f"/api/v1/orders/{order.pk}/payments", body).json()["payment"]["id"]
    url = f"/api/v1/payments/{payment_id}"
    refused = api(cast.rep).patch(url, {"amount": "200", "reason": "改"}, content_type="application/json")
    assert refused.status_code == 403
    manager = api(cast.manager)
    no_reason = manager.patch(url, {"amount": "200", "reason": ""}, content_type="application/json")
    assert no_reason.status_code == 400 and set(no_reason.json()["fields"]) == {"reason"}
    corrected = manager.patch(url, {"amount": "200", "reason": "回单金额 200"}, content_type="application/json")
    assert corrected.status_code == 200 and corrected.json()["amount"] == "200.00"
    deleted = manager.generic("DELETE", url, '{"reason": "重复"}', content_type="application/json")
    assert deleted.status_code == 200 and deleted.json()["order"]["paid"] == "0.00" and deleted.json()["items"] == []


def test_receivables_by_order_and_by_customer_with_overdue_figures_and_filters(cast):
    today = org_today(cast.rep)
    late = an_order(cast.rep, total="1000.00", plan=[(today - timedelta(days=3), "600"), (today, "400")])
    an_order(cast.rep, total="200.00", customer=late.customer)
    an_order(cast.rep2, total="300.00")
    an_order(cast.other_branch_rep, total="900.00")
    an_order(cast.rep, total="50.00", status=OrderStatus.DRAFT)
    client = api(cast.manager)
    by_order = client.get("/api/v1/receivables/orders").json()
    assert by_order["summary"] == {"outstanding": "1500.00", "overdue": "600.00", "order_count": 3}
    overdue = {o["id"]: o["overdue"] for o in by_order["items"]}
    assert overdue[late.pk] == "600.00"
    only_ria = client.get(f"/api/v1/receivables/orders?owner_id={cast.rep2.pk}").json()
    assert [o["owner"]["name"] for o in only_ria["items"]] == ["Ria"]
    by_customer = client.get("/api/v1/receivables/customers").json()
    rows = {c["customer"]["id"]: c for c in by_customer["items"]}
    assert (rows[late.customer_id]["outstanding"], rows[late.customer_id]["order_count"]) == ("1200.00", 2)
    assert rows[late.customer_id]["overdue"] == "600.00"
    everyone = api(cast.admin).get(f"/api/v1/receivables/orders?department_id={cast.beijing.pk}").json()
    assert [o["owner"]["name"] for o in everyone["items"]] == ["Ben"]
    unseen = client.get(f"/api/v1/receivables/orders?owner_id={cast.other_branch_rep.pk}")
    assert unseen.status_code == 400 and set(unseen.json()["fields"]) == {"owner_id"}


def test_receivables_cost_the_same_queries_for_few_and_many_orders(cast):
    def queries(path: str) -> int:
        client = api(cast.manager)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    today = org_today(cast.rep)
    an_order(cast.rep, plan=[(today, "10")])
    few = (queries("/api/v1/receivables/orders"), queries("/api/v1/receivables/customers"))
    for _ in range(8):
        an_order(cast.rep2, plan=[(today - timedelta(days=1), "10")])
    assert (queries("/api/v1/receivables/orders"), queries("/api/v1/receivables/customers")) == few


def test_a_customers_contract_status_and_the_sales_settings(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=20))
    client = api(cast.rep)
    status = client.get(f"/api/v1/customers/{order.customer_id}/contract").json()
    assert (status["status"], status["days_left"], status["number"]) == ("ending", 20, order.number)
    admin = api(cast.admin)
    assert admin.put(
        "/api/v1/sales-settings", {"contract_reminder_days": 10}, content_type="application/json"
    ).json() == {"contract_reminder_days": 10}
    assert client.get(f"/api/v1/customers/{order.customer_id}/contract").json()["status"] == "active"
    refused = client.put("/api/v1/sales-settings", {"contract_reminder_days": 5}, content_type="application/json")
    assert refused.status_code == 403
    assert client.get("/api/v1/sales-settings").json() == {"contract_reminder_days": 10}
    out_of_range = admin.put("/api/v1/sales-settings", {"contract_reminder_days": 400}, content_type="application/json")
    assert out_of_range.status_code in (400, 422) and "contract_reminder_days" in out_of_range.json()["fields"]
    assert Decimal(status["days_left"]) == 20
