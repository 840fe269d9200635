"""Attach the signed-in user's Employee to the request and speak their language."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .models import Employee


class EmployeeLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        employee: Employee | None = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            employee = Employee.objects.select_related("org", "department", "user").filter(user_id=user.pk).first()
        request.employee = employee  # type: ignore[attr-defined]
        if employee is not None:
            translation.activate(employee.language)
            request.LANGUAGE_CODE = employee.language  # type: ignore[attr-defined]
        response = self.get_response(request)
        if employee is not None:
            response.headers.setdefault("Content-Language", employee.language)
        return response
