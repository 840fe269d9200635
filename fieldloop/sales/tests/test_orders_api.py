import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.activities.tests.helpers import customer
from fieldloop.activities.tests.test_visits import api, post
from fieldloop.customers.models import Customer, CustomerEvent, CustomerStage
from fieldloop.customers.pools import pool_create
from fieldloop.sales import order_services
from fieldloop.sales.models import Order, OrderAmendment, OrderCredit, OrderLine, Payment, SalesDay
from fieldloop.sales.order_services import line_amount, org_today

from .order_helpers import an_order, product


def body(shop, item, **extra):
    return {
        "customer_id": shop.pk,
        "lines": [{"product_id": item.pk, "quantity": "3", "unit_price": "99.99", "discount_percent": "12.5"}],
        **extra,
    }


def sales(cast):
    """The rollup as {(employee, department): (sales_amount, order_count, new_customer_amount, renewal_amount)}."""
    rows = SalesDay.objects.filter(org=cast.org).values_list(
        "employee_id", "department_id", "sales_amount", "order_count", "new_customer_amount", "renewal_amount"
    )
    return {(e, d): tuple(v) for e, d, *v in rows if any(v)}


def test_a_line_amount_is_quantity_times_price_less_the_discount_rounded_to_the_cent():
    assert line_amount(Decimal("3"), Decimal("99.99"), Decimal("12.5")) == Decimal("262.47")  # 262.47375
    assert line_amount(Decimal("0.125"), Decimal("0.1"), Decimal("0")) == Decimal("0.01")  # 0.0125, half up
    assert line_amount(Decimal("7"), Decimal("10"), Decimal("100")) == Decimal("0.00")


def test_an_order_is_created_once_numbered_in_the_year_and_priced_line_by_line(cast):
    client = api(cast.rep)
    shop, item = customer(cast.rep), product(cast.org)
    key = uuid.uuid4()
    first = post(client, "/api/v1/orders", body(shop, item, note="展会订单"), key)
    assert first.status_code == 201, first.content
    replay = post(client, "/api/v1/orders", body(shop, item, note="展会订单"), key)
    assert (replay.status_code, replay.json()) == (201, first.json())
    data = first.json()
    year = org_today(cast.rep).year
    assert data["number"] == f"SO-{year}-000001"
    assert (data["status"], data["kind"], data["total"], data["currency"]) == ("draft", None, "262.47", "CNY")
    assert data["lines"][0]["amount"] == "262.47"
    assert [(c["employee"]["id"], c["share_percent"]) for c in data["credits"]] == [(cast.rep.pk, "100.00")]
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1
    assert not SalesDay.objects.exists(), "a draft counts for nothing"
    second = post(client, "/api/v1/orders", body(shop, item))
    assert second.json()["number"] == f"SO-{year}-000002"
    someone_else = post(api(cast.rep2), "/api/v1/orders", body(customer(cast.rep2), item), key)
    assert someone_else.status_code == 422 and someone_else.json()["code"] == "idempotency_mismatch"


def test_the_first_confirmed_order_is_new_wins_the_customer_and_extends_its_protection(cast):
    client = api(cast.rep)
    shop, item = customer(cast.rep), product(cast.org)
    won = CustomerStage.objects.get(org=cast.org, is_won=True)
    pool = pool_create(actor=cast.admin, name="华东公海")
    soon = timezone.now() + timedelta(days=2)
    Customer.objects.filter(pk=shop.pk).update(pool=pool, claimed_at=timezone.now(), protected_until=soon)
    draft = post(client, "/api/v1/orders", body(shop, item)).json()
    confirmed = post(client, f"/api/v1/orders/{draft['id']}/confirm", {})
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["status"], confirmed.json()["kind"]) == ("confirmed", "new")
    shop.refresh_from_db()
    assert shop.stage_id == won.pk
    assert shop.protected_until is not None and shop.protected_until > soon, (
        "a confirmed order is a follow-up for pool protection"
    )
    assert sales(cast) == {
        (cast.rep.pk, cast.shanghai.pk): (Decimal("262.47"), Decimal("1"), Decimal("262.47"), Decimal("0"))
    }
    again = post(client, f"/api/v1/orders/{draft['id']}/confirm", {})
    assert again.status_code == 409
    repeat = post(client, "/api/v1/orders", body(shop, item, confirm=True)).json()
    assert repeat["kind"] == "repeat"
    term = {"starts_on": "2026-01-01", "ends_on": "2026-12-31", "renews_id": draft["id"], "confirm": True}
    renewal = post(client, "/api/v1/orders", body(shop, item, **term))
    assert renewal.status_code == 201, renewal.content
    assert (renewal.json()["kind"], renewal.json()["renews_id"]) == ("renewal", draft["id"])
    amount, count, new_amount, renewal_amount = sales(cast)[(cast.rep.pk, cast.shanghai.pk)]
    assert (amount, count, new_amount, renewal_amount) == (
        Decimal("787.41"),
        Decimal("3"),
        Decimal("262.47"),
        Decimal("262.47"),
    )


def test_a_split_order_credits_each_share_in_the_department_at_signing(cast):
    client = api(cast.manager)
    shop, item = customer(cast.rep), product(cast.org)
    split = [{"employee_id": cast.rep.pk, "share_percent": "60"}, {"employee_id": cast.rep2.pk, "share_percent": "40"}]
    created = post(client, "/api/v1/orders", body(shop, item, credits=split, confirm=True))
    assert created.status_code == 201, created.content
    assert sales(cast) == {
        (cast.rep.pk, cast.shanghai.pk): (Decimal("157.48"), Decimal("0.6"), Decimal("157.48"), Decimal("0")),
        (cast.rep2.pk, cast.shanghai.pk): (Decimal("104.99"), Decimal("0.4"), Decimal("104.99"), Decimal("0")),
    }
    # Ria sees the order she is credited on, though it is not hers
    assert api(cast.rep2).get(f"/api/v1/orders/{created.json()['id']}").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{"quantity": "-1"}]}, "lines.0.quantity"),
        ({"lines": [{"quantity": "0"}]}, "lines.0.quantity"),
        ({"lines": [{"unit_price": "-0.01"}]}, "lines.0.unit_price"),
        ({"lines": [{"discount_percent": "100.5"}]}, "lines.0.discount_percent"),
        ({"lines": [{"quantity": "1.0001"}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "inactive"}]}, "lines.0.product_id"),
        ({"lines": []}, "lines"),
        ({"credits": [("manager", "60"), ("rep2", "30")]}, "credits"),
        ({"credits": [("rep", "100"), ("rep", "0")]}, "credits.1.employee_id"),
        ({"credits": [("other_branch_rep", "100")]}, "credits.0.employee_id"),
        ({"customer": "other_branch_rep"}, "customer_id"),
        ({"starts_on": "2026-05-01", "ends_on": "2026-04-30"}, "ends_on"),
        ({"ends_on": "2026-04-30"}, "starts_on"),
        ({"renews_id": "draft"}, "renews_id"),
        ({"signed_on": "1990-01-01"}, "signed_on"),
    ],
)
def test_bad_input_gets_a_field_error_and_writes_nothing(cast, change, field):
    client = api(cast.manager)
    shop, item = customer(cast.rep), product(cast.org)
    draft = an_order(cast.manager, shop)
    line = {"product_id": item.pk, "quantity": "1", "unit_price": "10", "discount_percent": "0"}
    sent = body(shop, item)
    for key, value in change.items():
        if key == "lines":
            sent["lines"] = [line | ({"product_id": product(cast.org, is_active=False).pk} if v.get("product_id")
                                     else v) for v in value]  # fmt: skip
        elif key == "credits":
            sent["credits"] = [{"employee_id": getattr(cast, who).pk, "share_percent": s} for who, s in value]
        elif key == "customer":
            sent["customer_id"] = customer(getattr(cast, value)).pk
        elif key == "renews_id":
            sent["renews_id"] = draft.pk
        else:
            sent[key] = value
    before = (Order.objects.count(), OrderLine.objects.count(), OrderCredit.objects.count())
    response = post(client, "/api/v1/orders", sent)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert (Order.objects.count(), OrderLine.objects.count(), OrderCredit.objects.count()) == before


def test_a_confirmed_order_changes_only_through_a_recorded_amendment_that_moves_the_rollup(cast):
    client = api(cast.manager)
    shop, item = customer(cast.rep), product(cast.org)
    order = an_order(cast.rep, shop, lines=[(item, "2", "100", "0")], confirm=True, signed_on=date(2026, 3, 2))
    url = f"/api/v1/orders/{order.pk}/amend"
    lines = [{"product_id": item.pk, "quantity": "3", "unit_price": "100", "discount_percent": "10"}]
    no_reason = post(client, url, {"lines": lines})
    assert no_reason.status_code == 400 and set(no_reason.json()["fields"]) == {"reason"}
    split = [{"employee_id": cast.rep.pk, "share_percent": "50"}, {"employee_id": cast.rep2.pk, "share_percent": "50"}]
    amended = post(client, url, {"reason": "客户加订一台", "lines": lines, "credits": split, "signed_on": "2026-03-03"})
    assert amended.status_code == 200, amended.content
    data = amended.json()
    assert (data["total"], data["revision"], data["kind"]) == ("270.00", 1, "new")
    assert data["amendments"][0]["reason"] == "客户加订一台"
    assert data["amendments"][0]["before"]["total"] == "200.00" and data["amendments"][0]["after"]["total"] == "270.00"
    days = dict(SalesDay.objects.filter(org=cast.org, employee=cast.rep).values_list("day", "sales_amount"))
    assert days == {date(2026, 3, 2): Decimal("0.00"), date(2026, 3, 3): Decimal("135.00")}
    assert SalesDay.objects.get(employee=cast.rep2).sales_amount == Decimal("135.00")


def test_a_cancelled_order_takes_its_figures_off_and_changes_no_more(cast):
    client = api(cast.rep)
    shop = customer(cast.rep)
    order = an_order(cast.rep, shop, confirm=True)
    no_reason = post(client, f"/api/v1/orders/{order.pk}/cancel", {"reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    cancelled = post(client, f"/api/v1/orders/{order.pk}/cancel", {"reason": "客户取消采购"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert sales(cast) == {}
    amend = post(client, f"/api/v1/orders/{order.pk}/amend", {"reason": "改价", "note": "改"})
    assert amend.status_code == 409 and "status" in amend.json()["fields"]
    assert not OrderAmendment.objects.exists()


def test_an_order_with_payments_is_not_cancelled(cast):
    order = an_order(cast.rep, customer(cast.rep), confirm=True)
    Payment.objects.create(
        org=cast.org, client_id=uuid.uuid4(), order=order, received_on=order.signed_on, amount=Decimal("50"),
        recorded_by=cast.rep,
    )  # fmt: skip
    refused = post(api(cast.rep), f"/api/v1/orders/{order.pk}/cancel", {"reason": "客户取消"})
    assert refused.status_code == 409 and "status" in refused.json()["fields"]
    order.refresh_from_db()
    assert order.status == "confirmed"


def test_who_sees_and_changes_an_order(cast):
    order = an_order(cast.rep, customer(cast.rep))
    assert api(cast.rep2).get(f"/api/v1/orders/{order.pk}").status_code == 404
    assert api(cast.other_branch_rep).get(f"/api/v1/orders/{order.pk}").status_code == 404
    assert api(cast.outsider).get(f"/api/v1/orders/{order.pk}").status_code == 404
    assert post(api(cast.rep2), f"/api/v1/orders/{order.pk}/confirm", {}).status_code == 404
    assert post(api(cast.manager), f"/api/v1/orders/{order.pk}/confirm", {}).status_code == 200
    mine = api(cast.rep).get("/api/v1/orders?scope=mine").json()["items"]
    assert [o["id"] for o in mine] == [order.pk]
    assert api(cast.rep2).get("/api/v1/orders").json()["items"] == []


def test_the_order_list_filters_pages_and_costs_the_same_for_many_orders(cast, django_assert_max_num_queries):
    client = api(cast.manager)
    shop = customer(cast.rep)
    for i in range(3):
        an_order(cast.rep, shop, confirm=i == 0, signed_on=date(2026, 3, 1 + i))
    with django_assert_max_num_queries(8):
        few = client.get("/api/v1/orders?limit=2")
    for i in range(12):
        an_order(cast.rep2, customer(cast.rep2), signed_on=date(2026, 4, 1 + i))
    with django_assert_max_num_queries(8):
        many = client.get("/api/v1/orders?limit=2")
    assert len(few.json()["items"]) == len(many.json()["items"]) == 2
    second = client.get(f"/api/v1/orders?limit=2&cursor={many.json()['next_cursor']}").json()["items"]
    assert [o["signed_on"] for o in second] == ["2026-04-10", "2026-04-09"]
    march = client.get(f"/api/v1/orders?date_from=2026-03-01&date_to=2026-03-31&customer_id={shop.pk}").json()
    assert len(march["items"]) == 3
    assert [o["kind"] for o in client.get("/api/v1/orders?status=confirmed").json()["items"]] == ["new"]
    assert len(client.get("/api/v1/orders?kind=new").json()["items"]) == 1


CREATE_QUERIES = 16  # the token; the replay lookup, customer (locked), products, credited employees, number,
# first-order check, order, lines, credits, rollup, won stage and its event; the answer's order, lines, credits


def test_an_order_create_costs_a_few_queries_whatever_the_lines(cast, django_assert_max_num_queries):
    """A rep's confirmed order, split 60/40 with a teammate, the customer's first (so its won stage too): the same
    few statements for 1 line as for 20, and for 3 at most CREATE_QUERIES (plus the test's savepoint)."""
    client = api(cast.rep)
    items = [product(cast.org) for _ in range(20)]
    split = [{"employee_id": cast.rep.pk, "share_percent": "60"}, {"employee_id": cast.rep2.pk, "share_percent": "40"}]
    won = CustomerStage.objects.get(org=cast.org, is_won=True)
    assert client.get("/api/v1/orders").status_code == 200  # the token's first use is recorded (once a while)

    def sent(n):
        lines = [{"product_id": p.pk, "quantity": "2", "unit_price": "10", "discount_percent": "5"} for p in items[:n]]
        return {"customer_id": customer(cast.rep).pk, "lines": lines, "credits": split, "confirm": True}

    counts = {}
    for n in (1, 20):
        order = sent(n)
        with CaptureQueriesContext(connection) as captured:
            response = post(client, "/api/v1/orders", order)
        assert response.status_code == 201, response.content
        assert len(response.json()["lines"]) == n
        counts[n] = len(captured.captured_queries)
    assert counts[1] == counts[20], counts
    three = sent(3)
    with django_assert_max_num_queries(CREATE_QUERIES + 2):  # + the savepoint the test's transaction puts around it
        response = post(client, "/api/v1/orders", three)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["kind"], data["total"]) == ("confirmed", "new", "57.00")
    assert [(c["employee"]["id"], c["share_percent"]) for c in data["credits"]] == [
        (cast.rep.pk, "60.00"),
        (cast.rep2.pk, "40.00"),
    ]
    assert Customer.objects.get(pk=three["customer_id"]).stage_id == won.pk
    assert OrderLine.objects.filter(order_id=data["id"]).count() == 3


def test_a_rep_splits_an_order_with_a_teammate_but_not_with_another_departments_rep(cast):
    """A rep sees only their own rows, yet may credit the active members of their own department: Rex splits 60/40
    with Ria (each counted once in the rollup); with Ben, of the Beijing branch, the split is refused on its field
    and nothing is written."""
    client = api(cast.rep)
    shop, item = customer(cast.rep), product(cast.org)
    split = [{"employee_id": cast.rep.pk, "share_percent": "60"}, {"employee_id": cast.rep2.pk, "share_percent": "40"}]
    created = post(client, "/api/v1/orders", body(shop, item, credits=split, confirm=True))
    assert created.status_code == 201, created.content
    assert sales(cast) == {
        (cast.rep.pk, cast.shanghai.pk): (Decimal("157.48"), Decimal("0.6"), Decimal("157.48"), Decimal("0")),
        (cast.rep2.pk, cast.shanghai.pk): (Decimal("104.99"), Decimal("0.4"), Decimal("104.99"), Decimal("0")),
    }
    counted = SalesDay.objects.filter(org=cast.org).values_list("order_count", flat=True)
    assert sum(counted) == 1, "a split order counts once, shared"
    assert api(cast.rep2).get(f"/api/v1/orders/{created.json()['id']}").status_code == 200
    before = (Order.objects.count(), OrderLine.objects.count(), OrderCredit.objects.count(), sales(cast))
    other = [{"employee_id": cast.rep.pk, "share_percent": "60"}, {"employee_id": cast.other_branch_rep.pk,
                                                                    "share_percent": "40"}]  # fmt: skip
    refused = post(client, "/api/v1/orders", body(shop, item, credits=other, confirm=True))
    assert refused.status_code == 400, refused.content
    assert set(refused.json()["fields"]) == {"credits.1.employee_id"}
    assert (Order.objects.count(), OrderLine.objects.count(), OrderCredit.objects.count(), sales(cast)) == before


def test_an_order_is_numbered_in_the_year_it_is_signed(cast, monkeypatch):
    """Entered on 15 January, an order signed the previous December takes the previous year's next number; one
    signed in January starts the new year's sequence. Each year counts on its own, per organization."""
    client = api(cast.rep)
    shop, item = customer(cast.rep), product(cast.org)
    year = org_today(cast.rep).year
    december = post(client, "/api/v1/orders", body(shop, item, signed_on=f"{year}-12-20"))
    assert december.json()["number"] == f"SO-{year}-000001"
    january = datetime(year + 1, 1, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    monkeypatch.setattr(timezone, "now", lambda: january)
    late = post(client, "/api/v1/orders", body(shop, item, signed_on=f"{year}-12-28", confirm=True))
    assert late.status_code == 201, late.content
    assert (late.json()["number"], late.json()["created_at"][:10]) == (f"SO-{year}-000002", f"{year + 1}-01-15")
    new_year = post(client, "/api/v1/orders", body(shop, item))
    assert new_year.json()["number"] == f"SO-{year + 1}-000001"
    elsewhere = post(api(cast.outsider), "/api/v1/orders", body(customer(cast.outsider), product(cast.outsider.org),
                                                                 signed_on=f"{year}-12-31"))  # fmt: skip
    assert elsewhere.json()["number"] == f"SO-{year}-000001"


def test_a_first_confirmed_order_wins_a_customer_the_confirmer_may_not_edit(cast):
    """Rex only collaborates on Ben's customer: he may enter an order for it but not edit it. His first confirmed
    order moves it to the won stage all the same (the rule is the order's), on its timeline as a stage change
    by Rex naming the order."""
    shop = customer(cast.other_branch_rep)
    shop.collaborators.add(cast.rep)
    first_stage = shop.stage_id
    won = CustomerStage.objects.get(org=cast.org, is_won=True)
    edit = api(cast.rep).patch(f"/api/v1/customers/{shop.pk}", {"name": "改名"}, content_type="application/json")
    assert edit.status_code == 403, edit.content
    created = post(api(cast.rep), "/api/v1/orders", body(shop, product(cast.org), confirm=True))
    assert created.status_code == 201, created.content
    shop.refresh_from_db()
    assert shop.stage_id == won.pk
    event = CustomerEvent.objects.filter(customer=shop).latest("id")
    assert (event.actor_id, event.kind, event.changes, event.summary) == (
        cast.rep.pk,
        "updated",
        {"stage_id": [first_stage, won.pk]},
        created.json()["number"],
    )


def test_a_number_taken_meanwhile_is_retried_with_the_next_and_nothing_of_the_attempt_is_left(cast, monkeypatch):
    """Two creates racing for the year's next number: the loser's insert fails on the unique (org, number), its
    whole attempt is rolled back and run again, taking the next number; the rollup counts the order once."""
    shop = customer(cast.rep)
    first = an_order(cast.rep, shop)
    real, calls = order_services._number, []

    def stale(org_id, year):  # the first attempt read the highest number before the other create committed
        calls.append(year)
        return first.number if len(calls) == 1 else real(org_id, year)

    monkeypatch.setattr(order_services, "_number", stale)
    order = an_order(cast.rep, shop, lines=[(product(cast.org), "1", "100", "0")], confirm=True)
    assert len(calls) == 2
    assert order.number == first.number[:-1] + "2"
    assert (Order.objects.count(), OrderLine.objects.filter(order=order).count()) == (2, 1)
    assert sales(cast) == {
        (cast.rep.pk, cast.shanghai.pk): (Decimal("100.00"), Decimal("1"), Decimal("100.00"), Decimal("0"))
    }
