"""Saved filters on the customer list and the map: "save this filter" under a name, the actor's saved filters as
links that apply one in a click (the list or the map with its query), which one is in force, and a small page
to rename and delete them. Parse, call one function of customers/saved_filters.py, render."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Department, Employee
from fieldloop.org.selectors import visible_employees

from . import saved_filters
from .models import SAVED_FILTER_NAME_LIMIT, CustomerLevel, CustomerSource, CustomerStage, SavedFilter, Tag
from .selectors import CustomerFilters, customer_filters_from_query, customer_filters_query

PAGES = {"list": "customer_list", "map": "customer_map"}  # where a saved filter applies, and the save form returns


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=SAVED_FILTER_NAME_LIMIT)
    query = forms.CharField(max_length=saved_filters.QUERY_LIMIT, required=False, widget=forms.HiddenInput)
    page = forms.ChoiceField(choices=[(p, p) for p in PAGES], required=False, widget=forms.HiddenInput)


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=SAVED_FILTER_NAME_LIMIT)


def _in_force(rows: list[SavedFilter], filters: CustomerFilters) -> SavedFilter | None:
    """The saved filter the page's filters are: the same query, or the same but for an order the saved one does
    not fix (a manager sorting the list keeps their saved filter in force)."""
    query = customer_filters_query(filters)
    unsorted = customer_filters_query(filters, sort=False)
    return next((s for s in rows if query and s.query in (query, unsorted)), None)


def saved_filters_context(
    *, actor: Employee, filters: CustomerFilters, page: str, form: SavedFilterForm | None = None
) -> dict[str, Any]:
    """The template context of the saved filters' bar (`customers/_saved_filters.html`) on the list or the map:
    one query for the actor's saved filters."""
    rows = list(saved_filters.saved_filter_list(actor=actor))
    query = customer_filters_query(filters)
    return {
        "saved_filters": rows,
        "saved_in_force": _in_force(rows, filters),
        "saved_page": page,
        "saved_base": reverse(PAGES[page]),
        "saved_query": query,
        "saved_form": form or SavedFilterForm(initial={"query": query, "page": page}),
    }


def _bar(request: HttpRequest, actor: Employee, form: SavedFilterForm, query: str, page: str) -> HttpResponse:
    """The bar again, for htmx: the page's filters are the form's query (what the page showed)."""
    filters = customer_filters_from_query(QueryDict(query[: saved_filters.QUERY_LIMIT]))
    status = 400 if form.errors else 200
    context = saved_filters_context(actor=actor, filters=filters, page=page, form=form)
    return render(request, "customers/_saved_filters.html", context, status=status)


@require_POST
@employee_required()
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    """Save the filters of the list or the map (the form's hidden `query`) under a name. htmx gets the bar again
    (the new filter in force, or the form with its error); a plain post goes back to the page."""
    actor = actor_of(request)
    form = SavedFilterForm(request.POST)
    page = "map" if request.POST.get("page") == "map" else "list"
    saved = None
    if form.is_valid():
        try:
            saved = saved_filters.saved_filter_create(
                actor=actor, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except ServiceError as e:
            add_service_error(form, e)
    if is_htmx(request):
        if saved is not None:
            return _bar(
                request, actor, SavedFilterForm(initial={"query": saved.query, "page": page}), saved.query, page
            )
        return _bar(request, actor, form, request.POST.get("query", ""), page)
    if saved is None:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        sent = QueryDict(request.POST.get("query", "")[: saved_filters.QUERY_LIMIT])
        query = customer_filters_query(customer_filters_from_query(sent))  # back to what the page showed
    else:
        messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
        query = saved.query
    return redirect(reverse(PAGES[page]) + (f"?{query}" if query else ""))


def _summaries(actor: Employee, rows: list[SavedFilter]) -> list[tuple[SavedFilter, str]]:
    """Each saved filter with what it keeps in words ("Level: A · City: 上海 · Not visited for 14 days"), the
    rows it names by their names: one query per kind of row (owners, departments, stages, tags), whatever the
    number of saved filters."""
    parsed = [(s, saved_filters.saved_filter_filters(s)) for s in rows]
    owners = {f.owner_id for _s, f in parsed if f.owner_id}
    departments = {f.department_id for _s, f in parsed if f.department_id}
    stages = {f.stage_id for _s, f in parsed if f.stage_id}
    tag_ids = {pk for _s, f in parsed for pk in f.tag_ids}
    english = get_language() == "en"
    names: dict[str, dict[int, str]] = {
        "owner": dict(visible_employees(actor=actor).filter(pk__in=owners).values_list("pk", "name")) if owners else {},
        "department": dict(Department.objects.filter(org_id=actor.org_id, pk__in=departments).values_list("pk", "name"))
        if departments
        else {},
        "stage": {
            pk: (name_en if english and name_en else name)
            for pk, name, name_en in CustomerStage.objects.filter(org_id=actor.org_id, pk__in=stages).values_list(
                "pk", "name", "name_en"
            )
        }
        if stages
        else {},
        "tag": dict(Tag.objects.filter(org_id=actor.org_id, pk__in=tag_ids).values_list("pk", "name"))
        if tag_ids
        else {},
    }
    levels, sources = dict(CustomerLevel.choices), dict(CustomerSource.choices)

    def between(start: Any, end: Any) -> str:
        return f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}"

    def words(f: CustomerFilters) -> str:
        parts: list[tuple[Any, Any]] = [
            (_("Search"), f.search),
            (_("Owner"), names["owner"].get(f.owner_id or 0, "")),
            (_("Owner's department"), names["department"].get(f.department_id or 0, "")),
            (_("Level"), levels.get(f.level, "")),
            (_("Stage"), names["stage"].get(f.stage_id or 0, "")),
            (_("Tags"), ", ".join(names["tag"].get(pk, "?") for pk in f.tag_ids)),
            (_("Province"), f.province),
            (_("City"), f.city),
            (_("Industry"), f.industry),
            (_("Source"), sources.get(f.source, "")),
            (_("Created between"), between(f.created_from, f.created_to) if f.created_from or f.created_to else ""),
            (
                _("Last follow-up between"),
                between(f.followed_from, f.followed_to) if f.followed_from or f.followed_to else "",
            ),
            (_("Last visit between"), between(f.visited_from, f.visited_to) if f.visited_from or f.visited_to else ""),
        ]
        text = [_("%(label)s: %(value)s") % {"label": label, "value": value} for label, value in parts if value]
        if f.not_visited_days:
            text.append(_("Not visited for %(days)d days") % {"days": f.not_visited_days})
        if f.expiring:
            text.append(_("Returning to the pool soon"))
        if f.in_pool:
            text.append(_("Public pool"))
        if f.archived:
            text.append(_("Archived customers"))
        return " · ".join(text)

    return [(s, words(f)) for s, f in parsed]


@employee_required()
def saved_filter_manage(request: HttpRequest) -> HttpResponse:
    """The actor's saved filters: what each keeps, open it on the list or the map, rename it, delete it."""
    actor = actor_of(request)
    rows = _summaries(actor, list(saved_filters.saved_filter_list(actor=actor)))
    return render(request, "customers/saved_filters.html", {"saved_filters": rows})


@require_POST
@employee_required()
def saved_filter_edit(request: HttpRequest, saved_filter_id: int) -> HttpResponse:
    """One of the actor's saved filters: rename (`action=rename`, `name`) or delete (`action=delete`)."""
    actor = actor_of(request)
    try:
        if request.POST.get("action") == "delete":
            saved_filters.saved_filter_delete(actor=actor, saved_filter_id=saved_filter_id)
            if is_htmx(request):
                return HttpResponse("")  # the row goes
            messages.success(request, _("Saved filter deleted."))
        else:
            form = RenameForm(request.POST)
            if not form.is_valid():
                saved_filters.saved_filter_get(actor=actor, saved_filter_id=saved_filter_id)  # another's: 404
                messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
                return redirect("saved_filter_manage")
            saved_filters.saved_filter_update(
                actor=actor, saved_filter_id=saved_filter_id, name=form.cleaned_data["name"]
            )
            messages.success(request, _("Saved filter renamed."))
    except ServiceError as e:
        if e.status == 404:
            return render(request, "404.html", status=404)
        messages.error(request, " ".join(str(m) for ms in e.fields.values() for m in ms) or str(e.message))
    return redirect("saved_filter_manage")
