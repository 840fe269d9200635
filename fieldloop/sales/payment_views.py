"""Pages of the money side of orders: an order's payments and plan, correcting a payment, receivables (应收/回款),
the sales settings. Each parses a form, calls one service or selector, renders."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import employee_list, filter_departments

from . import payment_selectors as ps
from . import payment_services
from .models import Order
from .payment_forms import (
    InstalmentFormSet,
    PaymentCorrectForm,
    PaymentDeleteForm,
    PaymentForm,
    ReceivablesFilterForm,
    SalesSettingsForm,
)

PAGE_SIZE = 30


def _money_context(actor: Employee, order: Order) -> dict[str, Any]:
    today = ps.org_today(actor)
    return {
        "order": order,
        "plan": ps.payment_plan(order=order, today=today),
        "payments": ps.order_payments(order=order),
        "may_handle": ps.may_handle_money(actor=actor, order=order),
        "may_correct": ps.may_correct_payments(actor=actor, order=order),
        "today": today,
    }


@employee_required()
def order_payments(request: HttpRequest, order_id: int) -> HttpResponse:
    """An order's money: total, received, outstanding, the plan matched against the payments, the payments; the
    form to record one for whoever may."""
    actor = actor_of(request)
    order = ps.order_get(actor=actor, order_id=order_id)
    form = PaymentForm(
        request.POST if request.method == "POST" else None,
        initial={"client_id": uuid.uuid4(), "received_on": ps.org_today(actor)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment, created = payment_services.payment_record(
                actor=actor, order_id=order.pk, client_id=data["client_id"], received_on=data["received_on"],
                amount=data["amount"], note=data["note"],
            )  # fmt: skip
        except ServiceError as e:
            add_service_error(form, e)
        else:
            if created:
                messages.success(request, _("Payment recorded."))
            return redirect("order_payments", order_id=payment.order_id)
    return render(request, "sales/payments/order_payments.html", {**_money_context(actor, order), "form": form})


def _kept_rows(formset: Any) -> list[Any]:
    """The plan's rows to save: filled in (an initial row even unchanged) and not marked for removal."""
    return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def _formset_errors(formset: Any, error: ServiceError) -> list[str]:
    """Put a plan's field errors (items.<i>.<field>) on the rows' fields; the rest is for the whole form."""
    rest: list[str] = []
    forms = _kept_rows(formset)
    for name, messages_ in error.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(forms):
            for m in messages_:
                forms[int(parts[1])].add_error(parts[2] if parts[2] in forms[int(parts[1])].fields else None, str(m))
        else:
            rest += [str(m) for m in messages_]
    return rest or ([] if error.fields else [str(error.message)])


@employee_required()
def order_payment_plan(request: HttpRequest, order_id: int) -> HttpResponse:
    """Set or replace an order's instalments (due date, amount): they may not ask for more than the total."""
    actor = actor_of(request)
    order = ps.order_get(actor=actor, order_id=order_id)
    if not ps.may_handle_money(actor=actor, order=order):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change the payments of this order."))
    current = ps.payment_plan(order=order, today=ps.org_today(actor))
    initial = [{"due_on": i.item.due_on, "amount": i.item.amount, "note": i.item.note} for i in current.instalments]
    # a POST is read on its own: the rows the page was drawn with, not the plan as it may be now
    post = request.method == "POST"
    formset = InstalmentFormSet(request.POST if post else None, initial=None if post else initial, prefix="items")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        items = [
            payment_services.InstalmentIn(due_on=f.cleaned_data["due_on"], amount=f.cleaned_data["amount"],
                                          note=f.cleaned_data.get("note", ""))
            for f in _kept_rows(formset)
        ]  # fmt: skip
        try:
            payment_services.payment_plan_set(actor=actor, order_id=order.pk, items=items)
        except ServiceError as e:
            errors = _formset_errors(formset, e)
        else:
            messages.success(request, _("Payment plan saved."))
            return redirect("order_payments", order_id=order.pk)
    return render(request, "sales/payments/plan_form.html", {"order": order, "formset": formset, "errors": errors})


@employee_required(Permission.CHANGE_SUBORDINATE_RECORDS)
def payment_change(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Correct a payment's amount or date, or delete it, with a reason (managers and administrators)."""
    actor = actor_of(request)
    payment = ps.payment_get(actor=actor, payment_id=payment_id)
    if not ps.may_correct_payments(actor=actor, order=payment.order):
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only a manager or an administrator corrects payments."))
    action = request.POST.get("action") if request.method == "POST" else None
    correct = PaymentCorrectForm(
        request.POST if action == "correct" else None,
        initial={"amount": payment.amount, "received_on": payment.received_on},
    )
    delete = PaymentDeleteForm(request.POST if action == "delete" else None)
    if action == "correct" and correct.is_valid():
        try:
            payment_services.payment_correct(actor=actor, payment_id=payment.pk, **correct.cleaned_data)
        except ServiceError as e:
            add_service_error(correct, e)
        else:
            messages.success(request, _("Payment corrected."))
            return redirect("order_payments", order_id=payment.order_id)
    if action == "delete" and delete.is_valid():
        try:
            payment_services.payment_delete(actor=actor, payment_id=payment.pk, reason=delete.cleaned_data["reason"])
        except ServiceError as e:
            add_service_error(delete, e)
        else:
            messages.success(request, _("Payment deleted."))
            return redirect("order_payments", order_id=payment.order_id)
    return render(
        request, "sales/payments/payment_change.html", {"payment": payment, "correct": correct, "delete": delete}
    )


@employee_required()
def receivables(request: HttpRequest) -> HttpResponse:
    """Receivables (应收): confirmed orders with money outstanding, or the customers that owe it, with what is
    overdue; filtered by owner and department; paged."""
    actor = actor_of(request)
    owners = employee_list(actor=actor, include_left=True)
    form = ReceivablesFilterForm(request.GET or None, owners=owners, departments=filter_departments(actor=actor))
    data = form.cleaned_data if form.is_valid() else {}
    by = data.get("by") or "order"
    filters = ps.ReceivableFilters(owner_id=data.get("owner_id"), department_id=data.get("department_id"))
    today = ps.org_today(actor)
    cursor = request.GET.get("cursor")
    if by == "customer":
        page: Any = keyset_page(
            ps.receivable_customers(actor=actor, filters=filters, today=today),
            ordering=ps.CUSTOMER_ORDERING, cursor=cursor, limit=PAGE_SIZE,
        )  # fmt: skip
    else:
        page = keyset_page(
            ps.receivable_orders(actor=actor, filters=filters, today=today),
            ordering=ps.ORDER_ORDERING, cursor=cursor, limit=PAGE_SIZE,
        )  # fmt: skip
    context = {"form": form, "by": by, "page": page, "today": today, "currency": actor.org.currency}
    if is_htmx(request) and cursor:
        return render(request, "sales/payments/receivables.html#rows", context)
    context["summary"] = ps.receivable_summary(actor=actor, filters=filters, today=today)
    context["may_configure"] = has_permission(actor, Permission.MANAGE_ORGANIZATION)
    return render(request, "sales/payments/receivables.html", context)


@employee_required(Permission.MANAGE_ORGANIZATION)
def sales_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    current = ps.sales_settings(org_id=actor.org_id)
    form = SalesSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"contract_reminder_days": current.contract_reminder_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment_services.sales_settings_update(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("sales_settings")
    return render(request, "sales/payments/settings.html", {"form": form})
