"""Access checks for HTML views (signed in with an active employee, and the role's permission), and the acting
employee of an API request."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Employee
from .permissions import Permission, has_permission


def actor_of(request: HttpRequest) -> Employee:
    """The employee an API request acts as (set by `fieldloop.api`'s token or session authentication)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


def employee_required(permission: Permission | None = None) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            employee = getattr(request, "employee", None)
            if employee is None or not employee.is_active:
                return redirect_to_login(request.get_full_path())
            if permission is not None and not has_permission(employee, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
