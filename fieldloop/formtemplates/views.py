"""The designer pages: the organization's templates, and a designer with live preview and version history."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.org.decorators import actor_of, employee_required

from . import selectors, services
from .definitions import column_types_available, parse_definitions
from .designer import apply_action, fill_keys, row_errors, rows_from_post
from .fields import FIELD_TYPE_LABELS, OPTION_DEFAULTS, EmployeeScope, FieldType
from .forms import TemplateCreateForm
from .models import FormTemplate
from .services import MANAGE_TEMPLATES
from .values_form import TemplateValuesForm


@employee_required(MANAGE_TEMPLATES)
def template_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = TemplateCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Template “%(name)s” created.") % {"name": template.name})
            return redirect("formtemplate_designer", template_id=template.pk)
    include_archived = request.GET.get("archived") == "1"
    context = {
        "templates": selectors.template_list(actor=actor, include_archived=include_archived),
        "include_archived": include_archived,
        "form": form,
    }
    return render(request, "formtemplates/template_list.html", context)


@employee_required(MANAGE_TEMPLATES)
def template_designer(request: HttpRequest, template_id: int) -> HttpResponse:
    actor = actor_of(request)
    template = selectors.template_get(actor=actor, template_id=template_id)
    published = _published_keys(template)  # the keys the current version fixed
    errors: dict[str, list[Any]] = {}
    if request.method == "POST":
        rows = fill_keys(rows_from_post(request.POST), published)
        action = request.POST.get("action", "")
        if action == "publish":
            try:
                version = services.template_publish(actor=actor, template_id=template.pk, fields=rows)
            except ServiceError as e:
                errors = e.fields or {"__all__": [e.message]}
            else:
                messages.success(request, _("Version %(number)d published.") % {"number": version.number})
                url = reverse("formtemplate_designer", kwargs={"template_id": template.pk})
                if is_htmx(request):
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return redirect(url)
        else:
            rows = apply_action(rows, action, request.POST.get("new_type", ""))
    else:
        rows = list(template.current_version.fields) if template.current_version else []
    context = _designer_context(template, rows, errors, published)
    if is_htmx(request):
        response = render(request, "formtemplates/designer.html#editor", context)
        response["HX-Trigger"] = "designer-changed"
        return response
    return render(request, "formtemplates/designer.html", context, status=400 if errors else 200)


def _published_keys(template: FormTemplate) -> dict[str, set[str]]:
    """The current version's field keys, each with its columns' keys (a sub-table's)."""
    definitions = template.current_version.definitions if template.current_version else []
    return {d.key: {c.key for c in d.columns} if d.type == FieldType.SUBTABLE else set() for d in definitions}


def _choice_rows(options: dict[str, Any]) -> list[dict[str, str]]:
    """A choice field's options as the editor shows them: one a row, at least one (empty) to fill."""
    return list(options.get("choices") or []) or [{"value": "", "label": "", "label_en": ""}]


def _designer_context(
    template: FormTemplate, rows: list[dict[str, Any]], errors: dict[str, Any], published_columns: dict[str, set[str]]
) -> dict[str, Any]:
    published = set(published_columns)
    per_row, general = row_errors(errors, len(rows))
    editor_rows = []
    for i, row in enumerate(rows):
        options = row.get("options") or {}
        try:
            known = set(OPTION_DEFAULTS.get(FieldType(str(row.get("type"))), {}))
        except ValueError:
            known = set()
        columns_published = published_columns.get(str(row.get("key")), set())
        editor_rows.append(
            {
                "index": i,
                "row": row,
                "opts": {**{k: v for k, v in options.items() if k != "choices"}},
                "choices": _choice_rows(options),
                "prefix": f"f-{i}-",
                "known": known,
                "published": row.get("key") in published,
                "errors": per_row[i],
                "first": i == 0,
                "last": i == len(rows) - 1,
                "columns": _column_editors(i, options.get("columns"), columns_published),
            }
        )
    return {
        "template": template,
        "rows": editor_rows,
        "row_count": len(rows),
        "general_errors": general,
        "field_types": [(t.value, FIELD_TYPE_LABELS[t]) for t in FieldType],
        "column_types": [(t.value, FIELD_TYPE_LABELS[t]) for t in column_types_available()],
        "scopes": [s.value for s in EmployeeScope],
        "versions": template.versions.select_related("created_by").order_by("-number"),
    }


def _column_editors(i: int, columns: Any, published: set[str]) -> list[dict[str, Any]]:
    """The editing state of a sub-table's columns, as `_designer_context` gives the fields'."""
    columns = columns if isinstance(columns, list) else []
    editors = []
    for j, column in enumerate(columns):
        options = column.get("options") or {}
        try:
            known = set(OPTION_DEFAULTS.get(FieldType(str(column.get("type"))), {}))
        except ValueError:
            known = set()
        editors.append(
            {
                "index": j,
                "column": column,
                "opts": {k: v for k, v in options.items() if k != "choices"},
                "choices": _choice_rows(options),
                "prefix": f"f-{i}-c-{j}-",
                "at": f"{i}-{j}",
                "known": known,
                "published": column.get("key") in published,
                "first": j == 0,
                "last": j == len(columns) - 1,
            }
        )
    return editors


@require_POST
@employee_required(MANAGE_TEMPLATES)
def template_preview(request: HttpRequest, template_id: int) -> HttpResponse:
    """The form as a rep would see it, from the definition being edited (not yet published)."""
    actor = actor_of(request)
    selectors.template_get(actor=actor, template_id=template_id)
    error: ServiceError | None = None
    form = None
    try:
        definitions = parse_definitions(rows_from_post(request.POST))
    except ServiceError as e:
        error = e
    else:
        form = TemplateValuesForm(version=None, actor=actor, definitions=definitions, prefix="preview")
    messages_ = [str(m) for msgs in error.fields.values() for m in msgs] if error else []
    return render(request, "formtemplates/_preview.html", {"form": form, "preview_errors": messages_})


@require_POST
@employee_required(MANAGE_TEMPLATES)
def template_archive(request: HttpRequest, template_id: int) -> HttpResponse:
    try:
        template = services.template_archive(actor=actor_of(request), template_id=template_id)
    except ServiceError as e:
        if e.status == 404:
            raise
        messages.error(request, str(e.message))
        return redirect("formtemplate_designer", template_id=template_id)
    messages.success(request, _("Template “%(name)s” archived.") % {"name": template.name})
    return redirect("formtemplate_list")
