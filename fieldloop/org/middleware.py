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
        request.LANGUAGE_CODE = employee.language  # type: ignore[attr-defined]
        # for this request only: the thread speaks its previous language again afterwards (a worker thread, or a
        # test calling services after a request, must not inherit the last employee's language and zone)
        with translation.override(employee.language), timezone.override(employee.org.time_zone):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", employee.language)
        return response
