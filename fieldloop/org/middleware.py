"""Attach the signed-in user's Employee to the request; speak their language, show their organization's time."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .decorators import attach_employee
from .models import Employee


class EmployeeContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()  # a token-authenticated API request may have left its zone on this thread
        employee: Employee | None = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            employee = Employee.objects.select_related("org", "department", "user").filter(user_id=user.pk).first()
        attach_employee(request, employee)
        if employee is None:
            return self.get_response(request)
        translation.activate(employee.language)
        request.LANGUAGE_CODE = employee.language  # type: ignore[attr-defined]
        timezone.activate(employee.org.time_zone)
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", employee.language)
        return response
