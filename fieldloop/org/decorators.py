"""Who acts on a request, and the access checks for HTML views (signed in with an active employee, and the
role's permission).

The session middleware attaches the signed-in employee for browsers (`None` when nobody is signed in), the
API's token authentication for a bearer token; views and endpoints read it with `actor_of`, typed, after
their access check (`employee_required`, the API's `auth`) has let the request in.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Employee
from .permissions import Permission, has_permission

ATTRIBUTE = "employee"


def attach_employee(request: HttpRequest, employee: Employee | None) -> None:
    setattr(request, ATTRIBUTE, employee)


def employee_of(request: HttpRequest) -> Employee | None:
    """The signed-in employee (active or not), or None."""
    employee = getattr(request, ATTRIBUTE, None)
    return employee if isinstance(employee, Employee) else None


def actor_of(request: HttpRequest) -> Employee:
    """The active employee the request acts as. A view reached without an access check fails closed
    (403), never as someone else or with an AttributeError."""
    employee = employee_of(request)
    if employee is None or not employee.is_active:
        raise PermissionDenied
    return employee


def employee_required(permission: Permission | None = None) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            employee = employee_of(request)
            if employee is None or not employee.is_active:
                return redirect_to_login(request.get_full_path())
            if permission is not None and not has_permission(employee, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
