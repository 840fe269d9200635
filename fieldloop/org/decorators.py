"""Access checks for HTML views: signed in with an active employee, and the role's permission."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .actor import employee_of
from .permissions import Permission, has_permission


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
