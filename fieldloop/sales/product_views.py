"""The catalogue's pages: the product list (everyone: the active catalogue; administrators: all of it, and its
management), the product form, the category tree, the import (dry run, commit, template) and the searchable
product picker's rows. Parse, check access, call one service or selector, render.

Between the dry run and the commit the uploaded file is kept in the default storage under
`imports/<org id>/products-<sha256>.<ext>` (beside the customer import's files, which `cleanup_imports`
deletes when they are old); the commit form carries only the SHA-256 and the extension, so nobody commits
another organization's file."""

import re
from collections.abc import Mapping

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.formtemplates import references
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission

from . import product_imports, product_selectors, product_services
from .product_forms import CategoryForm, ProductForm

PAGE_SIZE = 50
SHA256 = re.compile(r"^[0-9a-f]{64}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,80}$")
ACTIVE_FILTERS = {"active": True, "inactive": False, "all": None}


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


@employee_required()
def product_list(request: HttpRequest) -> HttpResponse:
    """The catalogue: search by SKU or name, filter by category (and, for administrators, active or not),
    50 at a time by SKU (keyset)."""
    actor = actor_of(request)
    manages = product_selectors.manages_catalogue(actor)
    search = request.GET.get("q", "").strip()[: product_selectors.SEARCH_LIMIT]
    nodes = product_selectors.category_tree(actor=actor)
    category_id = _id(request.GET.get("category"))
    if category_id is not None and category_id not in {n.category.pk for n in nodes}:
        category_id = None
    state = request.GET.get("active", "active") if manages else "active"
    state = state if state in ACTIVE_FILTERS else "active"
    qs = product_selectors.product_list(actor=actor, text=search, category_id=category_id, active=ACTIVE_FILTERS[state])
    page = keyset_page(
        qs, ordering=product_selectors.PRODUCT_ORDERING, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
    )
    context = {
        "page": page,
        "search": search,
        "categories": nodes,
        "category_id": category_id,
        "state": state,
        "manages": manages,
        "currency": actor.org.currency,
    }
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "sales/products/product_list.html#rows", context)
    return render(request, "sales/products/product_list.html", context)


def _product_form_page(
    request: HttpRequest, actor: Employee, form: ProductForm, product: object | None
) -> HttpResponse:
    return render(
        request,
        "sales/products/product_form.html",
        {"form": form, "product": product, "currency": actor.org.currency},
        status=400 if form.errors else 200,
    )


@employee_required(Permission.MANAGE_ORGANIZATION)
def product_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    categories = product_selectors.category_tree(actor=actor)
    initial = {"category_id": _id(request.GET.get("category"))}
    form = ProductForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_services.product_create(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Product “%(name)s” added.") % {"name": product.name})
            return redirect("product_list")
    return _product_form_page(request, actor, form, None)


@employee_required(Permission.MANAGE_ORGANIZATION)
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = actor_of(request)
    product = product_selectors.product_get(actor=actor, product_id=product_id)
    categories = product_selectors.category_tree(actor=actor)
    initial = {
        name: getattr(product, name) for name in ("sku", "name", "category_id", "unit", "list_price", "description")
    }
    form = ProductForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_services.product_update(actor=actor, product_id=product.pk, values=form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Product “%(name)s” saved.") % {"name": product.name})
            return redirect("product_list")
    return _product_form_page(request, actor, form, product)


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def product_active(request: HttpRequest, product_id: int) -> HttpResponse:
    """Deactivate (`active=0`) or reactivate (`active=1`) a product."""
    actor = actor_of(request)
    active = request.POST.get("active") == "1"
    product = product_services.product_set_active(actor=actor, product_id=product_id, active=active)
    if active:
        messages.success(request, _("“%(name)s” is offered again.") % {"name": product.name})
    else:
        messages.success(request, _("“%(name)s” is no longer offered.") % {"name": product.name})
    return redirect("product_edit", product_id=product.pk)


def _category_page(request: HttpRequest, actor: Employee, form: CategoryForm) -> HttpResponse:
    nodes = product_selectors.category_tree(actor=actor)
    rows = [(n, CategoryForm(categories=nodes, exclude=n.category.pk, prefix=f"c{n.category.pk}", initial={
        "name": n.category.name, "parent_id": n.category.parent_id, "sort_order": n.category.sort_order,
    })) for n in nodes]  # fmt: skip
    return render(
        request,
        "sales/products/category_list.html",
        {"rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


@employee_required(Permission.MANAGE_ORGANIZATION)
def category_list(request: HttpRequest) -> HttpResponse:
    """GET: the category tree, each with its products and sub-categories. POST: add a category."""
    actor = actor_of(request)
    form = CategoryForm(request.POST or None, categories=product_selectors.category_tree(actor=actor))
    if request.method == "POST" and form.is_valid():
        try:
            category = product_services.category_create(
                actor=actor,
                name=form.cleaned_data["name"],
                parent_id=form.cleaned_data["parent_id"],
                sort_order=form.cleaned_data["sort_order"] or 0,
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
            return redirect("product_categories")
    return _category_page(request, actor, form)


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    """One category's row: save (rename, move, reorder) or delete."""
    actor = actor_of(request)
    category = product_selectors.category_get(actor=actor, category_id=category_id)
    try:
        if request.POST.get("action") == "delete":
            product_services.category_delete(actor=actor, category_id=category.pk)
            messages.success(request, _("Category “%(name)s” deleted.") % {"name": category.name})
            return redirect("product_categories")
        nodes = product_selectors.category_tree(actor=actor)
        form = CategoryForm(request.POST, categories=nodes, exclude=category.pk, prefix=f"c{category.pk}")
        if not form.is_valid():
            messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
            return redirect("product_categories")
        product_services.category_update(
            actor=actor,
            category_id=category.pk,
            name=form.cleaned_data["name"],
            parent_id=form.cleaned_data["parent_id"],
            sort_order=form.cleaned_data["sort_order"],
        )
    except ServiceError as e:
        messages.error(request, " ".join(str(m) for ms in e.fields.values() for m in ms) or str(e.message))
    else:
        messages.success(request, _("Categories saved."))
    return redirect("product_categories")


# --- Import -----------------------------------------------------------------------------------------------


def _stored_path(actor: Employee, sha256: str, extension: str) -> str:
    return f"imports/{actor.org_id}/products-{sha256}.{extension}"


def _import_page(request: HttpRequest, context: Mapping[str, object], status: int = 200) -> HttpResponse:
    return render(request, "sales/products/import.html", dict(context), status=status)


@employee_required(Permission.MANAGE_ORGANIZATION)
def product_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: a dry run of the uploaded file (nothing written), with the commit form when
    no row has errors."""
    actor = actor_of(request)
    if request.method != "POST":
        return _import_page(request, {})
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, {"error": _("Choose a file to upload.")}, 400)
    if upload.size and upload.size > spreadsheets.MAX_BYTES:
        return _import_page(request, {"error": spreadsheets.too_large_message()}, 400)
    content = upload.read()
    try:
        report = product_imports.product_import_dry_run(actor=actor, filename=upload.name or "", content=content)
    except ServiceError as e:
        return _import_page(
            request, {"error": " ".join(str(m) for m in e.fields.get("file", [])) or str(e.message)}, 400
        )
    if not report.error_count:
        path = _stored_path(actor, report.sha256, report.extension)
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(content))
    return _import_page(request, {"report": report, "rows": _report_rows(report)})


def _report_rows(report: product_imports.ProductImportReport) -> list[dict[str, object]]:
    return [
        {
            "number": row.number,
            "status": row.status,
            "sku": row.sku,
            "name": row.name,
            "errors": [(report.column_label(column), messages) for column, messages in row.errors.items()],
        }
        for row in report.rows
    ]


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def product_import_commit(request: HttpRequest) -> HttpResponse:
    """Write the checked file's products (all or nothing), then show the catalogue."""
    actor = actor_of(request)
    sha256 = request.POST.get("sha256", "")
    extension = request.POST.get("extension", "")
    again = {"error": _("Upload the file again.")}
    if not SHA256.match(sha256) or extension not in spreadsheets.EXTENSIONS:
        return _import_page(request, again, 400)
    path = _stored_path(actor, sha256, extension)
    if not default_storage.exists(path):
        return _import_page(request, again, 400)
    with default_storage.open(path, "rb") as stored:
        content = stored.read()
    try:
        result = product_imports.product_import_commit(actor=actor, filename=f"import.{extension}", content=content)
    except product_imports.ProductImportRefused as e:
        return _import_page(request, {"report": e.report, "rows": _report_rows(e.report), "error": str(e.message)}, 400)
    except ServiceError as e:
        return _import_page(
            request, {"error": " ".join(str(m) for m in e.fields.get("file", [])) or str(e.message)}, 400
        )
    default_storage.delete(path)
    messages.success(request, _("%(count)d products imported.") % {"count": result.created})
    return redirect("product_list")


@employee_required(Permission.MANAGE_ORGANIZATION)
def product_import_template(request: HttpRequest) -> HttpResponse:
    content = product_imports.product_import_template(actor=actor_of(request))
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="products-template.xlsx"'
    return response


# --- The searchable picker (formtemplates.values_form.PickerInput) ----------------------------------------


@employee_required()
def product_pick(request: HttpRequest) -> HttpResponse:
    """The product picker's rows: radio buttons named like the form's field (customers/_pick_rows.html), the
    chosen product on top while it is still an active product of the catalogue."""
    actor = actor_of(request)
    get = request.GET
    name = get.get("name", "")
    if not FIELD_NAME.match(name):
        name = "id"
    rows = product_selectors.product_pick(actor=actor, text=get.get(f"{name}-q", ""))
    selected = _id(get.get(name))
    label = ""
    if selected is not None and not any(r.pk == selected for r in rows):
        reference = references.get("product")
        if reference is not None and reference.resolver(actor, selected):
            label = references.labels("product", actor.org_id, [selected]).get(selected, "")
        else:
            selected = None
    context = {
        "name": name,
        "rows": [(r, "") for r in rows if r.pk != selected],
        "selected": selected,
        "selected_row": next((r for r in rows if r.pk == selected), None),
        "selected_label": label,
        "searched": bool(get.get(f"{name}-q", "").strip()),
    }
    return render(request, "customers/_pick_rows.html", context)
