"""Payments received (回款) and payment plans: what a rep, a manager and an administrator may do, what each write
changes (the payment, the order's received sum, the daily rollup, the history), and what bad input gets."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.org.models import AuditEntry
from fieldloop.sales import payment_services as services
from fieldloop.sales.models import Order, OrderStatus, Payment, PaymentPlanItem, SalesDay
from fieldloop.sales.payment_selectors import InstalmentStatus, org_today, payment_plan
from fieldloop.sales.payment_services import InstalmentIn

from .payment_factories import an_order, collaborated_order


def record(actor, order, amount="100.00", **kwargs):
    kwargs.setdefault("received_on", org_today(actor))
    kwargs.setdefault("client_id", uuid.uuid4())
    return services.payment_record(actor=actor, order_id=order.pk, amount=amount, **kwargs)


def received(employee) -> Decimal:
    rows = SalesDay.objects.filter(employee=employee).values_list("payments_amount", flat=True)
    return sum(rows, Decimal(0))


def refused(call) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value


def test_a_payment_adds_to_the_orders_received_sum_and_to_the_rollup_split_by_credit(cast):
    order = an_order(cast.rep, total="1000.00", credits=[(cast.rep, "60"), (cast.rep2, "40")])
    payment, created = record(cast.rep, order, "300.00")
    assert created and payment.recorded_by == cast.rep
    order.refresh_from_db()
    assert (order.paid, order.outstanding) == (Decimal("300.00"), Decimal("700.00"))
    assert (received(cast.rep), received(cast.rep2)) == (Decimal("180.00"), Decimal("120.00"))


def test_a_replayed_payment_is_stored_once(cast, django_assert_max_num_queries):
    order = an_order(cast.rep)
    key = uuid.uuid4()
    first, _ = record(cast.rep, order, "100.00", client_id=key)
    with django_assert_max_num_queries(1):
        again, created = record(cast.rep, order, "100.00", client_id=key)
    assert (again, created) == (first, False)
    order.refresh_from_db()
    assert order.paid == Decimal("100.00") and Payment.objects.count() == 1


def test_recording_a_payment_costs_a_few_queries(cast, django_assert_max_num_queries):
    order = an_order(cast.rep, credits=[(cast.rep, "50"), (cast.rep2, "50")])
    with django_assert_max_num_queries(12):
        _payment, created = record(cast.rep, order, "10.00")
    assert created


def test_a_payment_above_the_outstanding_amount_is_refused_on_the_amount_and_writes_nothing(cast):
    order = an_order(cast.rep, total="500.00")
    record(cast.rep, order, "400.00")
    error = refused(lambda: record(cast.rep, order, "100.01"))
    assert error.code == ErrorCode.INVALID and "100.00" in str(error.fields["amount"][0])
    order.refresh_from_db()
    assert order.paid == Decimal("400.00") and Payment.objects.count() == 1
    assert received(cast.rep) == Decimal("400.00")


@pytest.mark.parametrize("amount", ["0", "-5", "0.001", "abc", "NaN", "1e15", None])
def test_a_zero_negative_or_unreadable_amount_is_refused_on_the_amount(cast, amount):
    order = an_order(cast.rep)
    error = refused(lambda: record(cast.rep, order, amount))
    assert set(error.fields) == {"amount"}
    assert not Payment.objects.exists()


def test_a_payment_received_in_the_future_is_refused_on_the_date(cast):
    order = an_order(cast.rep)
    error = refused(lambda: record(cast.rep, order, received_on=org_today(cast.rep) + timedelta(days=1)))
    assert set(error.fields) == {"received_on"} and not Payment.objects.exists()


@pytest.mark.parametrize("status", [OrderStatus.DRAFT, OrderStatus.CANCELLED])
def test_a_payment_on_an_order_that_is_not_confirmed_is_refused(cast, status):
    order = an_order(cast.rep, status=status)
    error = refused(lambda: record(cast.rep, order))
    assert error.code == ErrorCode.INVALID and set(error.fields) == {"order"}
    assert not Payment.objects.exists() and not SalesDay.objects.exists()


def test_another_organizations_or_branchs_order_is_not_found(cast):
    for outsider_order in (an_order(cast.outsider), an_order(cast.other_branch_rep)):
        assert refused(lambda o=outsider_order: record(cast.rep, o)).code == ErrorCode.NOT_FOUND
    assert not Payment.objects.exists()


def test_who_may_record_a_payment(cast):
    mine = an_order(cast.rep)
    record(cast.rep, mine, "1.00")
    record(cast.manager, mine, "1.00")  # Rex's manager
    record(cast.admin, mine, "1.00")
    split = an_order(cast.rep2, credits=[(cast.rep2, "50"), (cast.rep, "50")])
    split.customer.collaborators.add(cast.rep)
    record(cast.rep, split, "1.00")  # credited with half
    seen_only = collaborated_order(cast.other_branch_rep, cast.rep)
    assert refused(lambda: record(cast.rep, seen_only)).code == ErrorCode.FORBIDDEN
    assert Payment.objects.count() == 4


# --- correcting and deleting ---------------------------------------------------------------------------------------


def test_a_manager_corrects_a_payment_with_a_reason_and_the_figures_follow(cast):
    order = an_order(cast.rep, total="1000.00")
    payment, _ = record(cast.rep, order, "300.00")
    yesterday = org_today(cast.rep) - timedelta(days=1)
    services.payment_correct(
        actor=cast.manager, payment_id=payment.pk, amount="250.00", received_on=yesterday, reason="银行回单是 250"
    )
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.paid, payment.amount, payment.received_on) == (Decimal("250.00"), Decimal("250.00"), yesterday)
    by_day = dict(SalesDay.objects.filter(employee=cast.rep).values_list("day", "payments_amount"))
    assert by_day[yesterday] == Decimal("250.00") and by_day[org_today(cast.rep)] == Decimal("0.00")
    entry = AuditEntry.objects.get(action="payment.correct")
    assert entry.actor == cast.manager and entry.changes["reason"] == "银行回单是 250"
    assert entry.changes["amount"] == ["300.00", "250.00"]


def test_a_correction_may_not_take_the_order_above_its_total(cast):
    order = an_order(cast.rep, total="500.00")
    first, _ = record(cast.rep, order, "200.00")
    record(cast.rep, order, "300.00")
    error = refused(
        lambda: services.payment_correct(actor=cast.manager, payment_id=first.pk, amount="200.01", reason="x")
    )
    assert set(error.fields) == {"amount"}
    order.refresh_from_db()
    assert order.paid == Decimal("500.00")


def test_a_manager_deletes_a_payment_and_the_history_keeps_it(cast):
    order = an_order(cast.rep)
    payment, _ = record(cast.rep, order, "120.00")
    services.payment_delete(actor=cast.admin, payment_id=payment.pk, reason="重复录入")
    order.refresh_from_db()
    assert order.paid == Decimal("0.00") and not Payment.objects.exists()
    assert received(cast.rep) == Decimal("0.00")
    entry = AuditEntry.objects.get(action="payment.delete")
    assert entry.changes["before"]["amount"] == "120.00" and entry.changes["reason"] == "重复录入"


def test_a_rep_may_not_correct_even_their_own_payment_and_a_reason_is_required(cast):
    order = an_order(cast.rep)
    payment, _ = record(cast.rep, order, "120.00")
    error = refused(lambda: services.payment_delete(actor=cast.rep, payment_id=payment.pk, reason="错了"))
    assert error.code == ErrorCode.FORBIDDEN
    error = refused(lambda: services.payment_delete(actor=cast.manager, payment_id=payment.pk, reason="  "))
    assert set(error.fields) == {"reason"}
    assert Payment.objects.count() == 1 and not AuditEntry.objects.filter(object_type="payment").exists()


# --- the plan ------------------------------------------------------------------------------------------------------


def test_a_plan_is_matched_against_the_payments_earliest_due_first(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, total="1000.00")
    services.payment_plan_set(
        actor=cast.rep, order_id=order.pk,
        items=[InstalmentIn(today + timedelta(days=30), "300"), InstalmentIn(today - timedelta(days=40), "300"),
               InstalmentIn(today - timedelta(days=10), "300")],
    )  # fmt: skip
    record(cast.rep, order, "400.00")
    order.refresh_from_db()
    plan = payment_plan(order=order, today=today)
    assert [i.status for i in plan.instalments] == [
        InstalmentStatus.PAID, InstalmentStatus.OVERDUE, InstalmentStatus.DUE
    ]  # fmt: skip
    assert plan.instalments[1].covered == Decimal("100.00")
    assert (plan.overdue, plan.due, plan.unplanned) == (Decimal("200.00"), Decimal("300.00"), Decimal("100.00"))


def test_a_plan_asking_for_more_than_the_total_is_refused_and_the_old_plan_stays(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, total="1000.00", plan=[(today, "1000.00")])
    error = refused(
        lambda: services.payment_plan_set(
            actor=cast.rep, order_id=order.pk,
            items=[InstalmentIn(today, "600"), InstalmentIn(today + timedelta(days=30), "400.01")],
        )
    )  # fmt: skip
    assert set(error.fields) == {"items"}
    assert list(PaymentPlanItem.objects.values_list("amount", flat=True)) == [Decimal("1000.00")]


def test_a_plan_row_without_a_date_or_with_no_amount_is_refused_on_that_row(cast):
    order = an_order(cast.rep)
    today = org_today(cast.rep)
    error = refused(
        lambda: services.payment_plan_set(
            actor=cast.rep, order_id=order.pk, items=[InstalmentIn(today, "10"), InstalmentIn(None, "0")]
        )
    )
    assert set(error.fields) == {"items.1.due_on", "items.1.amount"}
    assert not PaymentPlanItem.objects.exists()


def test_a_plan_replaces_the_old_one_and_is_recorded_in_the_history(cast):
    today = org_today(cast.rep)
    order = an_order(cast.rep, plan=[(today, "500.00")])
    services.payment_plan_set(actor=cast.manager, order_id=order.pk, items=[InstalmentIn(today, "200", "首付")])
    assert list(PaymentPlanItem.objects.values_list("amount", "note")) == [(Decimal("200.00"), "首付")]
    assert AuditEntry.objects.get(action="order.payment_plan_set").changes["plan"][0] == [[today.isoformat(), "500.00"]]


def test_a_cancelled_order_has_no_plan_and_a_rep_cannot_plan_anothers_order(cast):
    cancelled = an_order(cast.rep, status=OrderStatus.CANCELLED)
    today = org_today(cast.rep)
    error = refused(
        lambda: services.payment_plan_set(actor=cast.rep, order_id=cancelled.pk, items=[InstalmentIn(today, "1")])
    )
    assert set(error.fields) == {"items"}
    other = an_order(cast.rep2)
    error = refused(
        lambda: services.payment_plan_set(actor=cast.rep, order_id=other.pk, items=[InstalmentIn(today, "1")])
    )
    assert error.code == ErrorCode.NOT_FOUND
    assert not PaymentPlanItem.objects.exists()


# --- settings ------------------------------------------------------------------------------------------------------


def test_only_an_administrator_sets_the_contract_reminder_days_from_0_to_365(cast):
    assert refused(lambda: services.sales_settings_update(actor=cast.manager, contract_reminder_days=10)).code == (
        ErrorCode.FORBIDDEN
    )
    error = refused(lambda: services.sales_settings_update(actor=cast.admin, contract_reminder_days=366))
    assert set(error.fields) == {"contract_reminder_days"}
    assert services.sales_settings_update(actor=cast.admin, contract_reminder_days=45).contract_reminder_days == 45


def test_orders_are_untouched_by_a_refused_payment(cast):
    order = an_order(cast.rep, total="100.00")
    before = Order.objects.filter(pk=order.pk).values().get()
    refused(lambda: record(cast.rep, order, "100.01"))
    assert Order.objects.filter(pk=order.pk).values().get() == before
