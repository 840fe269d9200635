"""The payment pages: an order's payments and plan, recording a payment on the phone, correcting it, receivables,
the contract status on the customer page, the settings page; and the daily reminder of contracts ending."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.utils import translation

from fieldloop.notifications.models import Notification
from fieldloop.sales.contracts import CONTRACT_ENDING, all_orgs_remind_contract_endings
from fieldloop.sales.models import OrderStatus, Payment, PaymentPlanItem, SalesSettings
from fieldloop.sales.payment_selectors import org_today

from .payment_factories import an_order


def test_a_rep_records_a_payment_on_the_order_page_and_a_replay_is_stored_once(cast):
    order = an_order(cast.rep, total="800.00")
    client = cast.client_for(cast.rep)
    page = client.get(f"/orders/{order.pk}/payments/")
    assert page.status_code == 200 and b'data-testid="payment-form"' in page.content
    form = {"client_id": str(uuid.uuid4()), "amount": "300", "received_on": org_today(cast.rep).isoformat()}
    assert client.post(f"/orders/{order.pk}/payments/", form).status_code == 302
    assert client.post(f"/orders/{order.pk}/payments/", form).status_code == 302
    order.refresh_from_db()
    assert order.paid == Decimal("300.00") and Payment.objects.count() == 1
    page = client.get(f"/orders/{order.pk}/payments/")
    assert "500.00" in page.content.decode()


def test_an_amount_above_the_outstanding_one_is_shown_on_the_amount_field(cast):
    order = an_order(cast.rep, total="100.00")
    client = cast.client_for(cast.rep)
    client.cookies.load({"django_language": "zh-hans"})
    form = {"client_id": str(uuid.uuid4()), "amount": "150", "received_on": org_today(cast.rep).isoformat()}
    with translation.override("zh-hans"):
        page = client.post(f"/orders/{order.pk}/payments/", form)
    assert page.status_code == 200 and b'data-testid="error-amount"' in page.content
    assert not Payment.objects.exists()


def test_a_draft_order_page_says_payments_wait_for_confirmation(cast):
    order = an_order(cast.rep, status=OrderStatus.DRAFT)
    page = cast.client_for(cast.rep).get(f"/orders/{order.pk}/payments/")
    assert b'data-testid="not-confirmed"' in page.content and b'data-testid="payment-form"' not in page.content


def test_the_plan_form_saves_rows_and_shows_a_total_above_the_orders(cast):
    order = an_order(cast.rep, total="1000.00")
    client = cast.client_for(cast.rep)
    assert client.get(f"/orders/{order.pk}/payment-plan/").status_code == 200
    today = org_today(cast.rep)
    data = {
        "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "60",
        "items-0-due_on": today.isoformat(), "items-0-amount": "700", "items-0-note": "首付",
        "items-1-due_on": (today + timedelta(days=30)).isoformat(), "items-1-amount": "400",
    }  # fmt: skip
    refused = client.post(f"/orders/{order.pk}/payment-plan/", data)
    assert refused.status_code == 200 and b'data-testid="form-error"' in refused.content
    assert not PaymentPlanItem.objects.exists()
    assert client.post(f"/orders/{order.pk}/payment-plan/", {**data, "items-1-amount": "300"}).status_code == 302
    assert sorted(PaymentPlanItem.objects.values_list("amount", flat=True)) == [Decimal("300.00"), Decimal("700.00")]


def test_a_manager_corrects_a_payment_on_its_page_and_a_rep_cannot_open_it(cast):
    order = an_order(cast.rep, total="800.00")
    payment = Payment.objects.create(
        org=cast.org, client_id=uuid.uuid4(), order=order, received_on=org_today(cast.rep), amount=Decimal("100"),
        recorded_by=cast.rep,
    )  # fmt: skip
    type(order).objects.filter(pk=order.pk).update(paid=Decimal("100"))
    assert cast.client_for(cast.rep).get(f"/payments/{payment.pk}/").status_code == 403
    client = cast.client_for(cast.manager)
    assert client.get(f"/payments/{payment.pk}/").status_code == 200
    form = {"action": "correct", "amount": "80", "received_on": payment.received_on.isoformat(), "reason": "回单 80"}
    assert client.post(f"/payments/{payment.pk}/", form).status_code == 302
    order.refresh_from_db()
    assert order.paid == Decimal("80.00")
    assert client.post(f"/payments/{payment.pk}/", {"action": "delete", "reason": ""}).status_code == 200
    assert client.post(f"/payments/{payment.pk}/", {"action": "delete", "reason": "录错"}).status_code == 302
    assert not Payment.objects.exists()


def test_the_receivables_page_by_order_and_by_customer_in_constant_queries(cast, django_assert_max_num_queries):
    today = org_today(cast.rep)
    an_order(cast.rep, total="1000.00", plan=[(today - timedelta(days=2), "600")])
    client = cast.client_for(cast.manager)
    page = client.get("/receivables/")
    assert page.status_code == 200 and "600.00" in page.content.decode()
    for _ in range(6):
        an_order(cast.rep2, total="10.00")
    with django_assert_max_num_queries(14):
        assert client.get("/receivables/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/receivables/?by=customer").content.count(b'data-testid="receivable-customer"') == 7
    assert b"Ben" not in cast.client_for(cast.rep).get("/receivables/").content


def test_the_customer_page_shows_the_contract_status(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=100))
    client = cast.client_for(cast.rep)
    page = client.get(f"/customers/{order.customer_id}/").content.decode()
    assert 'data-status="active"' in page and (today + timedelta(days=100)).isoformat() in page
    expired = an_order(cast.rep, ends_on=today - timedelta(days=1))
    assert 'data-status="expired"' in client.get(f"/customers/{expired.customer_id}/").content.decode()
    bare = an_order(cast.rep, status=OrderStatus.DRAFT, ends_on=today + timedelta(days=3))
    assert 'data-status="none"' in client.get(f"/customers/{bare.customer_id}/").content.decode()


def test_an_admin_sets_the_reminder_days_on_the_settings_page(cast):
    client = cast.client_for(cast.admin)
    assert client.get("/sales/settings/").status_code == 200
    assert client.post("/sales/settings/", {"contract_reminder_days": "400"}).status_code == 200
    assert client.post("/sales/settings/", {"contract_reminder_days": "14"}).status_code == 302
    assert SalesSettings.objects.get(org=cast.org).contract_reminder_days == 14
    assert cast.client_for(cast.manager).get("/sales/settings/").status_code == 403


def test_each_owner_is_reminded_once_of_a_contract_ending_and_not_of_a_renewed_one(cast):
    today = org_today(cast.rep)
    ending = an_order(cast.rep, ends_on=today + timedelta(days=10))
    renewed = an_order(cast.rep2, ends_on=today + timedelta(days=5))
    an_order(cast.rep2, customer=renewed.customer, renews=renewed, ends_on=today + timedelta(days=370))
    an_order(cast.rep, ends_on=today + timedelta(days=31))  # beyond the 30 days
    an_order(cast.rep, ends_on=today + timedelta(days=3), status=OrderStatus.CANCELLED)
    call_command("remind_contract_endings", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert all_orgs_remind_contract_endings() == 1  # found again, notified once
    [notice] = Notification.objects.filter(kind=CONTRACT_ENDING)
    assert notice.recipient == cast.rep and notice.params["number"] == ending.number
    assert notice.link == f"/customers/{ending.customer_id}/"
    SalesSettings.objects.create(org=cast.org, contract_reminder_days=0)
    assert all_orgs_remind_contract_endings() == 0


def test_adding_an_instalment_on_the_plan_form_keeps_the_rows_already_there(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, total="1000.00", plan=[(today, "400.00")])
    client = cast.client_for(cast.rep)
    assert client.get(f"/orders/{order.pk}/payment-plan/").status_code == 200
    data = {
        "items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "1", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "60",
        "items-0-due_on": today.isoformat(), "items-0-amount": "400.00",
        "items-1-due_on": (today + timedelta(days=60)).isoformat(), "items-1-amount": "600",
    }  # fmt: skip
    assert client.post(f"/orders/{order.pk}/payment-plan/", data).status_code == 302
    assert sorted(PaymentPlanItem.objects.values_list("amount", flat=True)) == [Decimal("400.00"), Decimal("600.00")]
    removed = {**data, "items-0-DELETE": "on"}
    assert client.post(f"/orders/{order.pk}/payment-plan/", removed).status_code == 302
    assert list(PaymentPlanItem.objects.values_list("amount", flat=True)) == [Decimal("600.00")]


def test_the_date_fields_keep_their_value_in_chinese_too(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, plan=[(today, "100.00")])
    cast.rep.language = "zh-hans"
    cast.rep.save(update_fields=["language"])
    client = cast.client_for(cast.rep)
    assert f'value="{today.isoformat()}"' in client.get(f"/orders/{order.pk}/payment-plan/").content.decode()
    assert f'value="{today.isoformat()}"' in client.get(f"/orders/{order.pk}/payments/").content.decode()
