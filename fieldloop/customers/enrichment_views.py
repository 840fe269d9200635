"""HTML for enrichment (更多资讯): the customer page's "More information" panel, its refresh, and the
business-registry import page for administrators."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ServiceError
from fieldloop.core.htmx import is_htmx
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission

from . import enrichment, selectors, tasks
from .models import Customer, EnrichmentProvider, EnrichmentStatus

REGISTRY_LABELS = {
    "name": pgettext_lazy("company", "Name"),
    "credit_code": gettext_lazy("Unified social credit code"),
    "legal_representative": gettext_lazy("Legal representative"),
    "registered_capital": gettext_lazy("Registered capital"),
    "founded_on": gettext_lazy("Founded on"),
    "address": gettext_lazy("Address"),
    "business_scope": gettext_lazy("Business scope"),
}


def enrichment_context(actor: Employee, customer: Customer) -> dict[str, Any]:
    """What the "More information" tab shows: each provider's newest result."""
    panels = enrichment.enrichment_latest(actor=actor, customer=customer)
    registry = next((p.result for p in panels if p.provider == EnrichmentProvider.REGISTRY and p.result), None)
    registry_data = registry.data if registry is not None else {}
    return {
        "panels": panels,
        "pending": any(p.result is not None and p.result.status == EnrichmentStatus.PENDING for p in panels),
        "registry_rows": [(label, registry_data.get(key, "")) for key, label in REGISTRY_LABELS.items()],
        "can_import_registry": has_permission(actor, Permission.MANAGE_ORGANIZATION),
    }


@employee_required()
def customer_enrichment(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET: the panel (htmx polls it while a result is pending). POST: queue a refresh of every provider."""
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    if request.method == "POST":
        enrichment.enrich_customer(actor=actor, customer_id=customer.pk, enqueue=tasks.enqueue_enrichment)
        if not is_htmx(request):
            messages.success(request, _("Refreshing the information; it appears here when the providers answer."))
            return redirect(reverse("customer_detail", args=[customer.pk]) + "#tab-more")
    elif request.method != "GET":
        return HttpResponse(status=405)
    context = {"customer": customer, "enrichment": enrichment_context(actor, customer)}
    return render(request, "customers/_enrichment.html", context)


@employee_required(Permission.MANAGE_ORGANIZATION)
def registry_import(request: HttpRequest) -> HttpResponse:
    """An administrator uploads the business-registry file; every row is checked, all or nothing."""
    context: dict[str, Any] = {"labels": [str(label) for label in REGISTRY_LABELS.values()]}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a file to upload.")
        elif upload.size and upload.size > spreadsheets.MAX_BYTES:
            context["error"] = spreadsheets.too_large_message()
        else:
            try:
                name, content = upload.name or "", upload.read()
                result = enrichment.registry_import(actor=actor_of(request), filename=name, content=content)
            except ServiceError as e:
                context["error"] = " ".join(str(m) for m in e.fields.get("file", [])) or str(e.message)
                context["row_errors"] = [
                    (name.split(".")[1], REGISTRY_LABELS.get(name.split(".")[2], name), [str(m) for m in msgs])
                    for name, msgs in e.fields.items()
                    if name.startswith("rows.")
                ]
            else:
                context["result"] = result
        status = 400 if "error" in context else 200
    return render(request, "customers/registry_import.html", context, status=status)
