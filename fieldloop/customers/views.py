"""HTML pages of the customers app: parse, check access, call one service or selector, render."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.geo import Position, distance_text, haversine_m, position_from
from fieldloop.core.htmx import is_htmx
from fieldloop.core.offline import offline_capable
from fieldloop.core.pagination import Page, keyset_page
from fieldloop.formtemplates.display import display_values
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.serving import attachment_response
from fieldloop.formtemplates.values_form import TemplateValuesForm
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission

from . import duplicates, selectors, services
from .duplicates import all_orgs_masked_existence_check, possible_duplicates
from .enrichment_views import enrichment_context
from .filter_views import filter_choices
from .forms import ContactForm, CustomerForm, DuplicateRulesForm
from .models import Contact, Customer
from .panels import customer_panels
from .pool_views import KEPT as BULK_KEPT
from .pool_views import bulk_bar, bulk_kept_elsewhere, release_and_assign_forms
from .saved_filter_views import saved_filters_context
from .summary import customer_summary
from .timeline import EVENTS as TIMELINE_EVENTS
from .timeline import customer_timeline_page, timeline_actions

PAGE_SIZE = 50
CARDS_MORE = "load-more-cards"  # the phone cards' "load more": its next page comes as cards, not table rows
CARD_SEARCH_FIELDS = ("q", "tag", "not_visited")  # what the phone's search form asks; it keeps the rest in force
POSITION_FIELDS = ("lat", "lon", "acc")  # a position read for "nearby" is the phone's own, read again each time
FIELD_LABELS = {f.name: f.verbose_name for f in Customer._meta.get_fields() if hasattr(f, "verbose_name")}
FIELD_LABELS |= {f"{name}_id": label for name, label in list(FIELD_LABELS.items())}
FIELD_LABELS["collaborator_ids"] = FIELD_LABELS.get("collaborators", "")
# a contact's changes on its customer's timeline (contact_updated, contact_archived)
FIELD_LABELS |= {
    f.name: f.verbose_name
    for f in Contact._meta.get_fields()
    if hasattr(f, "verbose_name") and f.name not in FIELD_LABELS
}
FIELD_LABELS |= {"archived": gettext_lazy("Archived"), "primary_contact": gettext_lazy("Primary contact")}
MERGE_BOOKKEEPING = ("merged_id", "moved")  # a merge's ids (its summary names both) and counts (shown as such)


@dataclass(frozen=True)
class CustomerCard:
    """A customer as the phone's card list shows it."""

    customer: Customer
    distance: str  # "" when no position is known


def _position(query: QueryDict) -> Position | None:
    try:
        return position_from(query.get("lat"), query.get("lon"), query.get("acc"))
    except ServiceError:
        return None


@employee_required()
def customer_list(request: HttpRequest) -> HttpResponse:
    """The customers: a table with the bulk bar on a desktop, cards with filter chips (mine, nearby, pool) on a
    phone, from the same rows. "Nearby" (`near=1`) lists the nearest customers to the phone's position (sent by
    static/js/phone_today.js as `lat`, `lon`, `acc`; the rep's own most recent ones until then)."""
    actor = actor_of(request)
    get = request.GET
    filters, errors = selectors.parse_customer_filters(get)
    position = _position(get)
    near = get.get("near") == "1"
    if near:
        nearby = selectors.customers_nearby(
            actor=actor,
            latitude=position.latitude if position else None,
            longitude=position.longitude if position else None,
        )
        page = Page(items=[n.customer for n in nearby], next_cursor=None)
        cards = [CustomerCard(n.customer, distance_text(n.distance_m)) for n in nearby]
    else:
        qs = selectors.customer_list(actor=actor, filters=filters)
        page = keyset_page(qs, ordering=filters.ordering, cursor=get.get("cursor") or None, limit=PAGE_SIZE)
        cards = [CustomerCard(c, _distance_from(position, c)) for c in page.items]
    query = get.copy()
    for key in ("cursor", *BULK_KEPT):
        query.pop(key, None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context = {
        **filter_choices(actor=actor, filters=filters, errors=errors),
        **saved_filters_context(actor=actor, filters=filters, page="list"),
        "page": page,
        "cards": cards,
        "near": near,
        "position": position,
        "query": query.urlencode(),
        "unsorted_query": unsorted.urlencode(),
        "card_search_kept": [
            (name, value)
            for name, values in query.lists()
            if name not in (*CARD_SEARCH_FIELDS, *POSITION_FIELDS)
            for value in values
        ],
        "now": timezone.now(),
        "bulk": bulk_bar(actor, request),
        "can_manage_stages": has_permission(actor, Permission.MANAGE_ORGANIZATION),
    }
    if not is_htmx(request):
        bulk_kept_elsewhere(actor, context["bulk"], page.items)
    if is_htmx(request) and (near or request.headers.get("HX-Target") == CARDS_MORE):
        return render(request, "customers/customer_list.html#cards", context)
    if is_htmx(request) and get.get("cursor"):
        return render(request, "customers/customer_list.html#rows", context)
    return render(request, "customers/customer_list.html", context)


def _distance_from(position: Position | None, customer: Customer) -> str:
    if position is None or customer.latitude is None or customer.longitude is None:
        return ""
    return distance_text(
        haversine_m(position.latitude, position.longitude, float(customer.latitude), float(customer.longitude))
    )


def _customer_form_values(form: CustomerForm) -> dict[str, Any]:
    values = dict(form.cleaned_data)
    values.pop("client_id", None)
    values.pop("allow_duplicates", None)
    return values


@employee_required()
@offline_capable
def customer_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    initial = {"owner_id": actor.pk, "client_id": uuid.uuid4()}
    form = CustomerForm(request.POST or None, actor=actor, language=get_language(), initial=initial)
    custom = _custom_form(request, actor)
    if request.method == "POST" and all([form.is_valid(), custom.is_valid()]):
        client_id = form.cleaned_data["client_id"] or uuid.uuid4()
        try:
            customer, _created = services.customer_create(
                actor=actor,
                client_id=client_id,
                custom_values=custom.values,
                allow_duplicates=form.cleaned_data["allow_duplicates"],
                **_customer_form_values(form),
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer.name})
            return redirect("customer_detail", customer_id=customer.pk)
    return render(
        request, "customers/customer_form.html", {"form": form, "custom_form": custom, "title": _("New customer")}
    )


@employee_required()
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    initial = {name: getattr(customer, name) for name in CustomerForm.base_fields if hasattr(customer, name)}
    initial["tag_ids"] = [t.pk for t in customer.tags.all()]
    form = CustomerForm(request.POST or None, actor=actor, language=get_language(), initial=initial)
    custom = _custom_form(request, actor, customer)
    if request.method == "POST" and all([form.is_valid(), custom.is_valid()]):
        try:
            services.customer_update(
                actor=actor,
                customer_id=customer.pk,
                custom_values=custom.values,
                allow_duplicates=form.cleaned_data["allow_duplicates"],
                **_customer_form_values(form),
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer.name})
            return redirect("customer_detail", customer_id=customer.pk)
    context = {"form": form, "custom_form": custom, "title": customer.name, "customer": customer}
    return render(request, "customers/customer_form.html", context)


def _custom_form(request: HttpRequest, actor: Employee, customer: Customer | None = None) -> TemplateValuesForm:
    """The organization's customer template as a form: its fields, prefilled with `customer`'s stored values."""
    version = customer_template(org=actor.org).current_version
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    return TemplateValuesForm(
        data,
        files,
        version=version,
        actor=actor,
        previous=customer.custom_values if customer else None,
        prefix="custom",
        attachment_url=(
            lambda pk, thumbnail: reverse(
                "customer_attachment_thumbnail" if thumbnail else "customer_attachment", args=[customer.pk, pk]
            )
        )
        if customer
        else None,
    )


@employee_required()
def customer_attachment(
    request: HttpRequest, customer_id: int, attachment_id: int, thumbnail: bool = False
) -> HttpResponseBase:
    """A photo (or its thumbnail) or file of a customer's custom fields, for a viewer who may see the customer."""
    attachment = selectors.customer_attachment(
        actor=actor_of(request), customer_id=customer_id, attachment_id=attachment_id
    )
    return attachment_response(attachment, thumbnail=thumbnail)


@employee_required()
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_read(actor=actor, customer_id=customer_id)
    timeline = customer_timeline_page(actor=actor, customer=customer, cursor=request.GET.get("cursor"), limit=20)
    for item in timeline.items:
        if item.source == TIMELINE_EVENTS:
            item.obj.change_rows = [
                (FIELD_LABELS.get(field, field), *change)
                for field, change in item.obj.changes.items()
                if field not in MERGE_BOOKKEEPING
            ]
            item.obj.moved_counts = duplicates.moved_counts(item.obj.changes)
    can_change = selectors.may_change_customer(actor=actor, customer=customer)
    read_only = not customer.within_reach  # type: ignore[attr-defined]  # read because the actor's team worked on it
    context = {
        "customer": customer,
        "can_change": can_change,
        "read_only": read_only,
        "navigate": f"geo:{customer.latitude},{customer.longitude}?q={customer.latitude},{customer.longitude}"
        if customer.latitude is not None and customer.longitude is not None
        else "",
        "contacts": selectors.contact_list(actor=actor, customer=customer),
        "collaborators": customer.collaborators.all(),
        "timeline": timeline,
        "timeline_actions": [] if read_only else timeline_actions(actor=actor, customer=customer),
        "contact_form": ContactForm(initial={"client_id": uuid.uuid4()}),
        **release_and_assign_forms(actor, customer, can_change=can_change, read_only=read_only),
        "merge_candidates": [] if read_only else _merge_candidates(actor, customer),
        "custom_rows": display_values(
            version=customer.template_version, values=customer.custom_values, language=get_language()
        )
        if customer.template_version
        else [],
        "language": get_language(),
        "enrichment": enrichment_context(actor, customer),
        "panels": customer_panels(actor=actor, customer=customer),
    }
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "customers/customer_detail.html#timeline", context)
    context["summary"] = customer_summary(actor=actor, customer=customer)  # the page's top, not the timeline's pages
    return render(request, "customers/customer_detail.html", context)


@require_POST
@employee_required()
def customer_archive(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = services.customer_archive(actor=actor_of(request), customer_id=customer_id)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Customer “%(name)s” archived.") % {"name": customer.name})
    return redirect("customer_detail", customer_id=customer_id)


@require_POST
@employee_required()
def customer_restore(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = services.customer_restore(actor=actor_of(request), customer_id=customer_id)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Customer “%(name)s” restored.") % {"name": customer.name})
    return redirect("customer_detail", customer_id=customer_id)


@require_POST
@employee_required()
def contact_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        values = dict(form.cleaned_data)
        client_id = values.pop("client_id")
        try:
            services.contact_create(actor=actor, customer_id=customer.pk, client_id=client_id, **values)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Contact added."))
            return redirect("customer_detail", customer_id=customer.pk)
    messages.error(request, _("The contact was not saved: %(errors)s") % {"errors": _errors_text(form)})
    return redirect("customer_detail", customer_id=customer.pk)


def _errors_text(form: ContactForm) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''} {' '.join(str(m) for m in e)}".strip()
        for f, e in form.errors.items()
    )


@employee_required()
def customer_existence(request: HttpRequest) -> HttpResponse:
    """ "Does this company exist?": the masked search a rep runs before calling a prospect."""
    query = request.GET.get("q", "").strip()[:80]
    matches, error = [], ""
    if query:
        try:
            matches = all_orgs_masked_existence_check(actor=actor_of(request), query=query)
        except ServiceError as e:
            error = str(e.message)
    context = {
        "query": query,
        "matches": matches,
        "error": error,
        "can_manage_rules": has_permission(actor_of(request), Permission.MANAGE_ORGANIZATION),
    }
    if is_htmx(request):
        return render(request, "customers/existence.html#results", context)
    return render(request, "customers/existence.html", context)


def _merge_candidates(actor: Employee, customer: Customer) -> list[Customer]:
    """Visible customers that look like this one, for a user who may merge them."""
    if customer.is_archived or not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        return []
    same_name, same_phone = possible_duplicates(
        org_id=actor.org_id, name=customer.name, phone=customer.phone, exclude_id=customer.pk
    )
    ids = {c.pk for c in same_name + same_phone}
    return list(selectors.visible_customers(actor=actor).filter(pk__in=ids).order_by("name")[:10])


@require_POST
@employee_required(Permission.ASSIGN_CUSTOMERS)
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    merge_id = request.POST.get("merge_id", "")
    try:
        if not merge_id.isdigit():
            raise ServiceError(ErrorCode.INVALID, _("Choose the customer to merge."))
        keep = duplicates.customer_merge(actor=actor_of(request), keep_id=customer_id, merge_id=int(merge_id))
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Merged into “%(name)s”.") % {"name": keep.name})
    return redirect("customer_detail", customer_id=customer_id)


@employee_required(Permission.MANAGE_ORGANIZATION)
def duplicate_rules(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    rules = duplicates.duplicate_settings(org_id=actor.org_id)
    initial = {"duplicate_name": rules.duplicate_name, "duplicate_phone": rules.duplicate_phone}
    form = DuplicateRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            duplicates.duplicate_rules_update(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Duplicate rules saved."))
            return redirect("duplicate_rules")
    return render(request, "customers/duplicate_rules.html", {"form": form})
