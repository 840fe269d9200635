"""The lifecycle stages page (administrators): add, rename, reorder, mark won, deactivate, delete.
Parse, call one function of customers/stages.py, render."""

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

from . import stages
from .forms import StageForm


def _page(request: HttpRequest, actor: Employee, form: StageForm, status: int = 200) -> HttpResponse:
    rows = stages.stage_list(actor=actor, include_inactive=True)
    usage = stages.stage_usage(actor=actor)
    context = {"stages": [(s, usage.get(s.pk, 0)) for s in rows], "form": form, "last": len(rows) - 1}
    return render(request, "customers/stage_list.html", context, status=status)


@employee_required(Permission.MANAGE_ORGANIZATION)
def stage_list(request: HttpRequest) -> HttpResponse:
    """GET: the stages in order, with how many customers each has. POST: add a stage."""
    actor = actor_of(request)
    form = StageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stage = stages.stage_create(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Stage “%(name)s” added.") % {"name": stage.name})
            return redirect("stage_list")
    return _page(request, actor, form, status=400 if form.errors else 200)


@require_POST
@employee_required(Permission.MANAGE_ORGANIZATION)
def stage_edit(request: HttpRequest, stage_id: int) -> HttpResponse:
    """One stage's row: save (names, won), up, down, deactivate, activate or delete."""
    actor = actor_of(request)
    action = request.POST.get("action", "save")
    try:
        if action == "delete":
            stages.stage_delete(actor=actor, stage_id=stage_id)
        elif action in ("up", "down"):
            position = int(request.POST.get("position", "0")) + (-1 if action == "up" else 1)
            stages.stage_update(actor=actor, stage_id=stage_id, position=max(position, 0))
        elif action in ("deactivate", "activate"):
            stages.stage_update(actor=actor, stage_id=stage_id, is_active=action == "activate")
        else:
            form = StageForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
                return redirect("stage_list")
            stages.stage_update(actor=actor, stage_id=stage_id, **form.cleaned_data)
    except ServiceError as e:
        if e.status == 404:
            return render(request, "404.html", status=404)
        messages.error(request, " ".join(str(m) for ms in e.fields.values() for m in ms) or str(e.message))
    except ValueError:
        messages.error(request, _("Please correct the errors below."))
    else:
        messages.success(request, _("Stages saved."))
    return redirect("stage_list")
