"""A service error that reaches an HTML view unhandled becomes a proper 4xx page, never a 500."""

from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import ServiceError, not_found


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OverflowError, DataError)):  # an id too large to name any row
            exception = not_found()
        if not isinstance(exception, ServiceError):
            return None
        return render(request, "error.html", {"error": exception}, status=exception.status)
