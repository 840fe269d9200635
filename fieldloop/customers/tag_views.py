"""The tags page (administrators: the permission that manages the other customer settings): list the
organization's tags with how many customers have each, add one, rename, recolour, regroup, archive and restore.
Parse, call one function of customers/tags.py, render."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission

from . import tags
from .forms import TagForm
from .models import TagColour


def _page(request: HttpRequest, actor: Employee, form: TagForm, status: int = 200) -> HttpResponse:
    usage = tags.tag_usage(actor=actor)
    rows = [(t, usage.get(t.pk, 0)) for t in tags.tag_list(actor=actor, include_archived=True)]
    context = {"tags": rows, "form": form, "colours": TagColour.choices}
    return render(request, "customers/tag_list.html", context, status=status)


@employee_required(Permission.MANAGE_ORGANIZATION)
def tag_list(request: HttpRequest) -> HttpResponse:
    """GET: the tags by group and name, with how many customers have each. POST: add a tag."""
    actor = actor_of(request)
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = tags.tag_create(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Tag “%(name)s” added.") % {"name": tag.name})
            return redirect("tag_list")
    return _page(request, actor, form, status=400 if form.errors else 200)


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def tag_edit(request: HttpRequest, tag_id: int) -> HttpResponse:
    """One tag's row: save (name, colour, group), archive or restore."""
    actor = actor_of(request)
    action = request.POST.get("action", "save")
    try:
        if action in ("archive", "restore"):
            tags.tag_update(actor=actor, tag_id=tag_id, archived=action == "archive")
        else:
            form = TagForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
                return redirect("tag_list")
            tags.tag_update(actor=actor, tag_id=tag_id, **form.cleaned_data)
    except ServiceError as e:
        if e.status == 404:
            return render(request, "404.html", status=404)
        messages.error(request, " ".join(str(m) for ms in e.fields.values() for m in ms) or str(e.message))
    else:
        messages.success(request, _("Tags saved."))
    return redirect("tag_list")
