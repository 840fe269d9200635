"""Text no database stores: refused once, at the edge, before any view, form or query sees it.

A NUL character (PostgreSQL refuses it in text; SQLite stores it and cuts strings at it elsewhere) and a
lone UTF-16 surrogate (`"\\ud8ef"` in JSON: not encodable as UTF-8) are never meaningful in a CRM. Every
query parameter, form field and JSON string of a request is checked here; a request carrying one gets a
400 naming the field, in the user's language: the API's error format for /api/, an error page otherwise.
"""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.parser import Parser

from .errors import ErrorCode, ServiceError

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_unsafe_text(value: str) -> bool:
    """True for text with a NUL or a lone surrogate."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unsafe_json_fields(data: Any, path: str = "") -> Iterator[str]:
    """The dotted paths (`lines.0.note`) of every unsafe string, key or value, in parsed JSON."""
    if isinstance(data, str):
        if is_unsafe_text(data):
            yield path or "__all__"
    elif isinstance(data, dict):
        for key, value in data.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and is_unsafe_text(key):
                yield path or "__all__"
            else:
                yield from unsafe_json_fields(value, child)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from unsafe_json_fields(value, f"{path}.{i}" if path else str(i))


def unsafe_querydict_fields(data: Any) -> list[str]:
    """The keys of a QueryDict (or of uploaded files, by their names) holding unsafe text."""
    fields = []
    for key, values in data.lists():
        texts = [getattr(v, "name", v) or "" for v in values]
        if is_unsafe_text(key) or any(is_unsafe_text(t) for t in texts if isinstance(t, str)):
            fields.append(key)
    return fields


def _unsafe_form_fields(request: HttpRequest) -> list[str]:
    fields = unsafe_querydict_fields(request.GET)
    # An API request's form fields are read by the API's parser (reading them here would consume a body
    # the API may want as JSON); a page's are checked here.
    is_form = request.method == "POST" and request.content_type in FORM_TYPES
    if is_form and not request.path.startswith(API_PREFIX):
        fields += unsafe_querydict_fields(request.POST) + unsafe_querydict_fields(request.FILES)
    return fields


# In an ASCII body, JSON can carry a NUL or a surrogate only as an escape: \u0000, \uD800-\uDFFF.
UNSAFE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
PARSED = "_fieldloop_json"  # the request attribute holding the body parsed here, for the API's parser


def may_hold_unsafe_text(body: bytes) -> bool:
    """False when no string of this JSON body can hold unsafe text: ASCII (so UTF-8, not UTF-16), no NUL byte,
    no escape of a NUL or a surrogate. A fast test of the bytes; True means the parsed strings must be walked."""
    return not body.isascii() or b"\x00" in body or UNSAFE_ESCAPE.search(body) is not None


def _json_problem(request: HttpRequest) -> ServiceError | None:
    if request.content_type != "application/json" or not request.body:
        return None
    try:
        data = json.loads(request.body)
    except ValueError:  # includes UnicodeDecodeError
        return ServiceError(ErrorCode.INVALID, _("The request body is not valid JSON."))
    setattr(request, PARSED, data)
    if not may_hold_unsafe_text(request.body):
        return None
    fields = sorted(set(unsafe_json_fields(data)))
    return refusal(fields) if fields else None


def refusal(fields: list[str]) -> ServiceError:
    message = _("Remove the invisible control characters from this text.")
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), {f: [message] for f in fields})


class GuardedParser(Parser):
    """The API's parser: form fields and uploaded file names with unsafe text are refused like JSON strings; a
    JSON body the guard parsed is not parsed again."""

    def parse_body(self, request: HttpRequest) -> Any:
        if hasattr(request, PARSED):
            return getattr(request, PARSED)
        return super().parse_body(request)

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        fields = unsafe_querydict_fields(data)
        if fields:
            raise refusal(sorted(set(fields)))
        return super().parse_querydict(data, list_fields, request)


class InputGuardMiddleware:
    """Refuses a request whose query, form fields, file names or JSON strings hold unsafe text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = _unsafe_form_fields(request)
        problem = refusal(sorted(set(fields))) if fields else None
        if problem is None and request.path.startswith(API_PREFIX) and request.method in ("POST", "PUT", "PATCH"):
            problem = _json_problem(request)
        if problem is None:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            return JsonResponse(problem.as_dict(), status=problem.status)
        return render(request, "error.html", {"error": problem}, status=problem.status)
