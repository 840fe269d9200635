"""HTML pages of orders: the list (mine or the team's, filtered, keyset-paged), an order's page (lines, credits,
amendments), the order form (new, from a customer's page or from the visit in progress; a draft's edit and a
confirmed order's amendment with its reason), confirm and cancel. Each view parses, checks access, calls one
service or selector and renders."""

import re
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.activities.models import Visit, VisitStatus
from fieldloop.core.errors import ServiceError, not_found
from fieldloop.core.forms import add_service_error
from fieldloop.core.pagination import keyset_page
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import customer_get, visible_customers
from fieldloop.formtemplates.values_form import picker_labels
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import visible_employees

from . import order_selectors as selectors
from . import order_services as services
from .models import Order, OrderKind, OrderStatus, Product
from .order_forms import (
    EXTRA_CREDITS,
    EXTRA_LINES,
    CreditFormSet,
    LineFormSet,
    OrderForm,
    ReasonForm,
    add_order_error,
    rows_of,
)

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,80}$")
PAGE_SIZE = 25
MAX_PRODUCT_CHOICES = 500
MAX_EMPLOYEE_CHOICES = 300
MAX_RENEWABLE = 50


def _plain(value: Decimal) -> str:
    """A decimal as a person types it: 100, 2.5 (never 1E+2 or 2.500)."""
    return f"{value.normalize():f}"


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


# --- list and detail ----------------------------------------------------------------------------------------


@employee_required()
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders: mine (owned or credited) or every order the actor sees; by status, kind, signing dates, customer."""
    actor = actor_of(request)
    filters = selectors.order_filters_from_query(request.GET.dict())
    qs = selectors.order_list(actor=actor, filters=filters)
    page = keyset_page(qs, ordering=selectors.ORDERING, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    customer = None
    if filters.customer_id is not None:
        customer = customer_get(actor=actor, customer_id=filters.customer_id)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "statuses": OrderStatus.choices,
        "kinds": OrderKind.choices,
        "customer": customer,
        "scopes": [(selectors.TEAM, _("All I can see")), (selectors.MINE, _("Mine"))],
    }
    return render(request, "sales/orders/list.html", context)


@employee_required()
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = actor_of(request)
    order = selectors.order_get(actor=actor, order_id=order_id)
    may_change = order.status != OrderStatus.CANCELLED and selectors.may_change_order(actor=actor, order=order)
    context = {"order": order, "may_change": may_change, "cancel_form": ReasonForm(auto_id="cancel_%s")}
    return render(request, "sales/orders/detail.html", context)


# --- the order form -----------------------------------------------------------------------------------------


def _product_choices(actor: Employee) -> list[tuple[int, str]]:
    rows = Product.objects.filter(org_id=actor.org_id, is_active=True).order_by("name", "id")
    return [(pk, f"{sku} {name}") for pk, sku, name in rows.values_list("pk", "sku", "name")[:MAX_PRODUCT_CHOICES]]


def _owner_choices(actor: Employee) -> list[tuple[int, str]]:
    """The actor first; others only for someone who may enter orders for them (a manager, an admin)."""
    if not has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS):
        return [(actor.pk, actor.name)]
    rows = visible_employees(actor=actor).active().exclude(pk=actor.pk).order_by("name", "id")
    return [(actor.pk, actor.name), *rows.values_list("pk", "name")[:MAX_EMPLOYEE_CHOICES]]


def _chosen(data: QueryDict, prefix: str, field: str, limit: int) -> set[int]:
    """The ids a sub-table's rows have chosen in their pickers."""
    total = min(_int(data.get(f"{prefix}-TOTAL_FORMS")) or 0, limit)
    return {pk for i in range(total) if (pk := _int(data.get(f"{prefix}-{i}-{field}"))) is not None}


def _credit_labels(actor: Employee, data: QueryDict) -> dict[int, str]:
    """The names of the employees the credit rows have chosen (their pickers show them), among those the actor may
    credit (a posted id reveals no one else's name): one query, none if none."""
    ids = _chosen(data, "credits", "employee_id", 20)
    if not ids:
        return {}
    return dict(selectors.creditable_employees(actor=actor).filter(pk__in=ids).values_list("pk", "name"))


def _product_labels(actor: Employee, data: QueryDict) -> dict[int, str]:
    """The code and name of the products the lines have chosen (their pickers show them): one query, none if none."""
    ids = _chosen(data, "lines", "product_id", 200)
    if not ids:
        return {}
    rows = Product.objects.filter(org_id=actor.org_id, pk__in=ids).values_list("pk", "sku", "name")
    return {pk: f"{sku} {name}" for pk, sku, name in rows}


def _renewable(actor: Employee, customer_id: int | None) -> list[tuple[int, str]]:
    if customer_id is None:
        return []
    rows = selectors.renewable_contracts(actor=actor, customer_id=customer_id)[:MAX_RENEWABLE]
    return [
        (o.pk, f"{o.number} · {o.signed_on:%Y-%m-%d}" + (f" – {o.ends_on:%Y-%m-%d}" if o.ends_on else "")) for o in rows
    ]


def _grown(data: QueryDict, prefix: str) -> QueryDict:
    """The posted sub-table with one more (blank) row."""
    data = data.copy()
    total = _int(data.get(f"{prefix}-TOTAL_FORMS")) or 0
    data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, 200))
    return data


def _initial_rows(prefix: str, rows: list[dict[str, Any]], extra: int) -> QueryDict:
    """A sub-table's rows as posted data (so the formset shows them and `extra` blank rows after)."""
    data = QueryDict(mutable=True)
    data[f"{prefix}-TOTAL_FORMS"] = str(len(rows) + extra)
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{i}-{name}"] = "" if value is None else str(value)
    return data


def _order_page(
    request: HttpRequest,
    actor: Employee,
    *,
    form: OrderForm,
    lines: Any,
    credits: Any,
    order: Order | None,
    customer: Customer | None,
    visit: Visit | None,
    reason: ReasonForm | None = None,
    fixed: bool = True,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form, "lines": lines, "credits": credits, "order": order, "customer": customer, "visit": visit,
        "reason_form": reason, "fixed": fixed,
    }  # fmt: skip
    return render(request, "sales/orders/form.html", context, status=status)


def _forms(
    actor: Employee,
    data: QueryDict | None,
    *,
    initial: dict[str, Any],
    customer_id: int | None,
    customer_fixed: bool,
    line_rows: list[dict[str, Any]] | None = None,
    credit_rows: list[dict[str, Any]] | None = None,
) -> tuple[OrderForm, Any, Any]:
    products = _product_choices(actor)
    form = OrderForm(
        data, initial=initial, owners=_owner_choices(actor), renewable=_renewable(actor, customer_id),
        customer_fixed=customer_fixed,
    )  # fmt: skip
    lines_data = data if data is not None else _initial_rows("lines", line_rows or [], EXTRA_LINES)
    credits_data = data if data is not None else _initial_rows("credits", credit_rows or [], EXTRA_CREDITS)
    picker_labels(form, actor.org_id)
    lines = LineFormSet(
        lines_data, prefix="lines", form_kwargs={"products": products, "labels": _product_labels(actor, lines_data)}
    )
    labels = _credit_labels(actor, credits_data)
    credits = CreditFormSet(credits_data, prefix="credits", form_kwargs={"labels": labels})
    return form, lines, credits


def _parsed_rows(lines: Any, credits: Any) -> tuple[list[services.LineIn], list[services.CreditIn]]:
    line_in = [
        services.LineIn(f.cleaned_data["product_id"], f.cleaned_data["quantity"], f.cleaned_data["unit_price"],
                        f.cleaned_data["discount_percent"] or "0")
        for _i, f in rows_of(lines)
    ]  # fmt: skip
    credit_in = [
        services.CreditIn(f.cleaned_data["employee_id"], f.cleaned_data["share_percent"]) for _i, f in rows_of(credits)
    ]
    return line_in, credit_in


@employee_required()
def order_new(request: HttpRequest) -> HttpResponse:
    """A new order: for `?customer=` (from the customer's page), or taken in the actor's visit in progress
    (`?visit=`, on the phone: the customer is the visit's and cannot change)."""
    actor = actor_of(request)
    params = request.POST if request.method == "POST" else request.GET
    visit = None
    customer = None
    visit_id = _int(params.get("visit") or params.get("visit_id"))
    if visit_id is not None:
        visit = (
            Visit.objects.filter(org_id=actor.org_id, pk=visit_id, employee=actor, customer__isnull=False)
            .select_related("customer")
            .first()
        )
        if visit is None or (request.method == "GET" and visit.status != VisitStatus.OPEN):
            raise not_found()
        customer = visit.customer
    elif request.method == "GET" and (customer_id := _int(params.get("customer"))) is not None:
        customer = customer_get(actor=actor, customer_id=customer_id)  # a link from the customer's page
    elif (customer_id := _int(params.get("customer_id"))) is not None:
        # the customer chosen in the form: one the actor does not see is the service's field error
        customer = visible_customers(actor=actor).filter(pk=customer_id).first()
    today = services.org_today(actor)
    initial = {
        "client_id": uuid.uuid4(), "customer_id": customer.pk if customer else None,
        "visit_id": visit.pk if visit else None, "owner_id": actor.pk, "signed_on": today,
    }  # fmt: skip
    # from a visit or a customer's page the customer is fixed (kept through the posts by the `fixed` field)
    fixed = customer is not None and (visit is not None or request.method == "GET" or params.get("fixed") == "1")
    data: QueryDict | None = request.POST if request.method == "POST" else None
    if data is not None and ("add_line" in data or "add_credit" in data):
        data = _grown(data, "lines" if "add_line" in data else "credits")
    form, lines, credits = _forms(
        actor, data, initial=initial, customer_id=customer.pk if customer else None, customer_fixed=fixed
    )
    page: dict[str, Any] = {"order": None, "customer": customer, "visit": visit, "fixed": fixed}
    if data is None or "add_line" in data or "add_credit" in data:
        return _order_page(request, actor, form=form, lines=lines, credits=credits, **page)
    if not (form.is_valid() and lines.is_valid() and credits.is_valid()):
        return _order_page(request, actor, form=form, lines=lines, credits=credits, status=400, **page)
    line_in, credit_in = _parsed_rows(lines, credits)
    c = form.cleaned_data
    try:
        order, _created = services.order_create(
            actor=actor, client_id=c["client_id"], customer_id=customer.pk if fixed and customer else c["customer_id"],
            lines=line_in, credits=credit_in or None, owner_id=c.get("owner_id") or None, signed_on=c["signed_on"],
            starts_on=c["starts_on"], ends_on=c["ends_on"], renews_id=c["renews_id"],
            visit_id=visit.pk if visit else None, note=c["note"], confirm="confirm" in data,
        )  # fmt: skip
    except ServiceError as e:
        add_order_error(form, lines, credits, e)
        return _order_page(request, actor, form=form, lines=lines, credits=credits, status=e.status, **page)
    messages.success(request, _("Order %(number)s saved.") % {"number": order.number})
    return redirect("order_detail", order_id=order.pk)


@employee_required()
def order_edit(request: HttpRequest, order_id: int) -> HttpResponse:
    """A draft's edit, or a confirmed order's amendment (with its reason, recorded)."""
    actor = actor_of(request)
    order = selectors.order_get(actor=actor, order_id=order_id)
    if order.status == OrderStatus.CANCELLED or not selectors.may_change_order(actor=actor, order=order):
        messages.error(request, _("This order cannot be changed."))
        return redirect("order_detail", order_id=order.pk)
    initial = {
        "client_id": order.client_id, "customer_id": order.customer_id, "owner_id": order.owner_id,
        "signed_on": order.signed_on, "starts_on": order.starts_on, "ends_on": order.ends_on,
        "renews_id": order.renews_id, "note": order.note,
    }  # fmt: skip
    line_rows = [
        {"product_id": line.product_id, "quantity": _plain(line.quantity), "unit_price": line.unit_price,
         "discount_percent": _plain(line.discount_percent)}
        for line in order.lines.all()
    ]  # fmt: skip
    credit_rows = [
        {"employee_id": c.employee_id, "share_percent": _plain(c.share_percent)} for c in order.credits.all()
    ]
    data: QueryDict | None = request.POST if request.method == "POST" else None
    if data is not None and ("add_line" in data or "add_credit" in data):
        data = _grown(data, "lines" if "add_line" in data else "credits")
    form, lines, credits = _forms(
        actor, data, initial=initial, customer_id=order.customer_id, customer_fixed=True, line_rows=line_rows,
        credit_rows=credit_rows,
    )  # fmt: skip
    for name in ("owner_id", "renews_id"):  # fixed once the order exists
        form.fields[name].disabled = True
    reason = ReasonForm(data) if order.status == OrderStatus.CONFIRMED else None
    page: dict[str, Any] = {"order": order, "customer": order.customer, "visit": order.visit, "reason": reason}
    if data is None or "add_line" in data or "add_credit" in data:
        return _order_page(request, actor, form=form, lines=lines, credits=credits, **page)
    valid = [form.is_valid(), lines.is_valid(), credits.is_valid(), reason.is_valid() if reason else True]
    if not all(valid):
        return _order_page(request, actor, form=form, lines=lines, credits=credits, status=400, **page)
    line_in, credit_in = _parsed_rows(lines, credits)
    c = form.cleaned_data
    try:
        services.order_amend(
            actor=actor, order_id=order.pk, reason=reason.cleaned_data["reason"] if reason else "", lines=line_in,
            credits=credit_in, signed_on=c["signed_on"], starts_on=c["starts_on"], ends_on=c["ends_on"],
            note=c["note"],
        )  # fmt: skip
    except ServiceError as e:
        if reason is not None and "reason" in e.fields:
            add_service_error(reason, ServiceError(e.code, e.message, {"reason": e.fields["reason"]}))
            e.fields = {k: v for k, v in e.fields.items() if k != "reason"}
        add_order_error(form, lines, credits, e)
        return _order_page(request, actor, form=form, lines=lines, credits=credits, status=e.status, **page)
    messages.success(request, _("Order %(number)s saved.") % {"number": order.number})
    return redirect("order_detail", order_id=order.pk)


# --- confirm and cancel -------------------------------------------------------------------------------------


@require_POST
@employee_required()
def order_confirm(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        order = services.order_confirm(actor=actor, order_id=order_id)
    except ServiceError as e:
        if e.status == 404:
            raise
        messages.error(request, str(e.message))
        return redirect("order_detail", order_id=order_id)
    messages.success(request, _("Order %(number)s confirmed.") % {"number": order.number})
    return redirect("order_detail", order_id=order.pk)


@employee_required()
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    """Cancel an order, with a reason (a form of its own on the phone; the order's page has it too)."""
    actor = actor_of(request)
    order = selectors.order_get(actor=actor, order_id=order_id)
    form = ReasonForm(request.POST if request.method == "POST" else None, auto_id="cancel_%s")
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.order_cancel(actor=actor, order_id=order.pk, reason=form.cleaned_data["reason"])
        except ServiceError as e:
            if e.status == 404:
                raise
            add_service_error(form, e)
            status = e.status
        else:
            messages.success(request, _("Order %(number)s cancelled.") % {"number": order.number})
            return redirect("order_detail", order_id=order.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "sales/orders/cancel.html", {"order": order, "form": form}, status=status)


# --- the credit picker (formtemplates.values_form.PickerInput) ----------------------------------------------


@employee_required()
def order_credit_pick(request: HttpRequest) -> HttpResponse:
    """The credit picker's rows: the employees the actor may credit (those they see and their teammates) matching
    the search, radio buttons named like the form's field (customers/_pick_rows.html), the chosen one on top
    while the actor may still credit them."""
    actor = actor_of(request)
    get = request.GET
    name = get.get("name", "")
    if not FIELD_NAME.match(name):
        name = "id"
    rows = selectors.credit_pick(actor=actor, text=get.get(f"{name}-q", ""))
    selected = _int(get.get(name))
    label = ""
    if selected is not None and not any(r.pk == selected for r in rows):
        found = selectors.creditable_employees(actor=actor).active().filter(pk=selected).values_list("name").first()
        label, selected = (found[0], selected) if found else ("", None)
    context = {
        "name": name,
        "rows": [(r, "") for r in rows if r.pk != selected],
        "selected": selected,
        "selected_row": next((r for r in rows if r.pk == selected), None),
        "selected_label": label,
        "searched": bool(get.get(f"{name}-q", "").strip()),
    }
    return render(request, "customers/_pick_rows.html", context)
