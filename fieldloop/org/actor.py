"""Who acts on a request: the signed-in employee.

The session middleware attaches it for browsers (`None` when nobody is signed in), the API's token
authentication for a bearer token; views and endpoints read it with `actor_of`, typed, after their
access check (`employee_required`, the API's `auth`) has let the request in.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import Employee

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
