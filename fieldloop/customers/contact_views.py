"""HTML pages for contacts: the list across the customers one sees, a contact's page (edit, archive), make-primary.
Thin: the rules are `customers.services.contact_update` / `contact_archive` and `selectors.contact_search`."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.core.redirects import safe_next
from fieldloop.org.decorators import actor_of, employee_required

from . import selectors, services
from .forms import ContactEditForm
from .models import Contact

PAGE_SIZE = 50
ORDERING = ("name", "id")


@employee_required()
def contact_list(request: HttpRequest) -> HttpResponse:
    """Contacts of the customers the actor sees, by name: `q` searches name, phones, email and the customer's
    name; `archived=1` shows archived contacts (and those of archived customers) too. Keyset-paged."""
    get = request.GET
    search = get.get("q", "").strip()[:80]
    archived = get.get("archived") == "1"
    qs = selectors.contact_search(actor=actor_of(request), text=search, include_archived=archived)
    page = keyset_page(qs, ordering=ORDERING, cursor=get.get("cursor") or None, limit=PAGE_SIZE)
    context = {"page": page, "search": search, "archived": archived, "here": request.get_full_path()}
    if is_htmx(request) and get.get("cursor"):
        return render(request, "customers/contact_list.html#rows", context)
    return render(request, "customers/contact_list.html", context)


def _customer_page(contact: Contact) -> str:
    return reverse("customer_detail", args=[contact.customer_id]) + "#tab-contacts"


@employee_required()
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    """A contact's page: its fields to edit, and archive. Whoever may change its customer; others get 403."""
    actor = actor_of(request)
    contact = selectors.contact_get(actor=actor, contact_id=contact_id)
    if not selectors.may_change_customer(actor=actor, customer=contact.customer):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change this customer."))
    back = safe_next(request, _customer_page(contact))
    initial = {name: getattr(contact, name) for name in ContactEditForm.base_fields}
    form = ContactEditForm(request.POST or None, initial=initial, primary=contact.is_primary)
    if contact.archived_at is None and request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=actor, contact_id=contact.pk, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Contact “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return redirect(back)
    return render(request, "customers/contact_form.html", {"form": form, "contact": contact, "back": back})


@require_POST
@employee_required()
def contact_archive(request: HttpRequest, contact_id: int) -> HttpResponse:
    actor = actor_of(request)
    contact = selectors.contact_get(actor=actor, contact_id=contact_id)
    try:
        services.contact_archive(actor=actor, contact_id=contact.pk)
    except ServiceError as e:
        messages.error(request, str(e.message))
        return redirect("contact_edit", contact_id=contact.pk)
    messages.success(request, _("Contact “%(name)s” archived.") % {"name": contact.name})
    return redirect(safe_next(request, _customer_page(contact)))


@require_POST
@employee_required()
def contact_make_primary(request: HttpRequest, contact_id: int) -> HttpResponse:
    actor = actor_of(request)
    contact = selectors.contact_get(actor=actor, contact_id=contact_id)
    try:
        services.contact_update(actor=actor, contact_id=contact.pk, is_primary=True)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("%(name)s is now the primary contact.") % {"name": contact.name})
    return redirect(safe_next(request, _customer_page(contact)))
