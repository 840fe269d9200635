"""The JSON API at /api/v1/: authentication, the one error format, and every app's router."""

from collections.abc import Callable
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation
from ninja.security import APIKeyCookie, HttpBearer

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.input_guard import GuardedParser
from fieldloop.org.decorators import attach_employee, employee_of
from fieldloop.org.models import Employee
from fieldloop.org.services import api_token_authenticate


def _activate_employee_context(request: HttpRequest, employee: Employee) -> None:
    """What the session middleware does for browsers, for a token-authenticated request."""
    translation.activate(employee.language)
    request.LANGUAGE_CODE = employee.language  # type: ignore[attr-defined]
    timezone.activate(employee.org.time_zone)


class SessionAuth(APIKeyCookie):
    """The browser's login session (with Django's CSRF check on unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Employee | None:
        employee = employee_of(request)
        if employee is None or not employee.is_active:
            return None
        return employee


class TokenAuth(HttpBearer):
    """A personal API token: `Authorization: Bearer flp_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> Employee | None:
        employee = api_token_authenticate(token)  # raises a clear error for revoked/expired tokens
        attach_employee(request, employee)
        request.user = employee.user
        _activate_employee_context(request, employee)
        return employee


class FieldloopAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """`<app>_<module>_<function>`, as before the apps moved under `fieldloop/`: clients keep their ids."""
        return super().get_openapi_operation_id(operation).removeprefix("fieldloop_")


api = FieldloopAPI(
    title="Fieldloop API",
    version="1",
    description="Field sales CRM. Every create takes a client-generated UUID in the `Idempotency-Key` header and is "
    "applied once: a replay returns the first answer, with its status, and writes nothing.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    parser=GuardedParser(),
)


def error_response(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return error_response(request, exc.status, exc.as_dict())


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "query", "path", "header", "payload")]
        fields.setdefault(".".join(loc) or "__all__", []).append(_validation_message(error))
    body = {"code": ErrorCode.INVALID, "message": _("Please correct the errors below."), "fields": fields}
    return error_response(request, 422, body)


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type"}:
        return _("Enter a whole number.")
    if kind in {"uuid_parsing", "uuid_type"}:
        return _("Enter a valid UUID.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Enter a valid date.")
    if kind == "string_too_long":
        return _("This value is too long.")
    if kind in {"string_type", "bool_parsing", "bool_type", "dict_type", "list_type", "model_attributes_type"}:
        return _("This value has the wrong type.")
    if kind == "enum":
        return _("Choose one of the allowed values.")
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return _("This number is outside the allowed range.")
    if kind == "extra_forbidden":  # a schema that refuses fields it does not have (a saved filter's owner)
        return _("Unknown field.")
    return str(error.get("msg", _("This value is not valid.")))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": ErrorCode.UNAUTHENTICATED, "message": _("Sign in or send a valid API token."), "fields": {}}
    return error_response(request, 401, body)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, {"code": ErrorCode.NOT_FOUND, "message": _("Not found."), "fields": {}})


@csrf_exempt  # like every API route: a token client sends no CSRF cookie, and this answers nothing but 404
def route_not_found(request: HttpRequest) -> HttpResponse:
    """A path under /api/v1/ that names no route, such as `/customers/abc` (ids are whole numbers): the error
    format, not Django's HTML page. Mounted after the API's routes in fieldloop/urls.py."""
    return on_not_found(request, Http404())


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An id too large for the database (SQLite) cannot name a row: not found, like any missing row."""
    return on_not_found(request, Http404())


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """PostgreSQL's answer to an out-of-range id or value that validation let through."""
    return on_not_found(request, Http404())


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = ErrorCode.FORBIDDEN if exc.status_code == 403 else ErrorCode.INVALID
    message = _("CSRF check failed.") if exc.status_code == 403 else str(exc)
    return error_response(request, exc.status_code, {"code": code, "message": message, "fields": {}})


class MethodNotAllowedMiddleware:
    """ninja answers a method a route lacks with a plain-text 405; give it the error format (and keep Allow)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/") and "json" not in response["Content-Type"]:
            body = {
                "code": ErrorCode.METHOD_NOT_ALLOWED,
                "message": _("This method is not allowed here."),
                "fields": {},
            }
            allowed = response.get("Allow", "")
            response = JsonResponse(body, status=405)
            response["Allow"] = allowed
        return response


def register_routers() -> None:
    from fieldloop.activities.api import router as activities_router
    from fieldloop.attendance.api import router as attendance_router
    from fieldloop.customers.api import router as customers_router
    from fieldloop.formtemplates.api import router as formtemplates_router
    from fieldloop.notifications.api import router as notifications_router
    from fieldloop.org.api import router as org_router
    from fieldloop.sales.order_api import router as orders_router
    from fieldloop.sales.payment_api import router as payments_router
    from fieldloop.sales.product_api import router as products_router
    from fieldloop.schedules.api import router as schedules_router
    from fieldloop.schedules.card_api import router as daily_cards_router
    from fieldloop.schedules.plan_api import router as visit_plans_router
    from fieldloop.targets.achievement_api import router as achievement_router
    from fieldloop.targets.plan_api import router as target_plans_router
    from fieldloop.tracking.api import router as tracking_router

    api.add_router("/", org_router)
    api.add_router("/", customers_router)
    api.add_router("/", formtemplates_router)
    api.add_router("/", activities_router)
    api.add_router("/", attendance_router)
    api.add_router("/", notifications_router)
    api.add_router("/", schedules_router)
    api.add_router("/", visit_plans_router)
    api.add_router("/", daily_cards_router)
    api.add_router("/", tracking_router)
    api.add_router("/", products_router)
    api.add_router("/", payments_router)
    api.add_router("/", target_plans_router)
    api.add_router("/", orders_router)
    api.add_router("/", achievement_router)


register_routers()
