"""HTML pages of the org app. Each view parses, checks access, calls one service or selector, renders."""

from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.core.redirects import safe_next

from . import selectors, services
from .decorators import actor_of, employee_required
from .departures import holdings_of
from .forms import (
    ApiTokenForm,
    DepartmentForm,
    DepartmentMoveForm,
    EmployeeForm,
    LanguageForm,
    OrganizationForm,
    PasswordChangeForm,
    ResetPasswordForm,
)
from .models import ApiToken, Role
from .permissions import Permission, has_permission, permission_matrix
from .waiting import waiting_for

PAGE_SIZE = 50


@employee_required()
def home(request: HttpRequest) -> HttpResponse:
    """A leader's overview (what waits for their decision, the team by role, where to start). Someone who
    leads nobody starts on Today, their day (sign-in sends them there directly; this answers old bookmarks and
    links)."""
    actor = actor_of(request)
    if selectors.starts_on_today(actor=actor):
        return redirect("phone_today")
    visible = selectors.visible_employees(actor=actor)
    by_role = dict(visible.active().values_list("role").annotate(n=Count("id")).values_list("role", "n"))
    context: dict[str, Any] = {
        "visible_count": sum(by_role.values()),
        "by_role": [(Role(role).label, by_role.get(role, 0)) for role in Role if by_role.get(role)],
        "data_scope": actor.org.data_scope_for(actor.role),
        "department_count": selectors.department_list(actor=actor).count(),
        "is_admin": actor.role == Role.ADMIN,
        "is_manager": actor.role in (Role.MANAGER, Role.DIRECTOR),
        "waiting": waiting_for(actor),
    }
    return render(request, "org/home.html", context)


# --- Departments ----------------------------------------------------------------


@employee_required(Permission.VIEW_DEPARTMENTS)
def department_tree(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    include_archived = request.GET.get("archived") == "1"
    tree = selectors.department_tree(actor=actor, include_archived=include_archived)
    context = {
        "tree": tree,
        "include_archived": include_archived,
        "can_manage": has_permission(actor, Permission.MANAGE_DEPARTMENTS),
        "form": DepartmentForm(org_id=actor.org_id),
    }
    return render(request, "org/department_tree.html", context)


@employee_required(Permission.MANAGE_DEPARTMENTS)
def department_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = DepartmentForm(request.POST or None, org_id=actor.org_id, initial={"parent_id": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Department “%(name)s” created.") % {"name": department.name})
            return redirect("department_tree")
    return render(request, "org/department_form.html", {"form": form, "title": _("New department")})


@employee_required(Permission.MANAGE_DEPARTMENTS)
def department_edit(request: HttpRequest, department_id: int) -> HttpResponse:
    actor = actor_of(request)
    department = selectors.department_get(actor=actor, department_id=department_id)
    initial = {"name": department.name, "manager_id": department.manager_id}
    form = DepartmentForm(request.POST or None, org_id=actor.org_id, editing=True, initial=initial)
    move_form = DepartmentMoveForm(org_id=actor.org_id, initial={"parent_id": department.parent_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(actor=actor, department_id=department.pk, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Department saved."))
            return redirect("department_tree")
    context = {"form": form, "move_form": move_form, "department": department, "title": department.name}
    return render(request, "org/department_form.html", context)


@require_POST
@employee_required(Permission.MANAGE_DEPARTMENTS)
def department_move(request: HttpRequest, department_id: int) -> HttpResponse:
    actor = actor_of(request)
    department = selectors.department_get(actor=actor, department_id=department_id)
    form = DepartmentMoveForm(request.POST, org_id=actor.org_id)
    if form.is_valid():
        try:
            services.department_move(
                actor=actor, department_id=department.pk, new_parent_id=form.cleaned_data["parent_id"]
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Department moved."))
            return redirect("department_tree")
    edit_form = DepartmentForm(
        org_id=actor.org_id, editing=True, initial={"name": department.name, "manager_id": department.manager_id}
    )
    context = {"form": edit_form, "move_form": form, "department": department, "title": department.name}
    return render(request, "org/department_form.html", context, status=400)


@require_POST
@employee_required(Permission.MANAGE_DEPARTMENTS)
def department_archive(request: HttpRequest, department_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        department = services.department_archive(actor=actor, department_id=department_id)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Department “%(name)s” archived.") % {"name": department.name})
    return redirect("department_tree")


# --- Employees ----------------------------------------------------------------


@employee_required(Permission.VIEW_EMPLOYEES)
def employee_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    department = None
    if request.GET.get("department", "").isdigit():
        department = selectors.department_get(actor=actor, department_id=int(request.GET["department"]))
    search = request.GET.get("q", "").strip()[:80]
    include_left = request.GET.get("left") == "1"
    qs = selectors.employee_list(actor=actor, department=department, include_left=include_left, search=search)
    page = keyset_page(qs, ordering=("name", "id"), cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    context = {
        "page": page,
        "search": search,
        "department": department,
        "include_left": include_left,
        "departments": selectors.department_list(actor=actor),
        "can_manage": has_permission(actor, Permission.MANAGE_EMPLOYEES),
    }
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "org/employee_list.html#rows", context)
    return render(request, "org/employee_list.html", context)


@employee_required(Permission.VIEW_EMPLOYEES)
def employee_detail(request: HttpRequest, employee_id: int) -> HttpResponse:
    actor = actor_of(request)
    employee = selectors.employee_get(actor=actor, employee_id=employee_id)
    context = {
        "subject": employee,
        "can_manage": has_permission(actor, Permission.MANAGE_EMPLOYEES),
        "reset_form": ResetPasswordForm(),
        "holdings": holdings_of(employee),
    }
    return render(request, "org/employee_detail.html", context)


@employee_required(Permission.MANAGE_EMPLOYEES)
def employee_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = EmployeeForm(request.POST or None, org_id=actor.org_id, initial={"language": actor.org.language})
    if request.method == "POST" and form.is_valid():
        try:
            employee = services.employee_create(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Employee “%(name)s” created.") % {"name": employee.name})
            return redirect("employee_detail", employee_id=employee.pk)
    return render(request, "org/employee_form.html", {"form": form, "title": _("New employee")})


@employee_required(Permission.MANAGE_EMPLOYEES)
def employee_edit(request: HttpRequest, employee_id: int) -> HttpResponse:
    actor = actor_of(request)
    employee = selectors.employee_get(actor=actor, employee_id=employee_id)
    initial = {
        "name": employee.name,
        "phone": employee.phone,
        "employee_number": employee.employee_number,
        "department_id": employee.department_id,
        "manager_id": employee.manager_id,
        "role": employee.role,
        "language": employee.language,
    }
    form = EmployeeForm(request.POST or None, org_id=actor.org_id, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.employee_update(actor=actor, employee_id=employee.pk, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Employee saved."))
            return redirect("employee_detail", employee_id=employee.pk)
    return render(request, "org/employee_form.html", {"form": form, "title": employee.name, "subject": employee})


@require_POST
@employee_required(Permission.MANAGE_EMPLOYEES)
def employee_leave(request: HttpRequest, employee_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        employee = services.employee_mark_left(actor=actor, employee_id=employee_id)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("%(name)s is marked as left; their sign-in has stopped.") % {"name": employee.name})
    return redirect("employee_detail", employee_id=employee_id)


@require_POST
@employee_required(Permission.MANAGE_EMPLOYEES)
def employee_reset_password(request: HttpRequest, employee_id: int) -> HttpResponse:
    actor = actor_of(request)
    employee = selectors.employee_get(actor=actor, employee_id=employee_id)
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.employee_reset_password(actor=actor, employee_id=employee.pk, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Password reset for %(name)s.") % {"name": employee.name})
            return redirect("employee_detail", employee_id=employee.pk)
    context = {"subject": employee, "can_manage": True, "reset_form": form}
    return render(request, "org/employee_detail.html", context, status=400)


# --- Organization settings ----------------------------------------------------------


@employee_required(Permission.MANAGE_ORGANIZATION)
def organization_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    org = actor.org
    initial: dict[str, Any] = {
        "name": org.name,
        "time_zone": org.time_zone,
        "currency": org.currency,
        "language": org.language,
        "export_roles": org.export_roles,
    }
    initial.update({f"scope_{role.value}": org.data_scope_for(role) for role in Role})
    form = OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organization_update(
                actor=actor,
                name=data["name"],
                time_zone=data["time_zone"],
                currency=data["currency"],
                language=data["language"],
                data_scopes=form.data_scopes(),
                export_roles=data["export_roles"],
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Organization settings saved."))
            return redirect("organization_settings")
    context = {"form": form, "roles": list(Role), "permission_matrix": permission_matrix(org)}
    return render(request, "org/organization_settings.html", context)


# --- Profile: language, password, API tokens ---------------------------------------------


@employee_required()
def profile(request: HttpRequest) -> HttpResponse:
    return _render_profile(request)


def _render_profile(request: HttpRequest, status: int = 200, **overrides: Any) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "language_form": LanguageForm(initial={"language": actor.language}),
        "password_form": PasswordChangeForm(),
        "token_form": ApiTokenForm(),
        "tokens": ApiToken.objects.filter(org_id=actor.org_id, employee=actor).order_by("-created_at"),
        "new_token": None,
        "now": timezone.now(),
        **overrides,
    }
    return render(request, "org/profile.html", context, status=status)


@require_POST
@employee_required()
def language_switch(request: HttpRequest) -> HttpResponse:
    from django.conf import settings
    from django.utils import translation

    actor = actor_of(request)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, status=400, language_form=form)
    services.employee_set_language(actor=actor, language=form.cleaned_data["language"])
    translation.activate(actor.language)
    response = redirect(safe_next(request, "profile"))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, actor.language, samesite="Lax", max_age=365 * 86400)
    return response


@require_POST
@employee_required()
def password_change(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            services.password_change(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            update_session_auth_hash(request, actor.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("profile")
    return _render_profile(request, status=400, password_form=form)


@require_POST
@employee_required(Permission.USE_API)
def api_token_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = None
        if expires_on:
            expires_at = timezone.make_aware(datetime.combine(expires_on, time.max), timezone.get_current_timezone())
        try:
            issued = services.api_token_create(actor=actor, name=form.cleaned_data["name"], expires_at=expires_at)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            return _render_profile(request, new_token=issued.secret)
    return _render_profile(request, status=400, token_form=form)


@require_POST
@employee_required()
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(actor=actor_of(request), token_id=token_id)
    messages.success(request, _("The token has been revoked."))
    return redirect("profile")
